//! When a failed exchange is sent again (DECISIONS D5): which answers and failures, for which
//! methods, how many times, and how long to wait in between.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

pub const MAX_RETRIES: u32 = 3;
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// Which methods may send a request again after this failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    /// Nothing reached the server (the connection was refused).
    Always,
    /// The request may have been processed: only GET and DELETE are sent again.
    IfIdempotent,
    Never,
}

/// What may be retried (D5): everything safe for API calls; only a 429 or a refused
/// connection for token requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Api,
    Token,
}

pub fn should_retry_status(status: StatusCode, method: &Method, policy: Policy) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (policy == Policy::Api && matches!(status.as_u16(), 502..=504) && is_idempotent(method))
}

pub fn should_retry_failure(resend: Resend, method: &Method, policy: Policy) -> bool {
    match resend {
        Resend::Always => true,
        Resend::IfIdempotent => policy == Policy::Api && is_idempotent(method),
        Resend::Never => false,
    }
}

fn is_idempotent(method: &Method) -> bool {
    *method == Method::GET || *method == Method::DELETE
}

/// `Retry-After` as delta-seconds or an HTTP-date, capped at 60 s.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = crate::transport::http_date::parse(value)?;
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_WAIT))
}

/// 1 s, 2 s, 4 s, each times a random factor in [0.5, 1].
pub fn backoff(retry: u32) -> Duration {
    let base = Duration::from_secs(1 << (retry - 1).min(5));
    base.mul_f64(0.5 + 0.5 * crate::support::random::fraction())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retries_only_what_is_safe() {
        let cases = [
            (429, Method::POST, true),
            (429, Method::PATCH, true),
            (503, Method::GET, true),
            (502, Method::DELETE, true),
            (504, Method::GET, true),
            (503, Method::POST, false),
            (500, Method::GET, false),
            (404, Method::GET, false),
            (200, Method::GET, false),
        ];
        for (status, method, want) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                should_retry_status(status, &method, Policy::Api),
                want,
                "{status} {method}"
            );
        }
        assert!(should_retry_failure(
            Resend::Always,
            &Method::POST,
            Policy::Api
        ));
        assert!(!should_retry_failure(
            Resend::IfIdempotent,
            &Method::POST,
            Policy::Api
        ));
        assert!(should_retry_failure(
            Resend::IfIdempotent,
            &Method::GET,
            Policy::Api
        ));
        assert!(!should_retry_failure(
            Resend::Never,
            &Method::GET,
            Policy::Api
        ));
        // Token requests: only a 429 or a refused connection.
        let token = Policy::Token;
        assert!(should_retry_status(
            StatusCode::TOO_MANY_REQUESTS,
            &Method::POST,
            token
        ));
        assert!(!should_retry_status(
            StatusCode::SERVICE_UNAVAILABLE,
            &Method::GET,
            token
        ));
        assert!(should_retry_failure(Resend::Always, &Method::POST, token));
        assert!(!should_retry_failure(
            Resend::IfIdempotent,
            &Method::GET,
            token
        ));
    }

    #[test]
    fn retry_after_is_capped_and_understands_dates() {
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
            h
        };
        assert_eq!(retry_after(&headers("0")), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers("3600")), Some(MAX_RETRY_WAIT));
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for (retry, base) in [(1, 1.0), (2, 2.0), (3, 4.0)] {
            for _ in 0..20 {
                let wait = backoff(retry).as_secs_f64();
                assert!(wait >= base * 0.5 && wait <= base, "{retry}: {wait}");
            }
        }
    }
}

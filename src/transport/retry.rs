//! When a failed exchange is sent again (README "Retries"): which answers and failures, for which
//! methods, how many times, and how long to wait in between.

use std::time::{Duration, SystemTime};

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

/// What may be retried ("Retries"): everything safe for API calls; only a 429 or a refused
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

/// GET, PUT and DELETE: sending them twice does what sending them once does.
fn is_idempotent(method: &Method) -> bool {
    *method == Method::GET || *method == Method::PUT || *method == Method::DELETE
}

/// `Retry-After` as delta-seconds or an HTTP-date (parsed by `httpdate`: IMF-fixdate and the
/// two obsolete forms RFC 9110 5.6.7 says a recipient must accept), capped at 60 s; a date in
/// the past is no wait. `None` (so the caller's backoff applies) for anything else.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(SystemTime::now())
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
            (503, Method::PUT, true),
            (503, Method::PATCH, false),
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
    fn retry_after_dates_in_every_form_and_never_a_panic() {
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
            h
        };
        // Past dates, in the three forms a recipient must accept: no wait.
        for past in [
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Tue, 29 Feb 2000 12:00:00 GMT",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(retry_after(&headers(past)), Some(Duration::ZERO), "{past}");
        }
        // A date in the future: at most 60 s, however far.
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(&headers(&soon)).unwrap();
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28),
            "{wait:?}"
        );
        for far in [
            "Tue, 29 Feb 2028 12:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(retry_after(&headers(far)), Some(MAX_RETRY_WAIT), "{far}");
        }
        // Huge years (once an overflow of the seconds count), and other dates that are not
        // HTTP-dates: unparsable, so the backoff applies.
        for bad in [
            "Fri, 31 Dec 99999 23:59:59 GMT",
            "Fri, 31 Dec 18446744073709551615 23:59:59 GMT",
            "Mon, 01 Jan 584554051223 00:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "-1",
            "99999999999999999999999",
            "",
        ] {
            assert_eq!(retry_after(&headers(bad)), None, "{bad}");
        }
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

//! The only network code: builds the HTTP client and sends the command's request — one
//! exchange (a request, or the two legs of a digest handshake), retried by the rules of
//! DECISIONS D5 — returning the final status and body.
//!
//! Network failures become one line naming the method, the URL and the cause (D12); each
//! retry prints one warning line; `--debug` dumps every request and response, redacted (D8).

use std::error::Error as StdError;
use std::fmt;
use std::io::Write;
use std::time::Duration;

use anyhow::{Result, anyhow};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

use crate::auth::{self, Challenge, Credentials};
use crate::dump::Dumper;
use crate::proxy::ProxySettings;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_RETRIES: u32 = 3;
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// What came back: the final answer of the exchange, body fully read.
#[derive(Debug)]
pub struct CommandResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl CommandResponse {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    fn status_line(&self) -> String {
        format!(
            "{} {}",
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string()
    }
}

/// Which methods may send a request again after this failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resend {
    /// Nothing reached the server (the connection was refused).
    Always,
    /// The request may have been processed: only GET and DELETE are sent again.
    IfIdempotent,
    Never,
}

/// A failed exchange, with its complete message.
#[derive(Debug)]
pub struct Failure {
    resend: Resend,
    cause: String,
    message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Sends requests with the profile's credentials.
pub struct Executor {
    client: reqwest::Client,
    timeout_secs: u64,
    dumper: Option<Dumper>,
}

impl Executor {
    /// `https` says whether TLS will be needed: the OS trust store is loaded only then.
    pub fn new(
        timeout_secs: u64,
        proxies: ProxySettings,
        https: bool,
        dumper: Option<Dumper>,
    ) -> Result<Executor> {
        // One process-wide TLS provider; a second install attempt is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(Duration::from_secs(timeout_secs))
            .no_proxy();
        if !https {
            builder = builder.tls_certs_only(Vec::new());
        }
        if !proxies.is_empty() {
            builder = builder.proxy(reqwest::Proxy::custom(move |url| proxies.proxy_for(url)));
        }
        let client = builder.build().map_err(|e| {
            if https {
                anyhow!(
                    "cannot load TLS trust roots: {} (looked at SSL_CERT_FILE, SSL_CERT_DIR and the system store)",
                    error_chain_text(&e).trim_start_matches("unexpected error: ")
                )
            } else {
                anyhow!("cannot set up the HTTP client: {}", error_chain_text(&e))
            }
        })?;
        Ok(Executor {
            client,
            timeout_secs,
            dumper,
        })
    }

    /// Sends the request, retrying as D5 allows; the last answer or failure is the result.
    pub async fn execute(
        &self,
        request: reqwest::Request,
        credentials: &Credentials,
    ) -> Result<CommandResponse> {
        let method = request.method().clone();
        let mut retry = 0;
        loop {
            let attempt = request
                .try_clone()
                .ok_or_else(|| anyhow!("the request body cannot be sent twice"))?;
            let outcome = self.exchange(attempt, credentials).await;
            let reason = match &outcome {
                Ok(response) if should_retry_status(response.status, &method) => {
                    response.status_line()
                }
                Err(failure) if should_retry_failure(failure.resend, &method) => {
                    failure.cause.clone()
                }
                _ => return outcome.map_err(anyhow::Error::new),
            };
            if retry == MAX_RETRIES {
                return outcome.map_err(anyhow::Error::new);
            }
            retry += 1;
            let retry_after = outcome.as_ref().ok().and_then(|r| retry_after(&r.headers));
            let wait = retry_after.unwrap_or_else(|| backoff(retry));
            eprintln!(
                "warning: {}: {reason}, retrying in {:.1}s (retry {retry} of {MAX_RETRIES})",
                describe(&request),
                wait.as_secs_f64()
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One complete exchange: for digest credentials the unauthenticated leg, then (on a
    /// challenge) the signed one, whose answer is final.
    async fn exchange(
        &self,
        request: reqwest::Request,
        credentials: &Credentials,
    ) -> Result<CommandResponse, Failure> {
        let Credentials::ApiKeys { public, private } = credentials else {
            return self.send(request).await;
        };
        let first_leg = request.try_clone().ok_or_else(|| Failure {
            resend: Resend::Never,
            cause: String::new(),
            message: "the request body cannot be sent twice".to_string(),
        })?;
        let first = self.send(first_leg).await?;
        let unusable = |reason: String| Failure {
            resend: Resend::Never,
            message: format!(
                "{}: unsupported digest challenge: {reason}",
                describe(&request)
            ),
            cause: reason,
        };
        match auth::challenge(first.status, &first.headers) {
            Ok(Challenge::None) => Ok(first),
            Ok(Challenge::Digest) => {
                let answer = auth::digest_authorization(&request, &first.headers, public, private)
                    .map_err(|e| unusable(e.to_string()))?;
                self.send(auth::with_authorization(request, answer)).await
            }
            Err(reason) => Err(unusable(reason)),
        }
    }

    /// Sends one request and reads its whole body.
    async fn send(&self, request: reqwest::Request) -> Result<CommandResponse, Failure> {
        let what = describe(&request);
        if let Some(dumper) = &self.dumper {
            dump(&dumper.request(&request, &user_agent()));
        }
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| self.failure(&what, &e, false))?;
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.failure(&what, &e, true))?;
        if let Some(dumper) = &self.dumper {
            dump(&dumper.response(version, status, &headers, &body));
        }
        Ok(CommandResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }

    fn failure(&self, what: &str, error: &reqwest::Error, reading_body: bool) -> Failure {
        let (resend, cause) = if error.is_timeout() {
            let secs = if error.is_connect() {
                CONNECT_TIMEOUT.as_secs()
            } else {
                self.timeout_secs
            };
            (Resend::Never, format!("timed out after {secs}s"))
        } else if reading_body {
            (Resend::IfIdempotent, DROPPED.to_string())
        } else {
            network_cause(error)
        };
        Failure {
            resend,
            message: format!("{what}: {cause}"),
            cause,
        }
    }
}

const DROPPED: &str = "connection closed before the response was complete";

fn dump(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
}

fn should_retry_status(status: StatusCode, method: &Method) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (matches!(status.as_u16(), 502..=504) && is_idempotent(method))
}

fn should_retry_failure(resend: Resend, method: &Method) -> bool {
    match resend {
        Resend::Always => true,
        Resend::IfIdempotent => is_idempotent(method),
        Resend::Never => false,
    }
}

fn is_idempotent(method: &Method) -> bool {
    *method == Method::GET || *method == Method::DELETE
}

/// `Retry-After` as delta-seconds or an HTTP-date, capped at 60 s.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = crate::http_date::parse(value)?;
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_WAIT))
}

/// 1 s, 2 s, 4 s, each times a random factor in [0.5, 1].
fn backoff(retry: u32) -> Duration {
    let base = Duration::from_secs(1 << (retry - 1).min(5));
    base.mul_f64(0.5 + 0.5 * crate::random::fraction())
}

/// `POST http://…/apiKeys`: how a request is named in errors and warnings.
pub fn describe(request: &reqwest::Request) -> String {
    format!("{} {}", request.method(), request.url())
}

fn user_agent() -> String {
    format!(
        "atlas/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// The cause of a failure to get a response, in the words of DECISIONS D12.
fn network_cause(error: &reqwest::Error) -> (Resend, String) {
    let chain = error_chain(error);
    let host = error
        .url()
        .and_then(|u| u.host_str())
        .unwrap_or_default()
        .to_string();
    if let Some(tls) = chain.iter().find_map(|e| tls_cause(*e, &host)) {
        return (Resend::Never, tls);
    }
    for e in &chain {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return (Resend::Always, "connection refused".to_string());
                }
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe => {
                    return (Resend::IfIdempotent, DROPPED.to_string());
                }
                _ => {}
            }
        }
    }
    let text: Vec<String> = chain.iter().map(|e| e.to_string()).collect();
    if text
        .iter()
        .any(|t| t.contains("dns error") || t.contains("lookup address"))
    {
        return (Resend::Never, format!("cannot resolve host {host:?}"));
    }
    if text.iter().any(|t| {
        t.contains("connection closed") || t.contains("IncompleteMessage") || t.contains("reset")
    }) {
        return (Resend::IfIdempotent, DROPPED.to_string());
    }
    (Resend::Never, error_chain_text(error))
}

/// The innermost, most specific message of an error chain.
fn error_chain_text(error: &(dyn StdError + 'static)) -> String {
    error_chain(error)
        .last()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

fn tls_cause(error: &(dyn StdError + 'static), host: &str) -> Option<String> {
    let rustls_error = find_rustls_error(error)?;
    let text = match rustls_error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. } => {
                "TLS: certificate expired".to_string()
            }
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. } => {
                format!("TLS: certificate not valid for {host:?}")
            }
            rustls::CertificateError::UnknownIssuer | rustls::CertificateError::BadSignature => {
                "TLS: certificate signed by unknown authority".to_string()
            }
            other => format!("TLS: invalid certificate: {other:?}"),
        },
        other => format!("TLS: {other}"),
    };
    Some(text)
}

/// io::Error hides its inner error from `source()`: look inside each layer.
fn find_rustls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

fn error_chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut chain = vec![error];
    let mut current = error.source();
    while let Some(e) = current {
        chain.push(e);
        current = e.source();
    }
    chain
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
                should_retry_status(status, &method),
                want,
                "{status} {method}"
            );
        }
        assert!(should_retry_failure(Resend::Always, &Method::POST));
        assert!(!should_retry_failure(Resend::IfIdempotent, &Method::POST));
        assert!(should_retry_failure(Resend::IfIdempotent, &Method::GET));
        assert!(!should_retry_failure(Resend::Never, &Method::GET));
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

//! Why an exchange failed, in the words of DECISIONS D12 (`connection refused`, `cannot
//! resolve host`, `TLS: …`, `connection closed before the response was complete`), and whether
//! the request may be sent again.

use std::error::Error as StdError;
use std::fmt;

use crate::retry::Resend;

/// `429 Too Many Requests`: the code and its canonical reason.
pub fn status_line(status: reqwest::StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_string()
}

pub const DROPPED: &str = "connection closed before the response was complete";

/// A failed exchange, with its complete message.
#[derive(Debug)]
pub struct Failure {
    pub resend: Resend,
    pub cause: String,
    pub message: String,
}

impl Failure {
    /// `what` (method and URL) failed because of `cause`.
    pub fn new(resend: Resend, what: &str, cause: String) -> Failure {
        Failure {
            resend,
            message: format!("{what}: {cause}"),
            cause,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The cause of a failure to get a response, in the words of DECISIONS D12.
pub fn network_cause(error: &reqwest::Error) -> (Resend, String) {
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
                _ if io.raw_os_error().is_some() => {
                    return (Resend::Never, crate::error::os_error_text(io));
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
pub fn error_chain_text(error: &(dyn StdError + 'static)) -> String {
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

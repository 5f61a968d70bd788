//! Why an exchange failed, in the words of README "Network failures" (`connection refused`, `cannot
//! resolve host`, `TLS: …`, `connection closed before the response was complete`), and whether
//! the request may be sent again.

use std::error::Error as StdError;
use std::fmt;

use crate::transport::retry::Resend;

pub use crate::api::response::status_line;

pub const DROPPED: &str = "connection closed before the response was complete";

/// A body whose gzip encoding does not decode ("Bounded by design").
pub const INVALID_GZIP: &str = "invalid gzip body";

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

/// The cause of a failure to get a response, in the words of README "Network failures".
pub fn network_cause(error: &reqwest::Error) -> (Resend, String) {
    // Quoted in messages: cut at 200 characters ("Messages").
    let host =
        crate::support::quote::shorten(error.url().and_then(|u| u.host_str()).unwrap_or_default())
            .into_owned();
    classify(&error_chain(error), error.is_dns(), &host)
}

/// [`network_cause`] over an error's chain (outermost first), told apart by the errors'
/// types alone, never by their texts: rustls' error for TLS, reqwest's DNS tag (`is_dns`),
/// the io error's kind, hyper's and h2's error kinds. What none of them names reads as the
/// innermost error's own message.
fn classify(chain: &[&(dyn StdError + 'static)], is_dns: bool, host: &str) -> (Resend, String) {
    if let Some(tls) = chain.iter().find_map(|e| tls_cause(*e, host)) {
        return (Resend::Never, tls);
    }
    if is_dns {
        return (Resend::Never, format!("cannot resolve host {host:?}"));
    }
    for e in chain {
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
                    return (Resend::Never, crate::support::error::os_error_text(io));
                }
                _ => {}
            }
        }
    }
    if chain
        .iter()
        .any(|e| is_dropped_connection(*e) || is_reset_by_the_server(*e))
    {
        return (Resend::IfIdempotent, DROPPED.to_string());
    }
    let innermost = chain.last().map(|e| e.to_string()).unwrap_or_default();
    (Resend::Never, innermost)
}

/// Why reading a body failed: the connection dropped ("Network failures": retried for GET and
/// DELETE), or the body's gzip stream does not decode ("Bounded by design": never retried, the same
/// bytes would come again). Told apart by the errors' types: a failure of the connection always
/// carries hyper's error or an io error of the connection; a decoding failure is reqwest's decode
/// error with neither.
pub fn body_cause(error: &reqwest::Error) -> (Resend, String) {
    let chain = error_chain(error);
    let from_connection = chain.iter().any(|e| {
        e.is::<hyper::Error>()
            || e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| is_connection_kind(io.kind()))
    });
    if error.is_decode() && !from_connection {
        return (Resend::Never, INVALID_GZIP.to_string());
    }
    (Resend::IfIdempotent, DROPPED.to_string())
}

/// hyper's own kinds for a connection that ended before its answer did.
fn is_dropped_connection(error: &(dyn StdError + 'static)) -> bool {
    error
        .downcast_ref::<hyper::Error>()
        .is_some_and(|e| e.is_incomplete_message() || e.is_closed() || e.is_canceled())
}

/// An HTTP/2 stream reset (`RST_STREAM`) or connection shut down (`GOAWAY`) by the server
/// before the answer was complete: over HTTP/2, the same as a dropped connection.
fn is_reset_by_the_server(error: &(dyn StdError + 'static)) -> bool {
    error
        .downcast_ref::<h2::Error>()
        .is_some_and(|e| e.is_remote() && (e.is_reset() || e.is_go_away()))
}

fn is_connection_kind(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        kind,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::NotConnected | K::TimedOut
    )
}

/// The innermost, most specific message of an error chain.
pub fn error_chain_text(error: &(dyn StdError + 'static)) -> String {
    error_chain(error)
        .last()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

fn tls_cause(error: &(dyn StdError + 'static), host: &str) -> Option<String> {
    find_rustls_error(error).map(|e| format!("TLS: {}", tls_text(e, host)))
}

/// A TLS failure in plain words: the "Network failures" lines where there is one, else what went
/// wrong as a user would say it; never a Rust type name.
fn tls_text(error: &rustls::Error, host: &str) -> String {
    use rustls::Error as E;
    match error {
        E::InvalidCertificate(cert) => certificate_text(cert, host),
        E::NoCertificatesPresented => "the server sent no certificate".into(),
        E::UnsupportedNameType => "the server name is of a type TLS does not support".into(),
        E::DecryptError => "cannot decrypt what the server sent".into(),
        E::EncryptError => "cannot encrypt the request".into(),
        E::PeerIncompatible(what) => {
            format!(
                "the server's TLS settings are not compatible ({})",
                words(what)
            )
        }
        E::PeerMisbehaved(what) => format!("the server broke the TLS protocol ({})", words(what)),
        E::AlertReceived(alert) => format!("the server refused the connection ({})", words(alert)),
        E::InvalidMessage(what) => format!("the server sent an invalid message ({})", words(what)),
        E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
            "the server sent an unexpected message".into()
        }
        E::InvalidEncryptedClientHello(_) => "encrypted client hello failed".into(),
        E::InvalidCertRevocationList(_) => "invalid certificate revocation list".into(),
        E::FailedToGetCurrentTime => "cannot read the current time".into(),
        E::FailedToGetRandomBytes => "cannot get random bytes".into(),
        E::HandshakeNotComplete => "the handshake did not complete".into(),
        E::PeerSentOversizedRecord => "the server sent an oversized record".into(),
        E::NoApplicationProtocol => "the server offers neither HTTP/2 nor HTTP/1.1".into(),
        E::BadMaxFragmentSize => "invalid maximum fragment size".into(),
        E::InconsistentKeys(_) => "the certificate and its key do not match".into(),
        E::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(e) => webpki_text(e),
            None => "the connection could not be secured".into(),
        },
        _ => "the connection could not be secured".into(),
    }
}

/// Why the server's certificate was refused.
fn certificate_text(error: &rustls::CertificateError, host: &str) -> String {
    use rustls::CertificateError as C;
    #[allow(deprecated)]
    let text = match error {
        C::Expired | C::ExpiredContext { .. } => "certificate expired",
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            return format!("certificate not valid for {host:?}");
        }
        C::UnknownIssuer | C::BadSignature => "certificate signed by unknown authority",
        C::BadEncoding => "certificate is malformed",
        C::NotValidYet | C::NotValidYetContext { .. } => "certificate is not valid yet",
        C::Revoked => "certificate has been revoked",
        C::UnhandledCriticalExtension => "certificate has an unsupported critical extension",
        C::UnknownRevocationStatus => "certificate revocation status is unknown",
        C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => {
            "certificate revocation list expired"
        }
        C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "certificate is signed with an unsupported algorithm"
        }
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "certificate is not valid for a server"
        }
        C::InvalidOcspResponse => "certificate status response is invalid",
        C::ApplicationVerificationFailure => "certificate was rejected",
        C::Other(other) => {
            return match other.0.downcast_ref::<webpki::Error>() {
                Some(e) => webpki_text(e),
                None => "certificate was rejected".into(),
            };
        }
        _ => "certificate was rejected",
    };
    text.to_string()
}

/// The certificate errors rustls passes on from webpki without a variant of its own.
fn webpki_text(error: &webpki::Error) -> String {
    use webpki::Error as W;
    #[allow(deprecated)]
    let text = match error {
        W::CaUsedAsEndEntity => "certificate is a CA certificate, not a server certificate",
        W::EndEntityUsedAsCa => "certificate chain uses a server certificate as a CA",
        W::CertDistrusted => "certificate is distrusted",
        W::CertExpired { .. } | W::InvalidCertValidity => "certificate expired",
        W::CertNotValidYet { .. } => "certificate is not valid yet",
        W::CertRevoked => "certificate has been revoked",
        W::UnknownIssuer | W::InvalidSignatureForPublicKey => {
            "certificate signed by unknown authority"
        }
        W::MaximumPathDepthExceeded => "certificate chain is too long",
        W::MaximumSignatureChecksExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumNameConstraintComparisonsExceeded => {
            "certificate chain is too complex to verify"
        }
        W::NameConstraintViolation => "certificate violates its issuer's name constraints",
        W::PathLenConstraintViolated => "certificate chain is longer than its CA allows",
        W::UnsupportedCertVersion => "certificate version is not supported",
        W::UnsupportedCriticalExtension => "certificate has an unsupported critical extension",
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => {
            "certificate is not valid for a server"
        }
        W::SignatureAlgorithmMismatch => "certificate signature algorithms do not match",
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "certificate is signed with an unsupported algorithm"
        }
        W::UnsupportedNameType => "certificate names its host in an unsupported form",
        W::BadDer
        | W::BadDerTime
        | W::TrailingData(_)
        | W::ExtensionValueInvalid
        | W::MalformedExtensions
        | W::MalformedDnsIdentifier
        | W::MalformedNameConstraint
        | W::InvalidSerialNumber
        | W::EmptyEkuExtension => "certificate is malformed",
        other => return format!("certificate was rejected ({})", words(other)),
    };
    text.to_string()
}

/// A fieldless enum value's name as lower-case words: `HandshakeFailure` → `handshake
/// failure` (anything after the name — fields, numbers — left out).
fn words(value: &dyn fmt::Debug) -> String {
    let name = format!("{value:?}");
    let name = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default();
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
        let prev_is_lower =
            i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
        if i > 0 && c.is_ascii_uppercase() && (prev_is_lower || next_is_lower) {
            out.push(' ');
        }
        out.push(c);
    }
    let lower = out.to_lowercase();
    if lower.is_empty() {
        "unknown reason".into()
    } else {
        lower
    }
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

/// The error and its causes, outermost first, including the error an io::Error wraps (which
/// `source()` skips).
fn error_chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut chain = vec![error];
    let mut current = error;
    loop {
        let inner = match current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        match inner {
            Some(e) if chain.len() < 32 => {
                chain.push(e);
                current = e;
            }
            _ => return chain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::{AlertDescription, CertificateError, Error as E, OtherError, PeerMisbehaved};
    use std::sync::Arc;

    /// No `CamelCase` word, no `::`, no `(` right after a letter: what a Rust type name
    /// looks like.
    fn looks_like_a_type_name(text: &str) -> bool {
        text.contains("::")
            || text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
                let mut chars = w.chars();
                chars.next().is_some_and(|c| c.is_ascii_uppercase())
                    && w.chars().any(|c| c.is_ascii_lowercase())
                    && w.chars().skip(1).any(|c| c.is_ascii_uppercase())
            })
    }

    #[test]
    fn tls_failures_read_in_plain_words() {
        let other = |e: webpki::Error| OtherError(Arc::new(e));
        let cases = [
            (
                E::InvalidCertificate(CertificateError::Other(other(
                    webpki::Error::CaUsedAsEndEntity,
                ))),
                "certificate is a CA certificate, not a server certificate",
            ),
            (
                E::InvalidCertificate(CertificateError::Expired),
                "certificate expired",
            ),
            (
                E::InvalidCertificate(CertificateError::UnknownIssuer),
                "certificate signed by unknown authority",
            ),
            (
                E::InvalidCertificate(CertificateError::NotValidForName),
                "certificate not valid for \"h\"",
            ),
            (
                E::InvalidCertificate(CertificateError::NotValidYet),
                "certificate is not valid yet",
            ),
            (
                E::InvalidCertificate(CertificateError::Revoked),
                "certificate has been revoked",
            ),
            (
                E::InvalidCertificate(CertificateError::Other(other(
                    webpki::Error::InvalidNetworkMaskConstraint,
                ))),
                "certificate was rejected (invalid network mask constraint)",
            ),
            (
                E::AlertReceived(AlertDescription::HandshakeFailure),
                "the server refused the connection (handshake failure)",
            ),
            (
                E::PeerMisbehaved(PeerMisbehaved::IllegalHelloRetryRequestWithOfferedGroup),
                "the server broke the TLS protocol (illegal hello retry request with offered group)",
            ),
            (E::NoCertificatesPresented, "the server sent no certificate"),
            (
                E::Other(OtherError(Arc::new(std::io::Error::other("x")))),
                "the connection could not be secured",
            ),
        ];
        for (error, want) in cases {
            let text = tls_text(&error, "h");
            assert_eq!(text, want, "{error:?}");
            assert!(!looks_like_a_type_name(&text), "{text}");
        }
    }

    /// An error that only says something: its text alone must never decide the cause.
    #[derive(Debug)]
    struct Says(&'static str);

    impl fmt::Display for Says {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Says {}

    #[test]
    fn causes_are_told_by_type_not_by_text() {
        use std::io::{Error as Io, ErrorKind as K};
        let host = "h";
        let cause = |errors: &[&(dyn StdError + 'static)], is_dns| classify(errors, is_dns, host);
        let dropped = (Resend::IfIdempotent, DROPPED.to_string());
        for kind in [
            K::ConnectionReset,
            K::ConnectionAborted,
            K::UnexpectedEof,
            K::BrokenPipe,
        ] {
            let io = Io::new(kind, "whatever it says");
            assert_eq!(cause(&[&Says("outer"), &io], false), dropped, "{kind:?}");
        }
        let refused = Io::from(K::ConnectionRefused);
        assert_eq!(
            cause(&[&refused], false),
            (Resend::Always, "connection refused".to_string())
        );
        let unreachable = Io::from_raw_os_error(libc::ENETUNREACH);
        assert_eq!(
            cause(&[&unreachable], false),
            (Resend::Never, "network is unreachable".to_string())
        );
        // reqwest's DNS tag, whatever the resolver's error says.
        let lookup = Io::other("failed to lookup address information");
        assert_eq!(
            cause(&[&Says("error resolving DNS"), &lookup], true),
            (Resend::Never, "cannot resolve host \"h\"".to_string())
        );
        // Texts that once decided the cause no longer do: without a typed signal, the
        // innermost message is shown and nothing is sent again.
        for text in [
            "dns error",
            "failed to lookup address information: Name or service not known",
            "connection closed before message completed",
            "IncompleteMessage",
            "connection reset",
        ] {
            assert_eq!(
                cause(&[&Says("outer"), &Says(text)], false),
                (Resend::Never, text.to_string())
            );
        }
        // An h2 error that is neither a reset nor a shutdown by the server is no drop.
        let local = h2::Error::from(h2::Reason::PROTOCOL_ERROR);
        assert_eq!(cause(&[&local], false).0, Resend::Never);
    }

    #[test]
    fn words_split_names() {
        assert_eq!(words(&AlertDescription::BadCertificate), "bad certificate");
        assert_eq!(
            words(&webpki::Error::CaUsedAsEndEntity),
            "ca used as end entity"
        );
        assert_eq!(words(&Some(3)), "some");
        assert_eq!(words(&"(x)"), "unknown reason");
    }
}

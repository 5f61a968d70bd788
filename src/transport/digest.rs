//! How a request is signed on the wire: HTTP digest for API keys, a bearer header for tokens.
//!
//! API keys use HTTP digest: the request goes out unauthenticated; a 401 carrying a digest
//! challenge is answered once (computed by diqwest), and that answer's response is final.
//! The challenge is checked first so that only what the reference accepts is answered:
//! MD5 or SHA-256, `qop=auth` or no qop.

use diqwest::{Credentials as DigestCredentials, DigestAuthCredentials};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, WWW_AUTHENTICATE};

use crate::support::quote::shorten;
use crate::support::secret::Secret;

/// What the server asked for in a 401: the digest challenge, if there is one we can answer.
pub enum Challenge {
    /// Not a 401, or a 401 without `WWW-Authenticate`: the response is final.
    None,
    Digest,
}

/// Looks at a response to the unauthenticated leg: is there a digest challenge to answer?
pub fn challenge(status: StatusCode, headers: &HeaderMap) -> Result<Challenge, String> {
    if status != StatusCode::UNAUTHORIZED {
        return Ok(Challenge::None);
    }
    let Some(value) = headers.get(WWW_AUTHENTICATE) else {
        return Ok(Challenge::None);
    };
    let value = value
        .to_str()
        .map_err(|_| "the challenge is not valid text".to_string())?;
    check_digest_challenge(value)?;
    Ok(Challenge::Digest)
}

/// Accepts exactly what the reference's digest client accepts.
fn check_digest_challenge(value: &str) -> Result<(), String> {
    let Some(params) = value.strip_prefix("Digest ") else {
        return Err("not a Digest challenge".to_string());
    };
    let mut has_nonce = false;
    for (name, param_value) in challenge_params(params) {
        match name.to_ascii_lowercase().as_str() {
            "algorithm"
                if !param_value.eq_ignore_ascii_case("MD5")
                    && !param_value.eq_ignore_ascii_case("SHA-256") =>
            {
                return Err(format!(
                    "algorithm {} is not supported",
                    shorten(&param_value)
                ));
            }
            // Like the reference, the first offered qop is the one used.
            "qop" if param_value.split(',').next().map(str::trim) != Some("auth") => {
                return Err(format!("qop {} is not supported", shorten(&param_value)));
            }
            "nonce" => has_nonce = !param_value.is_empty(),
            "realm" | "domain" | "opaque" | "stale" | "algorithm" | "qop" => {}
            // The reference's digest client refuses any other parameter ("challenge is bad").
            other => return Err(format!("unknown parameter {}", shorten(other))),
        }
    }
    if !has_nonce {
        return Err("the challenge has no nonce".to_string());
    }
    Ok(())
}

/// The `name=value` pairs of a challenge, values unquoted (commas inside quotes kept).
fn challenge_params(params: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = params.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().trim_start_matches(',').trim().to_string();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            value = quoted[..end].to_string();
            rest = quoted.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        pairs.push((name, value));
    }
    pairs
}

/// The `Authorization` header answering the challenge in `headers` for this request; the
/// error is the reason the challenge cannot be answered (the caller names it as an
/// unsupported digest challenge), in this project's words: the digest library's own messages
/// repeat the whole header.
pub fn digest_authorization(
    request: &reqwest::Request,
    challenge_headers: &HeaderMap,
    public: &str,
    private: &Secret<String>,
) -> Result<HeaderValue, String> {
    let url = request.url();
    let host = url.host_str().unwrap_or_default();
    let uri = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let method = digest_auth::HttpMethod::from(request.method().as_str());
    let body = request.body().and_then(|b| b.as_bytes());
    let answer = DigestCredentials::new(public, private.expose().as_str())
        .calculate_authorization(host, &uri, method, body, challenge_headers)
        .map_err(|e| unanswerable(&e))?;
    let mut value = HeaderValue::from_str(&answer.to_header_string())
        .map_err(|_| "the answer is not a valid header".to_string())?;
    value.set_sensitive(true);
    Ok(value)
}

/// Why the digest library could not answer a challenge that passed our checks.
fn unanswerable(error: &diqwest::error::Error) -> String {
    use digest_auth::Error as A;
    use diqwest::error::Error as D;
    match error {
        D::DigestAuth(A::MissingRequired(what, _)) => format!("the challenge has no {what}"),
        D::DigestAuth(A::InvalidHeaderSyntax(_)) => "the challenge is not valid syntax".into(),
        D::DigestAuth(A::UnknownAlgorithm(v)) => {
            format!("algorithm {} is not supported", shorten(v))
        }
        D::DigestAuth(A::BadQop(v) | A::BadQopOptions(v)) => {
            format!("qop {} is not supported", shorten(v))
        }
        D::DigestAuth(A::BadCharset(v)) => format!("charset {} is not supported", shorten(v)),
        D::DigestAuth(A::NumParseError) => "a number in the challenge is not valid".into(),
        D::ToStr(_) => "the challenge is not valid text".into(),
        _ => "the challenge cannot be answered".into(),
    }
}

/// Adds `Authorization: Bearer <token>` (marked sensitive) to the request; a token that
/// cannot be a header value is an error, never a request sent without it.
pub fn with_bearer(
    mut request: reqwest::Request,
    token: &Secret<String>,
) -> Result<reqwest::Request, String> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|_| "the access token is not a valid header value".to_string())?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(request)
}

/// Adds the answer to a copy of the request.
pub fn with_authorization(mut request: reqwest::Request, value: HeaderValue) -> reqwest::Request {
    request.headers_mut().insert(AUTHORIZATION, value);
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str) -> Result<(), String> {
        let mut headers = HeaderMap::new();
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_str(value).unwrap());
        challenge(StatusCode::UNAUTHORIZED, &headers).map(|_| ())
    }

    #[test]
    fn accepts_what_the_reference_accepts() {
        let ok = [
            r#"Digest realm="MMS Public API", domain="", nonce="OyuCTXorBaZM0H5EdWidoTnq72TPwqc3", algorithm=MD5, qop="auth", stale=false"#,
            r#"Digest realm="r", nonce="n+/=", algorithm=SHA-256, qop="auth""#,
            r#"Digest realm="r", nonce="n""#,
            r#"Digest realm="r", nonce="n", qop="auth,auth-int""#,
        ];
        assert_eq!(
            check(r#"Digest realm="r", nonce="n", qop="auth-int,auth""#).unwrap_err(),
            "qop auth-int,auth is not supported"
        );
        for value in ok {
            assert!(check(value).is_ok(), "{value}");
        }
        let bad = [
            (r#"Basic realm="r""#, "not a Digest challenge"),
            (
                r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#,
                "algorithm SHA-512-256 is not supported",
            ),
            (
                r#"Digest realm="r", nonce="n", algorithm=MD5-sess"#,
                "algorithm MD5-sess is not supported",
            ),
            (
                r#"Digest realm="r", nonce="n", qop="auth-int""#,
                "qop auth-int is not supported",
            ),
            (r#"Digest realm="r""#, "the challenge has no nonce"),
            (
                r#"Digest realm="r", nonce="n", charset=UTF-8"#,
                "unknown parameter charset",
            ),
        ];
        for (value, reason) in bad {
            assert_eq!(check(value).unwrap_err(), reason, "{value}");
        }
    }

    #[test]
    fn random_challenges_never_panic() {
        let pieces = [
            "Digest ",
            "realm=",
            "nonce=",
            "qop=",
            "algorithm=",
            "opaque=",
            "stale=",
            "domain=",
            "\"",
            ",",
            ", ",
            "auth",
            "auth-int",
            "MD5",
            "SHA-256",
            "MD5-sess",
            "x",
            "=",
            " ",
            "\\",
        ];
        let mut rng = crate::support::fuzzing::Rng::new(11);
        let request = reqwest::Request::new(
            reqwest::Method::POST,
            "http://127.0.0.1:1/a?b=c".parse().unwrap(),
        );
        let private = Secret::new("fake".to_string());
        for _ in 0..crate::support::fuzzing::iterations(5_000) {
            let text = rng.text(&pieces, 16);
            let Ok(value) = HeaderValue::from_str(&text) else {
                continue;
            };
            let mut headers = HeaderMap::new();
            headers.insert(WWW_AUTHENTICATE, value);
            if let Ok(Challenge::Digest) = challenge(StatusCode::UNAUTHORIZED, &headers) {
                let _ = digest_authorization(&request, &headers, "user", &private);
            }
        }
    }

    #[test]
    fn only_a_401_with_a_challenge_is_answered() {
        let headers = HeaderMap::new();
        assert!(matches!(
            challenge(StatusCode::UNAUTHORIZED, &headers),
            Ok(Challenge::None)
        ));
        assert!(matches!(
            challenge(StatusCode::OK, &headers),
            Ok(Challenge::None)
        ));
    }

    #[test]
    fn answers_with_the_request_uri_and_a_sensitive_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(
                r#"Digest realm="MMS Public API", nonce="abc", algorithm=MD5, qop="auth""#,
            ),
        );
        let request = reqwest::Request::new(
            reqwest::Method::GET,
            "http://127.0.0.1:1/api/x?b=1&a=2".parse().unwrap(),
        );
        let value = digest_authorization(
            &request,
            &headers,
            "fakepublic",
            &Secret::new("fakeprivate".into()),
        )
        .unwrap();
        assert!(value.is_sensitive());
        let text = value.to_str().unwrap();
        assert!(text.starts_with("Digest "), "{text}");
        assert!(text.contains(r#"username="fakepublic""#), "{text}");
        assert!(text.contains(r#"uri="/api/x?b=1&a=2""#), "{text}");
        assert!(!text.contains("fakeprivate"), "{text}");
    }
}

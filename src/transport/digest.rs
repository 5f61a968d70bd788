//! How a request is signed on the wire: HTTP digest for API keys, a bearer header for tokens.
//!
//! API keys use HTTP digest: the request goes out unauthenticated; a 401 carrying a digest
//! challenge is answered once (computed by the `digest_auth` crate), and that answer's
//! response is final. The challenge is checked first so that only what the reference accepts
//! is answered: MD5 or SHA-256, `qop=auth` or no qop. A challenge remembered from an earlier
//! run (README "Repeat calls in one round trip") is answered the same way with a later `nc`.

use digest_auth::{AlgorithmType, AuthContext, Charset, Qop, WwwAuthenticateHeader};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, WWW_AUTHENTICATE};

use crate::support::quote::shorten;
use crate::support::secret::Secret;

/// What the server asked for in a 401: the digest challenge, if there is one we can answer.
pub enum Challenge {
    /// Not a 401, or a 401 without `WWW-Authenticate`: the response is final.
    None,
    Digest(DigestChallenge),
}

/// A digest challenge that passed the checks: what an answer is computed from. It holds no secret
/// (the nonce is the server's, sent in clear), so it may be remembered ("Repeat calls in one round
/// trip").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: DigestAlgorithm,
    /// `qop=auth` was offered (first): the answer carries `nc` and `cnonce`.
    pub qop_auth: bool,
    /// The server said the nonce of the answer it refused had expired.
    pub stale: bool,
}

/// The two hash algorithms the reference answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Md5,
    Sha256,
}

impl DigestAlgorithm {
    /// The token of the `algorithm` parameter.
    pub fn token(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// The algorithm a token names (as a challenge spells it, any case).
    pub fn from_token(token: &str) -> Option<DigestAlgorithm> {
        [DigestAlgorithm::Md5, DigestAlgorithm::Sha256]
            .into_iter()
            .find(|a| a.token().eq_ignore_ascii_case(token))
    }
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
    let parsed = digest_auth::parse(value).map_err(|e| unanswerable(&e))?;
    let algorithm = match parsed.algorithm.algo {
        AlgorithmType::MD5 if !parsed.algorithm.sess => DigestAlgorithm::Md5,
        AlgorithmType::SHA2_256 if !parsed.algorithm.sess => DigestAlgorithm::Sha256,
        _ => return Err(format!("algorithm {} is not supported", parsed.algorithm)),
    };
    Ok(Challenge::Digest(DigestChallenge {
        realm: parsed.realm,
        nonce: parsed.nonce,
        opaque: parsed.opaque,
        algorithm,
        qop_auth: parsed.qop.is_some(),
        stale: parsed.stale,
    }))
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

/// The `Authorization` header answering `challenge` for this request with this `nc` (1 for a
/// challenge just received; ignored without qop); the error is the reason the challenge cannot
/// be answered (the caller names it as an unsupported digest challenge), in this project's
/// words: the digest library's own messages repeat the whole header.
pub fn digest_authorization(
    request: &reqwest::Request,
    challenge: &DigestChallenge,
    nc: u32,
    public: &str,
    private: &Secret<String>,
) -> Result<HeaderValue, String> {
    let url = request.url();
    let uri = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let method = digest_auth::HttpMethod::from(request.method().as_str());
    let body = request.body().and_then(|b| b.as_bytes());
    let context =
        AuthContext::new_with_method(public, private.expose().as_str(), uri, body, method);
    let mut prompt = WwwAuthenticateHeader {
        domain: None,
        realm: challenge.realm.clone(),
        nonce: challenge.nonce.clone(),
        opaque: challenge.opaque.clone(),
        stale: challenge.stale,
        algorithm: digest_auth::Algorithm::new(
            match challenge.algorithm {
                DigestAlgorithm::Md5 => AlgorithmType::MD5,
                DigestAlgorithm::Sha256 => AlgorithmType::SHA2_256,
            },
            false,
        ),
        // Like the reference, the first offered qop (checked to be `auth`) is the one used.
        qop: challenge.qop_auth.then(|| vec![Qop::AUTH]),
        userhash: false,
        charset: Charset::ASCII,
        // Answering counts it up by one.
        nc: nc.saturating_sub(1),
    };
    let answer = prompt.respond(&context).map_err(|e| unanswerable(&e))?;
    let mut value = HeaderValue::from_str(&answer.to_header_string())
        .map_err(|_| "the answer is not a valid header".to_string())?;
    value.set_sensitive(true);
    Ok(value)
}

/// Why the digest library could not read or answer a challenge that passed our checks.
fn unanswerable(error: &digest_auth::Error) -> String {
    use digest_auth::Error as A;
    match error {
        A::MissingRequired(what, _) => format!("the challenge has no {what}"),
        A::InvalidHeaderSyntax(_) => "the challenge is not valid syntax".into(),
        A::UnknownAlgorithm(v) => format!("algorithm {} is not supported", shorten(v)),
        A::BadQop(v) | A::BadQopOptions(v) => format!("qop {} is not supported", shorten(v)),
        A::BadCharset(v) => format!("charset {} is not supported", shorten(v)),
        A::NumParseError => "a number in the challenge is not valid".into(),
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
            if let Ok(Challenge::Digest(parsed)) = challenge(StatusCode::UNAUTHORIZED, &headers) {
                let _ = digest_authorization(&request, &parsed, 1, "user", &private);
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

    fn parsed(value: &'static str) -> DigestChallenge {
        let mut headers = HeaderMap::new();
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static(value));
        match challenge(StatusCode::UNAUTHORIZED, &headers) {
            Ok(Challenge::Digest(parsed)) => parsed,
            _ => panic!("{value}"),
        }
    }

    /// The `name=value` fields of an answer.
    fn fields(answer: &HeaderValue) -> std::collections::HashMap<String, String> {
        let text = answer.to_str().unwrap().strip_prefix("Digest ").unwrap();
        challenge_params(text).into_iter().collect()
    }

    #[test]
    fn parses_what_an_answer_needs() {
        assert_eq!(
            parsed(
                r#"Digest realm="MMS Public API", domain="", nonce="n1", algorithm=MD5, qop="auth", stale=false"#
            ),
            DigestChallenge {
                realm: "MMS Public API".into(),
                nonce: "n1".into(),
                opaque: None,
                algorithm: DigestAlgorithm::Md5,
                qop_auth: true,
                stale: false,
            }
        );
        assert_eq!(
            parsed(r#"Digest realm="r", nonce="n2", opaque="o", algorithm=SHA-256, stale=true"#),
            DigestChallenge {
                realm: "r".into(),
                nonce: "n2".into(),
                opaque: Some("o".into()),
                algorithm: DigestAlgorithm::Sha256,
                qop_auth: false,
                stale: true,
            }
        );
        assert_eq!(
            DigestAlgorithm::from_token("sha-256"),
            Some(DigestAlgorithm::Sha256)
        );
        assert_eq!(DigestAlgorithm::from_token("MD5-sess"), None);
    }

    #[test]
    fn answers_with_the_request_uri_and_a_sensitive_header() {
        let challenge =
            parsed(r#"Digest realm="MMS Public API", nonce="abc", algorithm=MD5, qop="auth""#);
        let request = reqwest::Request::new(
            reqwest::Method::GET,
            "http://127.0.0.1:1/api/x?b=1&a=2".parse().unwrap(),
        );
        let value = digest_authorization(
            &request,
            &challenge,
            1,
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

    /// RFC 7616's own example (3.9.1), answered with a later `nc`: the response is the one
    /// the RFC's formula gives for that `nc` and the cnonce the answer chose.
    #[test]
    fn a_later_nc_is_answered_by_the_rfc_formula() {
        let challenge = DigestChallenge {
            realm: "http-auth@example.org".into(),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".into(),
            opaque: Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".into()),
            algorithm: DigestAlgorithm::Sha256,
            qop_auth: true,
            stale: false,
        };
        let request = reqwest::Request::new(
            reqwest::Method::GET,
            "http://www.example.org/dir/index.html".parse().unwrap(),
        );
        let private = Secret::new("Circle of Life".to_string());
        let answer = digest_authorization(&request, &challenge, 0x2a, "Mufasa", &private).unwrap();
        let f = fields(&answer);
        assert_eq!(f["nc"], "0000002a");
        assert_eq!(f["qop"], "auth");
        assert_eq!(f["opaque"], challenge.opaque.clone().unwrap());
        assert_eq!(f["algorithm"], "SHA-256");
        let h = |text: String| {
            digest_auth::Algorithm::new(AlgorithmType::SHA2_256, false).hash(text.as_bytes())
        };
        let ha1 = h("Mufasa:http-auth@example.org:Circle of Life".into());
        let ha2 = h("GET:/dir/index.html".into());
        let want = h(format!(
            "{ha1}:{}:0000002a:{}:auth:{ha2}",
            challenge.nonce, f["cnonce"]
        ));
        assert_eq!(f["response"], want);

        // Without qop there is no nc: RFC 2069's H(HA1:nonce:HA2).
        let plain = DigestChallenge {
            qop_auth: false,
            algorithm: DigestAlgorithm::Md5,
            opaque: None,
            ..challenge
        };
        let f = fields(&digest_authorization(&request, &plain, 7, "Mufasa", &private).unwrap());
        assert!(!f.contains_key("nc") && !f.contains_key("cnonce"), "{f:?}");
    }

    #[test]
    fn the_first_offered_qop_is_the_one_answered() {
        let challenge = parsed(r#"Digest realm="r", nonce="n", qop="auth,auth-int""#);
        let request = reqwest::Request::new(
            reqwest::Method::POST,
            "http://127.0.0.1:1/a".parse().unwrap(),
        );
        let answer =
            digest_authorization(&request, &challenge, 1, "u", &Secret::new("p".into())).unwrap();
        assert_eq!(fields(&answer)["qop"], "auth");
    }
}

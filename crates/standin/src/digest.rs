//! HTTP digest authentication (RFC 7616) as Atlas does it: the challenge header, parsing the
//! client's `Authorization: Digest …` answer, and verifying it against the configured key pair.

use std::collections::{HashMap, HashSet, VecDeque};

use md5::{Digest as _, Md5};
use sha2::Sha256;

use crate::config::Algorithm;

/// Atlas' digest realm.
pub const REALM: &str = "MMS Public API";

/// Most nonces remembered at once (oldest forgotten first).
const NONCE_MEMORY: usize = 4096;

/// Lower-case hex digest of `data`.
pub fn hash_hex(algorithm: Algorithm, data: &str) -> String {
    let bytes: Vec<u8> = match algorithm {
        Algorithm::Md5 => Md5::digest(data.as_bytes()).to_vec(),
        Algorithm::Sha256 => Sha256::digest(data.as_bytes()).to_vec(),
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `WWW-Authenticate` value, in Atlas' exact parameter order.
pub fn challenge(algorithm: Algorithm, qop: Option<&str>, nonce: &str) -> String {
    let mut value = format!(
        "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm={}",
        algorithm.token()
    );
    if let Some(qop) = qop {
        value.push_str(&format!(", qop=\"{qop}\""));
    }
    value.push_str(", stale=false");
    value
}

/// The `qop`-related fields of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QopFields<'a> {
    pub qop: &'a str,
    pub nc: &'a str,
    pub cnonce: &'a str,
}

/// Everything that enters the `response` computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inputs<'a> {
    pub algorithm: Algorithm,
    pub username: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub nonce: &'a str,
    pub qop: Option<QopFields<'a>>,
}

/// RFC 7616 3.4.1: H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop.
pub fn expected_response(i: &Inputs<'_>) -> String {
    let ha1 = hash_hex(
        i.algorithm,
        &format!("{}:{}:{}", i.username, i.realm, i.password),
    );
    let ha2 = hash_hex(i.algorithm, &format!("{}:{}", i.method, i.uri));
    match i.qop {
        Some(q) => hash_hex(
            i.algorithm,
            &format!("{ha1}:{}:{}:{}:{}:{ha2}", i.nonce, q.nc, q.cnonce, q.qop),
        ),
        None => hash_hex(i.algorithm, &format!("{ha1}:{}:{ha2}", i.nonce)),
    }
}

/// Parse `Digest k=v, k="v", …` into lower-cased keys → unquoted values.
/// `None` if the scheme is not Digest or the list is malformed.
pub fn parse_authorization(value: &str) -> Option<HashMap<String, String>> {
    let value = value.trim_start();
    let (scheme, rest) = value.split_at(value.find([' ', '\t']).unwrap_or(value.len()));
    if !scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut params = HashMap::new();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && matches!(bytes[*i], b' ' | b'\t' | b',') {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= bytes.len() {
            break;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !matches!(bytes[i], b' ' | b'\t' | b',') {
            i += 1;
        }
        let key = rest[key_start..i].to_ascii_lowercase();
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if key.is_empty() || i >= bytes.len() || bytes[i] != b'=' {
            return None;
        }
        i += 1;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        let mut val = Vec::new();
        if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return None,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        val.push(*bytes.get(i + 1)?);
                        i += 2;
                    }
                    Some(b) => {
                        val.push(*b);
                        i += 1;
                    }
                }
            }
        } else {
            while i < bytes.len() && !matches!(bytes[i], b',' | b' ' | b'\t') {
                val.push(bytes[i]);
                i += 1;
            }
        }
        params.insert(key, String::from_utf8(val).ok()?);
    }
    Some(params)
}

/// What the server expects of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub algorithm: Algorithm,
    pub qop: Option<&'a str>,
}

/// Verify an `Authorization` header value for `method` on `target` (the raw request-target).
pub fn verify(
    expected: &Expected<'_>,
    method: &str,
    target: &str,
    header: &str,
    nonce_issued: impl Fn(&str) -> bool,
) -> bool {
    let Some(p) = parse_authorization(header) else {
        return false;
    };
    let field = |k: &str| p.get(k).map(String::as_str);
    let (Some(username), Some(realm), Some(nonce), Some(uri), Some(response)) = (
        field("username"),
        field("realm"),
        field("nonce"),
        field("uri"),
        field("response"),
    ) else {
        return false;
    };
    if username != expected.username || realm != REALM || uri != target || !nonce_issued(nonce) {
        return false;
    }
    let algorithm_ok = match field("algorithm") {
        Some(a) => a.eq_ignore_ascii_case(expected.algorithm.token()),
        None => expected.algorithm == Algorithm::Md5,
    };
    if !algorithm_ok {
        return false;
    }
    let qop = match (expected.qop, field("qop")) {
        (Some(want), Some(got)) if got == want => {
            let (Some(nc), Some(cnonce)) = (field("nc"), field("cnonce")) else {
                return false;
            };
            if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
                return false;
            }
            Some(QopFields {
                qop: got,
                nc,
                cnonce,
            })
        }
        (None, None) => None,
        _ => return false,
    };
    let want = expected_response(&Inputs {
        algorithm: expected.algorithm,
        username,
        realm,
        password: expected.password,
        method,
        uri,
        nonce,
        qop,
    });
    response.eq_ignore_ascii_case(&want)
}

/// The nonces this server has issued (bounded memory).
#[derive(Debug, Default)]
pub struct NonceBook {
    order: VecDeque<String>,
    known: HashSet<String>,
}

impl NonceBook {
    /// Remember a freshly issued nonce.
    pub fn issue(&mut self, nonce: String) {
        if self.order.len() >= NONCE_MEMORY
            && let Some(old) = self.order.pop_front()
        {
            self.known.remove(&old);
        }
        self.known.insert(nonce.clone());
        self.order.push_back(nonce);
    }

    pub fn contains(&self, nonce: &str) -> bool {
        self.known.contains(nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 3.9.1 and RFC 2617 3.5 vectors.
    #[test]
    fn known_vectors() {
        let rfc7616 = |algorithm| Inputs {
            algorithm,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            qop: Some(QopFields {
                qop: "auth",
                nc: "00000001",
                cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            }),
        };
        let rfc2617 = Inputs {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop: Some(QopFields {
                qop: "auth",
                nc: "00000001",
                cnonce: "0a4f113b",
            }),
        };
        let rfc2069 = Inputs {
            qop: None,
            ..rfc2617
        };
        let cases = [
            (rfc7616(Algorithm::Md5), "8ca523f5e9506fed4657c9700eebdbec"),
            (
                rfc7616(Algorithm::Sha256),
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
            (rfc2617, "6629fae49393a05397450978507c4ef1"),
            (rfc2069, "670fd8c2df070c60b045671b8b24ff02"),
        ];
        for (inputs, want) in cases {
            assert_eq!(expected_response(&inputs), want, "{inputs:?}");
        }
    }

    #[test]
    fn challenge_text() {
        let cases = [
            (
                Algorithm::Md5,
                Some("auth"),
                "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"N\", algorithm=MD5, qop=\"auth\", stale=false",
            ),
            (
                Algorithm::Sha256,
                None,
                "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"N\", algorithm=SHA-256, stale=false",
            ),
        ];
        for (algorithm, qop, want) in cases {
            assert_eq!(challenge(algorithm, qop, "N"), want);
        }
    }

    #[test]
    fn parsing() {
        let p = parse_authorization(
            r#"Digest username="u", realm="MMS Public API", nonce="a\"b", uri="/x?y=1,2", response="r", algorithm="MD5", qop=auth, nc=00000001, cnonce="c""#,
        )
        .unwrap();
        let cases = [
            ("username", "u"),
            ("realm", "MMS Public API"),
            ("nonce", "a\"b"),
            ("uri", "/x?y=1,2"),
            ("qop", "auth"),
            ("nc", "00000001"),
            ("algorithm", "MD5"),
        ];
        for (k, v) in cases {
            assert_eq!(p.get(k).map(String::as_str), Some(v), "{k}");
        }
        let rejected = [
            "Basic abc",
            "Digest username",
            "Digest a=\"unterminated",
            "Digest =x",
            "",
        ];
        for header in rejected {
            assert!(parse_authorization(header).is_none(), "{header}");
        }
    }

    fn answer(algorithm: Algorithm, qop: bool, password: &str, uri: &str, nonce: &str) -> String {
        let q = QopFields {
            qop: "auth",
            nc: "00000001",
            cnonce: "0123456789abcdef",
        };
        let response = expected_response(&Inputs {
            algorithm,
            username: "pub",
            realm: REALM,
            password,
            method: "POST",
            uri,
            nonce,
            qop: qop.then_some(q),
        });
        let mut h = format!(
            "Digest username=\"pub\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=\"{}\"",
            algorithm.token()
        );
        if qop {
            h.push_str(", qop=auth, nc=00000001, cnonce=\"0123456789abcdef\"");
        }
        h
    }

    #[test]
    fn verification() {
        let md5 = Expected {
            username: "pub",
            password: "priv",
            algorithm: Algorithm::Md5,
            qop: Some("auth"),
        };
        let sha_no_qop = Expected {
            algorithm: Algorithm::Sha256,
            qop: None,
            ..md5
        };
        let issued = |n: &str| n == "N1";
        let uri = "/api/atlas/v2/orgs/x/apiKeys?pretty=true";
        let cases = [
            (
                md5,
                answer(Algorithm::Md5, true, "priv", uri, "N1"),
                uri,
                true,
            ),
            (
                md5,
                answer(Algorithm::Md5, true, "wrong", uri, "N1"),
                uri,
                false,
            ),
            (
                md5,
                answer(Algorithm::Md5, true, "priv", uri, "N2"),
                uri,
                false,
            ),
            (
                md5,
                answer(Algorithm::Md5, true, "priv", uri, "N1"),
                "/other",
                false,
            ),
            (
                md5,
                answer(Algorithm::Md5, false, "priv", uri, "N1"),
                uri,
                false,
            ),
            (
                md5,
                answer(Algorithm::Sha256, true, "priv", uri, "N1"),
                uri,
                false,
            ),
            (
                sha_no_qop,
                answer(Algorithm::Sha256, false, "priv", uri, "N1"),
                uri,
                true,
            ),
            (
                sha_no_qop,
                answer(Algorithm::Sha256, true, "priv", uri, "N1"),
                uri,
                false,
            ),
            (md5, "Digest username=\"pub\"".to_string(), uri, false),
            (md5, "Bearer x".to_string(), uri, false),
        ];
        for (i, (expected, header, target, ok)) in cases.into_iter().enumerate() {
            assert_eq!(
                verify(&expected, "POST", target, &header, issued),
                ok,
                "case {i}: {header}"
            );
        }
        let other_user =
            answer(Algorithm::Md5, true, "priv", uri, "N1").replace("\"pub\"", "\"bad\"");
        assert!(!verify(&md5, "POST", uri, &other_user, issued));
    }

    #[test]
    fn nonce_book_is_bounded() {
        let mut book = NonceBook::default();
        for i in 0..NONCE_MEMORY + 10 {
            book.issue(format!("n{i}"));
        }
        assert!(!book.contains("n0"));
        assert!(book.contains(&format!("n{}", NONCE_MEMORY + 9)));
        assert_eq!(book.order.len(), NONCE_MEMORY);
    }
}

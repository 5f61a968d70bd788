//! HTTP digest authentication (RFC 7616) as Atlas does it: the challenge header, parsing the
//! client's `Authorization: Digest …` answer, verifying it against the configured key pair,
//! and the book of issued nonces — how long each lives and which `nc` values it has seen.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

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
    challenge_with(algorithm, qop, nonce, false)
}

/// As [`challenge`], with `stale=true` when the refused answer was right but its nonce had
/// expired (RFC 7616 3.3: the client may answer the new nonce without asking the user).
pub fn challenge_with(algorithm: Algorithm, qop: Option<&str>, nonce: &str, stale: bool) -> String {
    let mut value = format!(
        "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm={}",
        algorithm.token()
    );
    if let Some(qop) = qop {
        value.push_str(&format!(", qop=\"{qop}\""));
    }
    value.push_str(if stale {
        ", stale=true"
    } else {
        ", stale=false"
    });
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
    verified(expected, method, target, header, nonce_issued).is_some()
}

/// A right answer: the nonce it answered and its `nc` (`None` without qop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub nonce: String,
    pub nc: Option<u32>,
}

/// As [`verify`], saying which nonce and `nc` a right answer used.
pub fn verified(
    expected: &Expected<'_>,
    method: &str,
    target: &str,
    header: &str,
    nonce_issued: impl Fn(&str) -> bool,
) -> Option<Answered> {
    let p = parse_authorization(header)?;
    let field = |k: &str| p.get(k).map(String::as_str);
    let (Some(username), Some(realm), Some(nonce), Some(uri), Some(response)) = (
        field("username"),
        field("realm"),
        field("nonce"),
        field("uri"),
        field("response"),
    ) else {
        return None;
    };
    if username != expected.username || realm != REALM || uri != target || !nonce_issued(nonce) {
        return None;
    }
    let algorithm_ok = match field("algorithm") {
        Some(a) => a.eq_ignore_ascii_case(expected.algorithm.token()),
        None => expected.algorithm == Algorithm::Md5,
    };
    if !algorithm_ok {
        return None;
    }
    let qop = match (expected.qop, field("qop")) {
        (Some(want), Some(got)) if got == want => {
            let (Some(nc), Some(cnonce)) = (field("nc"), field("cnonce")) else {
                return None;
            };
            if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            Some(QopFields {
                qop: got,
                nc,
                cnonce,
            })
        }
        (None, None) => None,
        _ => return None,
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
    response.eq_ignore_ascii_case(&want).then(|| Answered {
        nonce: nonce.to_string(),
        nc: qop.and_then(|q| u32::from_str_radix(q.nc, 16).ok()),
    })
}

/// What a right answer's nonce and `nc` are worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    /// A live nonce and an `nc` above every one it was answered with before: let it pass.
    Fresh,
    /// The nonce outlived its lifetime: refuse with `stale=true`.
    Expired,
    /// The `nc` was already used with this nonce, or is lower than one that was: a replay.
    Replayed,
    /// Not a nonce this server issued (or one long forgotten).
    Unknown,
}

/// One issued nonce: when, the highest `nc` a right answer used, how many right answers.
#[derive(Debug)]
struct Issued {
    at: Instant,
    highest_nc: Option<u32>,
    answers: usize,
}

/// The nonces this server has issued (bounded memory), and the `nc` values each has seen.
#[derive(Debug, Default)]
pub struct NonceBook {
    order: VecDeque<String>,
    known: HashMap<String, Issued>,
    issued: usize,
}

impl NonceBook {
    /// Remember a freshly issued nonce.
    pub fn issue(&mut self, nonce: String) {
        if self.order.len() >= NONCE_MEMORY
            && let Some(old) = self.order.pop_front()
        {
            self.known.remove(&old);
        }
        self.issued += 1;
        self.known.insert(
            nonce.clone(),
            Issued {
                at: Instant::now(),
                highest_nc: None,
                answers: 0,
            },
        );
        self.order.push_back(nonce);
    }

    pub fn contains(&self, nonce: &str) -> bool {
        self.known.contains_key(nonce)
    }

    /// Judges a right answer's nonce and `nc`, and counts it when it passes: a nonce lives
    /// `lifetime` (`None`: for ever); with `check_nc`, each `nc` must be above every `nc` the
    /// nonce was answered with before (answers without qop carry none and are not counted).
    pub fn accept(
        &mut self,
        answered: &Answered,
        lifetime: Option<Duration>,
        check_nc: bool,
    ) -> NonceUse {
        let Some(issued) = self.known.get_mut(&answered.nonce) else {
            return NonceUse::Unknown;
        };
        if lifetime.is_some_and(|life| issued.at.elapsed() >= life) {
            return NonceUse::Expired;
        }
        if check_nc
            && let (Some(nc), Some(highest)) = (answered.nc, issued.highest_nc)
            && nc <= highest
        {
            return NonceUse::Replayed;
        }
        issued.highest_nc = issued.highest_nc.max(answered.nc);
        issued.answers += 1;
        NonceUse::Fresh
    }

    /// How many nonces were issued so far (challenges sent).
    pub fn issued(&self) -> usize {
        self.issued
    }

    /// How many right answers passed with this nonce.
    pub fn answers(&self, nonce: &str) -> usize {
        self.known.get(nonce).map_or(0, |n| n.answers)
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
        assert_eq!(book.issued(), NONCE_MEMORY + 10);
    }

    #[test]
    fn nonces_count_their_nc_and_expire() {
        let answered = |nonce: &str, nc: Option<u32>| Answered {
            nonce: nonce.into(),
            nc,
        };
        let mut book = NonceBook::default();
        book.issue("n".into());
        let cases = [
            (Some(1), NonceUse::Fresh),
            (Some(1), NonceUse::Replayed),
            (Some(3), NonceUse::Fresh),
            (Some(2), NonceUse::Replayed),
            (None, NonceUse::Fresh),
            (Some(4), NonceUse::Fresh),
        ];
        for (i, (nc, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                book.accept(&answered("n", nc), None, true),
                want,
                "case {i}"
            );
        }
        assert_eq!(book.answers("n"), 4);
        assert_eq!(
            book.accept(&answered("n", Some(1)), None, false),
            NonceUse::Fresh,
            "replays pass when nc is not checked"
        );
        assert_eq!(
            book.accept(&answered("other", Some(1)), None, true),
            NonceUse::Unknown
        );
        book.issue("short".into());
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            book.accept(
                &answered("short", Some(1)),
                Some(Duration::from_millis(10)),
                true
            ),
            NonceUse::Expired
        );
        assert_eq!(
            book.accept(
                &answered("short", Some(1)),
                Some(Duration::from_secs(60)),
                true
            ),
            NonceUse::Fresh
        );
    }

    #[test]
    fn a_right_answer_names_its_nonce_and_nc() {
        let expected = Expected {
            username: "pub",
            password: "priv",
            algorithm: Algorithm::Md5,
            qop: Some("auth"),
        };
        let header =
            answer(Algorithm::Md5, true, "priv", "/x", "N1").replace("00000001", "0000000a");
        // The answer was computed for nc 1: with nc 10 it is wrong.
        assert_eq!(verified(&expected, "POST", "/x", &header, |_| true), None);
        let header = answer(Algorithm::Md5, true, "priv", "/x", "N1");
        assert_eq!(
            verified(&expected, "POST", "/x", &header, |_| true),
            Some(Answered {
                nonce: "N1".into(),
                nc: Some(1)
            })
        );
        assert!(challenge_with(Algorithm::Md5, Some("auth"), "N", true).ends_with(", stale=true"));
    }
}

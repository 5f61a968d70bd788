//! The OAuth side of Atlas: the service-account token endpoint (`POST /api/oauth/token`,
//! client credentials in a Basic header) and the user-login refresh endpoint
//! (`POST /api/private/unauth/account/device/token`), and the book of tokens they issued.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::{Auth, TokenEndpoint};
use crate::http::Response;
use crate::random;
use crate::recorded::Recorded;

pub const TOKEN_PATH: &str = "/api/oauth/token";
pub const REFRESH_PATH: &str = "/api/private/unauth/account/device/token";

/// Tokens issued so far, with their expiry (unix seconds; `None` never expires).
#[derive(Default)]
pub struct TokenBook {
    access: HashMap<String, Option<u64>>,
    refresh: Vec<String>,
    /// Refresh tokens already exchanged (with single-use refresh tokens).
    spent: Vec<String>,
    /// When each token was issued, for the rate limit.
    issued_at: Vec<std::time::Instant>,
    /// Refresh requests answered with new tokens.
    pub refreshes: usize,
    /// Token or refresh requests refused with 429.
    pub rate_limited: usize,
    /// How many tokens each endpoint has issued (for tests counting token requests).
    pub issued: usize,
}

impl TokenBook {
    /// True for an access token this server issued that has not expired.
    pub fn accepts(&self, token: &str) -> bool {
        match self.access.get(token) {
            Some(Some(expires_at)) => now() < *expires_at,
            Some(None) => true,
            None => false,
        }
    }

    /// Forgets every token (as if the server had revoked them).
    /// A new valid refresh token, as if another login had happened.
    pub fn issue_refresh(&mut self) -> String {
        let token = format!("refresh-{}", random::nonce());
        self.refresh.push(token.clone());
        token
    }

    pub fn revoke_all(&mut self) {
        self.access.clear();
    }

    fn issue(&mut self, token: String, lifetime: Option<u64>) {
        self.issued += 1;
        self.issued_at.push(std::time::Instant::now());
        self.access
            .insert(token, lifetime.map(|l| now().saturating_add(l)));
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// True for a request to one of the two token endpoints (which need no authentication).
pub fn is_token_request(req: &Recorded) -> bool {
    req.method == "POST" && (req.path == TOKEN_PATH || req.path == REFRESH_PATH)
}

/// Answers a token request for the configured credentials.
pub fn handle(
    auth: &Auth,
    manners: &TokenEndpoint,
    book: &mut TokenBook,
    req: &Recorded,
) -> Response {
    if let Some(limit) = manners.per_minute {
        let minute_ago = std::time::Instant::now() - Duration::from_secs(60);
        book.issued_at.retain(|t| *t > minute_ago);
        if book.issued_at.len() >= limit {
            book.rate_limited += 1;
            let mut response = oauth_error(429, "rate_limited", "Too many token requests.");
            response
                .headers
                .push(("Retry-After".to_string(), "1".to_string()));
            return response;
        }
    }
    match (auth, req.path.as_str()) {
        (
            Auth::ServiceAccount {
                client_id,
                client_secret,
                expires_in,
            },
            TOKEN_PATH,
        ) => {
            let form = form_fields(&req.body);
            let presented = req.header("authorization").and_then(basic_credentials);
            let grant_ok = form.get("grant_type").map(String::as_str) == Some("client_credentials");
            if presented != Some((client_id.clone(), client_secret.clone())) || !grant_ok {
                return oauth_error(401, "invalid_client", "Invalid client credentials.");
            }
            let token = format!("sa-{}", random::nonce());
            book.issue(token.clone(), *expires_in);
            let mut body = format!(r#"{{"access_token":"{token}","token_type":"Bearer""#);
            if let Some(lifetime) = expires_in {
                body.push_str(&format!(r#","expires_in":{lifetime}"#));
            }
            body.push('}');
            Response::new(200, Some("application/json"), body)
        }
        (
            Auth::UserAccount {
                refresh_token,
                expires_in,
                ..
            },
            REFRESH_PATH,
        ) => {
            let form = form_fields(&req.body);
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            let reused = manners.single_use_refresh && book.spent.contains(&presented);
            if reused {
                // A spent token presented again: someone holds a copy. Revoke the login.
                book.access.clear();
                let family = std::mem::take(&mut book.refresh);
                book.spent.extend(family);
            }
            let known =
                !reused && (presented == *refresh_token || book.refresh.contains(&presented));
            if !known || form.get("grant_type").map(String::as_str) != Some("refresh_token") {
                let body = r#"{"detail":"The refresh token is invalid or expired.","error":400,"errorCode":"INVALID_REFRESH_TOKEN","parameters":[],"reason":"Bad Request"}"#;
                return Response::new(400, Some("application/json"), body);
            }
            if manners.single_use_refresh {
                book.refresh.retain(|t| *t != presented);
                book.spent.push(presented);
            }
            book.refreshes += 1;
            let access = jwt(now().saturating_add(*expires_in));
            let refresh = format!(
                "refresh-{}{}",
                random::nonce(),
                "x".repeat(manners.refresh_token_padding)
            );
            book.issue(access.clone(), Some(*expires_in));
            book.refresh.push(refresh.clone());
            let body = format!(
                r#"{{"access_token":"{access}","refresh_token":"{refresh}","expires_in":{expires_in},"token_type":"Bearer","scope":"openid profile offline_access"}}"#
            );
            Response::new(200, Some("application/json"), body)
        }
        _ => oauth_error(
            400,
            "unsupported_grant_type",
            "Not configured for this grant.",
        ),
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    let body = format!(r#"{{"error":"{error}","error_description":"{description}"}}"#);
    Response::new(status, Some("application/json"), body)
}

/// An unsigned JWT whose payload carries `exp`, enough for a client that reads the expiry.
pub fn jwt(expires_at: u64) -> String {
    let header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload =
        base64url(format!(r#"{{"sub":"user@example.com","exp":{expires_at}}}"#).as_bytes());
    format!("{header}.{payload}.c2ln")
}

/// `application/x-www-form-urlencoded` fields, percent-decoded.
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

/// `Basic base64(urlencode(id):urlencode(secret))` → (id, secret).
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((percent_decode(id), percent_decode(secret)))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            let c = ALPHABET[((n >> (18 - 6 * i)) & 63) as usize];
            out.push(match c {
                b'+' => '-',
                b'/' => '_',
                c => c as char,
            });
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|&c| c != b'=') {
        let value = match c {
            b'-' => 62,
            b'_' => 63,
            c => ALPHABET.iter().position(|&a| a == c)? as u32,
        };
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in [
            "",
            "f",
            "fo",
            "foo",
            "foob",
            "fooba",
            "foobar",
            "id:secret/+=",
        ] {
            assert_eq!(
                base64_decode(&base64url(text.as_bytes())).unwrap(),
                text.as_bytes()
            );
        }
        assert_eq!(base64_decode("Zm9vOmJhcg==").unwrap(), b"foo:bar");
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let header = format!("Basic {}", base64url(b"my%20id:s%2Bcret"));
        assert_eq!(
            basic_credentials(&header),
            Some(("my id".into(), "s+cret".into()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
    }
}

//! Hiding secrets in text that is shown for debugging (README "-D/--debug"): header values replaced
//! whole, the string values of secret JSON or form fields replaced in place — the rest byte for
//! byte — and any literal occurrence of a configured secret; and URLs as messages show them,
//! without the password ("Messages") or the whole `user:password@` ("Redirects are not followed")
//! they may carry.

pub const REDACTED: &str = "[redacted]";

/// Headers whose whole value is a secret.
pub const SECRET_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "set-cookie"];

use crate::transport::secret_fields::is_secret_field;

/// Replaces the configured secrets and the secret fields' values in a body.
pub fn redact_body(body: &[u8], secrets: &[&str]) -> Vec<u8> {
    let mut out = redact_json_fields(body);
    if looks_like_form(&out) {
        out = redact_form_fields(&out);
    }
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = replace_all(&out, secret.as_bytes(), REDACTED.as_bytes());
    }
    out
}

/// Replaces the configured secrets in a header value or any other text.
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, REDACTED);
    }
    out
}

/// Walks JSON-ish bytes token by token: a string that is a secret field's key, followed by
/// `:` and a string value, gets that value replaced. Tolerates invalid JSON (never panics).
fn redact_json_fields(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    let mut pending_secret_key = false;
    while i < body.len() {
        let b = body[i];
        if b != b'"' {
            if !b.is_ascii_whitespace() && b != b':' {
                pending_secret_key = false;
            }
            out.push(b);
            i += 1;
            continue;
        }
        let end = string_end(body, i);
        let content = &body[i + 1..end.saturating_sub(1).max(i + 1)];
        let after = skip_whitespace(body, end);
        if pending_secret_key {
            out.push(b'"');
            out.extend_from_slice(REDACTED.as_bytes());
            out.push(b'"');
            pending_secret_key = false;
        } else {
            out.extend_from_slice(&body[i..end]);
            pending_secret_key = body.get(after) == Some(&b':') && is_secret_key(content);
        }
        i = end;
    }
    out
}

/// Whether a JSON key (its raw content, between the quotes) names a secret field, read as a
/// JSON parser reads it: `"pass\u0077ord"` is `password`.
fn is_secret_key(raw: &[u8]) -> bool {
    if !raw.contains(&b'\\') {
        return is_secret_field(raw);
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    match serde_json::from_slice::<String>(&quoted) {
        Ok(name) => is_secret_field(name.as_bytes()),
        // Not a valid JSON string: a server could still mean a secret; hide it.
        Err(_) => true,
    }
}

/// The index just past the closing quote of the string starting at `start` (or the end).
fn string_end(body: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    body.len()
}

fn skip_whitespace(body: &[u8], mut i: usize) -> usize {
    while i < body.len() && body[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// `a=b&c=d` with no spaces or braces: an OAuth form body.
fn looks_like_form(body: &[u8]) -> bool {
    !body.is_empty()
        && body.contains(&b'=')
        && body
            .iter()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'{' | b'[' | b'"'))
}

fn redact_form_fields(body: &[u8]) -> Vec<u8> {
    let mut parts = Vec::new();
    for pair in body.split(|&b| b == b'&') {
        let mut field = pair.splitn(2, |&b| b == b'=');
        let name = field.next().unwrap_or_default();
        match field.next() {
            Some(_) if is_secret_field(name) => {
                let mut redacted = name.to_vec();
                redacted.push(b'=');
                redacted.extend_from_slice(REDACTED.as_bytes());
                parts.push(redacted);
            }
            _ => parts.push(pair.to_vec()),
        }
    }
    parts.join(&b'&')
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

pub use crate::support::url_text::{without_password, without_userinfo};

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_shown_without_passwords() {
        use super::{without_password, without_userinfo};
        let cases = [
            ("http://user:PASSWORD@h:1/p?q#f", "http://user@h:1/p?q#f"),
            ("https://u:@h/", "https://u@h/"),
            ("http://user@h/", "http://user@h/"),
            ("http://h:8080/a@b", "http://h:8080/a@b"),
            ("http://user:pa/ss@h/", "http://user@h/"),
            ("http://user:PASSWORD@", "http://user@"),
            ("HTTP:\\\\u:p@h", "HTTP:\\\\u@h"),
            ("not a url", "not a url"),
            ("localhost:8080", "localhost:8080"),
            ("h:1", "h:1"),
        ];
        for (given, shown) in cases {
            assert_eq!(without_password(given), shown, "{given}");
        }
        let cases = [
            ("http://user:pass@127.0.0.2:9/x", "http://127.0.0.2:9/x"),
            ("//u:p@other/x", "//other/x"),
            ("/relative@path", "/relative@path"),
            ("https://h/a@b", "https://h/a@b"),
            ("mailto:x@y", "mailto:x@y"),
        ];
        for (given, shown) in cases {
            assert_eq!(without_userinfo(given), shown, "{given}");
        }
    }

    use super::*;

    fn body(text: &str) -> String {
        String::from_utf8(redact_body(text.as_bytes(), &["00000000-fake-secret"])).unwrap()
    }

    #[test]
    fn secret_json_fields_are_replaced_in_place() {
        let cases = [
            (
                r#"{"desc":"x","privateKey":"e61d0cec-b1e3","publicKey":"abc"}"#,
                r#"{"desc":"x","privateKey":"[redacted]","publicKey":"abc"}"#,
            ),
            (
                "{\n  \"privateKey\" : \"a\\\"b\",\n  \"id\" : 1\n}",
                "{\n  \"privateKey\" : \"[redacted]\",\n  \"id\" : 1\n}",
            ),
            (
                r#"{"access_token":"t1","refresh_token":"t2","id_token":"t3","expires_in":3600}"#,
                r#"{"access_token":"[redacted]","refresh_token":"[redacted]","id_token":"[redacted]","expires_in":3600}"#,
            ),
            (
                r#"{"desc":"privateKey","x":["privateKey"]}"#,
                r#"{"desc":"privateKey","x":["privateKey"]}"#,
            ),
            (r#"{"privateKey":null}"#, r#"{"privateKey":null}"#),
            (
                r#"[{"privateKey":"k1"},{"privateKey":"k2"}]"#,
                r#"[{"privateKey":"[redacted]"},{"privateKey":"[redacted]"}]"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(body(input), want, "{input}");
        }
    }

    #[test]
    fn escaped_keys_are_read_as_json_reads_them() {
        let body = br#"{"pass\u0077ord":"PW4","a\"b":"kept","api\u004bey":"K9"}"#;
        let out = String::from_utf8(super::redact_body(body, &[])).unwrap();
        assert_eq!(
            out,
            r#"{"pass\u0077ord":"[redacted]","a\"b":"kept","api\u004bey":"[redacted]"}"#
        );
    }

    #[test]
    fn form_fields_and_configured_secrets_are_replaced() {
        assert_eq!(
            body("grant_type=refresh_token&refresh_token=abc.def&client_id=x"),
            "grant_type=refresh_token&refresh_token=[redacted]&client_id=x"
        );
        assert_eq!(
            body("note: 00000000-fake-secret appears"),
            "note: [redacted] appears"
        );
        assert_eq!(
            redact_text(
                "Digest response=\"00000000-fake-secret\"",
                &["00000000-fake-secret"]
            ),
            "Digest response=\"[redacted]\""
        );
    }

    #[test]
    fn random_bodies_never_panic() {
        let pieces = [
            "{",
            "}",
            "[",
            "]",
            "\"",
            "\\",
            ":",
            ",",
            "privateKey",
            "\"privateKey\"",
            " ",
            "x",
            "=",
            "&",
            "refresh_token",
        ];
        let mut rng = crate::support::fuzzing::Rng::new(5);
        for _ in 0..crate::support::fuzzing::iterations(20_000) {
            let text = rng.text(&pieces, 24);
            let out = redact_body(text.as_bytes(), &["secret-value"]);
            assert!(!String::from_utf8_lossy(&out).contains("secret-value"));
            let _ = redact_body(&rng.bytes(48), &[]);
        }
    }

    #[test]
    fn never_panics_on_broken_input() {
        for input in [
            "\"",
            "{\"privateKey\"",
            "{\"privateKey\":",
            "{\"privateKey\":\"",
            "\\",
            "\"\\",
            "",
        ] {
            let _ = body(input);
        }
    }
}

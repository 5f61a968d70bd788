//! The `-D/--debug` dumps (README "-D/--debug"): every request and response on stderr, with secret
//! headers, secret body fields and the configured secrets replaced by `[redacted]`.

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Version};

use crate::support::secret::Secret;
use crate::transport::redact::{
    REDACTED, SECRET_HEADERS, redact_body, redact_text, without_password,
};

/// Writes dumps that never show a secret.
pub struct Dumper {
    secrets: Vec<Secret<String>>,
}

impl Dumper {
    /// `secrets`: the configured private key, client secret and tokens.
    pub fn new(secrets: Vec<Secret<String>>) -> Dumper {
        Dumper { secrets }
    }

    fn secrets(&self) -> Vec<&str> {
        self.secrets.iter().map(|s| s.expose().as_str()).collect()
    }

    /// `> METHOD url`, the headers as sent (the client's own included), a blank line, the body.
    pub fn request(&self, request: &reqwest::Request, user_agent: &str) -> String {
        let mut text = format!(
            "> {} {}\n",
            request.method(),
            crate::transport::executor::shown_url(request.url())
        );
        let body = request
            .body()
            .and_then(|b| b.as_bytes())
            .unwrap_or_default();
        let mut headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        headers.push(("user-agent".into(), user_agent.into()));
        headers.push(("accept-encoding".into(), "gzip".into()));
        if request.body().is_some() {
            headers.push(("content-length".into(), body.len().to_string()));
        }
        for (name, value) in headers {
            text.push_str(&format!(
                "> {}: {}\n",
                canonical(&name),
                self.header_value(&name, &value)
            ));
        }
        text.push('\n');
        self.push_body(&mut text, body);
        text
    }

    /// `< HTTP/x.y code reason`, the headers, a blank line, the body.
    pub fn response(
        &self,
        version: Version,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> String {
        let mut text = format!(
            "< {version:?} {}\n",
            crate::api::response::status_line(status)
        );
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            text.push_str(&format!(
                "< {}: {}\n",
                canonical(name.as_str()),
                self.header_value(name.as_str(), &value)
            ));
        }
        text.push('\n');
        self.push_body(&mut text, body);
        text
    }

    fn header_value(&self, name: &str, value: &str) -> String {
        if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            REDACTED.to_string()
        } else if name.eq_ignore_ascii_case("location") {
            redact_text(&without_password(value), &self.secrets())
        } else {
            redact_text(value, &self.secrets())
        }
    }

    fn push_body(&self, text: &mut String, body: &[u8]) {
        let body = redact_body(body, &self.secrets());
        text.push_str(&String::from_utf8_lossy(&body));
        if !body.is_empty() && !body.ends_with(b"\n") {
            text.push('\n');
        }
    }
}

/// Go's canonical header form: `content-type` → `Content-Type`.
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{AUTHORIZATION, HeaderValue, SET_COOKIE};

    fn dumper() -> Dumper {
        Dumper::new(vec![Secret::new(
            "00000000-fake-fake-fake-000000000000".to_string(),
        )])
    }

    #[test]
    fn requests_show_everything_but_secrets() {
        let mut request =
            reqwest::Request::new(reqwest::Method::POST, "http://h/api?x=1".parse().unwrap());
        request.headers_mut().insert(
            AUTHORIZATION,
            HeaderValue::from_static("Digest username=\"u\", response=\"abc\""),
        );
        *request.body_mut() = Some(r#"{"desc":"00000000-fake-fake-fake-000000000000"}"#.into());
        let text = dumper().request(&request, "atlas/0 (linux; x86_64)");
        assert_eq!(
            text,
            "> POST http://h/api?x=1\n> Authorization: [redacted]\n> User-Agent: atlas/0 (linux; x86_64)\n> Accept-Encoding: gzip\n> Content-Length: 47\n\n{\"desc\":\"[redacted]\"}\n"
        );
    }

    #[test]
    fn responses_hide_new_private_keys_and_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(SET_COOKIE, HeaderValue::from_static("session=abc"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let body = br#"{"id":"1","privateKey":"e61d0cec-b1e3-4c4d-8384-b6f07815e727"}"#;
        let text = dumper().response(Version::HTTP_11, StatusCode::OK, &headers, body);
        assert_eq!(
            text,
            "< HTTP/1.1 200 OK\n< Set-Cookie: [redacted]\n< Content-Type: application/json\n\n{\"id\":\"1\",\"privateKey\":\"[redacted]\"}\n"
        );
        assert!(!text.contains("e61d0cec"));
    }
}

//! One request as the stand-in received it, for tests to assert on.

/// A request exactly as seen on the wire (body already de-chunked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Raw request-target: path + `?` + query, exactly as sent.
    pub target: String,
    /// The path part of the target, still percent-encoded.
    pub path: String,
    /// The query part of the target (without `?`), if there was a `?`.
    pub query: Option<String>,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// Header names lower-cased, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// True when the request carried valid credentials for the configured auth.
    pub authorized: bool,
}

impl Recorded {
    /// A copy with an empty body (its head only).
    pub(crate) fn without_body(&self) -> Recorded {
        Recorded {
            method: self.method.clone(),
            target: self.target.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            version: self.version.clone(),
            headers: self.headers.clone(),
            body: Vec::new(),
            authorized: self.authorized,
        }
    }

    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the header with this name (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as (lossy) UTF-8 text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_ignores_case() {
        let r = Recorded {
            method: "GET".into(),
            target: "/".into(),
            path: "/".into(),
            query: None,
            version: "HTTP/1.1".into(),
            headers: vec![
                ("accept".into(), "a".into()),
                ("x-a".into(), "1".into()),
                ("x-a".into(), "2".into()),
            ],
            body: Vec::new(),
            authorized: false,
        };
        let cases = [
            ("Accept", Some("a")),
            ("ACCEPT", Some("a")),
            ("x-a", Some("1")),
            ("host", None),
        ];
        for (name, expected) in cases {
            assert_eq!(r.header(name), expected, "{name}");
        }
        assert_eq!(r.header_all("X-A"), vec!["1", "2"]);
    }
}

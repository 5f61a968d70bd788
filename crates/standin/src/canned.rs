//! Canned responses: scripted answers, including ones parsed from recorded `.snaphost` files
//! (Go `httputil.DumpResponse` output: status line, headers, blank line, raw body).

use std::io;
use std::path::Path;

use crate::http::{Response, reason_phrase};
use crate::{ERROR_CONTENT_TYPE, SUCCESS_CONTENT_TYPE};

/// A response sent as is (a correct Content-Length is always computed when sending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canned {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl Canned {
    /// Read and parse a recorded `.snaphost` file.
    pub fn from_snaphost(path: &Path) -> io::Result<Canned> {
        let bytes = std::fs::read(path)?;
        Canned::parse_snaphost(&bytes).map_err(|e| invalid(format!("{}: {}", path.display(), e)))
    }

    /// Parse the bytes of a `.snaphost` dump. `Content-Length` and `Transfer-Encoding` are
    /// dropped (the sender computes its own framing); the body is kept byte for byte.
    pub fn parse_snaphost(bytes: &[u8]) -> Result<Canned, String> {
        let mut rest = bytes;
        let mut next_line = || -> Option<&[u8]> {
            let end = rest.iter().position(|&b| b == b'\n')?;
            let mut line = &rest[..end];
            rest = &rest[end + 1..];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            Some(line)
        };
        let status_line = next_line().ok_or("missing status line")?;
        let status_line =
            std::str::from_utf8(status_line).map_err(|_| "status line is not UTF-8")?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        if !version.starts_with("HTTP/") {
            return Err(format!("not a status line: {status_line:?}"));
        }
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .filter(|s| (100..1000).contains(s))
            .ok_or_else(|| format!("bad status code in {status_line:?}"))?;
        let reason = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let line = next_line().ok_or("missing blank line after headers")?;
            if line.is_empty() {
                break;
            }
            let text = String::from_utf8_lossy(line);
            let (name, value) = text
                .split_once(':')
                .ok_or_else(|| format!("header without colon: {text:?}"))?;
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length")
                || name.eq_ignore_ascii_case("transfer-encoding")
            {
                continue;
            }
            headers.push((name.to_string(), value.trim().to_string()));
        }
        Ok(Canned {
            status,
            reason,
            headers,
            body: rest.to_vec(),
        })
    }

    /// A JSON answer: `Content-Type` is the versioned Atlas type below 400, `application/json`
    /// from 400 on (as recorded).
    pub fn json(status: u16, body: &str) -> Canned {
        let content_type = if status < 400 {
            SUCCESS_CONTENT_TYPE
        } else {
            ERROR_CONTENT_TYPE
        };
        Canned {
            status,
            reason: reason_phrase(status).to_string(),
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The recorded Atlas responses kept in the repository (`tests/data/recorded` at its top),
    /// or `$ATLAS_RECORDED_FIXTURES` when set.
    pub fn recorded_fixtures_dir() -> std::path::PathBuf {
        match std::env::var_os("ATLAS_RECORDED_FIXTURES") {
            Some(dir) => dir.into(),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/recorded"),
        }
    }

    pub(crate) fn to_response(&self) -> Response {
        Response {
            status: self.status,
            reason: self.reason.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn snaphosts(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                snaphosts(&path, out);
            } else if path.extension().is_some_and(|e| e == "snaphost") {
                out.push(path);
            }
        }
    }

    /// Every recorded file parses, and its declared Content-Length (when there is one) equals
    /// the body kept.
    #[test]
    fn every_recorded_file_parses() {
        let dir = Canned::recorded_fixtures_dir();
        let mut files = Vec::new();
        snaphosts(&dir, &mut files);
        assert!(files.len() >= 30, "recorded files in {}", dir.display());
        for file in &files {
            let raw = std::fs::read(file).unwrap();
            let canned = Canned::from_snaphost(file).unwrap();
            let text = String::from_utf8_lossy(&raw);
            let declared = text
                .lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .map(|v| v.parse::<usize>().unwrap());
            match declared {
                Some(n) => assert_eq!(canned.body.len(), n, "{}", file.display()),
                None => assert!(canned.body.is_empty(), "{}", file.display()),
            }
            assert!(canned.header("content-length").is_none());
            assert!(
                canned.header("content-type").is_some(),
                "{}",
                file.display()
            );
            let name = file.file_name().unwrap().to_string_lossy();
            let method = name.split('_').next().unwrap();
            assert!(
                ["GET", "POST", "PATCH", "DELETE"].contains(&method),
                "{name}"
            );
            if canned.status == 401 {
                assert!(
                    canned
                        .header("www-authenticate")
                        .unwrap()
                        .starts_with("Digest realm=")
                );
                assert_eq!(
                    canned.body,
                    crate::atlas_error::UNAUTHORIZED_BODY.as_bytes()
                );
            }
        }
        assert!(files.len() >= 30, "found only {} files", files.len());
    }

    #[test]
    fn parse_cases() {
        /// raw dump, status, reason, header count, body
        type Case<'a> = (&'a [u8], u16, &'a str, usize, &'a [u8]);
        let ok: [Case; 4] = [
            (
                b"HTTP/2.0 204 No Content\nContent-Type: x\n\n",
                204,
                "No Content",
                1,
                b"",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nA: b\r\n\r\n{}",
                200,
                "OK",
                1,
                b"{}",
            ),
            (b"HTTP/2.0 418\n\nbody\n", 418, "", 0, b"body\n"),
            (
                b"HTTP/2.0 200 OK\nTransfer-Encoding: chunked\n\n",
                200,
                "OK",
                0,
                b"",
            ),
        ];
        for (raw, status, reason, n_headers, body) in ok {
            let c = Canned::parse_snaphost(raw).unwrap();
            assert_eq!(
                (
                    c.status,
                    c.reason.as_str(),
                    c.headers.len(),
                    c.body.as_slice()
                ),
                (status, reason, n_headers, body)
            );
        }
        let bad: [&[u8]; 5] = [
            b"",
            b"HTTP/2.0 200 OK",
            b"HTTP/2.0 abc OK\n\n",
            b"garbage\n\n",
            b"HTTP/2.0 200 OK\nNoColon\n\n",
        ];
        for raw in bad {
            assert!(
                Canned::parse_snaphost(raw).is_err(),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn json_content_types() {
        assert_eq!(
            Canned::json(200, "{}").header("content-type"),
            Some(SUCCESS_CONTENT_TYPE)
        );
        assert_eq!(
            Canned::json(404, "{}").header("content-type"),
            Some(ERROR_CONTENT_TYPE)
        );
        assert_eq!(Canned::json(503, "x").reason, "Service Unavailable");
    }
}

//! A tiny raw HTTP/1.1 client over std `TcpStream` for the integration tests, with a digest
//! helper that answers the stand-in's challenge.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use atlas_standin::digest::{self, Inputs, QopFields};
use atlas_standin::{Algorithm, StandIn};

pub const JSON: &str = "application/vnd.atlas.2023-01-01+json";
pub const ORG: &str = "a0123456789abcdef012345a";
pub const GROUP: &str = "b0123456789abcdef012345b";

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    pub fn open(server: &StandIn) -> Conn {
        let stream = TcpStream::connect(server.addr()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let writer = stream.try_clone().unwrap();
        Conn {
            reader: BufReader::new(stream),
            writer,
        }
    }

    pub fn set_read_timeout(&self, timeout: Duration) {
        self.writer.set_read_timeout(Some(timeout)).unwrap();
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write");
        self.writer.flush().unwrap();
    }

    /// Read one final response (skipping 1xx), or `None` when the server closed first.
    pub fn read_response(&mut self) -> Option<Resp> {
        loop {
            let resp = self.read_one()?;
            if !(100..200).contains(&resp.status) {
                return Some(resp);
            }
        }
    }

    /// Read one response, 1xx included.
    pub fn read_one(&mut self) -> Option<Resp> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        let mut parts = line.splitn(3, ' ');
        assert_eq!(parts.next(), Some("HTTP/1.1"), "status line {line:?}");
        let status: u16 = parts.next()?.parse().ok()?;
        let reason = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).ok()?;
            let h = h.trim_end_matches(['\r', '\n']);
            if h.is_empty() {
                break;
            }
            let (n, v) = h.split_once(':')?;
            headers.push((n.to_string(), v.trim().to_string()));
        }
        let mut resp = Resp {
            status,
            reason,
            headers,
            body: Vec::new(),
        };
        if let Some(len) = resp.header("content-length") {
            let mut body = vec![0; len.parse().ok()?];
            self.reader.read_exact(&mut body).ok()?;
            resp.body = body;
        }
        Some(resp)
    }

    /// Send a request with `Host`, `Accept` (versioned JSON unless given) and, with a body,
    /// `Content-Type` + `Content-Length` (unless given); returns the final response.
    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Option<Resp> {
        let raw = build_request(method, target, headers, body);
        self.send_raw(&raw);
        self.read_response()
    }
}

pub fn build_request(
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if !has("accept") {
        raw.push_str(&format!("Accept: {JSON}\r\n"));
    }
    for (n, v) in headers {
        raw.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(body) = body {
        if !has("content-type") {
            raw.push_str(&format!("Content-Type: {JSON}\r\n"));
        }
        if !has("transfer-encoding") && !has("content-length") {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
    }
    raw.push_str("\r\n");
    let mut bytes = raw.into_bytes();
    if let Some(body) = body {
        bytes.extend_from_slice(body);
    }
    bytes
}

/// Encode `body` as chunks of at most `size` bytes.
pub fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in body.chunks(size.max(1)) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The `Authorization` answer to a `WWW-Authenticate` challenge, like the Go digest client.
pub fn answer(challenge: &str, method: &str, uri: &str, user: &str, password: &str) -> String {
    answer_nc(challenge, method, uri, user, password, 1)
}

/// As [`answer`], with this `nc` (a client that answers one challenge many times).
pub fn answer_nc(
    challenge: &str,
    method: &str,
    uri: &str,
    user: &str,
    password: &str,
    nc: u32,
) -> String {
    let nc = format!("{nc:08x}");
    let params = digest::parse_authorization(challenge).expect("digest challenge");
    let nonce = params.get("nonce").expect("nonce").clone();
    let realm = params.get("realm").expect("realm").clone();
    let algorithm = match params.get("algorithm").map(String::as_str) {
        Some("SHA-256") => Algorithm::Sha256,
        _ => Algorithm::Md5,
    };
    let qop = params.get("qop").map(|_| QopFields {
        qop: "auth",
        nc: &nc,
        cnonce: "0123456789abcdef",
    });
    let response = digest::expected_response(&Inputs {
        algorithm,
        username: user,
        realm: &realm,
        password,
        method,
        uri,
        nonce: &nonce,
        qop,
    });
    let mut header = format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=\"{}\"",
        algorithm.token()
    );
    if qop.is_some() {
        header.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"0123456789abcdef\""));
    }
    header
}

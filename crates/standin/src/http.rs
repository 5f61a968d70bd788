//! HTTP/1.1 wire format: reading requests (the head parsed by httparse; Content-Length and
//! chunked bodies, `Expect: 100-continue`), writing responses, reason phrases,
//! percent-decoding and query strings.

use std::io::{self, BufRead, Read, Write};

use crate::clock;
use crate::recorded::Recorded;

/// Longest accepted request line or header line.
pub const MAX_LINE: usize = 16 * 1024;
/// Most header lines accepted in one request.
pub const MAX_HEADERS: usize = 200;
/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection before sending anything (normal end of keep-alive).
    Closed,
    /// The socket failed (reset, shut down…).
    Io(io::Error),
    /// The bytes are not a request we accept: answer 400 and close.
    Bad(String),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

fn bad(msg: impl Into<String>) -> ReadError {
    ReadError::Bad(msg.into())
}

/// Read one line ending in LF, the LF (and any CR) kept, at most `MAX_LINE` bytes before it.
/// `Ok(None)` when the stream ended before any byte.
fn read_raw_line<R: BufRead>(reader: &mut R) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        if line.len() > MAX_LINE {
            return Err(bad("line too long"));
        }
        return Err(bad("unexpected end of stream"));
    }
    Ok(Some(line))
}

/// Read one line ending in LF (CR before it dropped), at most `MAX_LINE` bytes.
/// `Ok(None)` when the stream ended before any byte.
fn read_line<R: BufRead>(reader: &mut R) -> Result<Option<Vec<u8>>, ReadError> {
    let Some(mut line) = read_raw_line(reader)? else {
        return Ok(None);
    };
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// A line holding nothing but its end (`\r\n` or `\n`).
fn is_blank(line: &[u8]) -> bool {
    matches!(line, b"\n" | b"\r\n")
}

/// What httparse found wrong, for the 400's detail.
fn parse_error_text(error: httparse::Error) -> &'static str {
    match error {
        httparse::Error::HeaderName => "malformed header name",
        httparse::Error::HeaderValue => "malformed header value",
        httparse::Error::NewLine => "malformed line ending",
        httparse::Error::TooManyHeaders => "too many headers",
        httparse::Error::Version => "unsupported HTTP version",
        httparse::Error::Token | httparse::Error::Status => "malformed request line",
    }
}

/// Read the request line and headers. `Err(Closed)` on a clean end of stream.
///
/// The head is taken off the stream line by line (so that no byte of the body is consumed,
/// and each line is bounded by `MAX_LINE`), then parsed by httparse: a method token, one
/// space, the request-target, one space, `HTTP/1.0` or `HTTP/1.1`; header names that are
/// tokens followed by a colon, no obsolete line folding.
fn read_head<R: BufRead>(reader: &mut R) -> Result<Recorded, ReadError> {
    // RFC 9112 2.2: ignore a few empty lines before the request line.
    let mut request_line = None;
    for _ in 0..4 {
        match read_raw_line(reader)? {
            None => return Err(ReadError::Closed),
            Some(l) if is_blank(&l) => continue,
            Some(l) => {
                request_line = Some(l);
                break;
            }
        }
    }
    let mut head = request_line.ok_or_else(|| bad("no request line"))?;
    let line_len = head.len();
    let mut header_lines = 0;
    loop {
        let line = read_raw_line(reader)?.ok_or_else(|| bad("unexpected end of headers"))?;
        let blank = is_blank(&line);
        head.extend_from_slice(&line);
        if blank {
            break;
        }
        header_lines += 1;
        if header_lines > MAX_HEADERS {
            return Err(bad("too many headers"));
        }
    }
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(bad("unexpected end of headers")),
        Err(e) => return Err(bad(parse_error_text(e))),
    }
    let line = std::str::from_utf8(&head[..line_len])
        .map_err(|_| bad("request line is not UTF-8"))?
        .trim_end_matches(['\r', '\n']);
    let method = parsed.method.unwrap_or_default();
    let version = match parsed.version {
        Some(0) => "HTTP/1.0",
        Some(1) => "HTTP/1.1",
        _ => return Err(bad("unsupported HTTP version")),
    };
    // httparse gives an empty path for a target with bytes past ASCII (valid UTF-8 here):
    // then the target is the request line's middle, which httparse has checked.
    let target = match parsed.path {
        Some(path) if !path.is_empty() => path,
        _ => line
            .strip_prefix(method)
            .and_then(|rest| rest.strip_suffix(version))
            .map(|middle| middle.trim_matches(' '))
            .unwrap_or_default(),
    };
    if target.is_empty() {
        return Err(bad("malformed request-target"));
    }
    let origin = origin_form(target).ok_or_else(|| bad("malformed request-target"))?;
    let (path, query) = match origin.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (origin.to_string(), None),
    };
    let headers = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value)
                    .trim_matches([' ', '\t'])
                    .to_string(),
            )
        })
        .collect();
    Ok(Recorded {
        method: method.to_string(),
        target: target.to_string(),
        path,
        query,
        version: version.to_string(),
        headers,
        body: Vec::new(),
        authorized: false,
    })
}

/// The origin-form (`/path?query`) of a request-target; absolute-form is reduced to it.
fn origin_form(target: &str) -> Option<&str> {
    if target.starts_with('/') {
        return Some(target);
    }
    let rest = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))?;
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => Some(&rest[i..]),
        Some(_) | None => None,
    }
}

/// How the body of a request is framed.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    None,
    Length(usize),
    Chunked,
}

fn framing(req: &Recorded, max_body: usize) -> Result<Framing, ReadError> {
    let te = req.header_all("transfer-encoding");
    if !te.is_empty() {
        let codings: Vec<String> = te
            .iter()
            .flat_map(|v| v.split(','))
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty())
            .collect();
        if codings.last().map(String::as_str) != Some("chunked") {
            return Err(bad("unsupported transfer-encoding"));
        }
        if codings.iter().any(|c| c != "chunked" && c != "identity") || codings.len() > 2 {
            return Err(bad("unsupported transfer-encoding"));
        }
        return Ok(Framing::Chunked);
    }
    let lengths = req.header_all("content-length");
    let mut length: Option<usize> = None;
    for value in lengths.iter().flat_map(|v| v.split(',')) {
        let value = value.trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("malformed content-length"));
        }
        let n: usize = value.parse().map_err(|_| bad("content-length too large"))?;
        if length.is_some_and(|l| l != n) {
            return Err(bad("conflicting content-length"));
        }
        length = Some(n);
    }
    match length {
        Some(n) if n > max_body => Err(bad("body too large")),
        Some(0) | None => Ok(Framing::None),
        Some(n) => Ok(Framing::Length(n)),
    }
}

/// Decode a chunked body (RFC 9112 7.1), trailers read and dropped.
pub fn read_chunked<R: BufRead>(reader: &mut R) -> Result<Vec<u8>, ReadError> {
    read_chunked_limited(reader, MAX_BODY)
}

/// As [`read_chunked`], with a body of at most `max_body` bytes.
fn read_chunked_limited<R: BufRead>(reader: &mut R, max_body: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or_else(|| bad("unexpected end of chunked body"))?;
        let text = String::from_utf8_lossy(&line);
        let size_text = text
            .split(';')
            .next()
            .unwrap_or("")
            .trim_matches([' ', '\t']);
        if size_text.is_empty() || size_text.len() > 15 {
            return Err(bad("malformed chunk size"));
        }
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("malformed chunk size"))?;
        if size == 0 {
            break;
        }
        if body.len().saturating_add(size) > max_body {
            return Err(bad("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                bad("chunk shorter than announced")
            } else {
                ReadError::Io(e)
            }
        })?;
        let end = read_line(reader)?.ok_or_else(|| bad("missing CRLF after chunk"))?;
        if !end.is_empty() {
            return Err(bad("missing CRLF after chunk"));
        }
    }
    for _ in 0..MAX_HEADERS {
        let trailer = read_line(reader)?.ok_or_else(|| bad("unexpected end of trailers"))?;
        if trailer.is_empty() {
            return Ok(body);
        }
    }
    Err(bad("too many trailers"))
}

/// Read one full request. `send_continue` is called before reading the body when the client
/// sent `Expect: 100-continue`.
pub fn read_request<R: BufRead>(
    reader: &mut R,
    send_continue: impl FnMut() -> io::Result<()>,
) -> Result<Recorded, ReadError> {
    read_request_limited(reader, MAX_BODY, send_continue)
}

/// As [`read_request`], with a body of at most `max_body` bytes.
pub fn read_request_limited<R: BufRead>(
    reader: &mut R,
    max_body: usize,
    mut send_continue: impl FnMut() -> io::Result<()>,
) -> Result<Recorded, ReadError> {
    let mut req = read_head(reader)?;
    let framing = framing(&req, max_body)?;
    let expects_continue = req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if expects_continue && framing != Framing::None && req.version == "HTTP/1.1" {
        send_continue()?;
    }
    req.body = match framing {
        Framing::None => Vec::new(),
        Framing::Chunked => read_chunked_limited(reader, max_body)?,
        Framing::Length(n) => {
            let mut body = vec![0; n];
            reader.read_exact(&mut body).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    bad("body shorter than content-length")
                } else {
                    ReadError::Io(e)
                }
            })?;
            body
        }
    };
    Ok(req)
}

/// Whether the connection stays open after answering `req`.
pub fn keep_alive(req: &Recorded) -> bool {
    let tokens: Vec<String> = req
        .header_all("connection")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    if tokens.iter().any(|t| t == "close") {
        return false;
    }
    req.version == "HTTP/1.1" || tokens.iter().any(|t| t == "keep-alive")
}

/// A response to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        let mut headers = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("Content-Type".to_string(), ct.to_string()));
        }
        Response {
            status,
            reason: reason_phrase(status).to_string(),
            headers,
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Whether a response with this status carries no body and no Content-Length (RFC 9110 8.6).
pub fn bodiless(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// Serialize a response: status line, its headers (minus framing ones), Date if missing, a
/// correct Content-Length, `Connection: close` when closing.
pub fn encode_response(resp: &Response, close: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + resp.body.len());
    let reason = resp.reason.replace(['\r', '\n'], " ");
    out.extend_from_slice(format!("HTTP/1.1 {} {}\r\n", resp.status, reason).as_bytes());
    for (name, value) in &resp.headers {
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            continue;
        }
        let value = value.replace(['\r', '\n'], " ");
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if resp.header("date").is_none() {
        out.extend_from_slice(format!("Date: {}\r\n", clock::now_http_date()).as_bytes());
    }
    let body: &[u8] = if bodiless(resp.status) {
        &[]
    } else {
        &resp.body
    };
    if !bodiless(resp.status) {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Write a response and flush.
pub fn write_response<W: Write>(w: &mut W, resp: &Response, close: bool) -> io::Result<()> {
    w.write_all(&encode_response(resp, close))?;
    w.flush()
}

/// Standard reason phrase of a status code (empty for unknown codes).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decode (invalid escapes kept as is; `+` becomes a space when `plus_is_space`).
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=x+y` → `[("a","1"),("b","x y")]`, in order, decoded.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(pair, true), String::new()),
        })
        .collect()
}

/// Percent-encode one path segment like Go's `url.PathEscape`.
pub fn path_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+:=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read(raw: &[u8]) -> Result<Recorded, ReadError> {
        read_request(&mut Cursor::new(raw.to_vec()), || Ok(()))
    }

    #[test]
    fn chunked_bodies() {
        let ok: [(&[u8], &[u8]); 6] = [
            (b"0\r\n\r\n", b""),
            (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
            (b"3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", b"hello"),
            (
                b"A;ext=1\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n",
                b"0123456789",
            ),
            (b"a\n0123456789\n0\n\n", b"0123456789"),
            (b"00002\r\n{}\r\n0\r\n\r\n", b"{}"),
        ];
        for (raw, expected) in ok {
            let body = read_chunked(&mut Cursor::new(raw.to_vec())).unwrap();
            assert_eq!(body, expected, "{:?}", String::from_utf8_lossy(raw));
        }
        let bad_inputs: [&[u8]; 7] = [
            b"",
            b"zz\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhel",
            b"5\r\nhelloXX\r\n0\r\n\r\n",
            b"5\r\nhello\r\n",
            b"ffffffffffffffffff\r\n",
            b"\r\n",
        ];
        for raw in bad_inputs {
            assert!(
                matches!(
                    read_chunked(&mut Cursor::new(raw.to_vec())),
                    Err(ReadError::Bad(_))
                ),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn requests() {
        let req = read(b"POST /api/x?a=1&b=2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-Y:  v \r\n\r\n2\r\n{}\r\n0\r\n\r\n").unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.target, "/api/x?a=1&b=2");
        assert_eq!(req.path, "/api/x");
        assert_eq!(req.query.as_deref(), Some("a=1&b=2"));
        assert_eq!(req.header("x-y"), Some("v"));
        assert_eq!(req.body, b"{}");
        let req = read(b"\r\nGET / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc").unwrap();
        assert_eq!(
            (req.version.as_str(), req.body.as_slice()),
            ("HTTP/1.0", &b"abc"[..])
        );
        assert!(!keep_alive(&req));
        let req = read(b"GET http://127.0.0.1:1/p?q HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!((req.path.as_str(), req.query.as_deref()), ("/p", Some("q")));
        assert!(matches!(read(b""), Err(ReadError::Closed)));
        let bad_requests: [&[u8]; 11] = [
            b"GET\r\n\r\n",
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
        ];
        for raw in bad_requests {
            assert!(
                matches!(read(raw), Err(ReadError::Bad(_))),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn heads_parsed_by_httparse_keep_the_stand_ins_rules() {
        // A UTF-8 target past ASCII is kept whole (httparse leaves such a path empty).
        let req = read("GET /caf\u{e9}?q=\u{e9} HTTP/1.1\r\n\r\n".as_bytes()).unwrap();
        assert_eq!(req.target, "/caf\u{e9}?q=\u{e9}");
        assert_eq!(req.path, "/caf\u{e9}");
        // Bare LF line ends, values trimmed, names lower-cased, repeated names kept in order.
        let req = read(b"GET /a HTTP/1.1\nX-A:\t one two \t\nx-a: 2\nEmpty:\n\n").unwrap();
        assert_eq!(
            req.headers,
            vec![
                ("x-a".to_string(), "one two".to_string()),
                ("x-a".to_string(), "2".to_string()),
                ("empty".to_string(), String::new()),
            ]
        );
        // Up to three empty lines before the request line; a fourth is refused.
        assert!(read(b"\r\n\n\r\nGET / HTTP/1.1\r\n\r\n").is_ok());
        assert!(matches!(
            read(b"\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
            Err(ReadError::Bad(_))
        ));
        // At most MAX_HEADERS headers.
        let with = |n: usize| {
            let mut raw = b"GET / HTTP/1.1\r\n".to_vec();
            for i in 0..n {
                raw.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
            }
            raw.extend_from_slice(b"\r\n");
            read(&raw)
        };
        assert_eq!(with(MAX_HEADERS).unwrap().headers.len(), MAX_HEADERS);
        assert!(matches!(with(MAX_HEADERS + 1), Err(ReadError::Bad(_))));
        // The body is left on the stream for the framing, byte for byte.
        let mut stream =
            Cursor::new(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n\r\nGET".to_vec());
        let req = read_request(&mut stream, || Ok(())).unwrap();
        assert_eq!(req.body, b"\r\n\r\n");
        let bad_requests: [&[u8]; 8] = [
            b"GET / HTTP/1.1 \r\n\r\n",
            b"GET /\x01 HTTP/1.1\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
            b"GET / HTTP/1.1\r\nA\x00: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
            b"GET \xff\xfe HTTP/1.1\r\n\r\n",
            b"GET * HTTP/1.1\r\n\r\n",
        ];
        for raw in bad_requests {
            assert!(
                matches!(read(raw), Err(ReadError::Bad(_))),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn expect_continue_is_answered_before_the_body() {
        let mut called = false;
        let raw = b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}";
        let req = read_request(&mut Cursor::new(raw.to_vec()), || {
            called = true;
            Ok(())
        })
        .unwrap();
        assert!(called);
        assert_eq!(req.body, b"{}");
    }

    #[test]
    fn decoding() {
        let cases = [
            ("10.0.0.0%2F8", false, "10.0.0.0/8"),
            ("10.0.0.0%2f8", false, "10.0.0.0/8"),
            ("a+b", false, "a+b"),
            ("a+b", true, "a b"),
            ("%", false, "%"),
            ("%4", false, "%4"),
            ("%zz", false, "%zz"),
            ("%41%42", false, "AB"),
        ];
        for (input, plus, expected) in cases {
            assert_eq!(percent_decode(input, plus), expected, "{input}");
        }
        assert_eq!(
            parse_query("a=1&b=x+y&c&&d=%26"),
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "x y".to_string()),
                ("c".to_string(), String::new()),
                ("d".to_string(), "&".to_string()),
            ]
        );
        assert_eq!(path_escape("10.0.0.0/8"), "10.0.0.0%2F8");
        assert_eq!(path_escape("::1"), "::1");
    }

    #[test]
    fn encoding() {
        let resp = Response::new(204, Some("t"), "ignored").with_header("Content-Length", "9");
        let text = String::from_utf8(encode_response(&resp, true)).unwrap();
        assert!(text.starts_with("HTTP/1.1 204 No Content\r\nContent-Type: t\r\nDate: "));
        assert!(!text.contains("Content-Length"));
        assert!(text.ends_with("Connection: close\r\n\r\n"));
        let resp = Response::new(200, None, "abc").with_header("Date", "x");
        let text = String::from_utf8(encode_response(&resp, false)).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 3\r\n\r\nabc"
        );
    }
}

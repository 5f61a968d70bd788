//! One client connection: read requests in a keep-alive loop, record each, then answer it
//! with the next scripted fault or canned response, the auth challenge, or the routes.

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::ERROR_CONTENT_TYPE;
use crate::atlas_error::AtlasError;
use crate::auth;
use crate::fault::Fault;
use crate::http::{self, ReadError, Response};
use crate::oauth;
use crate::routes::{self, Ctx};
use crate::server::{Scripted, Shared};

/// What to do with the connection after an answer.
enum Next {
    KeepOpen,
    Close,
}

/// Serve `stream` until the client closes it, an answer closes it, or the server stops.
pub fn serve(shared: Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while !shared.is_stopping() {
        let read = http::read_request_limited(&mut reader, shared.config.max_body, || {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            writer.flush()
        });
        let mut req = match read {
            Ok(req) => req,
            Err(ReadError::Closed) | Err(ReadError::Io(_)) => break,
            Err(ReadError::Bad(detail)) => {
                let error = AtlasError::bad_request(&format!("Malformed HTTP request: {detail}."));
                let resp =
                    Response::new(400, Some(ERROR_CONTENT_TYPE), error.to_json().to_string());
                let _ = http::write_response(&mut writer, &resp, true);
                linger(&mut reader, &writer);
                break;
            }
        };
        let verdict = auth::verdict(
            &shared.config.auth,
            &shared.config.nonces,
            &shared.nonces,
            &shared.tokens,
            &req,
        );
        req.authorized = verdict == auth::Verdict::Pass;
        let keep_alive = http::keep_alive(&req);
        let head_only = req.method == "HEAD";
        shared.record(&req);
        let next = match shared.next_scripted() {
            Some(Scripted::Fault(fault)) => {
                apply_fault(&shared, &mut writer, fault, keep_alive, head_only)
            }
            Some(Scripted::Canned(canned)) => {
                send(&mut writer, &canned.to_response(), keep_alive, head_only)
            }
            None => {
                let resp = if oauth::is_token_request(&req) {
                    let manners = &shared.config.tokens;
                    std::thread::sleep(std::time::Duration::from_millis(manners.delay_ms));
                    let mut book = shared.tokens.lock().unwrap_or_else(|e| e.into_inner());
                    oauth::handle(&shared.config.auth, manners, &mut book, &req)
                } else if req.authorized {
                    let ctx = Ctx {
                        base_url: &shared.base_url,
                        state: &shared.state,
                    };
                    let answer = routes::handle(&ctx, &req);
                    std::thread::sleep(shared.config.answer_delay);
                    answer
                } else {
                    let stale = verdict == auth::Verdict::Stale;
                    auth::unauthorized(&shared.config.auth, &shared.nonces, stale)
                };
                send(&mut writer, &resp, keep_alive, head_only)
            }
        };
        if let Next::Close = next {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// Half-close and discard what the client is still sending, so that unread input does not
/// turn the close into a reset that could destroy the answer before the client reads it.
fn linger(reader: &mut BufReader<TcpStream>, writer: &TcpStream) {
    let _ = writer.shutdown(Shutdown::Write);
    let _ = writer.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 8192];
    let mut drained = 0usize;
    while drained < 1024 * 1024 {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Write `resp` (head only for a HEAD request: same Content-Length, no body).
fn send(writer: &mut TcpStream, resp: &Response, keep_alive: bool, head_only: bool) -> Next {
    let mut bytes = http::encode_response(resp, !keep_alive);
    if head_only && !http::bodiless(resp.status) {
        bytes.truncate(bytes.len() - resp.body.len());
    }
    let written = writer.write_all(&bytes).and_then(|()| writer.flush());
    match written {
        Ok(()) if keep_alive => Next::KeepOpen,
        _ => Next::Close,
    }
}

/// The piece size of the streamed bodies.
const CHUNK: usize = 64 * 1024;

/// A 200 with `Content-Encoding: gzip` and this (already encoded) body.
fn send_gzip(writer: &mut TcpStream, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        crate::SUCCESS_CONTENT_TYPE,
        body.len()
    );
    if writer.write_all(head.as_bytes()).is_ok() {
        for piece in body.chunks(CHUNK) {
            if writer.write_all(piece).is_err() {
                return;
            }
        }
        let _ = writer.flush();
    }
}

fn apply_fault(
    shared: &Shared,
    writer: &mut TcpStream,
    fault: Fault,
    keep_alive: bool,
    head_only: bool,
) -> Next {
    match fault {
        Fault::Stall => {
            shared.wait_until_stopping();
            Next::Close
        }
        Fault::DropMidBody => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: 1000\r\n\r\n{{\"links\":[",
                crate::SUCCESS_CONTENT_TYPE
            );
            let _ = writer.write_all(head.as_bytes());
            let _ = writer.flush();
            Next::Close
        }
        Fault::Close => Next::Close,
        Fault::EndlessChunked => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{{\"x\":\"\r\n",
                crate::SUCCESS_CONTENT_TYPE
            );
            let mut chunk = format!("{:x}\r\n", CHUNK).into_bytes();
            chunk.extend_from_slice(&[b'a'; CHUNK]);
            chunk.extend_from_slice(b"\r\n");
            let mut written = writer.write_all(head.as_bytes());
            while written.is_ok() && !shared.is_stopping() {
                written = writer.write_all(&chunk);
            }
            Next::Close
        }
        Fault::GzipBomb { decoded_len } => {
            send_gzip(writer, &crate::bomb::gzip_bomb(decoded_len));
            Next::Close
        }
        Fault::DropMidGzip => {
            let body = crate::bomb::gzip_bomb(16 * 1024 * 1024);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                crate::SUCCESS_CONTENT_TYPE,
                body.len()
            );
            let _ = writer.write_all(head.as_bytes());
            let _ = writer.write_all(&body[..body.len() / 2]);
            let _ = writer.flush();
            Next::Close
        }
        Fault::CorruptGzip => {
            send_gzip(writer, &crate::bomb::corrupt_gzip());
            Next::Close
        }
        Fault::LargeBody { len } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {len}\r\n\r\n{{\"x\":\"",
                crate::SUCCESS_CONTENT_TYPE
            );
            let mut written = writer.write_all(head.as_bytes());
            let filler = [b'a'; CHUNK];
            let mut left = len.saturating_sub(8);
            while written.is_ok() && left > 0 {
                let n = left.min(CHUNK as u64) as usize;
                written = writer.write_all(&filler[..n]);
                left -= n as u64;
            }
            if written.is_ok() {
                let _ = writer.write_all(b"\"}");
                let _ = writer.flush();
            }
            Next::Close
        }
        Fault::Status {
            status,
            retry_after,
            body,
        } => {
            let mut resp = Response::new(status, Some(ERROR_CONTENT_TYPE), body);
            if let Some(value) = retry_after {
                resp = resp.with_header("Retry-After", &value);
            }
            send(writer, &resp, keep_alive, head_only)
        }
    }
}

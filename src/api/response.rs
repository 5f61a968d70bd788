//! The answer to a command's request: status, headers and the whole body, held once — or, for
//! a binary (gzip or csv) answer, the body still to be streamed.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// What came back: the final answer of the exchange, body fully read — except a successful
/// binary answer, whose body is left in `stream` to be written as it arrives.
pub struct CommandResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub stream: Option<reqwest::Response>,
}

/// Debug output shows the status and the body's size, never the body (it may hold a new
/// private key).
impl std::fmt::Debug for CommandResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandResponse")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl CommandResponse {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    pub fn status_line(&self) -> String {
        status_line(self.status)
    }
}

/// `429 Too Many Requests`: the code and its canonical reason.
pub fn status_line(status: reqwest::StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_string()
}

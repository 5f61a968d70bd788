//! Scripted faults: ways the stand-in can misbehave on the next request.

/// A fault for the next request (queued with [`crate::StandIn::push_fault`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Read the request, never answer, keep the socket open until the server is dropped.
    Stall,
    /// Send a 200 head announcing `Content-Length: 1000`, then 10 bytes, then close.
    DropMidBody,
    /// Close the connection without answering.
    Close,
    /// Answer with this status (Atlas-style JSON error content type), optional `Retry-After`.
    Status {
        status: u16,
        retry_after: Option<String>,
        body: String,
    },
}

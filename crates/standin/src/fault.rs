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
    /// A 200 with a chunked body that never ends: `{"x":"aaa…` in chunks of 64 KiB until the
    /// client hangs up or the server stops.
    EndlessChunked,
    /// A 200 with `Content-Encoding: gzip` whose body ([`crate::gzip_bomb`]) is a few MB that
    /// decode to `decoded_len` zero bytes.
    GzipBomb { decoded_len: u64 },
    /// A 200 with `Content-Encoding: gzip` announcing a gzip body of about 100 KB (16 MiB
    /// decoded, [`crate::gzip_bomb`]), of which half is sent before the connection closes.
    DropMidGzip,
    /// A 200 with `Content-Encoding: gzip`: a valid gzip header, then bytes that no deflate
    /// decoder accepts.
    CorruptGzip,
    /// A 200 with `Content-Length: len` (at least 8): the JSON object `{"x":"aaa…"}` of exactly
    /// `len` bytes, streamed rather than held in memory.
    LargeBody { len: u64 },
}

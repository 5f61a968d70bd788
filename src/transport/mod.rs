//! The one HTTP client and everything on the wire: sending with retries and timeouts, how a
//! request is signed (digest, bearer), the digest challenge remembered between runs, the
//! failure taxonomy, proxies, and redacted dumps.

pub mod challenge_cache;
pub mod digest;
pub mod dump;
pub mod executor;
pub mod network_error;
pub mod proxy;
pub mod redact;
pub mod retry;
pub mod secret_fields;
pub mod trust_roots;

//! Loopback stand-in of the MongoDB Atlas Admin API v2: every route of the `atlas api`
//! commands.
//!
//! [`StandIn::start`] binds `127.0.0.1:<random port>` and serves, behind HTTP digest auth as
//! Atlas does it, the 14 Programmatic API Keys operations from in-memory state and every
//! other route of the Go CLI's command table with plausible answers (`generic`). Tests can script the next
//! answers ([`StandIn::push_response`], [`StandIn::push_fault`]) and read back every request
//! seen on the wire ([`StandIn::requests`]). [`relay::Relay`] puts a modelled round-trip time
//! in front of it, for the benchmark.

mod atlas_error;
mod auth;
mod bomb;
mod canned;
mod clock;
mod config;
mod connection;
pub mod digest;
mod fault;
mod generic;
mod gzip;
pub mod http;
pub mod oauth;
mod pretty;
mod random;
mod recorded;
pub mod relay;
mod routes;
mod server;
mod state;
mod table;
mod watch;

pub use bomb::{corrupt_gzip, gzip_bomb};
pub use canned::Canned;
pub use config::{Algorithm, Auth, Config, NonceRules, TokenEndpoint};
pub use fault::Fault;
pub use recorded::Recorded;
pub use server::StandIn;

/// Public half of the default (obviously fake) digest credential pair.
pub const PUBLIC_KEY: &str = "fakepublic";
/// Private half of the default (obviously fake) digest credential pair.
pub const PRIVATE_KEY: &str = "00000000-fake-fake-fake-000000000000";
/// Default organization id (the one the recordings are masked to).
pub const ORG_ID: &str = "a0123456789abcdef012345a";
/// Default project (group) id (the one the recordings are masked to).
pub const GROUP_ID: &str = "b0123456789abcdef012345b";
/// The only API version the stand-in serves.
pub const VERSIONED_JSON: &str = "application/vnd.atlas.2023-01-01+json";
/// Content-Type of successful bodies, as recorded.
pub const SUCCESS_CONTENT_TYPE: &str = "application/vnd.atlas.2023-01-01+json;charset=utf-8";
/// Content-Type of error bodies, as recorded.
pub const ERROR_CONTENT_TYPE: &str = "application/json";

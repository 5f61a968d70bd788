//! The Atlas API as data and rules, with no I/O of its own beyond reading the request body:
//! the operations table, the request a command describes and its HTTP form, the checks made
//! before anything is sent, and the answer that comes back.

pub mod body;
#[rustfmt::skip]
pub mod catalogue;
pub mod operations;
pub mod preflight;
pub mod request;
pub mod response;
pub mod validate;
pub mod watch;

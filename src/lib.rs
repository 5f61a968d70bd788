//! `atlas`: a faithful Rust clone of the MongoDB Atlas CLI's generated `atlas api` commands,
//! as a library in layers (see ARCHITECTURE.md). Lower layers never import upper
//! ones: `support` ← `config` ← `api` ← `transport` ← `credentials` ← `output` ← `cli`; the
//! binary (`src/main.rs`) is the list of stages that wires them.

pub mod api;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod output;
pub mod support;
pub mod transport;

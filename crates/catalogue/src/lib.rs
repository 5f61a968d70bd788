//! The command catalogue's generator: reads the Go CLI's generated command table
//! (`data/api-commands.json`, a JSON dump of its `internal/api/commands.go`) and writes the
//! Rust form the `atlas` binary embeds (`src/api/catalogue.rs`): every tag and command with
//! what its help, flags and requests need, derived here once the way the Go CLI derives it at
//! run time (names through `strcase.ToLowerCamel`, the short/long split of descriptions, flag
//! usages, the deprecation message), plus the facts this project adds (24-hex id parameters,
//! the watcher fixes in `fixes`).

mod derive;
mod emit;
mod fixes;
mod model;
mod routes;

pub use derive::{flag_description, lower_camel, split_description};
pub use model::{Version, Watcher};
pub use routes::{Route, routes};

/// The generated Rust source for the catalogue in `json` (the Go CLI's table as JSON).
pub fn generate(json: &str) -> Result<String, String> {
    let tags = model::parse(json)?;
    Ok(emit::rust(&tags))
}

/// Where the data and the generated file live, from the repository's root.
pub const DATA_PATH: &str = "crates/catalogue/data/api-commands.json";
pub const GENERATED_PATH: &str = "src/api/catalogue.rs";

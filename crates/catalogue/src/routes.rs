//! Every command's route as a server sees it: verb, path template, the versions it answers
//! in and the watcher `atlas` polls after it (with the fixes applied), for the stand-in.

use crate::fixes;
use crate::model::{self, Version, Watcher};

/// One command of the table, reduced to what answering its requests needs.
pub struct Route {
    pub operation_id: String,
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
    pub verb: String,
    /// The path template, `{name}` for each URL parameter.
    pub url: String,
    /// Oldest first, as in the table.
    pub versions: Vec<Version>,
    /// The watcher as `atlas` polls it (the table's, with its known bugs fixed).
    pub watcher: Option<Watcher>,
}

/// Every command's route in `json` (the Go CLI's table), in the table's order.
pub fn routes(json: &str) -> Result<Vec<Route>, String> {
    let tags = model::parse(json)?;
    Ok(tags
        .into_iter()
        .flat_map(|tag| tag.commands)
        .map(|c| Route {
            watcher: c
                .watcher
                .as_ref()
                .map(|w| fixes::watcher(&c.operation_id, w)),
            operation_id: c.operation_id,
            verb: c.verb,
            url: c.url,
            versions: c.versions,
        })
        .collect())
}

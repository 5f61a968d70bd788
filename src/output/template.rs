//! `-o '<go template>'`: Go's detection rule and the engine (crates/gotmpl, a byte-faithful
//! clone of Go's `text/template` over the response decoded as Go's `encoding/json` does).

pub use gotmpl::{check, format_with_report, is_template};

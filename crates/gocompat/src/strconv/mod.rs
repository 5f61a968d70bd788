//! Go's `strconv`: quoting and unquoting, and parsing numbers and booleans with Go's errors.

mod atob;
mod atof;
mod atoi;
mod quote;

pub use atob::parse_bool;
pub use atof::parse_float;
pub use atoi::{NumError, NumErrorKind, parse_int, parse_uint};
pub use quote::{
    UnquoteError, Unquoted, can_backquote, quote, quote_bytes, quote_char, quote_rune, unquote,
    unquote_char,
};

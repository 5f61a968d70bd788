//! Go standard-library behaviour, byte for byte, for code that must print what a Go program
//! prints: `strconv` (quoting, `ParseInt`/`ParseUint`/`ParseFloat`/`ParseBool` with Go's error
//! texts), `unicode` (letter, digit and printable classes over Go's Unicode 15.0.0 tables),
//! `unicode/utf8` (decoding as Go does, one invalid byte at a time) and `net/url` (path and
//! query escaping).

pub mod strconv;
pub mod unicode;
mod unicode_tables;
pub mod url;
pub mod utf8;

//! The user-facing error texts that more than one module shares, and the exit codes.
//!
//! Every failure reaches `main` as an `anyhow::Error` whose text is complete; `main` prints
//! it as `Error: <text>` on stderr and exits with `FAILURE`. Success and help exit `SUCCESS`.

use std::io;

pub const SUCCESS: i32 = 0;
pub const FAILURE: i32 = 1;

/// The reference's error after a non-2xx answer (whose body was already written).
pub const SERVER_RETURNED_ERROR: &str = "server returned an error response code";

/// An OS error as Go words it: `no such file or directory`, `is a directory`, ….
pub fn os_error_text(error: &io::Error) -> String {
    let Some(code) = error.raw_os_error() else {
        return error.to_string();
    };
    let text = io::Error::from_raw_os_error(code).to_string();
    let text = match text.rfind(" (os error ") {
        Some(end) => &text[..end],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_read_like_go() {
        let not_found = std::fs::File::open("/definitely/not/here").unwrap_err();
        assert_eq!(os_error_text(&not_found), "no such file or directory");
        assert_eq!(
            os_error_text(&io::Error::from_raw_os_error(libc::EISDIR)),
            "is a directory"
        );
        assert_eq!(os_error_text(&io::Error::other("plain")), "plain");
    }
}

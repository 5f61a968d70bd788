//! The user-facing error texts that more than one module shares, and the exit codes.
//!
//! Every failure reaches `main` as an `anyhow::Error` whose text is complete; `main` prints
//! it as `Error: <text>` on stderr and exits with `FAILURE`. Success and help exit `SUCCESS`.

use std::io;

pub const SUCCESS: i32 = 0;
pub const FAILURE: i32 = 1;

/// The reference's error after a non-2xx answer (whose body was already written).
pub const SERVER_RETURNED_ERROR: &str = "server returned an error response code";

/// Prints the last line(s) of a failed run on stderr; a closed or broken stderr is ignored
/// (never a panic: the exit code stays 1).
pub fn report(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Ends the process as SIGPIPE ends a Go program: silently, by the signal. The run ignores
/// SIGPIPE (so a closed stderr or a reader gone during a create is an error it can handle);
/// where the Go CLI would die on a closed stdout, this restores that.
pub fn die_of_sigpipe() -> ! {
    // SAFETY: restoring the default disposition and raising the signal at ourselves.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
        libc::_exit(FAILURE);
    }
}

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

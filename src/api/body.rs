//! Where the request body comes from: `--file`, or standard input when it is piped.
//!
//! The reference refuses `--file` whenever stdin is not a terminal; here (README "stdin with
//! --file") stdin only counts as input when it actually holds a byte within 100 ms, so CI runners
//! that hand every step an empty or silent pipe can still use `--file`.

use std::fs::File;
use std::io::{Read, Seek};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::FileTypeExt;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use crate::support::error::os_error_text;

/// How long stdin may stay silent before `--file` wins.
const STDIN_GRACE: Duration = Duration::from_millis(100);

/// Reads the body for an operation that takes one.
pub fn read_body(file: Option<&str>) -> Result<Vec<u8>> {
    let stdin = std::io::stdin();
    let stdin_file = File::from(
        stdin
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| anyhow!("isPiped, error checking: {}", os_error_text(&e)))?,
    );
    let metadata = stdin_file
        .metadata()
        .map_err(|e| anyhow!("isPiped, error checking: {}", os_error_text(&e)))?;
    let piped = !metadata.file_type().is_char_device();
    match file.filter(|f| !f.is_empty()) {
        Some(path) => {
            if piped && holds_data(&stdin_file, &metadata) {
                bail!("cannot use --file flag and also input from standard input");
            }
            read_file(path)
        }
        None if piped => {
            let mut body = Vec::new();
            stdin
                .lock()
                .read_to_end(&mut body)
                .map_err(|e| anyhow!("cannot read standard input: {}", os_error_text(&e)))?;
            Ok(body)
        }
        None => bail!("--file flag is required when not using piped input"),
    }
}

/// True when at least one byte can be read from stdin without waiting past the grace period.
fn holds_data(stdin: &File, metadata: &std::fs::Metadata) -> bool {
    if metadata.is_file() {
        // The offset is shared with the duplicated descriptor; reading it moves nothing.
        let mut file = stdin;
        return file
            .stream_position()
            .is_ok_and(|offset| metadata.len() > offset);
    }
    let fd = stdin.as_raw_fd();
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, bounded timeout.
    let ready = unsafe { libc::poll(&mut poll, 1, STDIN_GRACE.as_millis() as libc::c_int) };
    if ready <= 0 || poll.revents & libc::POLLIN == 0 {
        return false;
    }
    let mut available: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int; it does not consume input.
    let rc = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut available) };
    rc == 0 && available > 0
}

/// Reads `--file`, failing with Go's wording.
fn read_file(given: &str) -> Result<Vec<u8>> {
    let path = crate::support::argv::shown(given);
    let mut file = File::open(crate::support::argv::to_path(given)).map_err(|e| {
        anyhow!(
            "error opening file {path}: open {path}: {}",
            os_error_text(&e)
        )
    })?;
    let mut body = Vec::new();
    file.read_to_end(&mut body).map_err(|e| {
        anyhow!(
            "error opening file {path}: read {path}: {}",
            os_error_text(&e)
        )
    })?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{SeekFrom, Write};

    #[test]
    fn a_regular_file_holds_data_only_past_its_offset() {
        let mut file = tempfile::tempfile().unwrap();
        let empty = file.metadata().unwrap();
        assert!(!holds_data(&file, &empty));
        file.write_all(b"{}").unwrap();
        let metadata = file.metadata().unwrap();
        assert!(!holds_data(&file, &metadata), "offset at the end");
        file.seek(SeekFrom::Start(1)).unwrap();
        assert!(holds_data(&file, &metadata), "one byte left");
        assert_eq!(
            file.stream_position().unwrap(),
            1,
            "the offset is not moved"
        );
        file.seek(SeekFrom::Start(10)).unwrap();
        assert!(!holds_data(&file, &metadata), "offset past the end");
    }

    #[test]
    fn file_errors_read_like_go() {
        let err = read_file("no-such-dir/k.json").unwrap_err().to_string();
        assert_eq!(
            err,
            "error opening file no-such-dir/k.json: open no-such-dir/k.json: no such file or directory"
        );
        let dir = std::env::temp_dir();
        let dir = dir.to_str().unwrap();
        let err = read_file(dir).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("error opening file {dir}: read {dir}: is a directory")
        );
    }
}

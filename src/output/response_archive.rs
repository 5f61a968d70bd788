//! Saving a created key's answer that could not be delivered (README "A created key is never
//! lost"): a POST's 2xx answer may hold a private key that can never be asked for again, so when
//! its template fails, its write fails or the run is interrupted after it arrived, the raw answer
//! goes to `<state dir>/atlascli/responses/<UTC yyyymmddThhmmssZ>-<operation>-<8 hex>.json`, 0600,
//! created with `O_EXCL`, in folders checked as the caches are. When the state folder cannot take
//! it (a full disk, no `HOME`, a folder others may write), the same name goes into a private
//! folder made for it, `<$TMPDIR, else /tmp>/atlascli-XXXXXX/`. The key is never printed instead.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::support::error::os_error_text;

/// The last line of the failure: where the answer went, or why it could not be saved.
pub fn report(operation: &str, body: &[u8]) -> String {
    match save(operation, body) {
        Ok(path) => format!("the response was saved to {}", path.display()),
        Err(reason) => format!("the response could not be saved: {reason}"),
    }
}

/// Saves the answer in the state folder, else in a temporary folder made for it; the error
/// gives both reasons, `<state path>: <reason>; <temporary folder>: <reason>`.
pub fn save(operation: &str, body: &[u8]) -> Result<PathBuf, String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = utc_stamp(now);
    let name = || {
        format!(
            "{stamp}-{operation}-{:08x}.json",
            crate::support::random::u64() as u32
        )
    };
    let in_state = save_in_state(&name, body);
    in_state.or_else(|state| {
        save_in_temporary_folder(&name(), body).map_err(|temporary| format!("{state}; {temporary}"))
    })
}

/// `<state dir>/atlascli/responses/<name>`; the error reads `<path>: <reason>`.
fn save_in_state(name: &dyn Fn() -> String, body: &[u8]) -> Result<PathBuf, String> {
    let base = state_dir().ok_or("no state folder: neither $XDG_STATE_HOME nor $HOME is set")?;
    let dir =
        crate::support::private_dir::ensure(&base, &["responses"]).map_err(|u| u.describe())?;
    for _ in 0..16 {
        let path = dir.join(name());
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .mode(0o600)
            .open(&path);
        match created {
            Ok(file) => {
                return write_whole(file, body).map(|()| path.clone()).map_err(|e| {
                    let _ = std::fs::remove_file(&path);
                    format!("{}: {}", path.display(), os_error_text(&e))
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {}", path.display(), os_error_text(&e))),
        }
    }
    Err(format!("{}: no free name", dir.display()))
}

/// `<$TMPDIR, else /tmp>/atlascli-XXXXXX/<name>`: the folder made by `mkdtemp` (0700), then
/// opened without following links and checked, the file created in it through that
/// descriptor; on failure both are removed. The error reads `<folder>: <reason>`.
fn save_in_temporary_folder(name: &str, body: &[u8]) -> Result<PathBuf, String> {
    let tmp = std::env::var_os("TMPDIR")
        .filter(|t| !t.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let template = tmp.join("atlascli-XXXXXX");
    let failed =
        |folder: &Path, e: &io::Error| format!("{}: {}", folder.display(), os_error_text(e));
    let mut bytes = CString::new(template.as_os_str().as_bytes())
        .map_err(|_| failed(&template, &io::Error::from_raw_os_error(libc::EINVAL)))?
        .into_bytes_with_nul();
    // SAFETY: a NUL-terminated, writable template that mkdtemp fills in.
    if unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) }.is_null() {
        return Err(failed(&template, &io::Error::last_os_error()));
    }
    bytes.pop();
    let folder = PathBuf::from(std::ffi::OsStr::from_bytes(&bytes));
    let saved = create_in(&folder, name, body);
    if saved.is_err() {
        let _ = std::fs::remove_file(folder.join(name));
        let _ = std::fs::remove_dir(&folder);
    }
    saved.map_err(|e| failed(&folder, &e))
}

/// Creates `name` (0600, `O_EXCL`) in `folder`, which must be a private folder of the
/// running user, opened without following a link put in its place.
fn create_in(folder: &Path, name: &str, body: &[u8]) -> io::Result<PathBuf> {
    let c_folder = CString::new(folder.as_os_str().as_bytes())?;
    let c_name = CString::new(name)?;
    // SAFETY: NUL-terminated paths; each descriptor is owned once opened.
    let dir = unsafe {
        let fd = libc::open(
            c_folder.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        );
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        File::from(OwnedFd::from_raw_fd(fd))
    };
    let meta = dir.metadata()?;
    if meta.uid() != crate::support::atomic_file::effective_uid() || meta.mode() & 0o077 != 0 {
        return Err(io::Error::from_raw_os_error(libc::EACCES));
    }
    // SAFETY: as above, relative to the folder's descriptor.
    let file = unsafe {
        let fd = libc::openat(
            std::os::fd::AsRawFd::as_raw_fd(&dir),
            c_name.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        );
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        File::from(OwnedFd::from_raw_fd(fd))
    };
    write_whole(file, body)?;
    Ok(folder.join(name))
}

/// Writes the whole answer and makes it durable.
fn write_whole(mut file: File, body: &[u8]) -> io::Result<()> {
    file.write_all(body)?;
    file.sync_all()
}

/// `$XDG_STATE_HOME`, else `~/.local/state` on Linux; the local data folder elsewhere.
fn state_dir() -> Option<PathBuf> {
    if cfg!(any(target_os = "macos", windows)) {
        return dirs::data_local_dir();
    }
    match std::env::var_os("XDG_STATE_HOME").filter(|v| Path::new(v).is_absolute()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|home| Path::new(&home).join(".local/state")),
    }
}

/// `yyyymmddThhmmssZ` for seconds since the epoch (UTC, proleptic Gregorian calendar).
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(951_782_400), "20000229T000000Z");
        assert_eq!(utc_stamp(1_798_761_599), "20261231T235959Z");
    }
}

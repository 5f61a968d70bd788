//! Saving a created key's answer that could not be delivered (README "A created key is never
//! lost"): a POST's 2xx answer may hold a private key that can never be asked for again, so when
//! its template fails, its write fails or the run is interrupted after it arrived, the raw answer
//! goes to `<state dir>/atlascli/responses/<UTC yyyymmddThhmmssZ>-<operation>-<8 hex>.json`, 0600,
//! created with `O_EXCL`, in folders checked as the caches are.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The last line of the failure: where the answer went, or why it could not be saved.
pub fn report(operation: &str, body: &[u8]) -> String {
    match save(operation, body) {
        Ok(path) => format!("the response was saved to {}", path.display()),
        Err(reason) => format!("the response could not be saved: {reason}"),
    }
}

/// Saves the answer; the error is the reason in words.
pub fn save(operation: &str, body: &[u8]) -> Result<PathBuf, String> {
    let base = state_dir().ok_or("no state folder: neither $XDG_STATE_HOME nor $HOME is set")?;
    let dir =
        crate::support::private_dir::ensure(&base, &["responses"]).map_err(|u| u.describe())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = utc_stamp(now);
    for _ in 0..16 {
        let name = format!(
            "{stamp}-{operation}-{:08x}.json",
            crate::support::random::u64() as u32
        );
        let path = dir.join(name);
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match created {
            Ok(mut file) => {
                return file
                    .write_all(body)
                    .and_then(|()| file.sync_all())
                    .map(|()| path.clone())
                    .map_err(|e| {
                        let _ = std::fs::remove_file(&path);
                        format!(
                            "write {}: {}",
                            path.display(),
                            crate::support::error::os_error_text(&e)
                        )
                    });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(format!(
                    "open {}: {}",
                    path.display(),
                    crate::support::error::os_error_text(&e)
                ));
            }
        }
    }
    Err(format!("cannot find a free name in {}", dir.display()))
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

//! Advisory locks between runs (README "Many runs at once"): `flock` on a lock file beside what it
//! guards, opened without following symbolic links and created 0600. The wait is bounded;
//! when the lock cannot be had in time, or its file cannot be created (a read-only folder),
//! the caller goes on without it.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// An exclusive lock, released when dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Takes the lock on `path`, waiting at most `wait`; `None` when it cannot be had.
    pub fn acquire(path: &Path, wait: Duration) -> Option<FileLock> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .ok()?;
        // A huge wait (any positive http_timeout is accepted) means: as good as forever.
        let now = Instant::now();
        let deadline = now
            .checked_add(wait)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        let mut pause = Duration::from_millis(2);
        loop {
            // SAFETY: flock on a descriptor we own.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Some(FileLock { _file: file });
            }
            let error = std::io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EWOULDBLOCK) || Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_makes_others_wait_then_give_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".x.lock");
        let held = FileLock::acquire(&path, Duration::ZERO).expect("a free lock");
        let started = Instant::now();
        assert!(FileLock::acquire(&path, Duration::from_millis(100)).is_none());
        assert!(started.elapsed() >= Duration::from_millis(100));
        drop(held);
        assert!(FileLock::acquire(&path, Duration::ZERO).is_some());
        // Never through a symbolic link.
        let link = dir.path().join(".link.lock");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(FileLock::acquire(&link, Duration::ZERO).is_none());
    }
}

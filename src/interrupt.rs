//! Ctrl-C and SIGTERM, at any moment of a run: the signals are blocked in every thread and
//! taken by one watcher thread, which removes any temporary output file still being written,
//! prints `Error: interrupted` and exits 1 — like every failure, and without a half-written file.

use std::path::PathBuf;
use std::sync::Mutex;

/// Temporary files being written right now (D2), removed if the run is interrupted.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Starts watching for SIGINT and SIGTERM. Call it first, before any other thread starts, so
/// that every thread inherits the blocked signals.
pub fn watch() {
    // SAFETY: plain signal-set manipulation on a zeroed, then initialised, sigset_t.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let spawned = std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            let mut signal = 0;
            // SAFETY: waits for one of the blocked signals in `set`.
            if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                for path in lock().drain(..) {
                    let _ = std::fs::remove_file(path);
                }
                eprintln!("Error: interrupted");
                std::process::exit(crate::error::FAILURE);
            }
        });
    if spawned.is_err() {
        // No watcher: let the signals act as they normally do.
        // SAFETY: unblocks the signals blocked above.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Marks a temporary file for removal should the run be interrupted.
pub fn track(path: PathBuf) {
    lock().push(path);
}

/// The temporary file is gone (renamed or removed): forget it.
pub fn untrack(path: &std::path::Path) {
    lock().retain(|p| p != path);
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

//! Every way a run can be stopped from outside — SIGINT (Ctrl-C), SIGTERM, SIGHUP (a closed
//! terminal or SSH session) and SIGQUIT — at any moment of a run: the signals are blocked in
//! every thread and taken by one watcher thread, which removes any temporary file still being
//! written, saves a created key's answer that has not been delivered yet, prints
//! `Error: interrupted` and exits 1, like every failure.
//!
//! The list of temporary files is held under one lock, taken both to create-and-register a
//! file and by the watcher until the process ends: a file is either not created yet, or
//! created and registered, whenever the watcher looks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The signals that stop a run.
const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// Temporary files being written right now, removed if the run is interrupted.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A POST's 2xx answer that arrived and is not delivered yet (it may hold a new private key
/// that cannot be asked for again), with the operation's name.
static ANSWER: Mutex<Option<HeldAnswer>> = Mutex::new(None);

/// Held by whoever writes the run's last words and ends the process (`finish`, or the
/// watcher), so an interrupt's `Error: interrupted` and the main thread's own final error
/// are never both printed.
static FINAL: Mutex<()> = Mutex::new(());

/// Steps an interrupt waits for (see `defer`), and whether one has begun.
static DEFERRING: AtomicUsize = AtomicUsize::new(0);
static STOPPING: AtomicBool = AtomicBool::new(false);

/// The longest an interrupt waits for deferred steps to finish.
const DEFER_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The operation's primary name, its raw answer, and how to save it (returning the line that
/// says where it went).
pub type HeldAnswer = (&'static str, Arc<Vec<u8>>, SaveAnswer);

/// Starts watching for the signals. Call it first, before any other thread starts, so that
/// every thread inherits the blocked signals.
pub fn watch() {
    // SAFETY: plain signal-set manipulation on a zeroed, then initialised, sigset_t.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in SIGNALS {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let spawned = std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            if wait_for_signal(&set) {
                stop();
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

/// The run was interrupted: clean up, save an undelivered answer, report, exit. The lock on
/// the temporary files is held until the process is gone, so no new one can appear.
fn stop() -> ! {
    // Deferred steps in progress finish first (within a bound); none can begin after this.
    STOPPING.store(true, Ordering::SeqCst);
    let deadline = std::time::Instant::now() + DEFER_LIMIT;
    while DEFERRING.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let mut pending = lock(&PENDING);
    for path in pending.drain(..) {
        let _ = std::fs::remove_file(path);
    }
    // Held until the process is gone: a save the main thread began finishes first (it ends
    // the run itself), and none can begin after this one.
    let mut held = lock(&ANSWER);
    let saved = held
        .take()
        .map(|(operation, body, save)| save(operation, &body));
    let text = match saved {
        Some(line) => format!("Error: interrupted\n{line}\n"),
        None => "Error: interrupted\n".to_string(),
    };
    // The main thread may be ending the run itself: then it prints its words and exits. If
    // it holds on for long, it is blocked on a full stderr pipe, and this goes ahead.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(200);
    let _final = loop {
        match FINAL.try_lock() {
            Ok(guard) => break Some(guard),
            Err(std::sync::TryLockError::Poisoned(e)) => break Some(e.into_inner()),
            Err(_) if std::time::Instant::now() >= deadline => break None,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
        }
    };
    // Straight to descriptor 2, never through std's stderr lock (the main thread may hold
    // it, blocked on a full pipe), and errors ignored (a closed stderr cannot stop us). A
    // stderr nobody reads (a full pipe) gets nothing rather than holding the exit: the
    // answer is saved already.
    // SAFETY: poll(2) on one valid pollfd, write(2) of a valid buffer, then _exit, which runs
    // nothing else.
    unsafe {
        let mut stderr = libc::pollfd {
            fd: 2,
            events: libc::POLLOUT,
            revents: 0,
        };
        if libc::poll(&mut stderr, 1, 2000) == 1 && stderr.revents & libc::POLLOUT != 0 {
            libc::write(2, text.as_ptr().cast(), text.len());
        }
        libc::_exit(crate::support::error::FAILURE);
    }
}

/// A step an interrupt lets finish before it ends the run (at most a few seconds): saving
/// the tokens a refresh rotated, whose predecessors the server no longer accepts. Once an
/// interrupt has begun, a new step does not start: this waits for the end of the process.
pub fn defer() -> Deferral {
    DEFERRING.fetch_add(1, Ordering::SeqCst);
    if STOPPING.load(Ordering::SeqCst) {
        DEFERRING.fetch_sub(1, Ordering::SeqCst);
        loop {
            std::thread::park();
        }
    }
    Deferral(())
}

/// While it lives, an interrupt waits (see `defer`).
pub struct Deferral(());

impl Drop for Deferral {
    /// An interrupt that waited for this step ends the run now: the step's thread goes no
    /// further (it would race the watcher to the exit).
    fn drop(&mut self) {
        DEFERRING.fetch_sub(1, Ordering::SeqCst);
        if STOPPING.load(Ordering::SeqCst) {
            loop {
                std::thread::park();
            }
        }
    }
}

/// Creates a temporary file with `create` and registers it for removal, as one step that an
/// interrupt cannot split.
pub fn create_tracked<T>(
    path: &Path,
    create: impl FnOnce(&Path) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let mut pending = lock(&PENDING);
    let created = create(path)?;
    pending.push(path.to_path_buf());
    Ok(created)
}

/// The temporary file is gone (renamed or removed): forget it.
pub fn untrack(path: &Path) {
    lock(&PENDING).retain(|p| p != path);
}

/// The answer this run must never lose (a POST's), named and with the function that saves
/// it, set before the request is sent; see `answer_arrived`.
static EXPECTED: Mutex<Option<(&'static str, SaveAnswer)>> = Mutex::new(None);

/// Saves an answer that could not be delivered; returns the line that says where it went.
pub type SaveAnswer = fn(&str, &[u8]) -> String;

/// Says, before sending, that the successful answer to come must be saved if interrupted.
pub fn expect_answer(operation: &'static str, save: SaveAnswer) {
    *lock(&EXPECTED) = Some((operation, save));
}

/// The transport read a successful answer: if one is expected, it is held from now on.
pub fn answer_arrived(body: &[u8]) {
    let expected = *lock(&EXPECTED);
    if let Some((operation, save)) = expected {
        hold_answer(operation, Arc::new(body.to_vec()), save);
    }
}

/// Keeps a POST's answer until it is delivered, so that an interrupt saves it.
pub fn hold_answer(operation: &'static str, body: Arc<Vec<u8>>, save: SaveAnswer) {
    *lock(&ANSWER) = Some((operation, body, save));
}

/// The held answer, taken by delivery once it succeeded.
pub fn take_answer() -> Option<HeldAnswer> {
    lock(&ANSWER).take()
}

/// Saves the held answer although it was delivered (the output may have missed what the
/// user needed of it) and hands `say` the line that says where it went, all under the lock
/// the interrupt watcher takes: an interrupt arriving meanwhile waits, then finds nothing
/// left to save, so the answer is saved and its line said once.
pub fn save_held_answer(say: impl FnOnce(&str)) {
    let mut held = lock(&ANSWER);
    if let Some((operation, body, save)) = held.take() {
        say(&save(operation, &body));
    }
}

/// Ends a run whose held answer could not be delivered: saves it and prints the error with
/// the line that says where it went, all under the lock the interrupt watcher takes, so an
/// interrupt arriving meanwhile can neither cut the save short nor print over it.
pub fn fail_saving_answer(error: &str) -> ! {
    let mut held = lock(&ANSWER);
    let text = match held.take() {
        Some((operation, body, save)) => format!("Error: {error}\n{}\n", save(operation, &body)),
        None => format!("Error: {error}\n"),
    };
    // Not `finish`: the answer is saved and the line saying where must be printed, even if
    // an interrupt came meanwhile (its watcher waits on the lock held here).
    let _final = lock(&FINAL);
    crate::support::error::report(&text);
    std::process::exit(crate::support::error::FAILURE);
}

/// Writes the run's last words to stderr and exits with `code`, as one step an interrupt
/// cannot interleave with. A failure that an interrupt preceded — a signal already sent, or
/// being handled — is the interrupt's: say, a closed stdin that a `kill` came before reads
/// as an empty body, and the run reports `Error: interrupted`, not the empty body.
pub fn finish(text: &str, code: i32) -> ! {
    let last_words = lock(&FINAL);
    if code != 0 {
        let taking = lock(&TAKING);
        if STOPPING.load(Ordering::SeqCst) {
            // The watcher is ending the run.
            drop((taking, last_words));
            loop {
                std::thread::park();
            }
        }
        if signal_pending() {
            // Sent, not taken yet: end the run as the watcher would (if it takes the signal
            // meanwhile, its own `stop` waits on the locks this one holds to the end).
            drop((taking, last_words));
            stop();
        }
    }
    crate::support::error::report(text);
    std::process::exit(code);
}

/// Held while the watcher takes a signal and says so (`STOPPING`), and while `finish` looks:
/// a signal is then either still pending, or taken and said.
static TAKING: Mutex<()> = Mutex::new(());

/// Waits for one of the signals in `set` (blocked in every thread) and takes it, saying so
/// under `TAKING`; false if waiting failed. On Linux a signalfd says a signal is pending
/// without taking it, so the taking happens under the lock; elsewhere (or without a
/// signalfd) `sigwait` takes it as it wakes, and `finish` may miss a signal in the instant
/// before `STOPPING` is set.
fn wait_for_signal(set: &libc::sigset_t) -> bool {
    #[cfg(target_os = "linux")]
    if take_through_signalfd(set) {
        return true;
    }
    let mut signal = 0;
    // SAFETY: waits for one of the blocked signals in `set`.
    let taken = unsafe { libc::sigwait(set, &mut signal) } == 0;
    if taken {
        let _taking = lock(&TAKING);
        STOPPING.store(true, Ordering::SeqCst);
    }
    taken
}

/// Takes a signal of `set` once a signalfd says one is pending; false if it cannot be used.
#[cfg(target_os = "linux")]
fn take_through_signalfd(set: &libc::sigset_t) -> bool {
    // SAFETY: signalfd(2) on a valid signal set; poll(2) on one valid pollfd; read(2) of one
    // signalfd_siginfo into a buffer of that size; close(2) of the descriptor opened here.
    unsafe {
        let fd = libc::signalfd(-1, set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
        if fd < 0 {
            return false;
        }
        let mut info: libc::signalfd_siginfo = std::mem::zeroed();
        let size = std::mem::size_of::<libc::signalfd_siginfo>();
        loop {
            let mut ready = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            if libc::poll(&mut ready, 1, -1) < 0
                && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                libc::close(fd);
                return false;
            }
            let _taking = lock(&TAKING);
            if libc::read(fd, (&raw mut info).cast(), size) == size as isize {
                STOPPING.store(true, Ordering::SeqCst);
                return true;
            }
        }
    }
}

/// Whether one of the signals that stop a run was sent and not taken yet.
fn signal_pending() -> bool {
    // SAFETY: sigpending(2) fills a zeroed sigset_t, which sigismember then reads.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigpending(&mut set) == 0
            && SIGNALS
                .iter()
                .any(|&signal| libc::sigismember(&set, signal) == 1)
    }
}

fn lock<T>(mutex: &'static Mutex<T>) -> MutexGuard<'static, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_save(operation: &str, body: &[u8]) -> String {
        format!("saved {operation} ({} bytes)", body.len())
    }

    #[test]
    fn a_held_answer_is_saved_and_said_once() {
        hold_answer("createOrgApiKey", Arc::new(b"{}".to_vec()), fake_save);
        let mut said = Vec::new();
        save_held_answer(|line| said.push(line.to_string()));
        save_held_answer(|line| said.push(line.to_string()));
        assert_eq!(said, ["saved createOrgApiKey (2 bytes)"]);
        assert!(take_answer().is_none(), "nothing is left for an interrupt");
    }
}

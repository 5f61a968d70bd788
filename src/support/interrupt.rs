//! Every way a run can be stopped from outside — SIGINT (Ctrl-C), SIGTERM, SIGHUP (a closed
//! terminal or SSH session), SIGQUIT and the other signals whose default is to end a process —
//! at any moment of a run.
//!
//! The dispositions are read first: a signal ignored at start (`nohup`, `trap '' HUP`, the
//! background jobs of a non-interactive shell) stays ignored and is never blocked (Linux queues
//! a blocked signal even when it is ignored). The others are blocked in every thread and taken
//! by one watcher thread, which removes any temporary file still being written, saves a created
//! key's answer that has not been delivered yet, prints `Error: interrupted` and ends the run
//! by the first signal it got, so shells see the death they expect (128+n, a `for` loop that
//! stops on Ctrl-C). SIGXFSZ is ignored: a write past `ulimit -f` fails with `EFBIG` and takes
//! the ordinary error path.
//!
//! While an answer that must not be lost is on its way — a POST (it may hold a new private
//! key) or a user-token refresh (the old refresh token is spent) — the first signal waits for
//! it instead (see `AnswerWindow`); a second one ends the run at once.
//!
//! The list of temporary files is held under one lock, taken both to create-and-register a
//! file and by the watcher until the process ends: a file is either not created yet, or
//! created and registered, whenever the watcher looks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The signals that stop a run (unless ignored at start).
const HANDLED: [libc::c_int; 10] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGALRM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGXCPU,
    libc::SIGVTALRM,
    libc::SIGPROF,
];

/// The handled signals that were not ignored at start: blocked, and taken by the watcher.
static WATCHED: OnceLock<SignalSet> = OnceLock::new();

/// The first signal the run received (0: none yet); the run ends by it.
static FIRST: AtomicI32 = AtomicI32::new(0);

/// A `sigset_t` that may live in a static.
struct SignalSet(libc::sigset_t);

// SAFETY: a sigset_t is plain data, only ever read after it was built.
unsafe impl Sync for SignalSet {}
unsafe impl Send for SignalSet {}

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
const DEFER_LIMIT: Duration = Duration::from_secs(5);

/// The operation's primary name, its raw answer, and how to save it (returning the line that
/// says where it went).
pub type HeldAnswer = (&'static str, Arc<Vec<u8>>, SaveAnswer);

/// Starts watching for the signals. Call it first, before any other thread starts, so that
/// every thread inherits the blocked signals.
pub fn watch() {
    // SAFETY: sigaction(2) reads each disposition into a zeroed struct; plain signal-set
    // manipulation on a zeroed, then initialised, sigset_t; signal(2) and pthread_sigmask(3)
    // before any other thread exists.
    let set = unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in HANDLED {
            let mut current: libc::sigaction = std::mem::zeroed();
            let ignored = libc::sigaction(signal, std::ptr::null(), &mut current) == 0
                && current.sa_sigaction == libc::SIG_IGN;
            if !ignored {
                libc::sigaddset(&mut set, signal);
            }
        }
        // Exactly these blocked: signals blocked by whoever started the run are unblocked.
        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        set
    };
    let watched = WATCHED.get_or_init(|| SignalSet(set));
    let spawned = std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            if let Some(signal) = wait_for_signal(&watched.0) {
                wait_for_the_answer_on_its_way(&watched.0);
                stop(signal);
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

/// A request whose answer must not be lost, on its way: what it is (`POST <url>`) and how long
/// the run waits for its answer at most.
struct Window {
    what: String,
    deadline: Instant,
}

/// The request on its way whose answer an interrupt waits for, if any.
static WINDOW: Mutex<Option<Window>> = Mutex::new(None);

/// Open while a request whose answer must not be lost is on its way: a POST (its answer may
/// hold a new private key) or a user-token refresh (its old refresh token is spent), from
/// before its first byte is written until its answer was read (a refresh's rotated tokens are
/// then saved under a `Deferral`). The first signal meanwhile waits for the answer, at most
/// the request's timeout; nothing more is sent.
pub struct AnswerWindow(());

impl AnswerWindow {
    /// Opens the window for `what` (`POST <url>`), whose request may take `timeout`. If an
    /// interrupt is already ending the run, nothing more is sent: this never returns.
    pub fn open(what: &str, timeout: Duration) -> AnswerWindow {
        let mut window = lock(&WINDOW);
        if STOPPING.load(Ordering::SeqCst) {
            drop(window);
            park_forever();
        }
        *window = Some(Window {
            what: what.to_string(),
            // A little past the request's own timeout, which ends it first.
            deadline: Instant::now() + timeout + Duration::from_secs(1),
        });
        AnswerWindow(())
    }
}

impl AnswerWindow {
    /// The answer is in, and the caller goes on to save what it holds under a `Deferral`
    /// taken before the request: the window closes without ending the run here (the
    /// deferral's end does, if an interrupt came).
    pub fn answered(self) {
        *lock(&WINDOW) = None;
        std::mem::forget(self);
    }
}

impl Drop for AnswerWindow {
    /// The answer is in (and held, or saved) or will never come: an interrupt that waited for
    /// it ends the run now, and this thread goes no further.
    fn drop(&mut self) {
        *lock(&WINDOW) = None;
        if STOPPING.load(Ordering::SeqCst) {
            park_forever();
        }
    }
}

/// Called before any request is sent: once an interrupt is ending the run, nothing more goes
/// out (no retry, no re-sent digest leg, no API call after a refresh); this thread stops here,
/// and a window it held counts as closed.
pub fn before_sending() {
    if STOPPING.load(Ordering::SeqCst) {
        park_forever();
    }
}

/// After the first signal: if an answer that must not be lost is on its way, says so once and
/// waits until the window closes, its deadline passes or a second signal comes.
fn wait_for_the_answer_on_its_way(set: &libc::sigset_t) {
    let Some(deadline) = lock(&WINDOW).as_ref().map(|w| {
        write_stderr(&format!(
            "interrupt: waiting for the answer to {} (interrupt again to stop now)\n",
            w.what
        ));
        w.deadline
    }) else {
        return;
    };
    let step = libc::timespec {
        tv_sec: 0,
        tv_nsec: 20_000_000,
    };
    while lock(&WINDOW).is_some() && Instant::now() < deadline {
        // SAFETY: sigtimedwait(2) on the blocked set, with a valid timeout.
        let taken = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &step) };
        if taken > 0 {
            return;
        }
    }
}

/// The run was interrupted by `signal` (or by an earlier one): clean up, save an undelivered
/// answer, report, and end by the first signal. The lock on the temporary files is held until
/// the process is gone, so no new one can appear.
fn stop(signal: libc::c_int) -> ! {
    let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    // Deferred steps in progress finish first (within a bound); none can begin after this.
    STOPPING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + DEFER_LIMIT;
    while DEFERRING.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
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
    let deadline = Instant::now() + Duration::from_millis(200);
    let _final = loop {
        match FINAL.try_lock() {
            Ok(guard) => break Some(guard),
            Err(std::sync::TryLockError::Poisoned(e)) => break Some(e.into_inner()),
            Err(_) if Instant::now() >= deadline => break None,
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    };
    write_stderr(&text);
    die_by(FIRST.load(Ordering::SeqCst));
}

/// Writes straight to descriptor 2, never through std's stderr lock (the main thread may hold
/// it, blocked on a full pipe), errors ignored (a closed stderr cannot stop us). A stderr
/// nobody reads (a full pipe) gets nothing within 2 s rather than holding the run: an answer
/// is saved already.
fn write_stderr(text: &str) {
    // SAFETY: poll(2) on one valid pollfd, write(2) of a valid buffer.
    unsafe {
        let mut stderr = libc::pollfd {
            fd: 2,
            events: libc::POLLOUT,
            revents: 0,
        };
        if libc::poll(&mut stderr, 1, 2000) == 1 && stderr.revents & libc::POLLOUT != 0 {
            libc::write(2, text.as_ptr().cast(), text.len());
        }
    }
}

/// Ends the process by `signal`, as if it had not been handled: its default action restored,
/// unblocked in this thread, raised. A signal whose default dumps core (SIGQUIT, SIGXCPU)
/// first makes the process non-dumpable with no core size: it dies by the signal without a
/// core that would hold secrets. Should it still live, `_exit(128 + signal)`.
fn die_by(signal: libc::c_int) -> ! {
    // SAFETY: prctl(2), setrlimit(2), signal(2), pthread_sigmask(3) and raise(3) with valid
    // arguments, then _exit, which runs nothing else.
    unsafe {
        if matches!(signal, libc::SIGQUIT | libc::SIGXCPU) {
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        }
        libc::signal(signal, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
        libc::_exit(128 + signal);
    }
}

/// This thread goes no further: the watcher is ending the run (a window this thread held
/// counts as closed, so the watcher does not wait for it). Never called with `WINDOW` held.
fn park_forever() -> ! {
    *lock(&WINDOW) = None;
    loop {
        std::thread::park();
    }
}

/// A step an interrupt lets finish before it ends the run (at most a few seconds): saving
/// the tokens a refresh rotated, whose predecessors the server no longer accepts. Once an
/// interrupt has begun, a new step does not start: this waits for the end of the process.
pub fn defer() -> Deferral {
    DEFERRING.fetch_add(1, Ordering::SeqCst);
    if STOPPING.load(Ordering::SeqCst) {
        DEFERRING.fetch_sub(1, Ordering::SeqCst);
        park_forever();
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
            park_forever();
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

/// The held answer, taken by delivery once it succeeded: no answer is expected any more (the
/// polls of `--watch` that follow are not the created key's answer).
pub fn take_answer() -> Option<HeldAnswer> {
    *lock(&EXPECTED) = None;
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
            park_forever();
        }
        if let Some(signal) = take_pending_signal() {
            // Sent, not taken yet: taken here, and the run ends as the watcher would.
            STOPPING.store(true, Ordering::SeqCst);
            drop((taking, last_words));
            stop(signal);
        }
    }
    crate::support::error::report(text);
    std::process::exit(code);
}

/// Held while the watcher takes a signal and says so (`STOPPING`), and while `finish` looks:
/// a signal is then either still pending, or taken and said.
static TAKING: Mutex<()> = Mutex::new(());

/// Waits for one of the signals in `set` (blocked in every thread) and takes it, saying so
/// under `TAKING`; `None` if waiting failed. On Linux a signalfd says a signal is pending
/// without taking it, so the taking happens under the lock; elsewhere (or without a
/// signalfd) `sigwait` takes it as it wakes, and `finish` may miss a signal in the instant
/// before `STOPPING` is set.
fn wait_for_signal(set: &libc::sigset_t) -> Option<libc::c_int> {
    #[cfg(target_os = "linux")]
    if let Some(taken) = take_through_signalfd(set) {
        return taken;
    }
    let mut signal = 0;
    // SAFETY: waits for one of the blocked signals in `set`.
    if unsafe { libc::sigwait(set, &mut signal) } != 0 {
        return None;
    }
    let _taking = lock(&TAKING);
    taken(signal);
    Some(signal)
}

/// The first signal is taken: the run is stopping.
fn taken(signal: libc::c_int) {
    let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    STOPPING.store(true, Ordering::SeqCst);
}

/// Takes a signal of `set` once a signalfd says one is pending: `Some(Some(signal))`, or
/// `Some(None)` if waiting failed; `None` if no signalfd can be had.
#[cfg(target_os = "linux")]
fn take_through_signalfd(set: &libc::sigset_t) -> Option<Option<libc::c_int>> {
    // SAFETY: signalfd(2) on a valid signal set; poll(2) on one valid pollfd; read(2) of one
    // signalfd_siginfo into a buffer of that size; close(2) of the descriptor opened here.
    unsafe {
        let fd = libc::signalfd(-1, set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
        if fd < 0 {
            return None;
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
                return Some(None);
            }
            let _taking = lock(&TAKING);
            if libc::read(fd, (&raw mut info).cast(), size) == size as isize {
                libc::close(fd);
                let signal = info.ssi_signo as libc::c_int;
                taken(signal);
                return Some(Some(signal));
            }
        }
    }
}

/// Takes one of the watched signals that was sent and not taken yet, if any.
fn take_pending_signal() -> Option<libc::c_int> {
    let watched = WATCHED.get()?;
    let now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: sigtimedwait(2) on the blocked set with a zero timeout: takes a pending signal
    // or returns at once.
    let signal = unsafe { libc::sigtimedwait(&watched.0, std::ptr::null_mut(), &now) };
    (signal > 0).then(|| {
        let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
        signal
    })
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

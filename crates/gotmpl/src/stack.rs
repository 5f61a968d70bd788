//! A stack-depth guard: deep recursion reports an error instead of overflowing the thread stack.

use std::cell::Cell;

thread_local! {
    static LIMIT: Cell<usize> = const { Cell::new(0) };
}

#[inline(never)]
fn here() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Allows `budget` more bytes of stack below the caller's frame on this thread.
pub fn set_budget(budget: usize) {
    let limit = here().saturating_sub(budget);
    LIMIT.with(|l| l.set(limit));
}

/// Whether recursion may go deeper.
pub fn ok() -> bool {
    has_room(0)
}

/// Whether recursion may go deeper with `spare` bytes to spare: a template call checks with
/// some, so that recursion through template calls stops at the call (where Go reports its
/// depth limit), before any check deeper in the call would.
pub fn has_room(spare: usize) -> bool {
    let limit = LIMIT.with(|l| l.get());
    here() > limit.saturating_add(spare)
}

/// The most stack a new thread should reserve: a quarter of the address space still free under
/// `ulimit -v` (reserving more would leave too little for the heap), or no bound.
pub fn affordable() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit(2) fills a valid rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return usize::MAX;
    }
    let used = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().next()?.parse::<usize>().ok())
        .map_or(0, |pages| pages.saturating_mul(page_size()));
    let limit = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
    limit.saturating_sub(used) / 4
}

fn page_size() -> usize {
    // SAFETY: sysconf(3) with a valid name.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

/// The stack left below the caller's frame on this thread (a guess of 256 KiB where the
/// thread's bounds cannot be read).
pub fn remaining() -> usize {
    const GUESS: usize = 256 << 10;
    #[cfg(target_os = "linux")]
    // SAFETY: pthread_getattr_np(3) on this thread fills an attribute object that is read with
    // pthread_attr_getstack(3) and then destroyed.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return GUESS;
        }
        let mut low: *mut libc::c_void = std::ptr::null_mut();
        let mut size = 0;
        let got = libc::pthread_attr_getstack(&attr, &mut low, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if got == 0 {
            return here().saturating_sub(low as usize);
        }
    }
    GUESS
}

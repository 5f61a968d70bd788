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
    let limit = LIMIT.with(|l| l.get());
    here() > limit
}

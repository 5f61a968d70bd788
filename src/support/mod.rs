//! Small pieces every layer may use and that use no layer: errors and exit codes, Go-style
//! quoting, randomness, secrets, signals, and the file rules (atomic writes, locks, trusted
//! private folders).

pub mod argv;
pub mod atomic_file;
pub mod error;
pub mod file_lock;
#[cfg(test)]
pub mod fuzzing;
pub mod interrupt;
pub mod private_dir;
pub mod quote;
pub mod random;
pub mod secret;
pub mod stdio;
pub mod url_text;
pub mod warnings;

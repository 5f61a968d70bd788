//! Where the answer goes, decided and opened before the request is sent (README "--outputFile", "A
//! created key is never lost"), so that everything that can fail before the answer is known fails
//! with nothing sent — and a created private key is never lost to an output target that cannot be
//! written.
//!
//! - no `--outputFile`: stdout (for a POST, a stdout closed at start is refused);
//! - `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: that descriptor, written
//!   directly, never replaced;
//! - otherwise `stat` decides: a regular file or a missing name gets its temporary file now
//!   (and is renamed over at the end); a FIFO (opened non-blocking: one with no reader is
//!   refused) or a character device is opened now and written directly, but only when the
//!   opened descriptor belongs to the user or to root (another user's FIFO in a shared folder
//!   would get the answer); a socket is refused.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use std::sync::atomic::{AtomicU8, Ordering};

use anyhow::{Result, anyhow, bail};

use crate::support::atomic_file::{
    PendingFile, effective_uid, folder_of, kept_mode, resolve_links,
};
use crate::support::error::os_error_text;

/// An output target, ready to be written once the answer is known.
pub enum Destination {
    /// The process's standard output.
    Stdout,
    /// A descriptor named by its path (`/dev/fd/3`), written directly.
    Descriptor { fd: RawFd, shown: String },
    /// A FIFO or character device, already open.
    Direct { file: File, shown: String },
    /// A regular or new file, through a temporary file already created.
    Atomic { pending: PendingFile, shown: String },
}

impl Destination {
    /// Opens the target (`None` or empty: stdout). `keeps_answer` is true for a POST, whose
    /// answer cannot be asked for again: a stdout closed at start is then refused.
    pub fn prepare(target: Option<&Path>, keeps_answer: bool) -> Result<Destination> {
        let Some(target) = target.filter(|t| !t.as_os_str().is_empty()) else {
            if keeps_answer && !usable_for_writing(1) {
                bail!("write /dev/stdout: bad file descriptor");
            }
            return Ok(Destination::Stdout);
        };
        let shown = target.display().to_string();
        let open_failed = |e: io::Error| anyhow!("open {shown}: {}", os_error_text(&e));
        if let Some(fd) = named_descriptor(target) {
            // SAFETY: F_GETFD only asks whether the descriptor is open.
            if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
                return Err(errno_open(&shown, libc::EBADF));
            }
            if !usable_for_writing(fd) {
                bail!("write {shown}: bad file descriptor");
            }
            return Ok(Destination::Descriptor { fd, shown });
        }
        // The link rule is checked on the way; `stat` of the name as given (the kernel's own
        // walk, magic links such as `/dev/stdout` included) decides what the target is.
        let path = resolve_links(target).map_err(open_failed)?;
        let errno = |code| open_failed(io::Error::from_raw_os_error(code));
        match std::fs::metadata(target) {
            Ok(meta) if meta.is_dir() => Err(errno(libc::EISDIR)),
            Ok(meta) if meta.is_file() => {
                if !writable(&path) || sticky_refuses(&path, &meta) {
                    return Err(errno(libc::EACCES));
                }
                let (mode, group) = kept_mode(&path).map_err(open_failed)?;
                let pending = PendingFile::create(&path, mode)
                    .map_err(open_failed)?
                    .keep_group(group);
                Ok(Destination::Atomic { pending, shown })
            }
            Ok(meta) if meta.file_type().is_fifo() || meta.file_type().is_char_device() => {
                let file = open_direct(target).map_err(open_failed)?;
                if !owned_by_user_or_root(&file) {
                    return Err(errno(libc::EACCES));
                }
                Ok(Destination::Direct { file, shown })
            }
            Ok(_) => Err(errno(libc::ENXIO)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let pending = PendingFile::create(&path, 0o600).map_err(open_failed)?;
                Ok(Destination::Atomic { pending, shown })
            }
            Err(e) => Err(open_failed(e)),
        }
    }

    /// How the target is named in messages.
    pub fn shown(&self) -> &str {
        match self {
            Destination::Stdout => "/dev/stdout",
            Destination::Descriptor { shown, .. }
            | Destination::Direct { shown, .. }
            | Destination::Atomic { shown, .. } => shown,
        }
    }

    /// Writes one piece of an answer streamed as it arrives (a gzip or csv answer); `finish`
    /// then puts a file in place. The error reads `write <target>: <reason>`.
    pub fn write_chunk(&mut self, bytes: &[u8]) -> Result<()> {
        let written = match self {
            Destination::Stdout => io::stdout().lock().write_all(bytes),
            Destination::Descriptor { fd, .. } => {
                // SAFETY: the descriptor was checked open; ManuallyDrop never closes it.
                let mut file = ManuallyDrop::new(unsafe { File::from_raw_fd(*fd) });
                file.write_all(bytes)
            }
            Destination::Direct { file, .. } => file.write_all(bytes),
            Destination::Atomic { pending, .. } => pending.append(bytes),
        };
        written.map_err(|e| {
            if e.kind() == io::ErrorKind::BrokenPipe {
                // A binary answer can be asked for again: a reader gone ends the run quietly.
                crate::support::error::die_of_sigpipe();
            }
            anyhow!("write {}: {}", self.shown(), os_error_text(&e))
        })
    }

    /// The end of a streamed answer: stdout flushed, a file synced and renamed into place.
    pub fn finish(self) -> Result<()> {
        let shown = self.shown().to_string();
        let finished = match self {
            Destination::Stdout => io::stdout().lock().flush(),
            Destination::Atomic { pending, .. } => pending.commit(&[]),
            Destination::Descriptor { .. } | Destination::Direct { .. } => Ok(()),
        };
        finished.map_err(|e| anyhow!("write {shown}: {}", os_error_text(&e)))
    }

    /// Writes the whole answer; the error reads `write <target>: <reason>`. With
    /// `quiet_on_broken_pipe`, a reader gone ends the process as SIGPIPE would.
    pub fn write(self, bytes: &[u8], quiet_on_broken_pipe: bool) -> Result<()> {
        let shown = self.shown().to_string();
        let written = match self {
            Destination::Stdout => {
                let mut stdout = io::stdout().lock();
                stdout.write_all(bytes).and_then(|()| stdout.flush())
            }
            Destination::Descriptor { fd, .. } => {
                // SAFETY: the descriptor was checked open; ManuallyDrop never closes it.
                let mut file = ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
                file.write_all(bytes).and_then(|()| file.flush())
            }
            Destination::Direct { mut file, .. } => file.write_all(bytes),
            Destination::Atomic { pending, .. } => pending.commit(bytes),
        };
        written.map_err(|e| {
            if quiet_on_broken_pipe && e.kind() == io::ErrorKind::BrokenPipe {
                crate::support::error::die_of_sigpipe();
            }
            anyhow!("write {shown}: {}", os_error_text(&e))
        })
    }
}

/// The descriptor a path names by itself (`/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/3`).
fn named_descriptor(target: &Path) -> Option<RawFd> {
    let bytes = target.as_os_str().as_bytes();
    match bytes {
        b"/dev/stdout" => return Some(1),
        b"/dev/stderr" => return Some(2),
        _ => {}
    }
    let number = bytes
        .strip_prefix(b"/dev/fd/")
        .or_else(|| bytes.strip_prefix(b"/proc/self/fd/"))?;
    if number.is_empty() || number.len() > 9 || !number.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

/// Opens a FIFO or device without waiting for a reader (none: `no such device or address`),
/// then lets writes block as usual.
fn open_direct(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    // SAFETY: F_GETFL/F_SETFL on a descriptor we own.
    unsafe {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags != -1 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

/// Whether the opened target (its `fstat`, so the thing actually opened, not a name that may
/// have changed since) belongs to the running user or to root. Nothing has been written yet.
fn owned_by_user_or_root(file: &File) -> bool {
    file.metadata()
        .is_ok_and(|meta| meta.uid() == effective_uid() || meta.uid() == 0)
}

/// `access(2)` with the effective ids: could the running user open it for writing?
fn writable(path: &Path) -> bool {
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a NUL-terminated path; faccessat only reads it.
    unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            libc::W_OK,
            libc::AT_EACCESS,
        ) == 0
    }
}

/// A file in a sticky folder that belongs to neither the running user nor the folder's
/// owner cannot be renamed over (root can).
fn sticky_refuses(path: &Path, meta: &std::fs::Metadata) -> bool {
    let uid = effective_uid();
    if uid == 0 || meta.uid() == uid {
        return false;
    }
    match std::fs::metadata(folder_of(path)) {
        Ok(folder) => folder.mode() & 0o1000 != 0 && folder.uid() != meta.uid(),
        Err(_) => false,
    }
}

/// `open <target>: <errno text>`.
fn errno_open(shown: &str, code: i32) -> anyhow::Error {
    anyhow!(
        "open {shown}: {}",
        os_error_text(&io::Error::from_raw_os_error(code))
    )
}

/// Whether a descriptor can take the answer: open now, open for writing, and (for 0, 1
/// and 2) not closed when the process started — the Rust runtime reopens closed standard
/// descriptors on `/dev/null` before `main`, so that is recorded earlier, by a constructor
/// the loader runs before the runtime starts.
fn usable_for_writing(fd: RawFd) -> bool {
    if (0..3).contains(&fd) && CLOSED_AT_START.load(Ordering::Relaxed) & (1 << fd) != 0 {
        return false;
    }
    // SAFETY: F_GETFL only reads the descriptor's status flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    flags != -1 && flags & libc::O_ACCMODE != libc::O_RDONLY
}

/// Bit `n` set: standard descriptor `n` was closed at start.
static CLOSED_AT_START: AtomicU8 = AtomicU8::new(0);

extern "C" fn record_closed_stdout() {
    for fd in 0..3 {
        // SAFETY: F_GETFD only asks whether the descriptor is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            CLOSED_AT_START.fetch_or(1 << fd, Ordering::Relaxed);
        }
    }
}

#[used]
#[cfg_attr(target_os = "linux", unsafe(link_section = ".init_array"))]
#[cfg_attr(target_os = "macos", unsafe(link_section = "__DATA,__mod_init_func"))]
static RECORD_CLOSED_STDOUT: extern "C" fn() = record_closed_stdout;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_named_by_their_paths() {
        for (path, fd) in [
            ("/dev/stdout", Some(1)),
            ("/dev/stderr", Some(2)),
            ("/dev/fd/7", Some(7)),
            ("/proc/self/fd/12", Some(12)),
            ("/dev/fd/", None),
            ("/dev/fd/1x", None),
            ("/dev/shm/out.json", None),
            ("/proc/1/fd/1", None),
        ] {
            assert_eq!(named_descriptor(Path::new(path)), fd, "{path}");
        }
    }

    #[test]
    fn regular_and_new_targets_get_their_temporary_file_before_sending() {
        let temp = tempfile::tempdir().unwrap();
        let target = temp.path().join("out.json");
        let destination = Destination::prepare(Some(&target), true).unwrap();
        let temps = std::fs::read_dir(temp.path()).unwrap().count();
        assert_eq!(temps, 1, "the temporary file exists before the answer");
        destination.write(b"{}", false).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"{}");
        assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folders_and_folders_as_targets_fail_before_sending() {
        let temp = tempfile::tempdir().unwrap();
        let missing = temp.path().join("no/out.json");
        let err = Destination::prepare(Some(&missing), true).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!("open {}: no such file or directory", missing.display())
        );
        let err = Destination::prepare(Some(temp.path()), true).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!("open {}: is a directory", temp.path().display())
        );
    }
}

//! Where the answer goes, decided and opened before the request is sent (DECISIONS D15,
//! D16), so that everything that can fail before the answer is known fails with nothing
//! sent — and a created private key is never lost to an output target that cannot be written.
//!
//! - no `--outputFile`: stdout (for a POST, a stdout closed at start is refused);
//! - `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: that descriptor, written
//!   directly, never replaced;
//! - otherwise `stat` decides: a regular file or a missing name gets its temporary file now
//!   (and is renamed over at the end); a FIFO (opened non-blocking: one with no reader is
//!   refused) or a character device is opened now and written directly; a socket is refused.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

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
            if keeps_answer && stdout_was_closed() {
                bail!("write /dev/stdout: bad file descriptor");
            }
            return Ok(Destination::Stdout);
        };
        let shown = target.display().to_string();
        let open_failed = |e: io::Error| anyhow!("open {shown}: {}", os_error_text(&e));
        if let Some(fd) = named_descriptor(target) {
            if fd == 1 && keeps_answer && stdout_was_closed() {
                bail!("write {shown}: bad file descriptor");
            }
            // SAFETY: F_GETFD only asks whether the descriptor is open.
            if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
                return Err(open_failed(io::Error::last_os_error()));
            }
            return Ok(Destination::Descriptor { fd, shown });
        }
        let path = resolve_links(target).map_err(open_failed)?;
        let errno = |code| open_failed(io::Error::from_raw_os_error(code));
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => Err(errno(libc::EISDIR)),
            Ok(meta) if meta.is_file() => {
                if !writable(&path) || sticky_refuses(&path, &meta) {
                    return Err(errno(libc::EACCES));
                }
                let mode = kept_mode(&path).map_err(open_failed)?;
                let pending = PendingFile::create(&path, mode).map_err(open_failed)?;
                Ok(Destination::Atomic { pending, shown })
            }
            Ok(meta) if meta.file_type().is_fifo() || meta.file_type().is_char_device() => {
                let file = open_direct(&path).map_err(open_failed)?;
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

    /// Writes the whole answer; the error reads `write <target>: <reason>`.
    pub fn write(self, bytes: &[u8]) -> Result<()> {
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
        written.map_err(|e| anyhow!("write {shown}: {}", os_error_text(&e)))
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

/// Whether descriptor 1 was closed when the process started (`>&-`). The Rust runtime
/// reopens a closed stdout on `/dev/null` before `main`, so this is recorded earlier, by a
/// constructor the loader runs before the runtime starts.
pub fn stdout_was_closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn record_closed_stdout() {
    // SAFETY: F_GETFD only asks whether descriptor 1 is open.
    if unsafe { libc::fcntl(1, libc::F_GETFD) } == -1 {
        STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
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
        destination.write(b"{}").unwrap();
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

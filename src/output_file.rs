//! Writing `--outputFile` so that nothing is ever half-written (DECISIONS D2).
//!
//! A regular target (or a new one) is written to a temporary file beside it — created 0600
//! with O_EXCL, fsynced — and renamed over it, keeping the old file's permission bits. A
//! symlink is followed to the file it points to. A target that is not a regular file
//! (`/dev/stdout`, a FIFO, a socket, a terminal) is opened and written directly.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

use crate::error::os_error_text;

/// How many symlinks we follow before giving up, as the kernel does.
const MAX_SYMLINKS: usize = 40;

/// Writes `bytes` to `target` by the D2 procedure.
pub fn write_output_file(target: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: io::Error| anyhow!("open {}: {}", target.display(), os_error_text(&e));
    let own_stream = |names: [&str; 3]| names.iter().any(|n| target == Path::new(n));
    if own_stream(["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]) {
        return write_stream(io::stdout(), bytes).map_err(fail);
    }
    if own_stream(["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]) {
        return write_stream(io::stderr(), bytes).map_err(fail);
    }
    let path = match resolve_symlinks(target).map_err(fail)? {
        Resolved::Special => return write_directly(target, bytes).map_err(fail),
        Resolved::Path(path) => path,
    };
    match fs::metadata(&path) {
        Ok(meta) if !meta.is_file() => write_directly(&path, bytes).map_err(fail),
        Ok(meta) => write_atomically(&path, bytes, Some(meta.permissions().mode())).map_err(fail),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            write_atomically(&path, bytes, None).map_err(fail)
        }
        Err(e) => Err(fail(e)),
    }
}

/// Checks, before anything is sent, that `target` can be written: its folder exists and it
/// is not a folder itself — so a created key's private key is never lost to a typo.
pub fn check_output_file(target: &Path) -> Result<()> {
    let shown = target.display();
    let fail = |code: i32| {
        let e = io::Error::from_raw_os_error(code);
        anyhow!("open {shown}: {}", os_error_text(&e))
    };
    let path = match resolve_symlinks(target)
        .map_err(|e| anyhow!("open {shown}: {}", os_error_text(&e)))?
    {
        Resolved::Special => return Ok(()),
        Resolved::Path(path) => path,
    };
    if fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
        return Err(fail(libc::EISDIR));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(fail(libc::ENOTDIR)),
        Err(e) => Err(anyhow!("open {shown}: {}", os_error_text(&e))),
    }
}

enum Resolved {
    /// The path is, or leads through, `/dev` or `/proc`: a stream, never to be replaced.
    Special,
    Path(PathBuf),
}

/// Follows a chain of symlinks to the path that will really be written.
fn resolve_symlinks(path: &Path) -> io::Result<Resolved> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        if current.starts_with("/dev") || current.starts_with("/proc") {
            return Ok(Resolved::Special);
        }
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(Resolved::Path(current)),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// Appends to a stream-like target: what a shell redirection behind it already holds stays.
fn write_directly(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let file = OpenOptions::new().append(true).open(path)?;
    write_stream(file, bytes)
}

fn write_stream(mut stream: impl Write, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes)?;
    stream.flush()
}

/// Temp file beside the target, fsync, rename; the temp file never outlives a failure.
fn write_atomically(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EISDIR))?
        .to_string_lossy()
        .into_owned();
    let (temp_path, mut file) = create_temp(&dir, &name)?;
    let result = (|| {
        file.write_all(bytes)?;
        if let Some(mode) = mode {
            file.set_permissions(fs::Permissions::from_mode(mode & 0o7777))?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&temp_path, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp_path);
    }
    crate::interrupt::untrack(&temp_path);
    result
}

fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut attempt = 0u32;
    loop {
        let temp = dir.join(format!(".{name}.{:016x}.tmp", crate::random::u64()));
        // Tracked before it exists, so an interrupt can never leave it behind.
        crate::interrupt::track(temp.clone());
        let created = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp);
        if created.is_err() {
            crate::interrupt::untrack(&temp);
        }
        match created {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn new_files_are_private_and_existing_modes_kept() {
        let temp = temp_dir();
        let dir = temp.path();
        let new = dir.join("new.json");
        write_output_file(&new, b"{}").unwrap();
        assert_eq!(fs::read(&new).unwrap(), b"{}");
        assert_eq!(
            fs::metadata(&new).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let old = dir.join("old.json");
        fs::write(&old, b"previous content that is longer").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o640)).unwrap();
        write_output_file(&old, b"new").unwrap();
        assert_eq!(fs::read(&old).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&old).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert!(leftovers(dir).is_empty());
    }

    #[test]
    fn symlinks_are_followed_and_kept() {
        let temp = temp_dir();
        let dir = temp.path();
        let real = dir.join("real.json");
        fs::write(&real, b"old").unwrap();
        let link = dir.join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_output_file(&link, b"via link").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"via link");
    }

    #[test]
    fn a_parent_that_is_a_file_fails_cleanly() {
        let temp = temp_dir();
        let dir = temp.path();
        let blocker = dir.join("blocker");
        fs::write(&blocker, b"x").unwrap();
        let target = blocker.join("out.json");
        let err = write_output_file(&target, b"{}").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("open {}: not a directory", target.display())
        );
        assert_eq!(fs::read(&blocker).unwrap(), b"x");
    }

    #[test]
    fn unwritable_targets_are_found_before_sending() {
        let temp = temp_dir();
        let dir = temp.path();
        let file = dir.join("file");
        fs::write(&file, b"x").unwrap();
        let check = |p: &Path| check_output_file(p).map_err(|e| e.to_string());
        assert!(check(&dir.join("new.json")).is_ok());
        assert!(check(&file).is_ok());
        assert_eq!(
            check(&file.join("x")).unwrap_err(),
            format!("open {}: not a directory", file.join("x").display())
        );
        assert_eq!(
            check(&dir.join("no/x")).unwrap_err(),
            format!(
                "open {}: no such file or directory",
                dir.join("no/x").display()
            )
        );
        assert_eq!(
            check(dir).unwrap_err(),
            format!("open {}: is a directory", dir.display())
        );
        assert!(check(Path::new("/dev/stdout")).is_ok());
    }

    #[test]
    fn symlink_loops_fail_cleanly() {
        let temp = temp_dir();
        let a = temp.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", temp.path().join("b")).unwrap();
        let err = write_output_file(&a, b"x").unwrap_err().to_string();
        assert_eq!(
            err,
            format!("open {}: too many levels of symbolic links", a.display())
        );
    }

    #[test]
    fn non_regular_targets_are_written_directly() {
        write_output_file(Path::new("/dev/null"), b"discarded").unwrap();
    }
}

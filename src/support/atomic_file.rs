//! Writing a file so that no reader ever sees half of it: a temporary file in the final
//! file's folder — `.<name>.<random>.tmp` (named by `tempfile`), created 0600 with `O_EXCL`
//! and registered for removal on interrupt in one step — written, fsynced and renamed over
//! the final name.
//! Also the rules for reaching the final name: symbolic links are followed only as the
//! kernel's `protected_symlinks` would follow them, and an existing file keeps its mode only
//! when the running user owns it (README "--outputFile").

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use tempfile::NamedTempFile;

use crate::support::error::os_error_text;

/// How many symbolic links are followed before giving up, as the kernel does.
const MAX_SYMLINKS: usize = 40;

/// A temporary file waiting to be renamed over its final name; removed if dropped unused.
pub struct PendingFile {
    /// `None` once committed.
    temp: Option<NamedTempFile>,
    target: PathBuf,
    mode: u32,
    /// The group the replaced file had, to keep with its mode.
    group: Option<u32>,
}

impl PendingFile {
    /// Creates the temporary file beside `target` (the final path, links already resolved),
    /// which will get permission bits `mode` once written.
    ///
    /// `tempfile` picks the random name and retries on a name that exists; the file itself is
    /// opened by our closure, so that it is created 0600 (never wider, not even briefly), with
    /// `O_EXCL` and `O_NOFOLLOW`, and registered with the interrupt watcher under its lock in the
    /// same step ("Stopping a run"). The name is built from the target's bytes ("Messages").
    pub fn create(target: &Path, mode: u32) -> io::Result<PendingFile> {
        let dir = folder_of(target);
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EISDIR))?;
        let mut prefix = OsString::from(".");
        prefix.push(name);
        prefix.push(".");
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .rand_bytes(16)
            .make_in(&dir, |path| {
                crate::support::interrupt::create_tracked(path, |path| {
                    OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o600)
                        .custom_flags(libc::O_NOFOLLOW)
                        .open(path)
                })
            })?;
        Ok(PendingFile {
            temp: Some(temp),
            target: target.to_path_buf(),
            mode: mode & 0o7777,
            group: None,
        })
    }

    /// Keeps the group of the file being replaced (with its mode's group bits); when the
    /// group cannot be kept, the group bits are dropped rather than given to another group.
    pub fn keep_group(mut self, group: Option<u32>) -> PendingFile {
        self.group = group;
        self
    }

    /// Writes more of the file's content (an answer streamed as it arrives); `commit` with
    /// the rest, or nothing, then puts it in place.
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.temp
            .as_mut()
            .expect("a pending file is written until committed")
            .as_file_mut()
            .write_all(bytes)
    }

    /// Writes `bytes`, syncs, renames over the final name, then gives the file its mode: the
    /// temporary file itself is never readable by group or others (README "--outputFile").
    pub fn commit(self, bytes: &[u8]) -> io::Result<()> {
        self.finish(bytes, true)
    }

    /// As [`PendingFile::commit`] without waiting for the disk: readers still never see half
    /// a file, but a crash may lose it (for caches, whose loss costs only time).
    pub fn commit_unsynced(self, bytes: &[u8]) -> io::Result<()> {
        self.finish(bytes, false)
    }

    fn finish(mut self, bytes: &[u8], sync: bool) -> io::Result<()> {
        let file = self
            .temp
            .as_mut()
            .expect("a pending file is committed once")
            .as_file_mut();
        file.write_all(bytes)?;
        let mut mode = self.mode;
        if let Some(group) = self.group {
            use std::os::fd::AsRawFd;
            // SAFETY: fchown of a descriptor we own; uid -1 leaves the owner as it is.
            if unsafe { libc::fchown(file.as_raw_fd(), u32::MAX, group) } != 0 {
                mode &= !0o070;
            }
        }
        if sync {
            file.sync_all()?;
        }
        let temp = self.temp.take().expect("a pending file is committed once");
        let path = temp.path().to_path_buf();
        let renamed = temp.persist(&self.target);
        crate::support::interrupt::untrack(&path);
        // Renamed, or (on failure) removed as the returned file is dropped.
        let file = renamed.map_err(|e| e.error)?;
        if mode != 0o600 {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let path = temp.path().to_path_buf();
            // Dropping it removes the file.
            drop(temp);
            crate::support::interrupt::untrack(&path);
        }
    }
}

/// Writes `bytes` to `path` through a temporary file (links followed by the rule of
/// [`resolve_links`]; an existing file's mode kept when the running user owns it). Errors
/// read `open <path>: <reason>` or `write <path>: <reason>`.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let shown = path.display();
    let open_failed = |e: io::Error| anyhow!("open {shown}: {}", os_error_text(&e));
    let target = resolve_links(path).map_err(open_failed)?;
    let (mode, group) = kept_mode(&target).map_err(open_failed)?;
    let pending = PendingFile::create(&target, mode)
        .map_err(open_failed)?
        .keep_group(group);
    pending
        .commit(bytes)
        .map_err(|e| anyhow!("write {shown}: {}", os_error_text(&e)))
}

/// Replaces the file `path` names (links followed by the rule of [`resolve_links`]) with
/// `bytes` through a temporary file; where that cannot be done by rename — the temporary file
/// or the rename fails with EBUSY (a bind-mounted file), EXDEV, EACCES or EPERM (a folder the
/// user may not write) — rewrites it in place instead, as the Go CLI does (see
/// [`rewrite_in_place`]). The caller holds the lock that guards the file.
pub fn replace_or_rewrite(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = resolve_links(path)?;
    let (mode, group) = kept_mode(&target)?;
    let replaced = PendingFile::create(&target, mode)
        .and_then(|pending| pending.keep_group(group).commit(bytes));
    match replaced {
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EBUSY | libc::EXDEV | libc::EACCES | libc::EPERM)
            ) =>
        {
            rewrite_in_place(&target, bytes)
        }
        other => other,
    }
}

/// Rewrites an existing regular file in place: the whole new content at offset 0, then the
/// length cut to it, then fsync. Room for the new content is reserved first where the file
/// system can, so a full disk fails before a byte changes; the file is never left empty. The
/// caller holds interrupts off until this returns (`support::interrupt::defer`, taken once for
/// the whole save: a second one taken inside it would stop the save an interrupt waits for).
pub fn rewrite_in_place(target: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::FileExt;
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(target)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let len = libc::off_t::try_from(bytes.len())
        .map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
    // SAFETY: fallocate on a descriptor we own; KEEP_SIZE leaves the content as it is.
    if unsafe { libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, 0, len) } != 0 {
        let error = io::Error::last_os_error();
        if matches!(
            error.raw_os_error(),
            Some(libc::ENOSPC | libc::EDQUOT | libc::EROFS)
        ) {
            return Err(error);
        }
    }
    file.write_all_at(bytes, 0)?;
    file.set_len(bytes.len() as u64)?;
    file.sync_all()
}

/// The mode (and group) a rewritten file gets: its own permission bits and group when the
/// running user owns it, else (and for a new file) 0600 and the user's own group.
pub fn kept_mode(target: &Path) -> io::Result<(u32, Option<u32>)> {
    match fs::metadata(target) {
        Ok(meta) if meta.uid() == effective_uid() => Ok((meta.mode() & 0o7777, Some(meta.gid()))),
        Ok(_) => Ok((0o600, None)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((0o600, None)),
        Err(e) => Err(e),
    }
}

/// Follows the symbolic links of `path` — in every component, as the kernel walks it — to the
/// name that will really be written, but only those the kernel's `protected_symlinks` rule
/// would follow, whatever the host's sysctl says: a link owned by the running user, or in a
/// folder that is not sticky and world-writable, or owned by that folder's owner. Any other
/// link is `permission denied`.
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    use std::path::Component;
    let mut pending: Vec<std::ffi::OsString> = Vec::new();
    let mut resolved = PathBuf::new();
    let push_parts = |pending: &mut Vec<std::ffi::OsString>, path: &Path| {
        let parts: Vec<_> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(p) => Some(p.to_os_string()),
                Component::ParentDir => Some("..".into()),
                _ => None,
            })
            .collect();
        pending.extend(parts.into_iter().rev());
    };
    if path.is_absolute() {
        resolved.push("/");
    }
    push_parts(&mut pending, path);
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            let at_top = resolved.as_os_str().is_empty() || resolved.ends_with("..");
            if at_top {
                resolved.push("..");
            } else if resolved != Path::new("/") {
                resolved.pop();
            }
            continue;
        }
        let candidate = resolved.join(&part);
        let meta = match fs::symlink_metadata(&candidate) {
            Ok(meta) if meta.file_type().is_symlink() => meta,
            _ => {
                resolved = candidate;
                continue;
            }
        };
        links += 1;
        if links > MAX_SYMLINKS {
            return Err(io::Error::from_raw_os_error(libc::ELOOP));
        }
        let folder_path = if resolved.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            resolved.clone()
        };
        let folder = fs::metadata(&folder_path)?;
        let shared_sticky = folder.mode() & 0o1002 == 0o1002;
        if !(meta.uid() == effective_uid() || !shared_sticky || meta.uid() == folder.uid()) {
            return Err(io::Error::from_raw_os_error(libc::EACCES));
        }
        let link = fs::read_link(&candidate)?;
        if link.is_absolute() {
            resolved = PathBuf::from("/");
        }
        push_parts(&mut pending, &link);
    }
    if resolved.as_os_str().is_empty() {
        resolved.push(".");
    }
    Ok(resolved)
}

/// The folder a path's last component lives in (`.` for a bare name).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn new_files_are_private_and_own_files_keep_their_mode() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let new = dir.join("new.json");
        write_file(&new, b"{}").unwrap();
        assert_eq!(fs::read(&new).unwrap(), b"{}");
        assert_eq!(fs::metadata(&new).unwrap().mode() & 0o777, 0o600);

        let old = dir.join("old.json");
        fs::write(&old, b"previous content that is longer").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o640)).unwrap();
        write_file(&old, b"new").unwrap();
        assert_eq!(fs::read(&old).unwrap(), b"new");
        assert_eq!(fs::metadata(&old).unwrap().mode() & 0o777, 0o640);
        assert!(leftovers(dir).is_empty());
    }

    #[test]
    fn own_symlinks_are_followed_and_kept() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let real = dir.join("real.json");
        fs::write(&real, b"old").unwrap();
        let link = dir.join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_file(&link, b"via link").unwrap();
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
        let temp = tempfile::tempdir().unwrap();
        let blocker = temp.path().join("blocker");
        fs::write(&blocker, b"x").unwrap();
        let target = blocker.join("out.json");
        let err = write_file(&target, b"{}").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("open {}: not a directory", target.display())
        );
        assert_eq!(fs::read(&blocker).unwrap(), b"x");
    }

    #[test]
    fn symlink_loops_fail_cleanly() {
        let temp = tempfile::tempdir().unwrap();
        let a = temp.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", temp.path().join("b")).unwrap();
        let err = write_file(&a, b"x").unwrap_err().to_string();
        assert_eq!(
            err,
            format!("open {}: too many levels of symbolic links", a.display())
        );
    }

    #[test]
    fn a_pending_file_dropped_unused_leaves_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let pending = PendingFile::create(&temp.path().join("out.json"), 0o600).unwrap();
        assert_eq!(leftovers(temp.path()).len(), 1);
        drop(pending);
        assert!(leftovers(temp.path()).is_empty());
        assert!(!temp.path().join("out.json").exists());
    }

    #[test]
    fn the_temporary_file_is_named_from_the_bytes_private_and_renamed_or_removed() {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let temp = tempfile::tempdir().unwrap();
        let target = temp.path().join(OsString::from_vec(b"o\xff.json".to_vec()));
        let temps = || -> Vec<(Vec<u8>, u32)> {
            fs::read_dir(temp.path())
                .unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.file_name().as_bytes().ends_with(b".tmp"))
                .map(|e| {
                    let mode = e.metadata().unwrap().mode() & 0o7777;
                    (e.file_name().into_vec(), mode)
                })
                .collect()
        };
        let pending = PendingFile::create(&target, 0o644).unwrap();
        let found = temps();
        assert_eq!(found.len(), 1);
        let (name, mode) = &found[0];
        assert_eq!(mode, &0o600, "private from creation");
        let random = name
            .strip_prefix(b".o\xff.json.")
            .and_then(|rest| rest.strip_suffix(b".tmp"))
            .unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(name)));
        assert_eq!(random.len(), 16);
        assert!(random.iter().all(u8::is_ascii_alphanumeric));
        pending.commit(b"done").unwrap();
        assert!(temps().is_empty());
        assert_eq!(fs::read(&target).unwrap(), b"done");
        assert_eq!(fs::metadata(&target).unwrap().mode() & 0o7777, 0o644);

        // A failed rename (the target became a folder) reports the system's reason and leaves
        // no temporary file.
        fs::remove_file(&target).unwrap();
        let pending = PendingFile::create(&target, 0o600).unwrap();
        fs::create_dir(&target).unwrap();
        let err = pending.commit(b"late").unwrap_err();
        assert_eq!(os_error_text(&err), "is a directory");
        assert!(temps().is_empty());

        // Two pending files for one target get two names.
        let a = PendingFile::create(&temp.path().join("same"), 0o600).unwrap();
        let b = PendingFile::create(&temp.path().join("same"), 0o600).unwrap();
        assert_eq!(temps().len(), 2);
        drop((a, b));
        assert!(temps().is_empty());
    }
}

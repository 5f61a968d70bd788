//! Folders this project keeps its own files in (token and digest caches, saved answers), and
//! whether they can be trusted (README "Other users on the same host"): every folder from
//! `<base>/atlascli` down must be owned by the running user and not writable by group or others,
//! and a symbolic link at any of them is followed only when it is the user's or root's (another
//! user's link in a shared base would lead the files where that user chooses). Missing ones are
//! created 0700.

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::support::atomic_file::effective_uid;

/// Why a folder cannot be used.
#[derive(Debug)]
pub enum Untrusted {
    OwnedByOther(PathBuf),
    WritableByOthers(PathBuf),
    Io(PathBuf, io::Error),
}

impl Untrusted {
    /// The folder and the reason, as the warnings say it: `<folder>: it is owned by another
    /// user`.
    pub fn describe(&self) -> String {
        match self {
            Untrusted::OwnedByOther(dir) => {
                format!("{}: it is owned by another user", dir.display())
            }
            Untrusted::WritableByOthers(dir) => {
                format!("{}: it is writable by other users", dir.display())
            }
            Untrusted::Io(dir, e) => {
                format!(
                    "{}: {}",
                    dir.display(),
                    crate::support::error::os_error_text(e)
                )
            }
        }
    }
}

/// `<base>/atlascli/<parts…>`, created where missing, each level checked.
pub fn ensure(base: &Path, parts: &[&str]) -> Result<PathBuf, Untrusted> {
    // The user's own cache or state folder itself may not exist yet.
    if !base.is_dir() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(base)
            .map_err(|e| Untrusted::Io(base.to_path_buf(), e))?;
    }
    let mut dir = base.join("atlascli");
    check_or_create(&dir)?;
    for part in parts {
        dir.push(part);
        check_or_create(&dir)?;
    }
    Ok(dir)
}

/// The same checks without creating anything (for reading a cache that may not exist): `Ok(false)`
/// when a level does not exist yet.
pub fn check_existing(base: &Path, parts: &[&str]) -> Result<bool, Untrusted> {
    let mut dir = base.join("atlascli");
    let mut levels = vec![dir.clone()];
    for part in parts {
        dir.push(part);
        levels.push(dir.clone());
    }
    for level in levels {
        refuse_others_link(&level)?;
        match std::fs::metadata(&level) {
            Ok(meta) => trusted(&level, &meta)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Untrusted::Io(level, e)),
        }
    }
    Ok(true)
}

fn check_or_create(dir: &Path) -> Result<(), Untrusted> {
    refuse_others_link(dir)?;
    match std::fs::metadata(dir) {
        Ok(meta) => trusted(dir, &meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            match DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => Ok(()),
                // Another run made it meanwhile: check what is there now.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    refuse_others_link(dir)?;
                    match std::fs::metadata(dir) {
                        Ok(meta) => trusted(dir, &meta),
                        Err(e) => Err(Untrusted::Io(dir.to_path_buf(), e)),
                    }
                }
                Err(e) => Err(Untrusted::Io(dir.to_path_buf(), e)),
            }
        }
        Err(e) => Err(Untrusted::Io(dir.to_path_buf(), e)),
    }
}

/// A symbolic link at `dir` that neither the running user nor root owns is never followed:
/// the folder counts as another user's.
fn refuse_others_link(dir: &Path) -> Result<(), Untrusted> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta)
            if meta.file_type().is_symlink()
                && meta.uid() != effective_uid()
                && meta.uid() != 0 =>
        {
            Err(Untrusted::OwnedByOther(dir.to_path_buf()))
        }
        _ => Ok(()),
    }
}

fn trusted(dir: &Path, meta: &std::fs::Metadata) -> Result<(), Untrusted> {
    if !meta.is_dir() {
        return Err(Untrusted::Io(
            dir.to_path_buf(),
            io::Error::from_raw_os_error(libc::ENOTDIR),
        ));
    }
    if meta.uid() != effective_uid() {
        return Err(Untrusted::OwnedByOther(dir.to_path_buf()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Untrusted::WritableByOthers(dir.to_path_buf()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn creates_private_levels_and_refuses_shared_ones() {
        let temp = tempfile::tempdir().unwrap();
        let dir = ensure(temp.path(), &["tokens"]).unwrap();
        assert_eq!(dir, temp.path().join("atlascli/tokens"));
        for level in [temp.path().join("atlascli"), dir.clone()] {
            assert_eq!(std::fs::metadata(&level).unwrap().mode() & 0o777, 0o700);
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = ensure(temp.path(), &["tokens"]).unwrap_err();
        assert_eq!(
            err.describe(),
            format!("{}: it is writable by other users", dir.display())
        );
        assert!(check_existing(temp.path(), &["tokens"]).is_err());
        assert!(!check_existing(temp.path(), &["digest"]).unwrap());
    }
}

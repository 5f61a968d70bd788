//! Standing beside the Go CLI: this binary is called `atlas` too, so a command it does not
//! serve (`atlas config init`, `atlas auth login`, cobra's own `__complete`) is handed to the
//! next `atlas` on `PATH` — the Go CLI — with the same arguments, streams and environment.
//!
//! Decided from argv alone, first thing in `main`: nothing is read, printed or set up before.
//! `atlas api …` is never handed over, not even a command newer than the catalogue.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use crate::cli::command::{self, Command};
use crate::cli::completion::HIDDEN_COMMAND;

/// Set on the program a run hands over to. A run started with it set hands nothing over, so
/// two copies of this binary on `PATH` never pass a command back and forth. (Its name starts
/// with neither `MCLI`, which would switch the Go CLI to the `MCLI_*` variables, nor
/// `MONGODB_ATLAS_`.)
pub const HANDED_OVER_VAR: &str = "ATLAS_RS_HANDED_OVER";

/// Hands the run over to the Go CLI when argv names a command this binary does not serve and
/// another `atlas` is on `PATH`: on success this never returns. Returns `Ok` when the command
/// is served here (or there is nobody to hand it to: the command tree then reports it), and
/// the error when the other program could not be started.
pub fn hand_over_unserved(argv: &[OsString]) -> anyhow::Result<()> {
    let Some((program, args)) = argv.split_first() else {
        return Ok(());
    };
    if served_here(args) || std::env::var_os(HANDED_OVER_VAR).is_some() {
        return Ok(());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Some(go_cli) = other_atlas(&path, own_identity()) else {
        return Ok(());
    };
    let error = std::process::Command::new(&go_cli)
        .arg0(program)
        .args(args)
        .env(HANDED_OVER_VAR, "1")
        .exec();
    Err(anyhow::anyhow!(
        "cannot run {}: {}",
        go_cli.display(),
        crate::support::error::os_error_text(&error)
    ))
}

/// What this binary serves: no command word (the root's help, `--version`, a flag error),
/// `api`, `completion`, `help` alone or about `api` or `completion`, and its own completion
/// helper. The word is the first one cobra's `stripFlags` finds at the root (`-P` takes a
/// value; `-D`, `-h` and `-v` do not).
pub fn served_here(args: &[OsString]) -> bool {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let words = command::words(&args, Command::Root);
    match words.first().map(String::as_str) {
        None | Some("api" | "completion") => true,
        Some(word) if word == HIDDEN_COMMAND => true,
        Some("help") => matches!(
            words.get(1).map(String::as_str),
            None | Some("api" | "completion")
        ),
        Some(_) => false,
    }
}

/// Device and inode of the running program, after following links.
fn own_identity() -> Option<(u64, u64)> {
    let meta = std::fs::metadata("/proc/self/exe").ok()?;
    Some((meta.dev(), meta.ino()))
}

/// The first `<dir>/atlas` for each absolute directory of `PATH`, in order, that is a regular
/// file (after following links) the user may execute and is not this program.
fn other_atlas(path: &OsStr, own: Option<(u64, u64)>) -> Option<PathBuf> {
    path.as_bytes()
        .split(|&b| b == b':')
        .map(|dir| Path::new(OsStr::from_bytes(dir)))
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join("atlas"))
        .find(|candidate| {
            let Ok(meta) = std::fs::metadata(candidate) else {
                return false;
            };
            meta.is_file() && Some((meta.dev(), meta.ino())) != own && executable(candidate)
        })
}

/// `access(2)` with `X_OK`: the real user may execute it.
fn executable(path: &Path) -> bool {
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access(2) reads a valid NUL-terminated path.
    unsafe { libc::access(c_path.as_ptr(), libc::X_OK) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn served(list: &[&str]) -> bool {
        let args: Vec<OsString> = list.iter().map(OsString::from).collect();
        served_here(&args)
    }

    #[test]
    fn serves_api_completion_help_and_the_root() {
        for list in [
            &[][..],
            &["api"],
            &["api", "nope"],
            &["-P", "config", "api"],
            &["--profile", "auth", "api", "x"],
            &["-D", "completion", "bash"],
            &["help"],
            &["help", "api", "programmaticApiKeys"],
            &["help", "-P", "x", "completion"],
            &["--version"],
            &["-v"],
            &["-h"],
            &["--help"],
            &["--bogus"],
            &[HIDDEN_COMMAND, "profiles"],
        ] {
            assert!(served(list), "{list:?}");
        }
    }

    #[test]
    fn hands_over_every_other_word() {
        for list in [
            &["config", "init"][..],
            &["auth", "login"],
            &["clusters", "list"],
            &["-P", "p", "config"],
            &["--version", "config"],
            &["help", "config"],
            &["help", "help"],
            &["__complete", "api", ""],
            &["__completeNoDesc", "api"],
            &["Api"],
        ] {
            assert!(!served(list), "{list:?}");
        }
    }

    #[test]
    fn finds_the_first_other_executable_atlas_on_path() {
        let root = tempfile::tempdir().unwrap();
        let dir = |name: &str| {
            let d = root.path().join(name);
            std::fs::create_dir(&d).unwrap();
            d
        };
        let (plain, folder, own, go) = (dir("plain"), dir("folder"), dir("own"), dir("go"));
        std::fs::write(plain.join("atlas"), "").unwrap();
        std::fs::create_dir(folder.join("atlas")).unwrap();
        std::fs::write(own.join("atlas"), "").unwrap();
        std::fs::set_permissions(own.join("atlas"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::write(go.join("atlas"), "").unwrap();
        std::fs::set_permissions(go.join("atlas"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let meta = std::fs::metadata(own.join("atlas")).unwrap();
        let own_id = Some((meta.dev(), meta.ino()));
        let path = format!(
            "::relative:{}:{}:{}:{}",
            plain.display(),
            folder.display(),
            own.display(),
            go.display()
        );
        // A root user may execute a file without execute bits only when one bit is set.
        assert_eq!(
            other_atlas(OsStr::new(&path), own_id),
            Some(go.join("atlas"))
        );
        assert_eq!(
            other_atlas(OsStr::new(&own.display().to_string()), own_id),
            None
        );
        assert_eq!(other_atlas(OsStr::new(""), own_id), None);
    }
}

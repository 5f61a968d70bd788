//! A created key's answer that cannot be delivered and that the state folder cannot take
//! either (README "A created key is never lost"): a full disk, no `HOME`, a state folder others
//! may write. It is saved under the same name in a private folder made for it in `$TMPDIR`;
//! when that fails too, the last line gives both reasons. The full disks are small tmpfs
//! mounts made for the test (as root) and unmounted when it ends, however it ends.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use atlas_standin::{Config, StandIn};
use support::*;

const BODY: &str = r#"{"desc":"ci key","roles":["ORG_READ_ONLY"]}"#;

fn setup() -> (StandIn, Sandbox) {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Checks that `line` names a private file in a private `atlascli-XXXXXX` folder of `tmp`,
/// named as a saved answer is, holding the created key; returns its path.
fn assert_saved_in(tmp: &Path, line: &str) -> PathBuf {
    let path = PathBuf::from(
        line.strip_prefix("the response was saved to ")
            .unwrap_or_else(|| panic!("not saved: {line:?}")),
    );
    let folder = path.parent().unwrap();
    assert_eq!(folder.parent().unwrap(), tmp, "{line:?}");
    let folder_name = folder.file_name().unwrap().to_str().unwrap();
    assert!(
        folder_name.starts_with("atlascli-") && folder_name.len() == "atlascli-XXXXXX".len(),
        "{folder_name}"
    );
    let name = path.file_name().unwrap().to_str().unwrap();
    let (stamp, rest) = name.split_at(16);
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[8] == b'T',
        "{name}"
    );
    let hex = rest
        .strip_prefix("-createOrgApiKey-")
        .and_then(|r| r.strip_suffix(".json"))
        .unwrap_or_else(|| panic!("{name}"));
    assert!(
        hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
    assert_eq!((mode(folder), mode(&path)), (0o700, 0o600));
    let key: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(key["privateKey"].is_string(), "the created key was saved");
    path
}

#[test]
fn without_a_home_or_with_a_shared_state_folder_the_answer_goes_to_a_temporary_folder() {
    let (_server, sandbox) = setup();
    let tmp = sandbox.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let argv = create_key(&["-o", "{{.nothing}}"]);
    // No HOME and no XDG_STATE_HOME: there is no state folder at all.
    let mut command = sandbox.command(&refs(&argv));
    command
        .env_remove("HOME")
        .env("XDG_CONFIG_HOME", sandbox.path("home/.config"))
        .env("XDG_CACHE_HOME", sandbox.path("cache"))
        .env("TMPDIR", &tmp);
    let run = sandbox.run_with(command, Stdin::Bytes(BODY.into()));
    assert_eq!(
        (run.code, run.stdout_text().as_str()),
        (0, "<no value>"),
        "{run:?}"
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[0],
        "warning: the template names fields the response does not have: .nothing"
    );
    assert_eq!(lines.len(), 2, "{run:?}");
    let first = assert_saved_in(&tmp, lines[1]);
    // A state folder others may write is not trusted with the key.
    let state = sandbox.path("home/.local/state/atlascli");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o775)).unwrap();
    let run = sandbox.run_env(
        &refs(&argv),
        &[("TMPDIR", tmp.to_str().unwrap())],
        Stdin::Bytes(BODY.into()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let second = assert_saved_in(&tmp, run.stderr.lines().nth(1).unwrap());
    assert_ne!(
        first.parent(),
        second.parent(),
        "a new folder for each save"
    );
    assert_eq!(std::fs::read_dir(&state).unwrap().count(), 0);
}

/// A tmpfs of 64 KiB mounted on a new folder, filled up; unmounted on drop.
struct FullDisk {
    path: PathBuf,
}

impl FullDisk {
    fn new(path: PathBuf) -> FullDisk {
        std::fs::create_dir(&path).unwrap();
        let mount = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs"])
            .arg(&path)
            .spawn()
            .unwrap();
        let output = wait_bounded(mount, Duration::from_secs(10));
        assert!(output.status.success(), "mount: {output:?}");
        let disk = FullDisk { path };
        let mut filler = std::fs::File::create(disk.path.join("filler")).unwrap();
        let block = [0u8; 4096];
        while std::io::Write::write_all(&mut filler, &block).is_ok() {}
        disk
    }

    fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        for args in [&[][..], &["-l"][..]] {
            let child = Command::new("umount")
                .args(args)
                .arg(&self.path)
                .spawn()
                .unwrap();
            if wait_bounded(child, Duration::from_secs(10))
                .status
                .success()
            {
                break;
            }
        }
    }
}

#[test]
#[cfg_attr(no_mount, ignore = "needs root with CAP_SYS_ADMIN, mount and umount")]
fn a_key_no_disk_can_take_is_saved_in_a_temporary_folder_or_both_reasons_said() {
    let (_server, sandbox) = setup();
    let disk = FullDisk::new(sandbox.path("full"));
    let tmp = sandbox.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // The output and the state folder are on the full disk: the write fails, then the save.
    let out = disk.join("out.json");
    let argv = create_key(&["--outputFile", out.to_str().unwrap()]);
    let state = disk.join("state");
    let env = |tmpdir: &Path| {
        let mut command = sandbox.command(&refs(&argv));
        command.env("XDG_STATE_HOME", &state).env("TMPDIR", tmpdir);
        command
    };
    let run = sandbox.run_with(env(&tmp), Stdin::Bytes(BODY.into()));
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!("Error: write {}: no space left on device", out.display())
    );
    assert_eq!(lines.len(), 2, "{run:?}");
    assert_saved_in(&tmp, lines[1]);
    assert!(!out.exists());
    // The temporary folder is on the full disk too: both reasons, nothing left behind.
    let run = sandbox.run_with(env(&disk.path), Stdin::Bytes(BODY.into()));
    assert_eq!(run.code, 1, "{run:?}");
    let last = run.stderr.lines().last().unwrap();
    let reasons = last
        .strip_prefix("the response could not be saved: ")
        .unwrap_or_else(|| panic!("{run:?}"));
    let (in_state, in_tmp) = reasons.split_once("; ").unwrap();
    assert!(
        in_state.starts_with(&format!("{}/", state.display()))
            && in_state.ends_with(": no space left on device"),
        "{in_state}"
    );
    let folder = in_tmp
        .strip_suffix(": no space left on device")
        .unwrap_or_else(|| panic!("{in_tmp}"));
    assert!(
        folder.starts_with(&format!("{}/atlascli-", disk.path.display())),
        "{folder}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&disk.path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["filler", "state"],
        "the folder made for it is removed"
    );
    assert!(
        run.stdout.is_empty() && !run.stderr.contains("privateKey"),
        "never printed"
    );
}

//! Another user on the same host (README "--outputFile", "Other users on the same host"), and every
//! "cannot write" case, for real: the test runs as root (as CI does) and drops to two unprivileged
//! uids with `setpriv`, a victim running a copy of the binary and an attacker preparing traps in a
//! shared sticky folder. Root ignores permission bits, so these cases need other uids; without root
//! and setpriv (as build.rs finds them) the tests are ignored: `cargo test` lists them so.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use atlas_standin::{Auth, Config, StandIn};
use support::*;

const VICTIM: u32 = 64_101;
const ATTACKER: u32 = 64_102;
const BODY: &str = r#"{"desc":"victim key","roles":["ORG_READ_ONLY"]}"#;

/// A world-traversable folder holding the binary, the victim's home and a sticky shared folder.
struct World {
    root: tempfile::TempDir,
    binary: PathBuf,
}

impl World {
    fn new(config: &str) -> Option<World> {
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout == b"0\n");
        let has_setpriv = Command::new("setpriv").arg("--version").output().is_ok();
        if !is_root || !has_setpriv {
            panic!(
                "needs root and setpriv, which build.rs found when the tests were built (touch build.rs to build them again)"
            );
        }
        let root = tempfile::Builder::new()
            .prefix("atlas-users-")
            .tempdir()
            .unwrap();
        chmod(root.path(), 0o755);
        let bin_dir = root.path().join("bin");
        std::fs::create_dir(&bin_dir).unwrap();
        chmod(&bin_dir, 0o755);
        let binary = bin_dir.join("atlas");
        std::fs::copy(env!("CARGO_BIN_EXE_atlas"), &binary).unwrap();
        chmod(&binary, 0o755);
        let home = root.path().join("victim");
        std::fs::create_dir_all(home.join(".config/atlascli")).unwrap();
        std::fs::write(home.join(".config/atlascli/config.toml"), config).unwrap();
        chown_tree(&home, VICTIM);
        chmod(&home, 0o700);
        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        chmod(&shared, 0o1777);
        Some(World { root, binary })
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("victim")
    }

    fn shared(&self, name: &str) -> PathBuf {
        self.root.path().join("shared").join(name)
    }

    /// Runs the binary as the victim, with the create body on stdin.
    fn victim(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        // The binary was just copied: a child another test thread forked meanwhile may still
        // hold the copy's descriptor for a moment (exec then fails with ETXTBSY before the
        // binary runs, so nothing was sent). Try again briefly.
        for _ in 0..50 {
            let run = self.victim_once(args, env);
            if !(run.code == 126 && run.stderr.contains("Text file busy")) {
                return run;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the copied binary stayed busy");
    }

    fn victim_once(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new("setpriv");
        command
            .args([
                &format!("--reuid={VICTIM}"),
                &format!("--regid={VICTIM}"),
                "--clear-groups",
                "--",
            ])
            .arg(&self.binary)
            .args(args)
            .env_clear()
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.home())
            .envs(env.iter().copied())
            .current_dir(self.root.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (reader, mut writer) = std::io::pipe().unwrap();
        std::io::Write::write_all(&mut writer, BODY.as_bytes()).unwrap();
        drop(writer);
        command.stdin(reader);
        let output = wait_bounded(command.spawn().unwrap(), std::time::Duration::from_secs(30));
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
}

fn chown_tree(path: &Path, uid: u32) {
    chown(path, uid);
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), uid);
        }
    }
}

fn api_key_config(url: &str) -> String {
    format!(
        "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{PRIVATE_KEY}'\nops_manager_url = '{url}'\norg_id = '{ORG}'\napi_version = '2023-01-01'\n"
    )
}

fn create_into(target: &Path) -> Vec<String> {
    [
        "api",
        "programmaticApiKeys",
        "createOrgApiKey",
        "--outputFile",
        target.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
#[cfg_attr(no_setpriv, ignore = "needs root and setpriv")]
fn targets_the_victim_cannot_write_are_refused_before_sending() {
    let server = StandIn::start(Config::default()).unwrap();
    let Some(world) = World::new(&api_key_config(&server.url())) else {
        return;
    };
    // A folder that exists but is not the victim's to write.
    let locked = world.root.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    chmod(&locked, 0o755);
    let target = locked.join("key.json");
    let run = world.victim(&refs(&create_into(&target)), &[]);
    run.assert_error(&format!(
        "Error: open {}: permission denied\n",
        target.display()
    ));
    // A read-only file of the victim's own.
    let readonly = world.home().join("key.json");
    std::fs::write(&readonly, b"keep").unwrap();
    chown(&readonly, VICTIM);
    chmod(&readonly, 0o444);
    let run = world.victim(&refs(&create_into(&readonly)), &[]);
    run.assert_error(&format!(
        "Error: open {}: permission denied\n",
        readonly.display()
    ));
    assert_eq!(std::fs::read(&readonly).unwrap(), b"keep");
    assert!(server.requests().is_empty(), "no key was created");
    // A file of the victim's readable by a group the victim is not in: rewritten, the
    // group cannot be kept, so its bits are dropped rather than handed to another group.
    let grouped = world.home().join("grouped.json");
    std::fs::write(&grouped, b"old").unwrap();
    std::os::unix::fs::lchown(&grouped, Some(VICTIM), Some(64_103)).unwrap();
    chmod(&grouped, 0o640);
    let run = world.victim(&refs(&create_into(&grouped)), &[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let meta = std::fs::metadata(&grouped).unwrap();
    assert_eq!((meta.gid(), meta.mode() & 0o777), (VICTIM, 0o600));
    // And a writable target works as the victim, with a private new file.
    let fine = world.home().join("new.json");
    let run = world.victim(&refs(&create_into(&fine)), &[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let meta = std::fs::metadata(&fine).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (VICTIM, 0o600));
}

#[test]
#[cfg_attr(no_setpriv, ignore = "needs root and setpriv")]
fn an_attackers_link_or_file_in_a_sticky_folder_gets_nothing() {
    let server = StandIn::start(Config::default()).unwrap();
    let Some(world) = World::new(&api_key_config(&server.url())) else {
        return;
    };
    // The victim's precious file, and the attacker's link to it in the shared folder.
    let precious = world.home().join("precious.txt");
    std::fs::write(&precious, b"precious").unwrap();
    chown(&precious, VICTIM);
    let link = world.shared("out.json");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    chown(&link, ATTACKER);
    let run = world.victim(&refs(&create_into(&link)), &[]);
    run.assert_error(&format!(
        "Error: open {}: permission denied\n",
        link.display()
    ));
    assert_eq!(std::fs::read(&precious).unwrap(), b"precious");
    // A link in the middle of the path: the attacker's `dir` in the sticky folder leads
    // into the victim's home, so `dir/precious.txt` would overwrite the victim's file.
    let dir_link = world.shared("dir");
    std::os::unix::fs::symlink(world.home(), &dir_link).unwrap();
    chown(&dir_link, ATTACKER);
    let through = dir_link.join("precious.txt");
    let run = world.victim(&refs(&create_into(&through)), &[]);
    run.assert_error(&format!(
        "Error: open {}: permission denied\n",
        through.display()
    ));
    assert_eq!(std::fs::read(&precious).unwrap(), b"precious");
    // The attacker's own world-readable file waiting for the victim's private key.
    let trap = world.shared("key.json");
    std::fs::write(&trap, b"").unwrap();
    chown(&trap, ATTACKER);
    chmod(&trap, 0o666);
    let run = world.victim(&refs(&create_into(&trap)), &[]);
    run.assert_error(&format!(
        "Error: open {}: permission denied\n",
        trap.display()
    ));
    assert_eq!(
        std::fs::read(&trap).unwrap(),
        b"",
        "nothing reached the trap"
    );
    assert!(server.requests().is_empty(), "no key was created");
    // A new name in the shared folder is the victim's own, private file.
    let own = world.shared("mine.json");
    let run = world.victim(&refs(&create_into(&own)), &[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let meta = std::fs::metadata(&own).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (VICTIM, 0o600));
}

#[test]
#[cfg_attr(no_setpriv, ignore = "needs root and setpriv")]
fn a_token_cache_prepared_by_another_user_is_not_used() {
    let server = StandIn::start(Config {
        auth: Auth::ServiceAccount {
            client_id: "mdb_sa_id_fake".into(),
            client_secret: "mdb_sa_sk_fake".into(),
            expires_in: Some(3600),
        },
        ..Config::default()
    })
    .unwrap();
    let config = format!(
        "[default]\nclient_id = 'mdb_sa_id_fake'\nclient_secret = 'mdb_sa_sk_fake'\nops_manager_url = '{}'\norg_id = '{ORG}'\napi_version = '2023-01-01'\n",
        server.url()
    );
    let Some(world) = World::new(&config) else {
        return;
    };
    // The victim's cache lives in the shared folder; the attacker made its folders first.
    let cache = world.shared("cache");
    let tokens = cache.join("atlascli/tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    for dir in [&cache, &cache.join("atlascli"), &tokens] {
        chown(dir, ATTACKER);
        chmod(dir, 0o777);
    }
    chown(&cache, VICTIM);
    chmod(&cache, 0o700);
    let cache_env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let list = ["api", "programmaticApiKeys", "listOrgApiKeys"];
    let run = world.victim(&list, &cache_env);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "warning: not using the token cache {}: it is owned by another user\n",
            cache.join("atlascli").display()
        )
    );
    assert_eq!(
        std::fs::read_dir(&tokens).unwrap().count(),
        0,
        "nothing written there"
    );
    assert_eq!(server.tokens_issued(), 1);
    // Owned by the victim but writable by others: not used either.
    chown_tree(&cache, VICTIM);
    chmod(&cache.join("atlascli"), 0o700);
    let run = world.victim(&list, &cache_env);
    assert_eq!(
        run.stderr,
        format!(
            "warning: not using the token cache {}: it is writable by other users\n",
            tokens.display()
        )
    );
    assert_eq!(server.tokens_issued(), 2, "a planted token is never read");
}

/// A FIFO made by `mkfifo` as root, then given to `owner` with these permission bits.
fn fifo(path: &Path, owner: u32, mode: u32) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
    chown(path, owner);
    chmod(path, mode);
}

/// A reader kept on the FIFO for the whole run (opened without waiting for a writer).
fn keep_reading(path: &Path) -> std::fs::File {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .unwrap()
}

/// Everything the FIFO holds now (its writer is gone once the run has ended).
fn drain(reader: &mut std::fs::File) -> Vec<u8> {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match std::io::Read::read(reader, &mut chunk) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return got,
            Err(e) => panic!("reading the FIFO: {e}"),
        }
    }
}

#[test]
#[cfg_attr(no_setpriv, ignore = "needs root and setpriv")]
fn another_users_fifo_never_receives_a_created_key() {
    let server = StandIn::start(Config::default()).unwrap();
    let Some(world) = World::new(&api_key_config(&server.url())) else {
        return;
    };
    // The attacker's FIFO, writable by all, in the sticky shared folder and in a folder of
    // the attacker's own, each with the attacker's reader waiting on it.
    let own_folder = world.root.path().join("attacker");
    std::fs::create_dir(&own_folder).unwrap();
    chown(&own_folder, ATTACKER);
    chmod(&own_folder, 0o755);
    for trap in [world.shared("key.json"), own_folder.join("key.json")] {
        fifo(&trap, ATTACKER, 0o622);
        let mut reader = keep_reading(&trap);
        let run = world.victim(&refs(&create_into(&trap)), &[]);
        run.assert_error(&format!(
            "Error: open {}: permission denied\n",
            trap.display()
        ));
        assert_eq!(drain(&mut reader), b"", "the attacker's reader got nothing");
    }
    assert!(server.requests().is_empty(), "no key was created");
    // A FIFO of the victim's own in the same shared folder still takes the answer.
    let mine = world.shared("mine.fifo");
    fifo(&mine, VICTIM, 0o600);
    let mut reader = keep_reading(&mine);
    let run = world.victim(&refs(&create_into(&mine)), &[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let key: serde_json::Value = serde_json::from_slice(&drain(&mut reader)).unwrap();
    assert!(
        key["privateKey"].is_string(),
        "the key reached the victim's FIFO"
    );
}

#[test]
#[cfg_attr(no_setpriv, ignore = "needs root and setpriv")]
fn a_config_others_can_change_is_warned_about_in_order() {
    let server = StandIn::start(Config::default()).unwrap();
    let Some(world) = World::new(&api_key_config(&server.url())) else {
        return;
    };
    // The victim's config.toml is a link to the attacker's file in the attacker's folder
    // that anyone may write, and the victim's own config folder is writable by its group.
    let name = world.home().join(".config/atlascli/config.toml");
    let elsewhere = world.root.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let real = elsewhere.join("config.toml");
    std::fs::rename(&name, &real).unwrap();
    std::os::unix::fs::symlink(&real, &name).unwrap();
    chown(&name, VICTIM);
    for (path, mode) in [(&elsewhere, 0o777), (&real, 0o666)] {
        chown(path, ATTACKER);
        chmod(path, mode);
    }
    let name_folder = name.parent().unwrap();
    chmod(name_folder, 0o770);
    let list = ["api", "programmaticApiKeys", "listOrgApiKeys"];
    let run = world.victim(&list, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let (name, real_folder) = (name.display(), elsewhere.display());
    assert_eq!(
        run.stderr,
        format!(
            "warning: {name} is owned by another user; anyone who can change it can redirect your credentials\n\
             warning: {real_folder} is writable by other users; anyone who can change {name} can redirect your credentials\n\
             warning: {} is writable by other users; anyone who can change {name} can redirect your credentials\n\
             warning: {name} is writable by other users; anyone who can change it can redirect your credentials\n",
            name_folder.display()
        )
    );
    // Root's file in a sticky folder, behind the victim's private folder: nothing to say.
    chmod(name_folder, 0o700);
    let shared_real = world.shared("config.toml");
    std::fs::rename(&real, &shared_real).unwrap();
    chown(&shared_real, 0);
    chmod(&shared_real, 0o644);
    let link = world.home().join(".config/atlascli/config.toml");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&shared_real, &link).unwrap();
    chown(&link, VICTIM);
    let run = world.victim(&list, &[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
}

#[test]
#[cfg_attr(no_setpriv, ignore = "needs root and setpriv")]
fn another_users_link_at_the_shared_atlascli_folder_is_not_followed() {
    let server = StandIn::start(Config::default()).unwrap();
    let Some(world) = World::new(&api_key_config(&server.url())) else {
        return;
    };
    // The victim's cache and state live in the sticky shared folder. The attacker's link
    // `atlascli` there leads to a folder the victim owns (so it passes every check of the
    // folder itself) inside the attacker's own folder, where the attacker can swap it.
    let shared = world.root.path().join("shared");
    let attackers = world.root.path().join("attacker");
    let lure = attackers.join("lure");
    std::fs::create_dir_all(&lure).unwrap();
    chown(&attackers, ATTACKER);
    chmod(&attackers, 0o755);
    chown(&lure, VICTIM);
    chmod(&lure, 0o700);
    let link = shared.join("atlascli");
    std::os::unix::fs::symlink(&lure, &link).unwrap();
    chown(&link, ATTACKER);
    let tmp = world.home().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    chown(&tmp, VICTIM);
    let env = [
        ("XDG_CACHE_HOME", shared.to_str().unwrap()),
        ("XDG_STATE_HOME", shared.to_str().unwrap()),
        ("TMPDIR", tmp.to_str().unwrap()),
    ];
    let mut argv = create_into(Path::new("unused"));
    argv.truncate(3);
    argv.extend(["-o".to_string(), "{{.nothing}}".to_string()]);
    let run = world.victim(&refs(&argv), &env);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[..2],
        [
            format!(
                "warning: not using the digest cache {}: it is owned by another user",
                link.display()
            )
            .as_str(),
            "warning: the template names fields the response does not have: .nothing",
        ],
        "{run:?}"
    );
    let saved = lines[2]
        .strip_prefix("the response was saved to ")
        .unwrap_or_else(|| panic!("{run:?}"));
    assert!(
        saved.starts_with(&format!("{}/atlascli-", tmp.display())),
        "{saved}"
    );
    assert_eq!(lines.len(), 3, "{run:?}");
    assert_eq!(
        std::fs::read_dir(&lure).unwrap().count(),
        0,
        "nothing landed behind the attacker's link"
    );
}

//! Shared by the integration tests: a sandbox (temporary HOME with its own config.toml,
//! a scrubbed environment) and a runner for the built `atlas` binary.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Obviously fake credentials, used everywhere in tests.
pub const PUBLIC_KEY: &str = "fakepublic";
pub const PRIVATE_KEY: &str = "00000000-fake-fake-fake-000000000000";
pub const ORG: &str = "a0123456789abcdef012345a";
pub const GROUP: &str = "b0123456789abcdef012345b";
pub const KEY_ID: &str = "698c46bee3bbe1ace0f31aec";

pub const REMINDER: &str = "warning: using default API version '2023-01-01'; consider pinning a version to ensure consisentcy when updating the CLI\n";

/// A temporary HOME for one test, removed on drop.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

/// What the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Asserts exit 1 with exactly these stderr lines.
    pub fn assert_error(&self, stderr: &str) {
        assert_eq!(self.stderr, stderr, "stderr of {self:?}");
        assert_eq!(self.code, 1, "exit code of {self:?}");
    }
}

/// What stdin is for the run.
pub enum Stdin {
    /// `/dev/null`: a character device, so not "piped".
    Null,
    /// A pipe that delivers these bytes and is then closed.
    Bytes(Vec<u8>),
    /// A pipe that stays open and silent for the whole run.
    Silent,
    /// A regular file redirected to stdin.
    File(PathBuf),
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("atlas-test-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("home/.config/atlascli")).unwrap();
        Sandbox { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("home/.config/atlascli/config.toml")
    }

    pub fn write_config(&self, toml: &str) {
        std::fs::write(self.config_path(), toml).unwrap();
    }

    /// A config with the fake keys pointing at `base_url`.
    pub fn write_api_key_config(&self, base_url: &str) {
        self.write_config(&format!(
            "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{PRIVATE_KEY}'\nops_manager_url = '{base_url}'\n"
        ));
    }

    pub fn write_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The command with a scrubbed environment: only PATH, the sandbox HOME and a session
    /// bus address where no bus listens, so no test ever reads the keyring of the machine it
    /// runs on (tests/keyring.rs sets its own bus).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_atlas"));
        command
            .args(args)
            .env_clear()
            .env("PATH", path_without_atlas())
            .env("HOME", self.dir.path().join("home"))
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
            .current_dir(self.dir.path());
        command
    }

    pub fn run(&self, args: &[&str], stdin: Stdin) -> Run {
        self.run_with(self.command(args), stdin)
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)], stdin: Stdin) -> Run {
        let mut command = self.command(args);
        command.envs(env.iter().copied());
        self.run_with(command, stdin)
    }

    pub fn run_with(&self, mut command: Command, stdin: Stdin) -> Run {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut keep_open = None;
        match &stdin {
            Stdin::Null => {
                command.stdin(Stdio::null());
            }
            // Small inputs are in the pipe before the child starts, so the 100 ms rule of "stdin
            // with --file" never depends on how fast this thread gets scheduled.
            Stdin::Bytes(bytes) if bytes.len() <= PREFILL_LIMIT => {
                let (reader, mut writer) = std::io::pipe().unwrap();
                writer.write_all(bytes).unwrap();
                drop(writer);
                command.stdin(reader);
            }
            Stdin::Bytes(_) | Stdin::Silent => {
                command.stdin(Stdio::piped());
            }
            Stdin::File(path) => {
                command.stdin(std::fs::File::open(path).unwrap());
            }
        }
        let mut child = command.spawn().expect("the atlas binary runs");
        match stdin {
            Stdin::Bytes(bytes) if bytes.len() > PREFILL_LIMIT => {
                let mut pipe = child.stdin.take().unwrap();
                std::thread::spawn(move || {
                    let _ = pipe.write_all(&bytes);
                });
            }
            Stdin::Silent => keep_open = child.stdin.take(),
            _ => {}
        }
        let output = wait_bounded(child, Duration::from_secs(60));
        drop(keep_open);
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A session bus address nothing listens on.
pub const NO_BUS: &str = "unix:path=/nonexistent/atlas-tests/no-bus";

/// Inputs up to this size fit in a pipe's buffer (64 KiB on Linux).
const PREFILL_LIMIT: usize = 60_000;

/// A reader of a FIFO that takes one byte, then stops reading (and keeps its end open), so
/// that the writer blocks once the pipe's buffer is full.
pub struct StalledReader {
    started: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StalledReader {
    /// True once the first byte was read: the writer is writing.
    pub fn started(&self) -> bool {
        self.started.load(std::sync::atomic::Ordering::SeqCst)
    }
}

pub fn stalled_reader(fifo: PathBuf) -> StalledReader {
    use std::io::Read;
    let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&started);
    std::thread::spawn(move || {
        let Ok(mut file) = std::fs::File::open(&fifo) else {
            return;
        };
        let mut byte = [0u8; 1];
        if file.read_exact(&mut byte).is_ok() {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        // Hold the reading end open, unread, until the test process ends.
        std::thread::sleep(Duration::from_secs(60));
        drop(file);
    });
    StalledReader { started }
}

/// True once the process has blocked SIGINT and SIGTERM (its interrupt watcher is running).
pub fn signals_blocked(pid: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & 0x4002 == 0x4002)
}

/// Waits for the child, killing it if it runs past `limit` (a test must never hang).
pub fn wait_bounded(child: Child, limit: Duration) -> std::process::Output {
    let pid = child.id();
    let start = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    loop {
        if let Ok(output) = rx.recv_timeout(Duration::from_millis(100)) {
            return output.unwrap();
        }
        if start.elapsed() > limit {
            // SAFETY: sending SIGKILL to our own child process.
            unsafe {
                libc_kill(pid as i32, 9);
            }
            panic!("atlas did not finish within {limit:?}");
        }
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// The operation path words.
pub fn op(name: &str) -> Vec<&str> {
    vec!["api", "programmaticApiKeys", name]
}

/// `op` plus more arguments.
pub fn args<'a>(name: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut v = op(name);
    v.extend_from_slice(more);
    v
}

/// `getOrgApiKey` of the seeded key (`KEY_ID` in `ORG`, version pinned), plus more arguments.
pub fn get_key(more: &[&str]) -> Vec<String> {
    let mut argv: Vec<String> = args(
        "getOrgApiKey",
        &[
            "--orgId",
            ORG,
            "--apiUserId",
            KEY_ID,
            "--version",
            "2023-01-01",
        ],
    )
    .iter()
    .map(|s| s.to_string())
    .collect();
    argv.extend(more.iter().map(|s| s.to_string()));
    argv
}

/// `createOrgApiKey` in `ORG`, version pinned, plus more arguments.
pub fn create_key(more: &[&str]) -> Vec<String> {
    let mut argv: Vec<String> = args(
        "createOrgApiKey",
        &["--orgId", ORG, "--version", "2023-01-01"],
    )
    .iter()
    .map(|s| s.to_string())
    .collect();
    argv.extend(more.iter().map(|s| s.to_string()));
    argv
}

/// Borrowed views of owned arguments.
pub fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A file of the repository's test data (`tests/data/…`).
pub fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

/// The test process's `PATH` without the folders that hold an `atlas` (a Go CLI installed on
/// the machine would otherwise be handed the commands this binary does not serve).
pub fn path_without_atlas() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| !dir.join("atlas").exists())
        .collect();
    std::env::join_paths(kept).unwrap()
}

/// A stand-in that takes any request unsigned (scripted answers are pushed by the test), and a
/// sandbox whose default profile points at it, with `more` lines of profile (say, an
/// `api_version`).
pub fn open_standin(more: &str) -> (atlas_standin::StandIn, Sandbox) {
    let server = atlas_standin::StandIn::start(atlas_standin::Config {
        auth: atlas_standin::Auth::None,
        ..atlas_standin::Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\nops_manager_url = '{}'\n{more}",
        server.url()
    ));
    (server, sandbox)
}

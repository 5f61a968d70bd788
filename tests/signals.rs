//! How a run ends when a signal stops it: by that signal (exit statuses read with `waitpid`),
//! without a core file, so that shells stop loops on Ctrl-C; ignored signals stay ignored; a
//! create whose answer is on its way is waited for once and its key saved; a storm of
//! interrupts loses no key; a write past `ulimit -f` fails cleanly.

mod support;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atlas_standin::{Config, Fault, StandIn};
use support::{ORG, Sandbox, args, signals_blocked, wait_bounded};

const BODY: &str = r#"{"desc":"signal test","roles":["ORG_READ_ONLY"]}"#;

fn create_args() -> Vec<&'static str> {
    args(
        "createOrgApiKey",
        &["--orgId", ORG, "--version", "2023-01-01"],
    )
}

fn list_args() -> Vec<&'static str> {
    args(
        "listOrgApiKeys",
        &["--orgId", ORG, "--version", "2023-01-01"],
    )
}

fn standin(answer_delay: Duration) -> (StandIn, Sandbox) {
    let server = StandIn::start(Config {
        answer_delay,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

/// Starts the binary with stdin holding `stdin` (a regular file, read at once).
fn spawn(sandbox: &Sandbox, mut command: Command, stdin: Option<&str>) -> Child {
    let stdin = match stdin {
        Some(text) => Stdio::from(
            std::fs::File::open(sandbox.write_file("body.json", text.as_bytes())).unwrap(),
        ),
        None => Stdio::null(),
    };
    command
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn kill(pid: u32, signal: i32) {
    // SAFETY: kill(2) on a child of this test.
    assert_eq!(unsafe { libc::kill(pid as i32, signal) }, 0);
}

/// Waits (bounded) until `ready` holds and the binary's watcher blocks its signals.
fn wait_until(pid: u32, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(ready() && signals_blocked(pid)) {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn authorized_requests(server: &StandIn) -> usize {
    server.requests().iter().filter(|r| r.authorized).count()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn each_handled_signal_ends_the_run_by_that_signal_without_a_core() {
    let (server, sandbox) = standin(Duration::ZERO);
    let signals = [
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGQUIT,
        libc::SIGALRM,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGXCPU,
        libc::SIGVTALRM,
        libc::SIGPROF,
    ];
    for signal in signals {
        server.clear_requests();
        server.push_fault(Fault::Stall);
        let mut command = sandbox.command(&list_args());
        // SAFETY: setrlimit(2) between fork and exec.
        unsafe {
            command.pre_exec(|| {
                let unlimited = libc::rlimit {
                    rlim_cur: libc::RLIM_INFINITY,
                    rlim_max: libc::RLIM_INFINITY,
                };
                libc::setrlimit(libc::RLIMIT_CORE, &unlimited);
                Ok(())
            });
        }
        let child = spawn(&sandbox, command, None);
        let pid = child.id();
        wait_until(pid, || !server.requests().is_empty());
        kill(pid, signal);
        let output = wait_bounded(child, Duration::from_secs(20));
        assert_eq!(output.status.signal(), Some(signal), "{signal}: {output:?}");
        assert!(!output.status.core_dumped(), "{signal}");
        assert_eq!(stderr(&output), "Error: interrupted\n", "{signal}");
        assert!(output.stdout.is_empty());
    }
    let cores: Vec<_> = std::fs::read_dir(sandbox.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
        .collect();
    assert!(cores.is_empty(), "{cores:?}");
}

#[test]
fn a_bash_loop_given_ctrl_c_stops_after_the_running_command() {
    let (server, sandbox) = standin(Duration::ZERO);
    for _ in 0..3 {
        server.push_fault(Fault::Stall);
    }
    let log = sandbox.path("loop.log");
    let atlas = env!("CARGO_BIN_EXE_atlas");
    let list: Vec<String> = list_args().iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "for i in 1 2 3; do echo \"run $i\" >>'{log}'; '{atlas}' {args} </dev/null >/dev/null 2>&1; done; echo after >>'{log}'",
        log = log.display(),
        args = list.join(" ")
    );
    let command = sandbox.command(&[]);
    let mut bash = Command::new("bash");
    bash.args(["-c", &script])
        .env_clear()
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(sandbox.dir.path())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = bash.spawn().unwrap();
    let group = child.id() as i32;
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.requests().is_empty() {
        assert!(Instant::now() < deadline, "the first run never sent");
        std::thread::sleep(Duration::from_millis(10));
    }
    // As a terminal's Ctrl-C does: SIGINT to the whole foreground process group.
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: kill(2) of the process group this test made.
    assert_eq!(unsafe { libc::kill(-group, libc::SIGINT) }, 0);
    let output = wait_bounded(child, Duration::from_secs(20));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "run 1\n");
    assert_eq!(output.status.signal(), Some(libc::SIGINT), "{output:?}");
}

#[test]
fn signals_ignored_at_start_stay_ignored() {
    let (server, sandbox) = standin(Duration::from_millis(600));
    let mut command = sandbox.command(&create_args());
    // SAFETY: signal(2) between fork and exec, as `nohup` and a shell's background job do.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            Ok(())
        });
    }
    let child = spawn(&sandbox, command, Some(BODY));
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    while authorized_requests(&server) == 0 {
        assert!(Instant::now() < deadline, "never sent");
        std::thread::sleep(Duration::from_millis(10));
    }
    kill(pid, libc::SIGHUP);
    kill(pid, libc::SIGINT);
    let output = wait_bounded(child, Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stderr(&output), "");
    let key: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(key["privateKey"].is_string());
}

/// The folder answers are saved in, under the sandbox's HOME.
fn responses(sandbox: &Sandbox) -> PathBuf {
    sandbox.path("home/.local/state/atlascli/responses")
}

fn saved_path(stderr: &str) -> PathBuf {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("the response was saved to "))
        .unwrap_or_else(|| panic!("no saved line in {stderr:?}"));
    PathBuf::from(line)
}

#[test]
fn an_interrupt_while_a_create_is_on_its_way_waits_and_saves_the_key() {
    let (server, sandbox) = standin(Duration::from_secs(2));
    let out = sandbox.path("key.json");
    let mut command = sandbox.command(&create_args());
    command.args(["--outputFile", out.to_str().unwrap()]);
    let child = spawn(&sandbox, command, Some(BODY));
    let pid = child.id();
    wait_until(pid, || authorized_requests(&server) == 1);
    let sent = Instant::now();
    kill(pid, libc::SIGTERM);
    let output = wait_bounded(child, Duration::from_secs(20));
    let took = sent.elapsed();
    assert_eq!(output.status.signal(), Some(libc::SIGTERM), "{output:?}");
    let text = stderr(&output);
    let url = format!("{}/api/atlas/v2/orgs/{ORG}/apiKeys", server.url());
    let saved = saved_path(&text);
    assert_eq!(
        text,
        format!(
            "interrupt: waiting for the answer to POST {url} (interrupt again to stop now)\nError: interrupted\nthe response was saved to {}\n",
            saved.display()
        )
    );
    assert!(took > Duration::from_millis(1200), "{took:?}");
    assert!(saved.starts_with(responses(&sandbox)));
    let key: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert!(key["privateKey"].is_string());
    // Not delivered: the target never appeared, and no temporary file is left.
    assert!(output.stdout.is_empty());
    assert_eq!(leftovers(sandbox.dir.path()), Vec::<String>::new());
    assert!(!out.exists());
    // Nothing more was sent after the interrupt.
    assert_eq!(authorized_requests(&server), 1);
}

#[test]
fn a_second_interrupt_ends_the_wait_at_once() {
    let (server, sandbox) = standin(Duration::from_secs(5));
    let child = spawn(&sandbox, sandbox.command(&create_args()), Some(BODY));
    let pid = child.id();
    wait_until(pid, || authorized_requests(&server) == 1);
    kill(pid, libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(300));
    let second = Instant::now();
    kill(pid, libc::SIGINT);
    let output = wait_bounded(child, Duration::from_secs(20));
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "{:?}",
        second.elapsed()
    );
    // It ends by the first signal, the answer lost as the waiting line warned.
    assert_eq!(output.status.signal(), Some(libc::SIGTERM), "{output:?}");
    let text = stderr(&output);
    assert!(
        text.starts_with("interrupt: waiting for the answer to POST ")
            && text.ends_with(" (interrupt again to stop now)\nError: interrupted\n"),
        "{text:?}"
    );
    assert!(!responses(&sandbox).exists());
    assert_eq!(leftovers(sandbox.dir.path()), Vec::<String>::new());
}

/// Temporary files (`.<name>.<random>.tmp`) anywhere under `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".tmp") {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn a_storm_of_interrupts_loses_no_created_key() {
    let (server, sandbox) = standin(Duration::from_millis(40));
    let runs = 24;
    let mut delivered = Vec::new();
    let mut outcomes = std::collections::BTreeMap::new();
    for run in 0..runs {
        let out = sandbox.path(&format!("key-{run}.json"));
        let mut command = sandbox.command(&create_args());
        command.args(["--outputFile", out.to_str().unwrap()]);
        let child = spawn(&sandbox, command, Some(BODY));
        // One signal per run, at a moment spread over the run's life (about 0–120 ms).
        let delay = Duration::from_micros((run as u64 * 7919) % 120_000);
        std::thread::sleep(delay);
        let signal = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP][run % 3];
        // SAFETY: kill(2) on our child, which may have ended already (then nothing happens
        // to it: it is not reaped yet).
        unsafe {
            libc::kill(child.id() as i32, signal);
        }
        let output = wait_bounded(child, Duration::from_secs(20));
        let outcome = match (output.status.code(), output.status.signal()) {
            (Some(0), _) => "delivered",
            (_, Some(s)) if s == signal => "interrupted",
            _ => panic!("run {run}: {output:?}"),
        };
        *outcomes.entry(outcome).or_insert(0) += 1;
        if out.exists() {
            delivered.push(std::fs::read(&out).unwrap());
        }
    }
    let mut found: Vec<String> = delivered
        .iter()
        .map(|bytes| serde_json::from_slice::<serde_json::Value>(bytes).unwrap()["id"].to_string())
        .collect();
    if let Ok(saved) = std::fs::read_dir(responses(&sandbox)) {
        for entry in saved.flatten() {
            let bytes = std::fs::read(entry.path()).unwrap();
            found.push(
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["id"].to_string(),
            );
        }
    }
    let state = server.state();
    let created: Vec<String> = state["apiKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].to_string())
        .collect();
    for id in &created {
        assert!(
            found.contains(id),
            "key {id} created and lost; outcomes {outcomes:?}"
        );
    }
    assert_eq!(leftovers(sandbox.dir.path()), Vec::<String>::new());
    eprintln!(
        "storm: {runs} runs, {outcomes:?}, {} keys created, all delivered or saved",
        created.len()
    );
}

#[test]
fn a_write_past_the_file_size_limit_fails_cleanly_and_keeps_the_key() {
    let (_server, sandbox) = standin(Duration::ZERO);
    let out = sandbox.path("key.json");
    for answer_fits in [true, false] {
        let mut command = sandbox.command(&create_args());
        // The template's output is 500 bytes more than the answer (about 340 bytes): the
        // answer fits under the limit and the output does not; or neither does.
        let template = r#"{{.id}}{{printf "%0500d" 0}}"#;
        command.args(["--outputFile", out.to_str().unwrap(), "-o", template]);
        let limit: u64 = if answer_fits { 400 } else { 64 };
        // SAFETY: setrlimit(2) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let size = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &size);
                Ok(())
            });
        }
        let output = wait_bounded(
            spawn(&sandbox, command, Some(BODY)),
            Duration::from_secs(20),
        );
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert_eq!(output.status.signal(), None);
        let text = stderr(&output);
        let first = format!("Error: write {}: file too large\n", out.display());
        assert!(text.starts_with(&first), "{text:?}");
        if answer_fits {
            let saved = saved_path(&text);
            let key: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
            assert!(key["privateKey"].is_string());
        } else {
            assert!(
                text.lines()
                    .last()
                    .unwrap()
                    .starts_with("the response could not be saved: "),
                "{text:?}"
            );
        }
        assert!(!out.exists());
        assert_eq!(leftovers(sandbox.dir.path()), Vec::<String>::new());
    }
}

#[test]
fn an_interrupt_while_a_refresh_is_on_its_way_saves_the_rotated_tokens() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let old = atlas_standin::oauth::jwt(now - 60);
    let refresh = "refresh-fake-0000";
    let server = StandIn::start(Config {
        auth: atlas_standin::Auth::UserAccount {
            access_token: old.clone(),
            refresh_token: refresh.into(),
            expires_in: 3600,
        },
        tokens: atlas_standin::TokenEndpoint {
            delay_ms: 1500,
            ..Default::default()
        },
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\naccess_token = '{old}'\nrefresh_token = '{refresh}'\nops_manager_url = '{}'\n",
        server.url()
    ));
    let child = spawn(&sandbox, sandbox.command(&list_args()), None);
    let pid = child.id();
    wait_until(pid, || !server.requests().is_empty());
    kill(pid, libc::SIGHUP);
    let output = wait_bounded(child, Duration::from_secs(20));
    assert_eq!(output.status.signal(), Some(libc::SIGHUP), "{output:?}");
    assert_eq!(
        stderr(&output),
        format!(
            "interrupt: waiting for the answer to POST {}/api/private/unauth/account/device/token (interrupt again to stop now)\nError: interrupted\n",
            server.url()
        )
    );
    // The rotated pair is saved; the API call is not made.
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    assert!(
        !config.contains(&old) && !config.contains(refresh),
        "{config}"
    );
    assert_eq!(server.refreshes(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn signals_blocked_by_whoever_started_the_run_are_unblocked() {
    let (server, sandbox) = standin(Duration::ZERO);
    server.push_fault(Fault::Stall);
    let mut command = sandbox.command(&list_args());
    // SAFETY: sigprocmask(2) between fork and exec: the blocked set survives the exec.
    unsafe {
        command.pre_exec(|| {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGPWR);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
    let child = spawn(&sandbox, command, None);
    let pid = child.id();
    wait_until(pid, || !server.requests().is_empty());
    // SIGPWR is not one the run handles: unblocked, its default action ends the run.
    kill(pid, libc::SIGPWR);
    let output = wait_bounded(child, Duration::from_secs(20));
    assert_eq!(output.status.signal(), Some(libc::SIGPWR), "{output:?}");
}

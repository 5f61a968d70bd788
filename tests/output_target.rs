//! Where the answer goes (README "--outputFile", "A created key is never lost", "Bounded by
//! design", "Stopping a run", "Messages"), through the built binary: the target is decided and
//! opened before anything is sent, and a created key's answer is never lost — a failing template, a
//! closed pipe or an interrupt after it arrived saves it.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atlas_standin::{Canned, Config, StandIn};
use support::*;

const BODY: &str = r#"{"desc":"ci key","roles":["ORG_READ_ONLY"]}"#;

fn setup() -> (StandIn, Sandbox) {
    let server = StandIn::start(Config {
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

/// A pipe already holding `text` and closed: what stdin gives the child.
fn piped(text: &str) -> std::io::PipeReader {
    let (reader, mut writer) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut writer, text.as_bytes()).unwrap();
    reader
}

/// Runs `atlas <argv>` through `sh -c '<shell>'`, where `"$@"` is the command line and
/// `$OUT` a file of the sandbox: for redirections a Command cannot express.
fn via_shell(sandbox: &Sandbox, shell: &str, argv: &[String], stdin: &str) -> Run {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(shell)
        .arg(env!("CARGO_BIN_EXE_atlas"))
        .args(argv)
        .env_clear()
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sandbox.path("home"))
        .env("OUT", sandbox.path("out.json"))
        .env("XDG_STATE_HOME", sandbox.path("state"))
        .current_dir(sandbox.dir.path());
    let input = match stdin {
        "" => Stdin::Null,
        text => Stdin::Bytes(text.into()),
    };
    sandbox.run_with(command, input)
}

fn saved_answers(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(sandbox.path("state/atlascli/responses"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

/// The saved answer named by the last stderr line, checked private and whole.
fn assert_saved(sandbox: &Sandbox, stderr: &str, want_body: Option<&[u8]>) -> Vec<u8> {
    let last = stderr.lines().last().unwrap();
    let path = last
        .strip_prefix("the response was saved to ")
        .unwrap_or_else(|| panic!("no saved line in {stderr:?}"));
    let path = std::path::Path::new(path);
    assert!(
        path.starts_with(sandbox.path("state/atlascli/responses")),
        "{path:?}"
    );
    let name = path.file_name().unwrap().to_str().unwrap();
    // <yyyymmddThhmmssZ>-createOrgApiKey-<8 hex>.json
    assert_eq!(
        name.len(),
        16 + "-createOrgApiKey-".len() + 8 + ".json".len(),
        "{name}"
    );
    assert!(
        name[16..].starts_with("-createOrgApiKey-") && name.ends_with(".json"),
        "{name}"
    );
    assert_eq!(
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let dir = sandbox.path("state/atlascli/responses");
    assert_eq!(
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let saved = std::fs::read(path).unwrap();
    if let Some(body) = want_body {
        assert_eq!(saved, body);
    }
    saved
}

#[test]
fn a_fifo_without_a_reader_or_a_socket_is_refused_before_sending() {
    let (server, sandbox) = setup();
    let fifo = sandbox.path("nobody-reads.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let socket = sandbox.path("a.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    for target in [&fifo, &socket] {
        let shown = target.display().to_string();
        let run = sandbox.run(
            &refs(&create_key(&["--outputFile", &shown])),
            Stdin::Bytes(BODY.into()),
        );
        run.assert_error(&format!("Error: open {shown}: no such device or address\n"));
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
#[cfg_attr(no_dev_shm, ignore = "needs /dev/shm")]
fn targets_under_dev_shm_are_replaced_atomically_like_any_regular_file() {
    if !std::path::Path::new("/dev/shm").is_dir() {
        panic!("no /dev/shm, which build.rs found when the tests were built (touch build.rs)");
    }
    let (_server, sandbox) = setup();
    let name = format!("/dev/shm/atlas-test-{}-{}", std::process::id(), line!());
    let run = sandbox.run(
        &refs(&create_key(&["--outputFile", &name])),
        Stdin::Bytes(BODY.into()),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let first = std::fs::read(&name).unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&first).is_ok());
    assert_eq!(
        std::fs::metadata(&name).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // An existing file of ours keeps its mode and is replaced, not appended to.
    std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o640)).unwrap();
    let run = sandbox.run(
        &refs(&create_key(&["--outputFile", &name])),
        Stdin::Bytes(BODY.into()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let second = std::fs::read(&name).unwrap();
    assert!(
        serde_json::from_slice::<serde_json::Value>(&second).is_ok(),
        "one JSON value"
    );
    assert_eq!(
        std::fs::metadata(&name).unwrap().permissions().mode() & 0o777,
        0o640
    );
    std::fs::remove_file(&name).unwrap();
}

#[test]
fn dev_fd_targets_write_to_that_descriptor() {
    let (server, sandbox) = setup();
    let run = via_shell(
        &sandbox,
        r#"exec "$0" "$@" 3>"$OUT""#,
        &create_key(&["--outputFile", "/dev/fd/3"]),
        BODY,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert!(run.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sandbox.path("out.json")).unwrap()).unwrap();
    assert_eq!(written["desc"], "ci key");
    let before = server.requests().len();
    let run = via_shell(
        &sandbox,
        r#"exec "$0" "$@""#,
        &create_key(&["--outputFile", "/dev/fd/9"]),
        BODY,
    );
    run.assert_error("Error: open /dev/fd/9: bad file descriptor\n");
    assert_eq!(server.requests().len(), before, "nothing was sent");
}

#[test]
fn a_closed_stdout_refuses_a_create_before_sending() {
    let (server, sandbox) = setup();
    let run = via_shell(&sandbox, r#"exec "$0" "$@" >&-"#, &create_key(&[]), BODY);
    run.assert_error("Error: write /dev/stdout: bad file descriptor\n");
    assert!(server.requests().is_empty(), "nothing was sent");
    // A GET can be asked again: it behaves as before.
    let get = get_key(&[]);
    let run = via_shell(&sandbox, r#"exec "$0" "$@" >&-"#, &get, "");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
}

#[test]
fn a_template_failing_while_executing_saves_the_created_key() {
    let (server, sandbox) = setup();
    let out = sandbox.write_file("out.json", b"previous");
    let run = via_shell(
        &sandbox,
        r#"exec "$0" "$@""#,
        &create_key(&[
            "-o",
            "{{index .roles 5}}",
            "--outputFile",
            out.to_str().unwrap(),
        ]),
        BODY,
    );
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert_eq!(lines[0], "Error: error formatting output");
    assert!(
        lines[1].starts_with("template: formatter-template:1:2: executing \"formatter-template\" at <index .roles 5>: error calling index: "),
        "{run:?}"
    );
    let saved = assert_saved(&sandbox, &run.stderr, None);
    let key: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    let state = server.state();
    let created = state["apiKeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key["id"])
        .expect("the saved key is the one created");
    assert_eq!(
        key["privateKey"], created["privateKey"],
        "the private key is kept"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"previous",
        "the target is untouched"
    );
}

#[test]
fn a_reader_closing_the_pipe_on_a_created_key_is_named_and_saved() {
    let (_server, sandbox) = setup();
    let spawn = |argv: &[String], body: &str| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut command = sandbox.command(&refs(argv));
        command.env("XDG_STATE_HOME", sandbox.path("state"));
        command
            .stdin(piped(body))
            .stdout(writer)
            .stderr(Stdio::piped());
        wait_bounded(command.spawn().unwrap(), Duration::from_secs(30))
    };
    let output = spawn(&create_key(&[]), BODY);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("Error: write /dev/stdout: broken pipe\nthe response was saved to "),
        "{stderr}"
    );
    assert_saved(&sandbox, &stderr, None);
    // A GET's answer can be asked again: a closed pipe ends it silently, as SIGPIPE ends Go.
    let get = get_key(&[]);
    let output = spawn(&get, "");
    assert_eq!(output.status.signal(), Some(libc_sigpipe()), "{output:?}");
    assert!(output.stderr.is_empty());
    assert_eq!(saved_answers(&sandbox).len(), 1);
}

fn libc_sigpipe() -> i32 {
    13
}

/// A FIFO in the sandbox whose reader takes one byte, then stops reading.
fn stalled_fifo(sandbox: &Sandbox, name: &str) -> (std::path::PathBuf, StalledReader) {
    let fifo = sandbox.path(name);
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = stalled_reader(fifo.clone());
    (fifo, reader)
}

/// Ctrl-C to the run.
fn interrupt(child: &std::process::Child) {
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn an_interrupt_after_a_created_key_arrived_saves_it() {
    let (server, sandbox) = setup();
    let (fifo, reader) = stalled_fifo(&sandbox, "slow.fifo");
    // An answer larger than a pipe's buffer: its write blocks once the reader stops.
    let answer = format!(
        r#"{{"id":"{KEY_ID}","privateKey":"{}"}}"#,
        "k".repeat(300_000)
    );
    server.push_response(Canned::json(200, &answer));
    let mut command = sandbox.command(&refs(&create_key(&[
        "--outputFile",
        fifo.to_str().unwrap(),
    ])));
    command.env("XDG_STATE_HOME", sandbox.path("state"));
    command
        .stdin(piped(BODY))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reader.started() {
        assert!(
            Instant::now() < deadline,
            "the answer never started to arrive"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    interrupt(&child);
    let output = wait_bounded(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.signal(), Some(libc::SIGINT), "{stderr}");
    assert!(
        stderr.starts_with("Error: interrupted\nthe response was saved to "),
        "{stderr}"
    );
    assert_saved(&sandbox, &stderr, Some(answer.as_bytes()));
}

#[test]
fn a_thousand_early_interrupts_never_leave_a_temporary_file() {
    let (_server, sandbox) = setup();
    let out_dir = sandbox.path("outputs");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("key.json");
    let get = get_key(&["--outputFile", target.to_str().unwrap()]);
    // Every run's stderr goes to one file, to count the interrupts the watcher took.
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(sandbox.path("stderr.log"))
        .unwrap();
    let started = Instant::now();
    let mut runs = 0u32;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    while runs < 1000 && started.elapsed() < Duration::from_secs(60) {
        let mut command = sandbox.command(&refs(&get));
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.try_clone().unwrap());
        let mut child = command.spawn().unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 8_000));
        // SAFETY: signalling our own child.
        unsafe { kill(child.id() as i32, 2) };
        let _ = child.wait();
        runs += 1;
    }
    assert!(runs >= 1000, "only {runs} runs in 60 s");
    let log = std::fs::read_to_string(sandbox.path("stderr.log")).unwrap();
    let caught = log.matches("Error: interrupted\n").count();
    assert!(
        caught >= 100,
        "the watcher took only {caught} of {runs} interrupts"
    );
    let left: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(
        left.is_empty(),
        "{} temporary files left after {runs} runs: {left:?}",
        left.len()
    );
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn file_names_are_taken_as_the_bytes_given() {
    use std::os::unix::ffi::OsStrExt;
    let (_server, sandbox) = setup();
    let body_name = std::ffi::OsStr::from_bytes(b"b\xffody.json");
    let out_name = std::ffi::OsStr::from_bytes(b"o\xff.json");
    std::fs::write(sandbox.dir.path().join(body_name), BODY).unwrap();
    let mut command = sandbox.command(&refs(&create_key(&[])));
    command
        .arg("--file")
        .arg(body_name)
        .arg("--outputFile")
        .arg(out_name);
    let run = sandbox.run_with(command, Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let written = std::fs::read(sandbox.dir.path().join(out_name)).unwrap();
    let key: serde_json::Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(key["desc"], "ci key");
}

#[test]
fn config_files_that_are_shared_fifos_or_huge_are_handled() {
    let (_server, sandbox) = setup();
    let path = sandbox.config_path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let get = args(
        "getOrgApiKey",
        &[
            "--orgId",
            ORG,
            "--apiUserId",
            KEY_ID,
            "--version",
            "2023-01-01",
        ],
    );
    let run = sandbox.run(&get, Stdin::Null);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "warning: {} is writable by other users; anyone who can change it can redirect your credentials\n",
            path.display()
        )
    );
    std::fs::remove_file(&path).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let run = sandbox.run(&get, Stdin::Null);
    run.assert_error(&format!(
        "Error: cannot read {}: not a regular file\n",
        path.display()
    ));
    assert!(started.elapsed() < Duration::from_secs(10));
    std::fs::remove_file(&path).unwrap();
    let file = std::fs::File::create(&path).unwrap();
    file.set_len((16 << 20) + 1).unwrap();
    let run = sandbox.run(&get, Stdin::Null);
    run.assert_error(&format!(
        "Error: cannot read {}: larger than 16 MiB\n",
        path.display()
    ));
}

#[test]
fn an_answer_that_cannot_be_saved_says_why() {
    let (_server, sandbox) = setup();
    // The state folder's place is taken by a file, and the temporary folder is missing:
    // nothing can be saved in either, and the line gives both reasons.
    sandbox.write_file("state", b"not a folder");
    let run = via_shell(
        &sandbox,
        r#"TMPDIR="$PWD/nowhere" exec "$0" "$@""#,
        &create_key(&["-o", "{{index .roles 5}}"]),
        BODY,
    );
    assert_eq!(run.code, 1, "{run:?}");
    let last = run.stderr.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "the response could not be saved: {}: file exists; {}/atlascli-XXXXXX: no such file or directory",
            sandbox.path("state").display(),
            sandbox.path("nowhere").display()
        ),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 3, "{run:?}");
}

#[test]
fn a_reader_closing_stderr_during_a_dumped_create_loses_nothing() {
    let (server, sandbox) = setup();
    let out = sandbox.path("key.json");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let argv = create_key(&["-D", "--outputFile", out.to_str().unwrap()]);
    let mut command = sandbox.command(&refs(&argv));
    command
        .stdin(piped(BODY))
        .stdout(Stdio::null())
        .stderr(writer);
    let output = wait_bounded(command.spawn().unwrap(), Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let key: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(
        key["privateKey"].is_string(),
        "the created key reached its file"
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn closed_or_read_only_descriptors_refuse_a_create_before_sending() {
    let (server, sandbox) = setup();
    // stderr closed at start: the refusal cannot even be read, but nothing is sent.
    let argv = create_key(&["--outputFile", "/dev/stderr"]);
    let run = via_shell(&sandbox, r#"exec "$0" "$@" 2>&-"#, &argv, BODY);
    assert_eq!(run.code, 1, "{run:?}");
    // A descriptor open for reading only.
    sandbox.write_file("in.txt", b"x");
    let argv = create_key(&["--outputFile", "/dev/fd/3"]);
    let run = via_shell(&sandbox, r#"exec "$0" "$@" 3<in.txt"#, &argv, BODY);
    run.assert_error("Error: write /dev/fd/3: bad file descriptor\n");
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_link_to_dev_stdout_is_written_as_the_stream_it_is() {
    let (_server, sandbox) = setup();
    std::os::unix::fs::symlink("/dev/stdout", sandbox.path("lnout")).unwrap();
    let run = sandbox.run(
        &refs(&create_key(&["--outputFile", "lnout"])),
        Stdin::Bytes(BODY.into()),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let key: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(key["desc"], "ci key");
    let link = std::fs::symlink_metadata(sandbox.path("lnout")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is not replaced");
}

#[test]
fn an_interrupt_while_a_debug_dump_is_stuck_on_stderr_still_saves_the_key() {
    let (server, sandbox) = setup();
    let (fifo, reader) = stalled_fifo(&sandbox, "stderr.fifo");
    // The answer's -D dump is larger than a pipe's buffer: it blocks once the reader stops,
    // after the answer has arrived and before it is delivered.
    let answer = format!(
        r#"{{"id":"{KEY_ID}","privateKey":"created-private-key","note":"{}"}}"#,
        "k".repeat(300_000)
    );
    server.push_response(Canned::json(200, &answer));
    let stderr = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let mut command = sandbox.command(&refs(&create_key(&["-D"])));
    command.env("XDG_STATE_HOME", sandbox.path("state"));
    command
        .stdin(piped(BODY))
        .stdout(Stdio::null())
        .stderr(stderr);
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reader.started() || server.requests().is_empty() {
        assert!(Instant::now() < deadline, "the run never reached its dump");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    interrupt(&child);
    let output = wait_bounded(child, Duration::from_secs(30));
    assert_eq!(output.status.signal(), Some(libc::SIGINT));
    let saved = saved_answers(&sandbox);
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(std::fs::read(&saved[0]).unwrap(), answer.as_bytes());
}

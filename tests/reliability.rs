//! Never hang, never double-create, never leak: timeouts, retries, interrupts and debug dumps,
//! through the built binary against the stand-in's scripted faults.

mod support;

use std::os::unix::process::ExitStatusExt;

use std::process::Stdio;
use std::time::{Duration, Instant};

use atlas_standin::{Canned, Config, Fault, StandIn};
use support::*;

const BODY: &str = r#"{"desc":"ci key","roles":["ORG_READ_ONLY"]}"#;

fn setup() -> (StandIn, Sandbox) {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

fn create_args() -> Vec<&'static str> {
    args(
        "createOrgApiKey",
        &["--orgId", ORG, "--version", "2023-01-01"],
    )
}

fn get_args() -> Vec<&'static str> {
    args(
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
}

fn status(status: u16, retry_after: Option<&str>) -> Fault {
    Fault::Status {
        status,
        retry_after: retry_after.map(String::from),
        body: format!(r#"{{"error":{status}}}"#),
    }
}

#[test]
fn a_stalled_server_times_out() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::Stall);
    let started = Instant::now();
    let run = sandbox.run_env(
        &create_args(),
        &[("MONGODB_ATLAS_HTTP_TIMEOUT", "1")],
        Stdin::Bytes(BODY.into()),
    );
    run.assert_error(&format!(
        "Error: POST {}/api/atlas/v2/orgs/{ORG}/apiKeys: timed out after 1s\n",
        server.url()
    ));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 1, "timeouts are never retried");
}

#[test]
fn an_invalid_http_timeout_is_an_error() {
    let (server, sandbox) = setup();
    for bad in ["0", "-3", "soon", "1.5"] {
        let run = sandbox.run_env(
            &create_args(),
            &[("MONGODB_ATLAS_HTTP_TIMEOUT", bad)],
            Stdin::Bytes(BODY.into()),
        );
        run.assert_error(&format!("Error: invalid http_timeout \"{bad}\"\n"));
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_429_is_retried_even_for_a_post() {
    let (server, sandbox) = setup();
    server.push_fault(status(429, Some("0")));
    let run = sandbox.run(&create_args(), Stdin::Bytes(BODY.into()));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "warning: POST {}/api/atlas/v2/orgs/{ORG}/apiKeys: 429 Too Many Requests, retrying in 0.0s (retry 1 of 3)\n",
            server.url()
        )
    );
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        3,
        "the 429, then a whole new digest exchange"
    );
    assert_eq!(
        requests[1].header("authorization"),
        None,
        "a retry starts unauthenticated"
    );
    assert!(requests.iter().all(|r| r.body == BODY.as_bytes()));
    assert_eq!(
        server.state()["apiKeys"].as_array().unwrap().len(),
        1,
        "one key, not two"
    );
}

#[test]
fn a_503_is_never_retried_for_a_post() {
    let (server, sandbox) = setup();
    server.push_fault(status(503, Some("0")));
    let run = sandbox.run(&create_args(), Stdin::Bytes(BODY.into()));
    run.assert_error("Error: server returned an error response code\n");
    assert_eq!(run.stdout, br#"{"error":503}"#);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn gets_are_retried_three_times_then_the_last_answer_is_printed() {
    let (server, sandbox) = setup();
    for code in [503, 502, 504, 503] {
        server.push_fault(status(code, Some("0")));
    }
    let run = sandbox.run(&get_args(), Stdin::Null);
    let what = format!(
        "GET {}/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}",
        server.url()
    );
    run.assert_error(&format!(
        "warning: {what}: 503 Service Unavailable, retrying in 0.0s (retry 1 of 3)\nwarning: {what}: 502 Bad Gateway, retrying in 0.0s (retry 2 of 3)\nwarning: {what}: 504 Gateway Timeout, retrying in 0.0s (retry 3 of 3)\nError: server returned an error response code\n"
    ));
    assert_eq!(run.stdout, br#"{"error":503}"#);
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn retry_after_dates_and_caps_are_honoured() {
    let (server, sandbox) = setup();
    server.push_fault(status(429, Some("Thu, 01 Jan 1970 00:00:00 GMT")));
    let run = sandbox.run(&get_args(), Stdin::Null);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with(&format!(
        "warning: GET {}/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}: 429 Too Many Requests, retrying in 0.0s (retry 1 of 3)\n",
        server.url()
    )), "{run:?}");
}

#[test]
fn a_dropped_get_is_retried_but_a_dropped_post_is_not() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::DropMidBody);
    let run = sandbox.run(&get_args(), Stdin::Null);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with(&format!(
        "warning: GET {}/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}: connection closed before the response was complete, retrying in ",
        server.url()
    )), "{run:?}");
    assert!(
        run.stderr
            .ends_with("(retry 1 of 3)\nError: server returned an error response code\n"),
        "{run:?}"
    );

    let (server, sandbox) = setup();
    server.push_fault(Fault::Close);
    let run = sandbox.run(&create_args(), Stdin::Bytes(BODY.into()));
    run.assert_error(&format!(
        "Error: POST {}/api/atlas/v2/orgs/{ORG}/apiKeys: connection closed before the response was complete\n",
        server.url()
    ));
    assert_eq!(
        server.requests().len(),
        1,
        "a POST that may have arrived is never re-sent"
    );
}

#[test]
fn a_refused_connection_is_retried_with_backoff() {
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config("http://127.0.0.1:1/");
    let started = Instant::now();
    let run = sandbox.run(&create_args(), Stdin::Bytes(BODY.into()));
    let elapsed = started.elapsed();
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{run:?}");
    for (k, line) in lines[..3].iter().enumerate() {
        let prefix = format!(
            "warning: POST http://127.0.0.1:1/api/atlas/v2/orgs/{ORG}/apiKeys: connection refused, retrying in "
        );
        assert!(line.starts_with(&prefix), "{line}");
        assert!(
            line.ends_with(&format!("s (retry {} of 3)", k + 1)),
            "{line}"
        );
        let secs: f64 = line[prefix.len()..line.len() - " (retry 1 of 3)".len() - 1]
            .parse()
            .unwrap();
        let base = f64::from(1 << k);
        assert!(secs >= base * 0.5 - 0.05 && secs <= base + 0.05, "{line}");
    }
    assert_eq!(
        lines[3],
        format!(
            "Error: POST http://127.0.0.1:1/api/atlas/v2/orgs/{ORG}/apiKeys: connection refused"
        )
    );
    assert!(elapsed >= Duration::from_millis(3400), "{elapsed:?}");
    assert_eq!(run.code, 1);
}

#[test]
fn debug_dumps_both_legs_without_secrets() {
    let (server, sandbox) = setup();
    let run = sandbox.run(
        &[
            "-D",
            "api",
            "programmaticApiKeys",
            "createOrgApiKey",
            "--orgId",
            ORG,
            "--version",
            "2023-01-01",
        ],
        Stdin::Bytes(BODY.into()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let created: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let private_key = created["privateKey"].as_str().unwrap();
    let url = format!("{}/api/atlas/v2/orgs/{ORG}/apiKeys", server.url());
    let err = &run.stderr;
    assert_eq!(err.matches(&format!("> POST {url}\n")).count(), 2, "{err}");
    assert!(err.contains("\n< HTTP/1.1 401 Unauthorized\n"), "{err}");
    assert!(
        err.contains("\n< Www-Authenticate: Digest realm=\"MMS Public API\""),
        "{err}"
    );
    assert!(err.contains("\n< HTTP/1.1 200 OK\n"), "{err}");
    assert!(err.contains("> Authorization: [redacted]\n"), "{err}");
    assert!(
        err.contains(&format!("\n\n{BODY}\n")),
        "the request body is shown: {err}"
    );
    assert!(err.contains("\"privateKey\":\"[redacted]\""), "{err}");
    assert!(!err.contains(private_key), "{err}");
    assert!(!err.contains(PRIVATE_KEY), "{err}");
    assert!(!err.contains("response=\""), "{err}");
}

#[test]
fn interrupts_stop_promptly_and_leave_no_files() {
    for signal in ["INT", "TERM", "HUP", "QUIT"] {
        let (server, sandbox) = setup();
        server.push_fault(Fault::Stall);
        let out = sandbox.path("out.json");
        let mut command = sandbox.command(&args(
            "getOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                KEY_ID,
                "--outputFile",
                out.to_str().unwrap(),
            ],
        ));
        command.stdin(Stdio::null());
        let (output, took) = interrupt_when(command, signal, || !server.requests().is_empty());
        assert!(took < Duration::from_secs(5), "{signal}: {took:?}");
        assert_eq!(output.status.signal(), Some(number(signal)), "{signal}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("{REMINDER}Error: interrupted\n")
        );
        assert!(!out.exists());
        let names: Vec<String> = std::fs::read_dir(sandbox.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }
}

#[test]
fn an_html_503_page_is_an_ordinary_error_response() {
    let (server, sandbox) = setup();
    let page = "<html><body><h1>503 Service Unavailable</h1></body></html>";
    let mut canned = Canned::json(503, page);
    canned.headers = vec![("Content-Type".into(), "text/html".into())];
    server.push_response(canned);
    let run = sandbox.run(&create_args(), Stdin::Bytes(BODY.into()));
    run.assert_error("Error: server returned an error response code\n");
    assert_eq!(run.stdout_text(), page);
}

/// The number of a signal named as `kill` names it.
fn number(signal: &str) -> i32 {
    match signal {
        "INT" => libc::SIGINT,
        "TERM" => libc::SIGTERM,
        "HUP" => libc::SIGHUP,
        "QUIT" => libc::SIGQUIT,
        other => panic!("no number for {other}"),
    }
}

/// Sends `signal` to the child once `ready` holds, and returns its output and how long it took.
fn interrupt_when(
    mut command: std::process::Command,
    signal: &str,
    ready: impl Fn() -> bool,
) -> (std::process::Output, Duration) {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    // Ready, and the binary's interrupt watcher is in place (the signals are blocked).
    while !(ready() && signals_blocked(pid)) {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = wait_bounded(child, Duration::from_secs(30));
    (output, sent.elapsed())
}

#[test]
fn interrupts_while_reading_stdin_fail_cleanly() {
    let (server, sandbox) = setup();
    // The pipe stays open and silent: the body read waits until the signal. Waiting for the
    // child closes the pipe right after the `kill`, and the signal, sent first, must win
    // over the empty body that the closed pipe reads as — every time, so a few times here.
    for _ in 0..8 {
        let mut command = sandbox.command(&create_args());
        command.stdin(Stdio::piped());
        let (output, took) = interrupt_when(command, "TERM", || true);
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(output.status.signal(), Some(libc::SIGTERM));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "Error: interrupted\n"
        );
    }
    assert!(server.requests().is_empty());
}

#[test]
fn interrupts_after_the_response_still_stop_the_run() {
    let (server, sandbox) = setup();
    let fifo = sandbox.path("slow-reader.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A reader that takes one byte and then stops reading: the answer (larger than a pipe's
    // buffer) has arrived and its write blocks.
    let reader = stalled_reader(fifo.clone());
    server.push_response(Canned::json(200, &format!("\"{}\"", "x".repeat(300_000))));
    let mut command = sandbox.command(&args(
        "getOrgApiKey",
        &[
            "--orgId",
            ORG,
            "--apiUserId",
            KEY_ID,
            "--version",
            "2023-01-01",
            "--outputFile",
            fifo.to_str().unwrap(),
        ],
    ));
    command.stdin(Stdio::null());
    let (output, took) = interrupt_when(command, "INT", || reader.started());
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(output.status.signal(), Some(libc::SIGINT));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Error: interrupted\n"
    );
}

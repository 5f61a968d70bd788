//! README.md tells the truth about commands and paths. Every `cargo run …` line it shows
//! works as written: each is taken from the README itself (code blocks and inline code, a new
//! one included), run from the repository's top, and must exit 0 with output — or, for a
//! server that runs until Ctrl-C, print its first lines (as the README shows them, when it
//! shows them) and stay up; it is then killed. Every `cargo test …` line selects at least one
//! test, and every repository path the README names exists.
//!
//! Running cargo from inside `cargo test` works: cargo releases the build folder's lock once
//! the test binaries are built, before it runs them. The inner cargo gets the environment of
//! the user's own cargo commands (the variables cargo sets for this test binary removed), so it
//! reuses what is built instead of rebuilding it. Its first build of a command may still take
//! a while (another feature set than `cargo test --workspace`'s), hence the long first bound.

#[path = "../examples/common/cargo_env.rs"]
mod cargo_env;

use cargo_env::without_target_env;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a command may take to print its first line or exit (it may have to build first).
const FIRST_OUTPUT: Duration = Duration::from_secs(900);
/// A command that printed and then stays silent this long, still running, is a server.
const SERVER_QUIET: Duration = Duration::from_secs(5);
/// How long a command may run in all once it printed its first line.
const AFTER_FIRST_OUTPUT: Duration = Duration::from_secs(120);

/// One command line the README shows, with the output lines it shows right after it (a
/// `$ command` in a code block followed by its output), if any.
#[derive(Debug, PartialEq)]
struct Shown {
    line: String,
    output: Vec<String>,
}

/// The `cargo run …` command lines of a Markdown text.
fn cargo_run_lines(markdown: &str) -> Vec<Shown> {
    cargo_lines(markdown, "run")
}

/// The `cargo <subcommand> …` command lines of a Markdown text: indented code blocks' lines
/// (with or without a `$ ` prompt, without a trailing `# comment`) and inline code spans
/// (which may wrap onto the next line).
fn cargo_lines(markdown: &str, subcommand: &str) -> Vec<Shown> {
    let mut found = Vec::new();
    let lines: Vec<&str> = markdown.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if let Some(code) = lines[i].strip_prefix("    ") {
            let code = code.split(" # ").next().unwrap().trim();
            let command = code.strip_prefix("$ ").unwrap_or(code);
            if is_cargo(command, subcommand) {
                let mut output = Vec::new();
                if code.starts_with("$ ") {
                    let mut j = i + 1;
                    while j < lines.len() && lines[j].starts_with("    ") {
                        output.push(lines[j].trim().to_string());
                        j += 1;
                    }
                }
                found.push(Shown {
                    line: command.to_string(),
                    output,
                });
            }
            i += 1;
            continue;
        }
        i += 1;
    }
    // Inline code: the text between pairs of backticks, across line ends.
    let prose: String = markdown
        .lines()
        .filter(|l| !l.starts_with("    "))
        .collect::<Vec<_>>()
        .join("\n");
    for (n, span) in prose.split('`').enumerate() {
        let span = span.split_whitespace().collect::<Vec<_>>().join(" ");
        if n % 2 == 1 && is_cargo(&span, subcommand) {
            found.push(Shown {
                line: span,
                output: Vec::new(),
            });
        }
    }
    found
}

fn is_cargo(command: &str, subcommand: &str) -> bool {
    let mut words = command.split_whitespace().skip_while(|w| is_assignment(w));
    words.next() == Some("cargo") && words.next() == Some(subcommand)
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The same line with every run of digits as `N` (ports differ from run to run).
fn shape(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs one README command line; panics with what went wrong.
fn check(shown: &Shown) {
    assert!(
        !shown
            .line
            .contains(['\'', '"', '\\', '|', '>', '<', ';', '&', '$']),
        "README command needs a shell, which this test does not run: {}",
        shown.line
    );
    let words: Vec<&str> = shown.line.split_whitespace().collect();
    let assignments = words.iter().take_while(|w| is_assignment(w)).count();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .args(&words[assignments + 1..])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    without_target_env(&mut command);
    for word in &words[..assignments] {
        let (name, value) = word.split_once('=').unwrap();
        command.env(name, value);
    }
    // Its own process group, so that killing it reaches whatever cargo started.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", shown.line));
    let pid = child.id() as libc::pid_t;
    let kill = || unsafe {
        libc::kill(-pid, libc::SIGKILL);
    };

    let (tx, rx) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let start = Instant::now();
    let mut printed: Vec<String> = Vec::new();
    let mut first_at: Option<Instant> = None;
    let outcome = loop {
        let limit = match first_at {
            None => FIRST_OUTPUT.saturating_sub(start.elapsed()),
            Some(at) => SERVER_QUIET.min(AFTER_FIRST_OUTPUT.saturating_sub(at.elapsed())),
        };
        match rx.recv_timeout(limit) {
            Ok(line) => {
                first_at.get_or_insert_with(Instant::now);
                printed.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break "exited",
            Err(mpsc::RecvTimeoutError::Timeout) => match first_at {
                None => break "printed nothing",
                Some(at) if at.elapsed() >= AFTER_FIRST_OUTPUT => break "did not finish",
                Some(_) => break "server",
            },
        }
    };
    // Bounded: a process that closed its stdout gets a few seconds to exit, then it and
    // whatever it started are killed.
    let deadline = Instant::now() + Duration::from_secs(if outcome == "exited" { 30 } else { 0 });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = stderr.join().unwrap();
    let what = format!(
        "README command `{}`: {outcome} after {:?}, {status}\nstdout:\n{}\nstderr:\n{stderr}",
        shown.line,
        start.elapsed(),
        printed.join("\n")
    );
    match outcome {
        "exited" => assert!(status.success() && !printed.is_empty(), "{what}"),
        "server" => {}
        _ => panic!("{what}"),
    }
    for (want, got) in shown.output.iter().zip(&printed) {
        if want == "…" {
            break;
        }
        assert_eq!(shape(got), shape(want), "{what}");
    }
}

#[test]
fn every_cargo_run_line_of_the_readme_works() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let shown = cargo_run_lines(&readme);
    assert!(
        shown.len() >= 4,
        "the README's cargo run lines were not found: {shown:?}"
    );
    for one in &shown {
        check(one);
    }
}

#[test]
fn the_extraction_sees_blocks_prompts_and_wrapped_inline_code() {
    let markdown = "Intro (`cargo run -p x -- --help` for its options):\n\n    $ cargo run -q -p x -- --seed\n    listening on http://127.0.0.1:1\n\n    more\n\nThen `cargo run -q --bin y -- --to\n127.0.0.1:2` and `cargo test` and\n\n    cargo run --example z\n    A=1 cargo run --example w\n";
    let lines: Vec<String> = cargo_run_lines(markdown)
        .into_iter()
        .map(|s| s.line)
        .collect();
    assert_eq!(
        lines,
        [
            "cargo run -q -p x -- --seed",
            "cargo run --example z",
            "A=1 cargo run --example w",
            "cargo run -p x -- --help",
            "cargo run -q --bin y -- --to 127.0.0.1:2",
        ]
    );
    assert_eq!(
        cargo_run_lines(markdown)[0].output,
        ["listening on http://127.0.0.1:1"]
    );
}

/// Every `cargo test …` line of the README selects at least one test (a filter that matches
/// nothing would run zero tests and pass): run as written plus `--list`.
#[test]
fn every_cargo_test_line_of_the_readme_selects_tests() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let shown = cargo_lines(&readme, "test");
    assert!(shown.len() >= 4, "{shown:?}");
    for one in &shown {
        let words: Vec<&str> = one.line.split_whitespace().collect();
        let assignments = words.iter().take_while(|w| is_assignment(w)).count();
        let mut args: Vec<&str> = words[assignments + 1..].to_vec();
        if !args.contains(&"--") {
            args.push("--");
        }
        args.push("--list");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let mut command = Command::new(cargo);
        command
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        without_target_env(&mut command);
        let child = command.spawn().unwrap();
        let output = wait_bounded(child, FIRST_OUTPUT);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let tests = stdout.lines().filter(|l| l.ends_with(": test")).count();
        assert!(
            output.status.success() && tests > 0,
            "README command `{}` selects {tests} tests: {}\n{stdout}\n{}",
            one.line,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Waits for `child` at most `limit`, then kills it.
fn wait_bounded(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Every file or folder of the repository the README names in inline code exists.
#[test]
fn every_path_the_readme_names_exists() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(top.join("README.md")).unwrap();
    let roots = ["src/", "tests/", "crates/", "examples/", "bench/", ".ci/"];
    let mut missing = Vec::new();
    for (n, span) in readme.split('`').enumerate() {
        if n % 2 == 1
            && roots.iter().any(|r| span.starts_with(r))
            && !span.contains([' ', '<', '*'])
            && !top.join(span).exists()
        {
            missing.push(span);
        }
    }
    assert!(
        missing.is_empty(),
        "the README names paths that do not exist: {missing:?}"
    );
}

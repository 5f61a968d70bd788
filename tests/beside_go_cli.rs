//! Standing beside the Go CLI: commands this binary does not serve go to the next `atlas` on
//! `PATH` (here a shell script standing in for the Go CLI, which logs how it was called), with
//! the same arguments, streams and environment; `api`, `completion`, `help api`, `--version`
//! and the rest it serves never go; nothing loops. Also: a mistyped command under `api` is an
//! error, and an `MCLI*` variable that hides `MONGODB_ATLAS_*` ones is said aloud.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{REMINDER, Sandbox, Stdin, wait_bounded};

const GO_CLI: &str = r#"#!/bin/sh
# Stands in for the Go CLI: logs its arguments and environment, copies stdin to stdout.
log="${GO_CLI_LOG:?}"
for a in "$@"; do printf 'arg:%s\n' "$a"; done >>"$log"
printf 'handed:%s\n' "$ATLAS_RS_HANDED_OVER" >>"$log"
printf 'key:%s\n' "$MONGODB_ATLAS_PUBLIC_API_KEY" >>"$log"
/bin/cat
printf 'to stderr\n' >&2
exit 7
"#;

struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn folder(&self, name: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// `<name>/atlas`: the stand-in Go CLI.
    fn go_cli(&self, name: &str) -> PathBuf {
        let dir = self.folder(name);
        let path = dir.join("atlas");
        // Written by a child process (see `two_links_…`: a file this process wrote could be
        // busy when executed).
        let draft = dir.join("atlas.draft");
        std::fs::write(&draft, GO_CLI).unwrap();
        let copied = Command::new("cp").arg(&draft).arg(&path).status().unwrap();
        assert!(copied.success());
        std::fs::remove_file(&draft).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    /// `<name>/atlas`: a symbolic link to this project's binary.
    fn link_to_us(&self, name: &str) -> PathBuf {
        let dir = self.folder(name);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_atlas"), dir.join("atlas")).unwrap();
        dir
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("go-cli.log")
    }

    /// What the stand-in Go CLI logged (empty: it never ran).
    fn logged(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }

    /// Runs `program` with `args`, `PATH` made of `path`, stdin `input`; bounded.
    fn run(&self, program: &Path, args: &[&str], path: &[&Path], input: &[u8]) -> Outcome {
        let path = std::env::join_paths(path).unwrap();
        let mut child = Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.folder("home"))
            .env("GO_CLI_LOG", self.log())
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", "fakepublic")
            .env("DBUS_SESSION_BUS_ADDRESS", support::NO_BUS)
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(input);
        let output = wait_bounded(child, Duration::from_secs(30));
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

#[derive(Debug)]
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn us() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_atlas"))
}

#[test]
fn unserved_commands_go_to_the_next_atlas_on_path_as_given() {
    let world = World::new();
    let own = world.link_to_us("own");
    let go = world.go_cli("go");
    // Called through the link first on PATH, as a user who put this binary ahead would.
    let run = world.run(
        &own.join("atlas"),
        &["-P", "prod", "config", "set", "a b", "--", "-x"],
        &[&own, &go],
        b"from stdin",
    );
    assert_eq!(run.code, Some(7), "{run:?}");
    assert_eq!(run.stdout, "from stdin");
    assert_eq!(run.stderr, "to stderr\n");
    assert_eq!(
        world.logged(),
        "arg:-P\narg:prod\narg:config\narg:set\narg:a b\narg:--\narg:-x\nhanded:1\nkey:fakepublic\n"
    );
}

#[test]
fn help_about_other_commands_and_coras_completion_go_over_too() {
    for args in [
        &["help", "config"][..],
        &["auth", "login"],
        &["__complete", "api", ""],
        &["__completeNoDesc", "config"],
        &["--version", "clusters"],
    ] {
        let world = World::new();
        let go = world.go_cli("go");
        let run = world.run(&us(), args, &[&go], b"");
        assert_eq!(run.code, Some(7), "{args:?}: {run:?}");
        let expected: String = args.iter().map(|a| format!("arg:{a}\n")).collect();
        assert!(world.logged().starts_with(&expected), "{args:?}");
    }
}

#[test]
fn what_this_binary_serves_is_never_handed_over() {
    let world = World::new();
    let go = world.go_cli("go");
    let cases: &[(&[&str], i32)] = &[
        (&[], 0),
        (&["--help"], 0),
        (&["-h"], 0),
        (&["--version"], 0),
        (&["-v"], 0),
        (&["help"], 0),
        (&["help", "api"], 0),
        (&["help", "completion", "bash"], 0),
        (&["completion", "bash"], 0),
        (&["api"], 0),
        (&["-P", "x", "api", "programmaticApiKeys"], 0),
        (&["api", "clusterz", "listClusters"], 1),
        (&["__atlas_rs_complete", "profiles"], 0),
    ];
    for (args, code) in cases {
        let run = world.run(&us(), args, &[&go], b"");
        assert_eq!(run.code, Some(*code), "{args:?}: {run:?}");
        assert_eq!(world.logged(), "", "{args:?} was handed over");
    }
}

#[test]
fn two_links_to_this_binary_and_a_copy_never_loop() {
    let world = World::new();
    let first = world.link_to_us("first");
    let second = world.link_to_us("second");
    let copy = world.folder("copy");
    // Copied by another process: a file this test process had open for writing could be
    // inherited by a sibling test's child for an instant, and executing it then fails with
    // "text file busy".
    let copied = Command::new("cp")
        .arg(us())
        .arg(copy.join("atlas"))
        .status()
        .unwrap();
    assert!(copied.success());
    let expected = "Error: unknown command \"config\" for \"atlas\"\n";
    // Links to this very program are skipped; the copy is another program, which is handed
    // the command once and, started by a hand-over, hands nothing further.
    for path in [
        vec![first.as_path(), second.as_path()],
        vec![first.as_path(), second.as_path(), copy.as_path()],
    ] {
        let run = world.run(&first.join("atlas"), &["config", "init"], &path, b"");
        assert_eq!(run.code, Some(1), "{run:?}");
        assert_eq!(run.stderr, expected);
        assert_eq!(run.stdout, "");
    }
}

#[test]
fn only_absolute_executable_files_are_candidates() {
    let world = World::new();
    // In the working folder (reached only through "", "." or a relative entry).
    world.go_cli(".");
    world.go_cli("relative");
    let not_executable = world.go_cli("noexec");
    std::fs::set_permissions(
        not_executable.join("atlas"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let folder = world.folder("folder");
    std::fs::create_dir(folder.join("atlas")).unwrap();
    let path = [
        Path::new(""),
        Path::new("."),
        Path::new("relative"),
        &not_executable,
        &folder,
    ];
    let run = world.run(&us(), &["apj"], &path, b"");
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.stderr,
        "Error: unknown command \"apj\" for \"atlas\"\n\nDid you mean this?\n\tapi\n\n"
    );
    assert_eq!(world.logged(), "");
}

#[test]
fn a_mistyped_command_under_api_writes_nothing_and_fails() {
    let sandbox = Sandbox::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "api",
                "programmaticApiKeys",
                "listOrgApiKey",
                "--orgId",
                "x",
            ],
            "Error: unknown command \"listOrgApiKey\" for \"atlas api programmaticApiKeys\"\n\nDid you mean this?\n\tlistOrgApiKeys\n\n",
        ),
        (
            &["api", "clustrs", "listClusters", "--help"],
            "Error: unknown command \"clustrs\" for \"atlas api\"\n\nDid you mean this?\n\tclusters\n\n",
        ),
        (
            &["api", "nope", "listClusters"],
            "Error: unknown command \"nope\" for \"atlas api\"\n",
        ),
        (
            &["-P", "p", "api", "programmaticapikeys"],
            "Error: unknown command \"programmaticapikeys\" for \"atlas api\"\n\nDid you mean this?\n\tprogrammaticApiKeys\n\n",
        ),
        (
            &["api", "help"],
            "Error: unknown command \"help\" for \"atlas api\"\n",
        ),
    ];
    for (args, stderr) in cases {
        let run = sandbox.run(args, Stdin::Null);
        run.assert_error(stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
    }
    // Help where it was asked for, as before.
    for args in [
        &["api"][..],
        &["api", "programmaticApiKeys"],
        &["api", "programmaticApiKeys", "listOrgApiKeys", "--help"],
        &["help", "api", "programmaticApiKeys"],
    ] {
        let run = sandbox.run(args, Stdin::Null);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(run.stdout_text().contains("Usage:"), "{args:?}");
    }
}

#[test]
fn an_mcli_variable_hiding_mongodb_atlas_ones_is_said_once() {
    let server = atlas_standin::StandIn::start(atlas_standin::Config {
        seed_keys: true,
        ..atlas_standin::Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let args = support::get_key(&[]);
    let args = support::refs(&args);
    let warning =
        "warning: MONGODB_ATLAS_* variables are ignored because MCLI_TELEMETRY_ENABLED is set\n";
    // The hidden variable would have pointed elsewhere; the profile's values are used.
    let run = sandbox.run_env(
        &args,
        &[
            ("MCLI_TELEMETRY_ENABLED", "false"),
            ("MONGODB_ATLAS_OPS_MANAGER_URL", "http://127.0.0.1:9"),
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, warning);
    assert!(run.stdout_text().contains(support::KEY_ID));
    // Not for help or a flag error, nor without a hidden variable.
    let env = [
        ("MCLI_TELEMETRY_ENABLED", "false"),
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "x"),
    ];
    let run = sandbox.run_env(&[&args[..], &["--help"]].concat(), &env, Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let run = sandbox.run_env(&[&args[..], &["--bogus"]].concat(), &env, Stdin::Null);
    run.assert_error("Error: unknown flag: --bogus\n");
    let run = sandbox.run_env(&args, &[("MCLI_TELEMETRY_ENABLED", "false")], Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    // Its place among the warnings: before the version reminder.
    let unpinned: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--version" && *a != "2023-01-01")
        .collect();
    let run = sandbox.run_env(&unpinned, &env, Stdin::Null);
    assert_eq!(run.stderr, format!("{warning}{REMINDER}"));
}

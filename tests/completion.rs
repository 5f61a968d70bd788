//! `atlas completion <shell>`: the scripts complete commands and flags at every level of the
//! tree, checked by running the real shells (bash always; fish and zsh where installed, and
//! always under `CI=true`, where `.ci/run` installs them).

mod support;

use std::process::Command;

use support::*;

fn script(shell: &str) -> String {
    let run = Sandbox::new().run(&["completion", shell], Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{shell}");
    run.stdout_text()
}

fn shell_available(shell: &str) -> bool {
    let found = Command::new(shell).arg("-c").arg("true").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{shell} must be installed in CI"
        );
        eprintln!("skipped: {shell} not installed");
    }
    found
}

/// Runs a shell with no user start-up files: a clean environment and an empty HOME.
fn run_shell(shell: &str, program: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(shell)
        .arg("-c")
        .arg(program)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn bash_completes_operations_and_their_flags() {
    let sandbox = Sandbox::new();
    let path = sandbox.write_file("atlas.bash", script("bash").as_bytes());
    let complete = |words: &[&str]| {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let program = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _atlas atlas '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display(),
            quoted.join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let mut lines: Vec<String> = run_shell("bash", &program)
            .lines()
            .map(String::from)
            .collect();
        lines.sort();
        lines.join("\n") + "\n"
    };
    let ops = complete(&["atlas", "-P", "x", "api", "programmaticApiKeys", "list"]);
    assert_eq!(
        ops,
        "listGroupApiKeys\nlistOrgAccessEntries\nlistOrgApiKeys\n"
    );
    let flags = complete(&[
        "atlas",
        "api",
        "programmaticApiKeys",
        "createOrgApiKey",
        "--o",
    ]);
    assert_eq!(flags, "--orgId\n--output\n--outputFile\n");
    let flags = complete(&[
        "atlas",
        "api",
        "programmaticApiKeys",
        "listGroupApiKeys",
        "--pro",
    ]);
    assert_eq!(flags, "--profile\n--projectId\n");
}

#[test]
fn fish_completes_operations_and_their_flags() {
    if !shell_available("fish") {
        return;
    }
    let sandbox = Sandbox::new();
    let path = sandbox.write_file("atlas.fish", script("fish").as_bytes());
    let complete = |line: &str| {
        let out = run_shell(
            "fish",
            &format!("source '{}'; complete -C '{line}'", path.display()),
        );
        out.lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        complete("atlas api programmaticApiKeys getOrg"),
        [
            "getOrgAccessEntry",
            "getOrgApiKey",
            "getOrgApiKeyAccessListEntry"
        ]
    );
    assert_eq!(
        complete("atlas -P x api programmaticApiKeys createOrgAccessEntry --orgId y --api"),
        ["--apiUserId"]
    );
    assert_eq!(
        complete("atlas api programmaticApiKeys createOrgApiKey --f"),
        ["--file"]
    );
    assert!(complete("atlas api programmaticApiKeys getOrgApiKey --f").is_empty());
    assert_eq!(
        complete("atlas api programmaticApiKeys listGroupApiKeys --pro"),
        ["--profile", "--projectId"]
    );
}

#[test]
fn zsh_and_powershell_scripts_cover_the_tree() {
    for shell in ["zsh", "powershell"] {
        let text = script(shell);
        for name in [
            "createOrgApiKey",
            "createOrgAccessEntry",
            "updateApiKeyRoles",
            "--itemsPerPage",
            "--outputFile",
            "--ipAddress",
        ] {
            assert!(text.contains(name), "{shell}: {name}");
        }
    }
    if shell_available("zsh") {
        let sandbox = Sandbox::new();
        let path = sandbox.write_file("_atlas", script("zsh").as_bytes());
        run_shell("zsh", &format!("zsh -n '{}'", path.display()));
    }
}

#[test]
fn completion_help_and_unknown_shells() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["completion"], Stdin::Null);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout_text().contains(
            "\nAvailable Commands:\n  bash        Generate the autocompletion script for bash\n"
        ),
        "{run:?}"
    );
    let run = sandbox.run(&["completion", "bash", "extra"], Stdin::Null);
    run.assert_error("Error: unknown command \"extra\" for \"atlas completion bash\"\n");
    let run = sandbox.run(&["completion", "zsh", "--help"], Stdin::Null);
    assert!(
        run.stdout_text()
            .contains("\nUsage:\n  atlas completion zsh [flags]\n"),
        "{run:?}"
    );
    let run = sandbox.run(&["completion", "bash", "--help"], Stdin::Null);
    assert!(
        run.stdout_text()
            .contains("\nUsage:\n  atlas completion bash\n"),
        "{run:?}"
    );
    assert!(
        run.stdout_text()
            .starts_with("Generate the autocompletion script for the bash shell.\n")
    );
    assert!(
        run.stdout_text()
            .contains("      --no-descriptions   disable completion descriptions\n")
    );
}

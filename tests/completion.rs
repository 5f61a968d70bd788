//! `atlas completion <shell>`: the scripts complete commands, aliases and flags at every
//! level of the tree, `help` topics, profile names after `-P` and `json` after `-o`, checked
//! by running the real shells (bash, fish and zsh; without fish or zsh, as build.rs finds
//! them, the tests that run shells are ignored). PowerShell is not packaged for Debian: its
//! script is checked as text.

mod support;

use std::path::Path;
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
        panic!(
            "{shell} not installed, which build.rs found when the tests were built (touch build.rs to build them again)"
        );
    }
    found
}

/// Runs a shell program with no user start-up files: a clean environment, the sandbox's
/// HOME (its config.toml is what `-P` completes from) and the built `atlas` first on PATH.
fn run_shell(sandbox: &Sandbox, shell: &str, args: &[&str]) -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_atlas")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new(shell)
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", sandbox.path("home"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Single quotes for a word inside a shell program.
fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The candidates a shell offers for the command line `words` (the last one being the word
/// under the cursor, maybe empty), sorted.
fn complete(shell: &str, sandbox: &Sandbox, words: &[&str]) -> Vec<String> {
    let script = sandbox.write_file(&format!("atlas.{shell}"), script(shell).as_bytes());
    let out = match shell {
        "bash" => {
            // Readline breaks words at `=`, so `--profile=w` arrives as three words.
            let mut split: Vec<String> = Vec::new();
            for (i, w) in words.iter().enumerate() {
                match w.split_once('=') {
                    Some((flag, value)) if i == words.len() - 1 && flag.starts_with("--") => {
                        split.extend([flag.to_string(), "=".to_string(), value.to_string()])
                    }
                    _ => split.push(w.to_string()),
                }
            }
            let program = format!(
                "source {}; COMP_WORDS=({}); COMP_CWORD={}; _atlas; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                quoted(&script.display().to_string()),
                split
                    .iter()
                    .map(|w| quoted(w))
                    .collect::<Vec<_>>()
                    .join(" "),
                split.len() - 1,
            );
            run_shell(sandbox, "bash", &["--norc", "--noprofile", "-c", &program])
        }
        "zsh" => {
            // Outside a completion widget, compadd, compset and _files are stood in for: they
            // print what zsh would offer, filtered by the current word as zsh does.
            let program = format!(
                "compdef() {{ :; }}; compset() {{ cur=${{cur#*=}}; }}; \
                 compadd() {{ local c; for c in ${{(P)2}}; do [[ $c == ${{cur}}* ]] && print -r -- $c; done; }}; \
                 _files() {{ print -r -- '<files>'; }}; \
                 source {}; words=({}); CURRENT=${{#words}}; cur=${{words[CURRENT]}}; _atlas; true",
                quoted(&script.display().to_string()),
                words
                    .iter()
                    .map(|w| quoted(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            run_shell(sandbox, "zsh", &["-f", "-c", &program])
        }
        "fish" => {
            let line = words.join(" ");
            let program = format!(
                "source {}; complete -C {}",
                quoted(&script.display().to_string()),
                quoted(&line)
            );
            run_shell(sandbox, "fish", &["--no-config", "-c", &program])
        }
        other => panic!("no harness for {other}"),
    };
    let mut lines: Vec<String> = out
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines
}

const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// Every operation name and alias.
const NAMES: [&str; 19] = [
    "addGroupApiKey",
    "createGroupApiKey",
    "createOrgApiKey",
    "createOrgAccessEntry",
    "createOrgApiKeyAccessListEntry",
    "deleteOrgApiKey",
    "deleteAccessEntry",
    "deleteOrgApiKeyAccessListEntry",
    "getOrgApiKey",
    "getOrgAccessEntry",
    "getOrgApiKeyAccessListEntry",
    "listGroupApiKeys",
    "listOrgAccessEntries",
    "listOrgApiKeyAccessListEntries",
    "listOrgApiKeys",
    "removeGroupApiKey",
    "updateApiKeyRoles",
    "updateGroupApiKeyRoles",
    "updateOrgApiKey",
];

fn each_shell(check: impl Fn(&str, &Sandbox)) {
    for shell in SHELLS {
        if shell_available(shell) {
            let sandbox = Sandbox::new();
            check(shell, &sandbox);
        }
    }
}

/// Every tag of the catalogue, sorted as the shells list them.
fn all_tags() -> Vec<&'static str> {
    let mut tags: Vec<&str> = atlas::api::operations::tags()
        .iter()
        .map(|t| t.name)
        .collect();
    tags.sort();
    tags
}

fn assert_offers(shell: &str, sandbox: &Sandbox, words: &[&str], want: &[&str]) {
    assert_eq!(complete(shell, sandbox, words), want, "{shell}: {words:?}");
}

#[test]
#[cfg_attr(any(no_zsh, no_fish), ignore = "needs zsh and fish")]
fn commands_complete_at_every_level_by_name_and_alias() {
    each_shell(|shell, sandbox| {
        assert_offers(
            shell,
            sandbox,
            &["atlas", ""],
            &["api", "completion", "help"],
        );
        assert_offers(shell, sandbox, &["atlas", "a"], &["api"]);
        assert_offers(
            shell,
            sandbox,
            &["atlas", "api", "clusterO"],
            &["clusterOutageSimulation"],
        );
        assert_offers(
            shell,
            sandbox,
            &["atlas", "api", "flexSnapshots", ""],
            &[
                "downloadFlexBackup",
                "downloadGroupFlexClusterBackup",
                "getFlexBackupSnapshot",
                "getGroupFlexClusterBackupSnapshot",
                "listFlexBackupSnapshots",
                "listGroupFlexClusterBackupSnapshots",
            ],
        );
        assert_offers(shell, sandbox, &["atlas", "api", ""], &all_tags());
        assert_offers(
            shell,
            sandbox,
            &["atlas", "-P", "x", "api", "programmaticApiKeys", "list"],
            &[
                "listGroupApiKeys",
                "listOrgAccessEntries",
                "listOrgApiKeyAccessListEntries",
                "listOrgApiKeys",
            ],
        );
        assert_offers(
            shell,
            sandbox,
            &["atlas", "api", "programmaticApiKeys", "createOrgApiKeyA"],
            &["createOrgApiKeyAccessListEntry"],
        );
        assert_offers(
            shell,
            sandbox,
            &["atlas", "completion", ""],
            &["bash", "fish", "powershell", "zsh"],
        );
    });
}

#[test]
#[cfg_attr(any(no_zsh, no_fish), ignore = "needs zsh and fish")]
fn flags_complete_after_every_primary_name_and_alias() {
    each_shell(|shell, sandbox| {
        for name in NAMES {
            assert_offers(
                shell,
                sandbox,
                &["atlas", "api", "programmaticApiKeys", name, "--outp"],
                &["--output", "--outputFile"],
            );
        }
        for name in ["createOrgAccessEntry", "createOrgApiKeyAccessListEntry"] {
            assert_offers(
                shell,
                sandbox,
                &[
                    "atlas",
                    "api",
                    "programmaticApiKeys",
                    name,
                    "--orgId",
                    "y",
                    "--api",
                ],
                &["--apiUserId"],
            );
        }
        assert_offers(
            shell,
            sandbox,
            &[
                "atlas",
                "api",
                "programmaticApiKeys",
                "createOrgApiKey",
                "--f",
            ],
            &["--file"],
        );
        assert_offers(
            shell,
            sandbox,
            &[
                "atlas",
                "api",
                "programmaticApiKeys",
                "listGroupApiKeys",
                "--pro",
            ],
            &["--profile", "--projectId"],
        );
        // A flag's value is not a command: nothing is offered after `--orgId`.
        assert_offers(
            shell,
            sandbox,
            &[
                "atlas",
                "api",
                "programmaticApiKeys",
                "getOrgApiKey",
                "--orgId",
                "",
            ],
            &[],
        );
    });
}

#[test]
#[cfg_attr(any(no_zsh, no_fish), ignore = "needs zsh and fish")]
fn help_completes_the_commands_of_each_level() {
    each_shell(|shell, sandbox| {
        assert_offers(
            shell,
            sandbox,
            &["atlas", "help", ""],
            &["api", "completion", "help"],
        );
        assert_offers(shell, sandbox, &["atlas", "help", "api", ""], &all_tags());
        assert_offers(
            shell,
            sandbox,
            &["atlas", "help", "api", "programmaticApiKeys", "updateG"],
            &["updateGroupApiKeyRoles"],
        );
        assert_offers(
            shell,
            sandbox,
            &["atlas", "help", "api", "programmaticApiKeys", "getOrgA"],
            &[
                "getOrgAccessEntry",
                "getOrgApiKey",
                "getOrgApiKeyAccessListEntry",
            ],
        );
    });
}

#[test]
#[cfg_attr(any(no_zsh, no_fish), ignore = "needs zsh and fish")]
fn profile_flags_complete_the_names_in_config_toml_and_output_json() {
    each_shell(|shell, sandbox| {
        sandbox.write_config(
            "org_id = 'top-level-value'\n[default]\npublic_api_key = 'fake-secret-value'\n[Work]\norg_id = 'b'\n",
        );
        for words in [
            &["atlas", "-P", ""][..],
            &[
                "atlas",
                "api",
                "programmaticApiKeys",
                "getOrgApiKey",
                "--profile",
                "",
            ],
        ] {
            let offered = complete(shell, sandbox, words);
            assert_eq!(offered, ["default", "work"], "{shell}: {words:?}");
        }
        assert_offers(shell, sandbox, &["atlas", "-P", "w"], &["work"]);
        // bash and zsh complete the part after `=`; fish offers the whole word.
        let expected: &[&str] = if shell == "fish" {
            &["--profile=work"]
        } else {
            &["work"]
        };
        assert_offers(
            shell,
            sandbox,
            &[
                "atlas",
                "api",
                "programmaticApiKeys",
                "listOrgApiKeys",
                "--profile=w",
            ],
            expected,
        );
        assert_offers(
            shell,
            sandbox,
            &[
                "atlas",
                "api",
                "programmaticApiKeys",
                "listOrgApiKeys",
                "-o",
                "",
            ],
            &["json"],
        );
        // A broken or missing file offers nothing, and says nothing.
        sandbox.write_config("[default\n");
        assert_offers(shell, sandbox, &["atlas", "-P", ""], &[]);
        std::fs::remove_file(sandbox.config_path()).unwrap();
        assert_offers(shell, sandbox, &["atlas", "-P", ""], &[]);
    });
}

#[test]
#[cfg_attr(any(no_zsh, no_fish), ignore = "needs zsh and fish")]
fn profile_names_from_config_toml_are_never_run_by_the_shell() {
    each_shell(|shell, sandbox| {
        let marker = sandbox.path("pwned");
        let marker = marker.display();
        // Names an attacker who can write config.toml might choose: each would run `touch`
        // if a shell expanded it. Only the plain names are offered.
        sandbox.write_config(&format!(
            "[\"x$(touch {marker})\"]\n[\"y`touch {marker}`\"]\n[\"z;touch {marker}\"]\n[\"w $HOME\"]\n['ci-1.a@b+c']\n[prod]\n"
        ));
        for words in [
            &["atlas", "-P", ""][..],
            &["atlas", "-P", "x"],
            &["atlas", "-P", "y"],
        ] {
            let offered = complete(shell, sandbox, words);
            let plain: &[&str] = if words[2].is_empty() {
                &["ci-1.a@b+c", "prod"]
            } else {
                &[]
            };
            assert_eq!(offered, plain, "{shell}: {words:?}");
        }
        assert!(
            !sandbox.path("pwned").exists(),
            "{shell} ran a command from config.toml"
        );
    });
}

#[test]
#[cfg_attr(any(no_zsh, no_fish), ignore = "needs zsh and fish")]
fn file_flags_complete_file_names() {
    each_shell(|shell, sandbox| {
        let file = sandbox.write_file("key-body.json", b"{}");
        let typed = file.display().to_string().replace("key-body.json", "key-b");
        let offered = complete(
            shell,
            sandbox,
            &[
                "atlas",
                "api",
                "programmaticApiKeys",
                "createOrgApiKey",
                "--file",
                &typed,
            ],
        );
        let want = if shell == "zsh" {
            "<files>".to_string()
        } else {
            file.display().to_string()
        };
        assert_eq!(offered, [want], "{shell}");
    });
}

#[test]
fn the_hidden_profiles_command_prints_names_only() {
    let sandbox = Sandbox::new();
    sandbox.write_config(
        "service = 'cloud'\n[default]\nprivate_api_key = 'fake-secret-value'\n[ci]\n[Prod]\norg_id = 'x'\n",
    );
    let run = sandbox.run(&["__atlas_rs_complete", "profiles"], Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(run.stdout_text(), "ci\ndefault\nprod\n");
    for broken in ["[default\n", "x = \n"] {
        sandbox.write_config(broken);
        let run = sandbox.run(&["__atlas_rs_complete", "profiles"], Stdin::Null);
        assert_eq!(
            (run.code, run.stdout_text(), run.stderr),
            (0, String::new(), String::new())
        );
    }
    // A FIFO in the config's place is refused at once rather than waited on.
    std::fs::remove_file(sandbox.config_path()).unwrap();
    let fifo = std::ffi::CString::new(sandbox.config_path().display().to_string()).unwrap();
    // SAFETY: mkfifo on a NUL-terminated path.
    assert_eq!(unsafe { mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let run = sandbox.run(&["__atlas_rs_complete", "profiles"], Stdin::Null);
    assert_eq!((run.code, run.stdout.len()), (0, 0));
    // Nothing of it shows in help.
    let help = sandbox.run(&["--help"], Stdin::Null).stdout_text();
    assert!(!help.contains("__atlas_rs_complete"));
}

unsafe extern "C" {
    fn mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
}

#[test]
#[cfg_attr(any(no_zsh, no_fish), ignore = "needs zsh and fish")]
fn zsh_and_powershell_scripts_cover_the_tree() {
    for shell in ["zsh", "powershell"] {
        let text = script(shell);
        for name in NAMES
            .iter()
            .chain(&["--itemsPerPage", "--outputFile", "--ipAddress"])
        {
            assert!(text.contains(name), "{shell}: {name}");
        }
        assert!(text.contains("__atlas_rs_complete profiles"), "{shell}");
    }
    let ps = script("powershell");
    assert!(ps.starts_with("# powershell completion for atlas\nRegister-ArgumentCompleter -Native -CommandName 'atlas' -ScriptBlock {\n"));
    assert!(ps.contains("'help api programmaticApiKeys' { $subs = @("));
    assert!(ps.contains("'api programmaticApiKeys createOrgApiKeyAccessListEntry' { $subs = @(); $flags = @('--orgId', '--apiUserId'"));
    assert!(ps.contains("@('--output', '-o', '-*o')) { $candidates = @('json') }"));
    if shell_available("zsh") {
        let sandbox = Sandbox::new();
        let path = sandbox.write_file("_atlas", script("zsh").as_bytes());
        run_shell(&sandbox, "zsh", &["-n", &path.display().to_string()]);
    }
    if shell_available("bash") {
        let sandbox = Sandbox::new();
        let path = sandbox.write_file("atlas.bash", script("bash").as_bytes());
        run_shell(&sandbox, "bash", &["-n", &path.display().to_string()]);
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

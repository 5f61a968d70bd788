//! Choosing a profile: a profile the user named (`-P`, `MONGODB_ATLAS_PROFILE`, `MCLI_PROFILE`
//! or a top-level `profile` key) that `config.toml` does not have still runs, as the Go CLI
//! does, with an empty profile plus the environment, but first says so on stderr.

mod support;

use atlas_standin::{Config, StandIn};
use support::*;

/// A stand-in with its seeded keys and a sandbox whose `[default]` profile points at it.
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

fn warning(sandbox: &Sandbox, name: &str) -> String {
    format!(
        "warning: profile \"{name}\" not found in {}\n",
        sandbox.config_path().display()
    )
}

#[test]
fn a_profile_named_with_p_that_the_file_lacks_is_a_warning_then_the_run_goes_on() {
    let (server, sandbox) = setup();
    // The empty profile has no keys and no base URL: the environment gives them, as in Go.
    let env = [
        ("MONGODB_ATLAS_OPS_MANAGER_URL", server.url()),
        ("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC_KEY.to_string()),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for flag in [&["-P", "Typo"][..], &["--profile=Typo"], &["-PTypo"]] {
        let run = sandbox.run_env(&refs(&get_key(flag)), &env, Stdin::Null);
        assert_eq!(run.code, 0, "{flag:?}: {run:?}");
        assert_eq!(run.stderr, warning(&sandbox, "Typo"), "{flag:?}");
        assert!(run.stdout_text().contains(KEY_ID), "{run:?}");
    }
}

#[test]
fn the_warning_comes_before_the_version_reminder_and_the_errors() {
    let (_server, sandbox) = setup();
    let argv = args("getOrgApiKey", &["-P", "nope", "--apiUserId", KEY_ID]);
    let run = sandbox.run(&argv, Stdin::Null);
    run.assert_error(&format!(
        "{}{REMINDER}Error: required flag(s) \"orgId\" not set\n",
        warning(&sandbox, "nope")
    ));
}

#[test]
fn a_profile_named_by_the_environment_or_the_file_is_checked_too() {
    let (_server, sandbox) = setup();
    let argv = get_key(&[]);
    for (name, value) in [("MONGODB_ATLAS_PROFILE", "ci"), ("MCLI_PROFILE", "Prod")] {
        let run = sandbox.run_env(&refs(&argv), &[(name, value)], Stdin::Null);
        assert!(
            run.stderr.starts_with(&warning(&sandbox, value)),
            "{name}: {run:?}"
        );
    }
    sandbox.write_config(&format!(
        "profile = 'staging'\n[default]\npublic_api_key = '{PUBLIC_KEY}'\n"
    ));
    let run = sandbox.run(&refs(&argv), Stdin::Null);
    assert!(
        run.stderr.starts_with(&warning(&sandbox, "staging")),
        "{run:?}"
    );
}

#[test]
fn a_named_profile_without_any_config_file_is_a_warning() {
    let sandbox = Sandbox::new();
    let argv = args("getOrgApiKey", &["-P", "work", "--apiUserId", KEY_ID]);
    let run = sandbox.run(&argv, Stdin::Null);
    assert!(!sandbox.config_path().exists());
    run.assert_error(&format!(
        "{}{REMINDER}Error: required flag(s) \"orgId\" not set\n",
        warning(&sandbox, "work")
    ));
}

#[test]
fn existing_profiles_and_the_implicit_default_print_nothing() {
    let (_server, sandbox) = setup();
    for flag in [&[][..], &["-P", "default"], &["-P", "DEFAULT"]] {
        let run = sandbox.run(&refs(&get_key(flag)), Stdin::Null);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (0, ""),
            "{flag:?}: {run:?}"
        );
    }
    // No file at all and no name: the implicit `default`, silently.
    let bare = Sandbox::new();
    let run = bare.run(
        &args(
            "getOrgApiKey",
            &["--apiUserId", KEY_ID, "--version", "2023-01-01"],
        ),
        Stdin::Null,
    );
    run.assert_error("Error: required flag(s) \"orgId\" not set\n");
}

#[test]
fn a_very_long_profile_name_is_cut_in_the_warning() {
    let sandbox = Sandbox::new();
    let name = "p".repeat(5_000);
    let argv = args("getOrgApiKey", &["-P", &name, "--apiUserId", KEY_ID]);
    let run = sandbox.run(&argv, Stdin::Null);
    let first = run.stderr.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "warning: profile \"{}…\" not found in {}",
            "p".repeat(200),
            sandbox.config_path().display()
        )
    );
}

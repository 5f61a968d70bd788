//! Service accounts (token endpoint, token cache "Service accounts", token host "Service accounts",
//! refusal hints "Service accounts") and user logins (JWT expiry, refresh, rotated tokens saved to
//! the config) through the built binary against the stand-in.

mod support;

/// "Many runs at once": tokens from the environment that a refresh rotated cannot be saved.
const UNSAVED: &str = "warning: the refreshed tokens cannot be saved to MONGODB_ATLAS_ACCESS_TOKEN and MONGODB_ATLAS_REFRESH_TOKEN; the old refresh token may no longer work\n";

use std::os::unix::fs::PermissionsExt;

use atlas_standin::oauth::jwt;
use atlas_standin::{Auth, Config, Fault, StandIn};
use support::*;

const CLIENT_ID: &str = "mdb_sa_id_fake0001";
const CLIENT_SECRET: &str = "mdb_sa_sk_fake-secret-0000000000";

fn service_account(expires_in: Option<u64>) -> StandIn {
    StandIn::start(Config {
        auth: Auth::ServiceAccount {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            expires_in,
        },
        seed_keys: true,
        ..Config::default()
    })
    .unwrap()
}

fn sa_config(sandbox: &Sandbox, url: &str, secret: &str) {
    sandbox.write_config(&format!(
        "[default]\nclient_id = '{CLIENT_ID}'\nclient_secret = '{secret}'\nops_manager_url = '{url}'\napi_version = '2023-01-01'\n"
    ));
}

fn list(sandbox: &Sandbox) -> Run {
    sandbox.run(&args("listOrgApiKeys", &["--orgId", ORG]), Stdin::Null)
}

/// The cache's token entries (the `.lock` files beside them hold nothing).
fn cache_files(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    let dir = sandbox.path("home/.cache/atlascli/tokens");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_service_account_fetches_a_token_and_sends_it_as_bearer() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    let run = list(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert!(run.stdout_text().contains("\"totalCount\":2"), "{run:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    let token = &requests[0];
    assert_eq!(
        (token.method.as_str(), token.target.as_str()),
        ("POST", "/api/oauth/token")
    );
    assert_eq!(
        token.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(token.body, b"grant_type=client_credentials");
    assert!(token.header("authorization").unwrap().starts_with("Basic "));
    let api = &requests[1];
    assert!(api.authorized);
    assert!(
        api.header("authorization")
            .unwrap()
            .starts_with("Bearer sa-")
    );
    assert_eq!(
        api.header("accept"),
        Some("application/vnd.atlas.2023-01-01+json")
    );
}

#[test]
fn tokens_are_cached_privately_and_reused() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    for _ in 0..3 {
        assert_eq!(list(&sandbox).code, 0);
    }
    assert_eq!(server.tokens_issued(), 1, "one token for three commands");
    let files = cache_files(&sandbox);
    assert_eq!(files.len(), 1);
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let folder = files[0].parent().unwrap();
    assert_eq!(
        std::fs::metadata(folder).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(
        !std::fs::read_to_string(&files[0])
            .unwrap()
            .contains(CLIENT_SECRET)
    );
}

#[test]
fn a_refused_cached_token_is_replaced_once() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    assert_eq!(list(&sandbox).code, 0);
    server.revoke_tokens();
    server.clear_requests();
    let run = list(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    let api = format!("/api/atlas/v2/orgs/{ORG}/apiKeys");
    assert_eq!(targets, [api.clone(), "/api/oauth/token".into(), api]);
    assert_eq!(server.tokens_issued(), 2);
}

#[test]
fn tokens_without_a_lifetime_are_not_cached() {
    let server = service_account(None);
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    assert_eq!(list(&sandbox).code, 0);
    assert_eq!(list(&sandbox).code, 0);
    assert_eq!(server.tokens_issued(), 2);
    assert!(cache_files(&sandbox).is_empty());
}

#[test]
fn refused_client_credentials_print_the_hint() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), "mdb_sa_sk_wrong");
    let run = list(&sandbox);
    run.assert_error(&format!(
        "Error: unauthorized\n\nCheck client_id/client_secret or public_api_key/private_api_key in profile \"default\" of {}, or the MONGODB_ATLAS_* environment variables.\n",
        sandbox.config_path().display()
    ));
    assert_eq!(server.requests().len(), 1, "no API call without a token");
    assert!(!run.stderr.contains("mdb_sa_sk_wrong"));
}

#[test]
fn a_service_account_wins_over_api_keys() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{PRIVATE_KEY}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    let run = sandbox.run_env(
        &args("listOrgApiKeys", &["--orgId", ORG]),
        &[
            ("MONGODB_ATLAS_CLIENT_ID", CLIENT_ID),
            ("MONGODB_ATLAS_CLIENT_SECRET", CLIENT_SECRET),
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests()[0].target, "/api/oauth/token");
}

#[test]
fn the_token_endpoint_retries_only_429_and_refusals() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    server.push_fault(Fault::Status {
        status: 429,
        retry_after: Some("0".into()),
        body: String::new(),
    });
    let run = list(&sandbox);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "warning: POST {}/api/oauth/token: 429 Too Many Requests, retrying in 0.0s (retry 1 of 3)\n",
            server.url()
        )
    );

    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    server.push_fault(Fault::Status {
        status: 503,
        retry_after: Some("0".into()),
        body: String::new(),
    });
    let run = list(&sandbox);
    run.assert_error(&format!(
        "Error: POST {}/api/oauth/token: 503 Service Unavailable\n",
        server.url()
    ));
}

#[test]
fn debug_dumps_hide_client_secrets_and_tokens() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    let run = sandbox.run(
        &[
            "-D",
            "api",
            "programmaticApiKeys",
            "listOrgApiKeys",
            "--orgId",
            ORG,
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("> POST {}/api/oauth/token\n", server.url())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("\"access_token\":\"[redacted]\""),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("sa-"),
        "no token in the dump: {}",
        run.stderr
    );
    assert!(!run.stderr.contains(CLIENT_SECRET));
    assert!(!run.stderr.contains("Basic "), "{}", run.stderr);
}

// --- user logins ---

const REFRESH: &str = "refresh-fake-0000";

fn user_account(access_token: &str) -> StandIn {
    StandIn::start(Config {
        auth: Auth::UserAccount {
            access_token: access_token.into(),
            refresh_token: REFRESH.into(),
            expires_in: 3600,
        },
        seed_keys: true,
        ..Config::default()
    })
    .unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn a_valid_user_token_is_sent_as_is() {
    let token = jwt(now() + 3600);
    let server = user_account(&token);
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\naccess_token = '{token}'\nrefresh_token = '{REFRESH}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    let run = list(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
}

#[test]
fn an_expired_user_token_is_refreshed_and_saved_in_place() {
    let old = jwt(now() - 60);
    let server = user_account(&old);
    let sandbox = Sandbox::new();
    let before = format!(
        "# my Atlas settings\n[default]\naccess_token = '{old}'  # from atlas auth login\nrefresh_token = '{REFRESH}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n\n[other]\norg_id = 'x'\n",
        server.url()
    );
    sandbox.write_config(&before);
    std::fs::set_permissions(
        sandbox.config_path(),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let run = list(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let requests = server.requests();
    assert_eq!(
        requests[0].target,
        "/api/private/unauth/account/device/token"
    );
    let form = requests[0].body_text();
    assert!(
        form.contains("grant_type=refresh_token")
            && form.contains(&format!("refresh_token={REFRESH}")),
        "{form}"
    );
    assert!(form.contains("client_id=0oabtxactgS3gHIR0297"), "{form}");
    assert!(requests[1].authorized);
    let after = std::fs::read_to_string(sandbox.config_path()).unwrap();
    assert!(!after.contains(&old), "the old token is replaced");
    assert!(
        !after.contains(&format!("'{REFRESH}'")),
        "the rotated refresh token is saved"
    );
    let new_token = requests[1]
        .header("authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string();
    assert!(
        after.contains(&format!(
            "access_token = \"{new_token}\"  # from atlas auth login\n"
        )),
        "{after}"
    );
    assert!(after.starts_with("# my Atlas settings\n[default]\n"));
    assert!(after.ends_with(&format!(
        "ops_manager_url = '{}'\napi_version = '2023-01-01'\n\n[other]\norg_id = 'x'\n",
        server.url()
    )));
    assert_eq!(
        std::fs::metadata(sandbox.config_path())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    // The next command uses the saved token without refreshing.
    server.clear_requests();
    assert_eq!(list(&sandbox).code, 0);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_expired_refresh_token_is_a_session_expired_error() {
    let old = jwt(now() - 60);
    let server = user_account(&old);
    let sandbox = Sandbox::new();
    let config = format!(
        "[default]\naccess_token = '{old}'\nrefresh_token = 'refresh-revoked'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    );
    sandbox.write_config(&config);
    let run = list(&sandbox);
    run.assert_error(&format!(
        "Error: session expired\n\nPlease note that your session expires periodically. \nIf you use Atlas CLI for automation, see https://www.mongodb.com/docs/atlas/cli/stable/atlas-cli-automate/ for best practices.\nCheck client_id/client_secret or public_api_key/private_api_key in profile \"default\" of {}, or the MONGODB_ATLAS_* environment variables.\n",
        sandbox.config_path().display()
    ));
    assert_eq!(
        std::fs::read_to_string(sandbox.config_path()).unwrap(),
        config,
        "nothing saved"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn tokens_from_the_environment_are_refreshed_but_not_saved() {
    let old = jwt(now() - 60);
    let server = user_account(&old);
    let sandbox = Sandbox::new();
    let config = format!(
        "[default]\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    );
    sandbox.write_config(&config);
    let run = sandbox.run_env(
        &args("listOrgApiKeys", &["--orgId", ORG]),
        &[
            ("MONGODB_ATLAS_ACCESS_TOKEN", &old),
            ("MONGODB_ATLAS_REFRESH_TOKEN", REFRESH),
        ],
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, UNSAVED), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(sandbox.config_path()).unwrap(),
        config
    );
}

#[test]
fn half_configured_or_malformed_user_tokens_are_errors() {
    let server = user_account("unused");
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\naccess_token = 'a.b.c'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    list(&sandbox).assert_error("Error: user_account needs both access_token and refresh_token\n");
    sandbox.write_config(&format!(
        "[default]\naccess_token = 'not-a-jwt'\nrefresh_token = 'r'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    list(&sandbox)
        .assert_error("Error: token is malformed: token contains an invalid number of segments\n");
    assert!(server.requests().is_empty());
}

#[test]
fn credentials_from_the_environment_win_over_the_stored_auth_type() {
    // auth_type = service_account with its client in the file; API keys in the environment.
    let server = StandIn::start(Config {
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\nauth_type = 'service_account'\nclient_id = '{CLIENT_ID}'\nclient_secret = '{CLIENT_SECRET}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    let run = sandbox.run_env(
        &args("listOrgApiKeys", &["--orgId", ORG]),
        &[
            ("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC_KEY),
            ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY),
        ],
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let requests = server.requests();
    assert!(
        requests.iter().all(|r| r.target != "/api/oauth/token"),
        "digest, not a token"
    );
    assert!(requests.last().unwrap().authorized);
}

#[test]
fn rotated_tokens_go_back_to_each_source_byte_for_byte() {
    let old = jwt(now() - 60);
    let server = user_account(&old);
    let sandbox = Sandbox::new();
    // CRLF line endings and no final newline must survive; the access token comes from the
    // environment, the refresh token from the file.
    let before = format!(
        "[default]\r\nrefresh_token = '{REFRESH}'\r\nops_manager_url = '{}'\r\napi_version = '2023-01-01'",
        server.url()
    );
    sandbox.write_config(&before);
    let run = sandbox.run_env(
        &args("listOrgApiKeys", &["--orgId", ORG]),
        &[("MONGODB_ATLAS_ACCESS_TOKEN", &old)],
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, UNSAVED), "{run:?}");
    let after = std::fs::read_to_string(sandbox.config_path()).unwrap();
    let rotated = after
        .split("refresh_token = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{after:?}"))
        .to_string();
    assert_ne!(rotated, REFRESH);
    assert_eq!(
        after,
        before.replace(&format!("'{REFRESH}'"), &format!("\"{rotated}\""))
    );
}

#[test]
fn an_invalid_refresh_token_with_a_401_is_still_an_expired_session() {
    let old = jwt(now() - 60);
    let server = user_account(&old);
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\naccess_token = '{old}'\nrefresh_token = '{REFRESH}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    server.push_response(atlas_standin::Canned::json(
        401,
        r#"{"error":401,"errorCode":"INVALID_REFRESH_TOKEN","reason":"Unauthorized"}"#,
    ));
    let run = list(&sandbox);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("Error: session expired\n\n"),
        "{run:?}"
    );
}

#[test]
fn absurd_token_lifetimes_do_not_crash() {
    let server = service_account(Some(u64::MAX));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    let run = list(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(list(&sandbox).code, 0);
}

#[test]
fn a_401_with_a_fresh_token_is_an_ordinary_error_response() {
    let server = service_account(Some(3600));
    let sandbox = Sandbox::new();
    sa_config(&sandbox, &server.url(), CLIENT_SECRET);
    server.push_response(atlas_standin::Canned::json(
        200,
        r#"{"access_token":"fresh","expires_in":3600}"#,
    ));
    server.push_response(atlas_standin::Canned::json(
        401,
        r#"{"error":401,"reason":"Unauthorized"}"#,
    ));
    let run = list(&sandbox);
    run.assert_error("Error: server returned an error response code\n");
    assert_eq!(run.stdout, br#"{"error":401,"reason":"Unauthorized"}"#);
    assert_eq!(
        server.requests().len(),
        2,
        "no second token for a token that was just fetched"
    );
}

#[test]
fn a_key_or_client_id_holding_a_control_character_is_refused_before_sending() {
    let server = service_account(Some(3600));
    let url = server.url();
    let sandbox = Sandbox::new();
    let file_cases = [
        (
            format!(
                "[default]\npublic_api_key = \"fake\\u0001public\"\nprivate_api_key = '{PRIVATE_KEY}'\nops_manager_url = '{url}'\napi_version = '2023-01-01'\n"
            ),
            "public_api_key",
        ),
        (
            format!(
                "[default]\nclient_id = \"{CLIENT_ID}\\u007f\"\nclient_secret = '{CLIENT_SECRET}'\nops_manager_url = '{url}'\napi_version = '2023-01-01'\n"
            ),
            "client_id",
        ),
        (
            format!(
                "[default]\nclient_id = \"x\\u001b[31m\"\naccess_token = 'a.b.c'\nrefresh_token = 'refresh-fake-0000'\nops_manager_url = '{url}'\napi_version = '2023-01-01'\n"
            ),
            "client_id",
        ),
    ];
    for (config, name) in &file_cases {
        sandbox.write_config(config);
        list(&sandbox).assert_error(&format!(
            "Error: invalid {name}: contains a control character\n"
        ));
    }
    // From the environment: a C1 control and a line feed.
    sandbox.write_config(&format!(
        "[default]\nops_manager_url = '{url}'\napi_version = '2023-01-01'\n"
    ));
    let env_cases = [
        (
            ("MONGODB_ATLAS_PUBLIC_API_KEY", "fake\u{85}public"),
            ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY),
            "public_api_key",
        ),
        (
            ("MONGODB_ATLAS_CLIENT_ID", "fake\nid"),
            ("MONGODB_ATLAS_CLIENT_SECRET", CLIENT_SECRET),
            "client_id",
        ),
    ];
    for (identity, secret, name) in env_cases {
        let env = [identity, secret];
        sandbox
            .run_env(
                &args("listOrgApiKeys", &["--orgId", ORG]),
                &env,
                Stdin::Null,
            )
            .assert_error(&format!(
                "Error: invalid {name}: contains a control character\n"
            ));
    }
    assert_eq!(server.requests().len(), 0, "nothing was sent");
}

// --- rotated tokens where config.toml cannot be replaced by rename ---

/// An expired login in `config.toml` (its text returned) against `server`.
fn expired_login_config(server: &StandIn) -> String {
    format!(
        "# kept\n[default]\naccess_token = '{}'\nrefresh_token = '{REFRESH}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        jwt(now() - 60),
        server.url()
    )
}

/// The rotated pair is in `text`: the old refresh token is gone, the comment kept.
fn assert_rotated(text: &str, server: &StandIn) {
    assert!(text.starts_with("# kept\n[default]\n"), "{text}");
    assert!(!text.contains(&format!("'{REFRESH}'")), "{text}");
    assert!(text.contains("refresh_token = \"refresh-"), "{text}");
    let sent = server.requests()[1]
        .header("authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string();
    assert!(
        text.contains(&format!("access_token = \"{sent}\"")),
        "{text}"
    );
}

/// A file bind-mounted over another, unmounted on drop.
struct BindMount(std::path::PathBuf);

impl BindMount {
    fn new(source: &std::path::Path, target: &std::path::Path) -> BindMount {
        let status = std::process::Command::new("mount")
            .arg("--bind")
            .arg(source)
            .arg(target)
            .status()
            .unwrap();
        assert!(status.success(), "mount --bind");
        BindMount(target.to_path_buf())
    }
}

impl Drop for BindMount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[cfg_attr(not_root, ignore = "needs root")]
fn rotated_tokens_are_written_in_place_over_a_bind_mounted_config() {
    let server = user_account("unused");
    let sandbox = Sandbox::new();
    let text = expired_login_config(&server);
    sandbox.write_config(&text);
    let outside = sandbox.write_file("mounted.toml", text.as_bytes());
    let mount = BindMount::new(&outside, &sandbox.config_path());
    let run = list(&sandbox);
    drop(mount);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(server.refreshes(), 1);
    assert_rotated(&std::fs::read_to_string(&outside).unwrap(), &server);
    let names: Vec<_> = std::fs::read_dir(sandbox.path("home/.config/atlascli"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "no temporary file left: {names:?}");
}

#[test]
#[cfg_attr(no_setpriv, ignore = "needs root and setpriv")]
fn rotated_tokens_are_written_in_place_in_a_folder_the_user_may_not_write() {
    const USER: u32 = 64_111;
    let server = user_account("unused");
    let sandbox = Sandbox::new();
    sandbox.write_config(&expired_login_config(&server));
    // The binary and the sandbox must be reachable by the unprivileged user; the config
    // folder stays root's (0755), the file is the user's.
    let bin = sandbox.path("atlas");
    std::fs::copy(env!("CARGO_BIN_EXE_atlas"), &bin).unwrap();
    for path in [
        sandbox.dir.path().to_path_buf(),
        sandbox.path("home"),
        sandbox.path("home/.config"),
        sandbox.path("home/.config/atlascli"),
        bin.clone(),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::os::unix::fs::chown(sandbox.config_path(), Some(USER), Some(USER)).unwrap();
    std::fs::set_permissions(
        sandbox.config_path(),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let mut command = std::process::Command::new("setpriv");
    command
        .args([
            &format!("--reuid={USER}"),
            &format!("--regid={USER}"),
            "--clear-groups",
            "--",
        ])
        .arg(&bin)
        .args(args("listOrgApiKeys", &["--orgId", ORG]))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", sandbox.path("home"))
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .current_dir(sandbox.dir.path());
    let run = sandbox.run_with(command, Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(server.refreshes(), 1);
    assert_rotated(
        &std::fs::read_to_string(sandbox.config_path()).unwrap(),
        &server,
    );
}

#[test]
fn a_refresh_answer_with_a_huge_token_saves_nothing() {
    let server = StandIn::start(Config {
        auth: Auth::UserAccount {
            access_token: "unused".into(),
            refresh_token: REFRESH.into(),
            expires_in: 3600,
        },
        tokens: atlas_standin::TokenEndpoint {
            refresh_token_padding: 65 * 1024,
            ..Default::default()
        },
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    let text = expired_login_config(&server);
    sandbox.write_config(&text);
    let run = list(&sandbox);
    run.assert_error(&format!(
        "Error: POST {}/api/private/unauth/account/device/token: token larger than 64 KiB; the old refresh token may no longer work\n",
        server.url()
    ));
    assert!(run.stdout.is_empty());
    assert_eq!(server.refreshes(), 1);
    assert_eq!(server.requests().len(), 1, "no API call after the refresh");
    assert_eq!(
        std::fs::read_to_string(sandbox.config_path()).unwrap(),
        text
    );
}

#[test]
#[cfg_attr(not_root, ignore = "needs root")]
fn a_read_only_config_is_an_error_naming_the_file() {
    let server = user_account("unused");
    let sandbox = Sandbox::new();
    let text = expired_login_config(&server);
    sandbox.write_config(&text);
    let outside = sandbox.write_file("mounted.toml", text.as_bytes());
    let mount = BindMount::new(&outside, &sandbox.config_path());
    let status = std::process::Command::new("mount")
        .args(["-o", "remount,ro,bind"])
        .arg(sandbox.config_path())
        .status()
        .unwrap();
    assert!(status.success(), "remount read-only");
    let run = list(&sandbox);
    drop(mount);
    run.assert_error(&format!(
        "Error: cannot save the refreshed tokens to {}: read-only file system; the old refresh token may no longer work\n",
        sandbox.config_path().display()
    ));
    assert_eq!(server.refreshes(), 1);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), text);
}

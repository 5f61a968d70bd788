//! Many runs at once under one user, as CI runners start them (README "Many runs at once"): they
//! share one service-account token and one refresh per login, and lose no rotated token. The
//! stand-in's token endpoint is slow and rate-limited like Atlas's (10 tokens a minute), and its
//! refresh tokens are single-use with reuse detection (a spent one presented again revokes the
//! login).

mod support;

use std::process::{Child, Stdio};

use atlas_standin::oauth::jwt;
use atlas_standin::{Auth, Config, StandIn, TokenEndpoint};
use support::*;

const CLIENT_ID: &str = "mdb_sa_id_fake";
const CLIENT_SECRET: &str = "mdb_sa_sk_fake-secret";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn list(sandbox: &Sandbox, profile: &str) -> Child {
    let mut command = sandbox.command(&args(
        "listOrgApiKeys",
        &["-P", profile, "--orgId", ORG, "--version", "2023-01-01"],
    ));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.spawn().unwrap()
}

/// Starts every run first, then waits for them all; returns (exit code, stderr) of each.
fn run_all(children: Vec<Child>) -> Vec<(i32, String)> {
    children
        .into_iter()
        .map(|child| {
            let output = wait_bounded(child, std::time::Duration::from_secs(60));
            (
                output.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        })
        .collect()
}

fn assert_all_succeeded(results: &[(i32, String)]) {
    let failed: Vec<_> = results.iter().filter(|(code, _)| *code != 0).collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed; the first: {:?}",
        failed.len(),
        results.len(),
        failed.first()
    );
    assert!(results.iter().all(|(_, err)| err.is_empty()), "{results:?}");
}

#[test]
fn forty_service_account_runs_with_an_empty_cache_make_one_token_request() {
    let server = StandIn::start(Config {
        auth: Auth::ServiceAccount {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            expires_in: Some(3600),
        },
        seed_keys: true,
        tokens: TokenEndpoint {
            delay_ms: 300,
            per_minute: Some(10),
            ..TokenEndpoint::default()
        },
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[ci]\nclient_id = '{CLIENT_ID}'\nclient_secret = '{CLIENT_SECRET}'\nops_manager_url = '{}'\n",
        server.url()
    ));
    let results = run_all((0..40).map(|_| list(&sandbox, "ci")).collect());
    assert_all_succeeded(&results);
    let token_requests = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/oauth/token")
        .count();
    assert_eq!(token_requests, 1, "token requests for 40 runs");
    assert_eq!(server.tokens_issued(), 1);
    assert_eq!(server.token_requests_rate_limited(), 0);
}

/// A user-login stand-in whose refresh tokens are single-use, slow to refresh.
fn login_server(access_token: &str) -> StandIn {
    StandIn::start(Config {
        auth: Auth::UserAccount {
            access_token: access_token.into(),
            refresh_token: "refresh-initial-fake".into(),
            expires_in: 3600,
        },
        seed_keys: true,
        tokens: TokenEndpoint {
            delay_ms: 100,
            single_use_refresh: true,
            ..TokenEndpoint::default()
        },
        ..Config::default()
    })
    .unwrap()
}

fn login_profile(name: &str, access: &str, refresh: &str, url: &str) -> String {
    format!(
        "[{name}]\naccess_token = '{access}'\nrefresh_token = '{refresh}'\nops_manager_url = '{url}'\n\n"
    )
}

#[test]
fn twelve_profiles_refreshed_at_once_lose_no_rotated_pair() {
    let expired = jwt(now() - 60);
    let server = login_server(&expired);
    let sandbox = Sandbox::new();
    let names: Vec<String> = (0..12).map(|i| format!("login{i}")).collect();
    let config: String = names
        .iter()
        .map(|name| login_profile(name, &expired, &server.issue_refresh_token(), &server.url()))
        .collect();
    sandbox.write_config(&config);
    let results = run_all(names.iter().map(|name| list(&sandbox, name)).collect());
    assert_all_succeeded(&results);
    assert_eq!(server.refreshes(), 12, "one refresh per profile");
    let after = std::fs::read_to_string(sandbox.config_path()).unwrap();
    assert!(
        !after.contains(&expired),
        "every expired token was replaced:\n{after}"
    );
    // Every profile holds its own rotated pair: a second round needs no refresh at all, and
    // the refresh tokens saved are all different and still valid.
    let results = run_all(names.iter().map(|name| list(&sandbox, name)).collect());
    assert_all_succeeded(&results);
    assert_eq!(server.refreshes(), 12, "the saved access tokens are used");
    let refresh_tokens: std::collections::BTreeSet<&str> = after
        .lines()
        .filter_map(|l| l.strip_prefix("refresh_token = \""))
        .collect();
    assert_eq!(refresh_tokens.len(), 12, "{after}");
}

#[test]
fn eight_runs_on_one_expired_login_make_one_refresh_and_all_succeed() {
    let expired = jwt(now() - 60);
    let server = login_server(&expired);
    let sandbox = Sandbox::new();
    sandbox.write_config(&login_profile(
        "default",
        &expired,
        &server.issue_refresh_token(),
        &server.url(),
    ));
    let results = run_all((0..8).map(|_| list(&sandbox, "default")).collect());
    assert_all_succeeded(&results);
    assert_eq!(server.refreshes(), 1, "refreshes for 8 runs on one login");
    // The file keeps the live pair: with the access token revoked on the server, the next
    // run refreshes with the saved refresh token, which reuse detection has not revoked.
    server.revoke_tokens();
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(
        &config.replace(
            &config
                .lines()
                .find_map(|l| l.strip_prefix("access_token = \""))
                .unwrap()
                .trim_end_matches('"')
                .to_string(),
            &expired,
        ),
    );
    let results = run_all(vec![list(&sandbox, "default")]);
    assert_all_succeeded(&results);
    assert_eq!(server.refreshes(), 2);
}

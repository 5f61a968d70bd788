//! Bounds and second chances through the built binary (README "Many runs at once", "Bounded by
//! design", "Other users on the same host", "Messages"): huge values are cut in this project's
//! messages, template output stops at 64 MiB, an unusable cached token is replaced, and a
//! rate-limited token request gives way to a token another run cached meanwhile.

mod support;

use std::time::Duration;

use atlas_standin::{Auth, Config, Fault, StandIn};
use sha2::{Digest, Sha256};
use support::*;

const CLIENT_ID: &str = "mdb_sa_id_fake";
const CLIENT_SECRET: &str = "mdb_sa_sk_fake-secret";

#[test]
fn huge_values_are_cut_at_200_characters_in_messages() {
    let sandbox = Sandbox::new();
    let huge = "f".repeat(120_000);
    let run = sandbox.run(
        &args(
            "getOrgApiKey",
            &[
                "--orgId",
                &huge,
                "--apiUserId",
                KEY_ID,
                "--version",
                "2023-01-01",
            ],
        ),
        Stdin::Null,
    );
    run.assert_error(&format!(
        "Error: invalid --orgId \"{}…\": must be 24 hexadecimal digits\n",
        "f".repeat(200)
    ));
}

#[test]
fn template_output_stops_at_64_mib() {
    let server = StandIn::start(Config {
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let run = sandbox.run(
        &args(
            "getOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                KEY_ID,
                "--version",
                "2023-01-01",
                "-o",
                r#"{{range $i := 100}}{{printf "%999999d" 1}}{{end}}"#,
            ],
        ),
        Stdin::Null,
    );
    run.assert_error(
        "Error: error formatting output\ntemplate: formatter-template: output larger than 64 MiB\n",
    );
    assert!(run.stdout.is_empty(), "nothing is written unless complete");
}

fn service_account_server() -> StandIn {
    StandIn::start(Config {
        auth: Auth::ServiceAccount {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            expires_in: Some(3600),
        },
        seed_keys: true,
        ..Config::default()
    })
    .unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the binary caches this client's token: `<cache>/atlascli/tokens/<sha256>.json`.
fn cache_entry(sandbox: &Sandbox, server: &StandIn) -> std::path::PathBuf {
    let token_url = format!("{}/api/oauth/token", server.url().trim_end_matches('/'));
    let secret = hex(&Sha256::digest(CLIENT_SECRET.as_bytes()));
    let mut hasher = Sha256::new();
    for part in [CLIENT_ID, token_url.as_str(), secret.as_str()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    sandbox.path(&format!(
        "home/.cache/atlascli/tokens/{}.json",
        hex(&hasher.finalize())
    ))
}

fn write_sa_config(sandbox: &Sandbox, server: &StandIn) {
    sandbox.write_config(&format!(
        "[default]\nclient_id = '{CLIENT_ID}'\nclient_secret = '{CLIENT_SECRET}'\nops_manager_url = '{}'\n",
        server.url()
    ));
}

fn list() -> Vec<&'static str> {
    args(
        "listOrgApiKeys",
        &["--orgId", ORG, "--version", "2023-01-01"],
    )
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn a_cached_token_that_is_no_header_value_is_replaced() {
    let server = service_account_server();
    let sandbox = Sandbox::new();
    write_sa_config(&sandbox, &server);
    assert_eq!(sandbox.run(&list(), Stdin::Null).code, 0);
    let entry = cache_entry(&sandbox, &server);
    let listing: Vec<_> = std::fs::read_dir(sandbox.path("home/.cache/atlascli/tokens"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        entry.exists(),
        "the first run cached its token: {entry:?} {listing:?}"
    );
    std::fs::write(
        &entry,
        format!(
            r#"{{"access_token":"abc\ndef","expires_at":{}}}"#,
            now() + 3600
        ),
    )
    .unwrap();
    let run = sandbox.run(&list(), Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(
        server.tokens_issued(),
        2,
        "a new token replaced the unusable one"
    );
    let cached = std::fs::read_to_string(&entry).unwrap();
    assert!(!cached.contains("abc"), "{cached}");
}

#[test]
fn a_rate_limited_token_request_gives_way_to_a_token_cached_meanwhile() {
    let server = service_account_server();
    let sandbox = Sandbox::new();
    write_sa_config(&sandbox, &server);
    // A first run fills the cache, so the planted entry below has trusted folders.
    assert_eq!(sandbox.run(&list(), Stdin::Null).code, 0);
    let entry = cache_entry(&sandbox, &server);
    let good = std::fs::read_to_string(&entry).unwrap();
    std::fs::remove_file(&entry).unwrap();
    server.clear_requests();
    server.push_fault(Fault::Status {
        status: 429,
        retry_after: Some("1".into()),
        body: r#"{"error":"rate_limited"}"#.into(),
    });
    let mut command = sandbox.command(&list());
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    // The token request was refused with 429; "another run" caches its token meanwhile.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server.requests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no token request");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::write(&entry, &good).unwrap();
    let output = wait_bounded(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let token_requests = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/oauth/token")
        .count();
    assert_eq!(
        token_requests, 1,
        "the cached token was used instead of a retry"
    );
    assert_eq!(server.tokens_issued(), 1);
}

#[test]
fn the_largest_http_timeout_is_accepted_without_overflow() {
    let server = service_account_server();
    let sandbox = Sandbox::new();
    write_sa_config(&sandbox, &server);
    let run = sandbox.run_env(
        &list(),
        &[("MONGODB_ATLAS_HTTP_TIMEOUT", "18446744073709551615")],
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
}

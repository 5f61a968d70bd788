//! A hostile or broken server can never hurt the user, through the built binary: redirects are
//! never followed, not even to another loopback host ("Redirects are not followed"); bodies are
//! bounded, endless ones and gzip bombs included, measured by the child's peak RSS ("Bounded by
//! design"); messages never show a URL's password, a type name or a huge value, and carry each
//! prefix once ("Messages").

mod support;

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use atlas_standin::oauth::jwt;
use atlas_standin::{Auth, Canned, Config, Fault, StandIn};
use support::*;

const BODY: &str = r#"{"desc":"ci key","roles":["ORG_READ_ONLY"]}"#;
const MIB: u64 = 1024 * 1024;
/// Generous: the body limit is 64 MiB, held once.
const RSS_BOUND_KB: i64 = 200 * 1024;

fn setup() -> (StandIn, Sandbox) {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

/// A second host: a recording stand-in on 127.0.0.2, which must never hear from us.
fn elsewhere() -> StandIn {
    StandIn::start_at(Config::default(), "127.0.0.2:0").unwrap()
}

fn assert_untouched(elsewhere: &StandIn) {
    // Give a stray connection the time to arrive before saying none did.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        elsewhere.connections_accepted(),
        0,
        "nothing reaches the new location"
    );
    assert!(elsewhere.requests().is_empty());
}

fn create_args<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let mut v = args(
        "createOrgApiKey",
        &["--orgId", ORG, "--version", "2023-01-01"],
    );
    v.extend_from_slice(more);
    v
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

fn redirect(status: u16, location: Option<&str>) -> Canned {
    let mut canned = Canned::json(status, r#"{"moved":true}"#);
    if let Some(location) = location {
        canned.headers.push(("Location".into(), location.into()));
    }
    canned
}

fn create_url(server: &StandIn) -> String {
    format!("{}/api/atlas/v2/orgs/{ORG}/apiKeys", server.url())
}

fn get_url(server: &StandIn) -> String {
    format!("{}/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}", server.url())
}

#[test]
fn a_redirected_create_is_never_followed() {
    let other = elsewhere();
    let location = format!("{}/api/atlas/v2/orgs/{ORG}/apiKeys", other.url());
    for status in [301, 302, 303, 307, 308] {
        let (server, sandbox) = setup();
        let out = sandbox.write_file("key.json", b"before");
        server.push_response(redirect(status, Some(&location)));
        let run = sandbox.run(
            &create_args(&["--outputFile", out.to_str().unwrap()]),
            Stdin::Bytes(BODY.into()),
        );
        run.assert_error(&format!(
            "Error: POST {}: redirected to {location}, not followed\n",
            create_url(&server)
        ));
        assert!(run.stdout.is_empty(), "{status}: {run:?}");
        assert_eq!(std::fs::read(&out).unwrap(), b"before", "{status}");
        assert_eq!(server.requests().len(), 1, "{status}: not retried");
    }
    assert_untouched(&other);
}

#[test]
fn a_redirect_of_the_signed_digest_leg_is_not_followed_either() {
    let other = elsewhere();
    let (server, sandbox) = setup();
    server.push_response(Canned {
        status: 401,
        reason: "Unauthorized".into(),
        headers: vec![(
            "WWW-Authenticate".into(),
            r#"Digest realm="MMS Public API", nonce="abc", algorithm=MD5, qop="auth""#.into(),
        )],
        body: Vec::new(),
    });
    let location = format!("{}/elsewhere", other.url());
    server.push_response(redirect(307, Some(&location)));
    let run = sandbox.run(&create_args(&[]), Stdin::Bytes(BODY.into()));
    run.assert_error(&format!(
        "Error: POST {}: redirected to {location}, not followed\n",
        create_url(&server)
    ));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].header("authorization").is_some());
    assert_untouched(&other);
}

#[test]
fn a_redirected_get_is_not_followed_nor_retried() {
    let other = elsewhere();
    let (server, sandbox) = setup();
    let location = format!("{}/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}", other.url());
    server.push_response(redirect(302, Some(&location)));
    let run = sandbox.run(&get_args(), Stdin::Null);
    run.assert_error(&format!(
        "Error: GET {}: redirected to {location}, not followed\n",
        get_url(&server)
    ));
    assert!(run.stdout.is_empty());
    assert_eq!(server.requests().len(), 1);
    assert_untouched(&other);
}

#[test]
fn a_redirect_without_location_names_its_status() {
    let (server, sandbox) = setup();
    server.push_response(redirect(302, None));
    let run = sandbox.run(&get_args(), Stdin::Null);
    run.assert_error(&format!(
        "Error: GET {}: 302 Found, not followed\n",
        get_url(&server)
    ));
    assert!(run.stdout.is_empty());
}

#[test]
fn a_redirect_location_never_shows_a_password_nor_a_huge_value() {
    let other = elsewhere();
    let (server, sandbox) = setup();
    let port = other.addr().port();
    server.push_response(redirect(
        301,
        Some(&format!("http://user:pass-w0rd@127.0.0.2:{port}/x?y=1")),
    ));
    let run = sandbox.run(&get_args(), Stdin::Null);
    run.assert_error(&format!(
        "Error: GET {}: redirected to http://127.0.0.2:{port}/x?y=1, not followed\n",
        get_url(&server)
    ));
    assert!(!run.stderr.contains("pass-w0rd"));

    // A debug dump shows the Location without its password too.
    server.push_response(redirect(
        301,
        Some(&format!("http://user:pass-w0rd@127.0.0.2:{port}/x")),
    ));
    let mut debug = vec!["-D"];
    debug.extend(get_args());
    let run = sandbox.run(&debug, Stdin::Null);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("< Location: http://user@127.0.0.2:{port}/x\n")),
        "{run:?}"
    );
    assert!(!run.stderr.contains("pass-w0rd"), "{run:?}");

    let long = format!("{}/{}", other.url(), "a".repeat(60_000));
    server.push_response(redirect(308, Some(&long)));
    let run = sandbox.run(&get_args(), Stdin::Null);
    let shown: String = long.chars().take(200).collect();
    run.assert_error(&format!(
        "Error: GET {}: redirected to {shown}…, not followed\n",
        get_url(&server)
    ));
    assert_untouched(&other);
}

#[test]
fn a_redirected_service_account_token_request_is_not_followed() {
    let other = elsewhere();
    let server = StandIn::start(Config {
        auth: Auth::ServiceAccount {
            client_id: "mdb_sa_id_fake0001".into(),
            client_secret: "mdb_sa_sk_fake-secret-0000000000".into(),
            expires_in: Some(3600),
        },
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\nclient_id = 'mdb_sa_id_fake0001'\nclient_secret = 'mdb_sa_sk_fake-secret-0000000000'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    let location = format!("{}/api/oauth/token", other.url());
    server.push_response(redirect(307, Some(&location)));
    let run = sandbox.run(&args("listOrgApiKeys", &["--orgId", ORG]), Stdin::Null);
    run.assert_error(&format!(
        "Error: POST {}/api/oauth/token: redirected to {location}, not followed\n",
        server.url()
    ));
    assert!(run.stdout.is_empty());
    assert_eq!(server.requests().len(), 1, "no API call without a token");
    assert_eq!(server.tokens_issued(), 0);
    assert_untouched(&other);
}

#[test]
fn a_redirected_user_token_refresh_is_not_followed() {
    let other = elsewhere();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let old = jwt(now - 60);
    let server = StandIn::start(Config {
        auth: Auth::UserAccount {
            access_token: old.clone(),
            refresh_token: "refresh-fake-0000".into(),
            expires_in: 3600,
        },
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    let config = format!(
        "[default]\naccess_token = '{old}'\nrefresh_token = 'refresh-fake-0000'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    );
    sandbox.write_config(&config);
    let location = format!("{}/api/private/unauth/account/device/token", other.url());
    server.push_response(redirect(308, Some(&location)));
    let run = sandbox.run(&args("listOrgApiKeys", &["--orgId", ORG]), Stdin::Null);
    run.assert_error(&format!(
        "Error: POST {}/api/private/unauth/account/device/token: redirected to {location}, not followed\n",
        server.url()
    ));
    assert!(!run.stderr.contains("refresh-fake-0000"));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(
        std::fs::read_to_string(sandbox.config_path()).unwrap(),
        config
    );
    assert_untouched(&other);
}

/// What a run did, and the most memory it ever held (`ru_maxrss` of that child, in KiB).
struct Measured {
    run: Run,
    peak_rss_kb: i64,
}

/// Runs the binary and reaps it with `wait4` for its resource usage; kills it past `limit`.
// The child is reaped by `wait4`/`waitpid`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run_measured(sandbox: &Sandbox, args: &[&str], limit: Duration) -> Measured {
    let mut command = sandbox.command(args);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waiting for our own child, with valid pointers.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break (status, usage);
        }
        assert!(reaped == 0, "wait4 failed");
        if Instant::now() > deadline {
            // SAFETY: killing and reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("atlas did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Measured {
        run: Run {
            code,
            stdout: stdout.join().unwrap(),
            stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
        },
        peak_rss_kb: usage.ru_maxrss,
    }
}

#[test]
fn an_endless_body_stops_at_64_mib() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::EndlessChunked);
    let out = sandbox.write_file("out.json", b"before");
    let mut get = get_args();
    get.extend(["--outputFile", out.to_str().unwrap()]);
    let measured = run_measured(&sandbox, &get, Duration::from_secs(60));
    eprintln!(
        "endless chunked body: peak RSS {} KiB",
        measured.peak_rss_kb
    );
    measured.run.assert_error(&format!(
        "Error: GET {}: response larger than 64 MiB\n",
        get_url(&server)
    ));
    assert!(measured.run.stdout.is_empty());
    assert_eq!(std::fs::read(&out).unwrap(), b"before");
    assert_eq!(server.requests().len(), 1, "not retried");
    assert!(
        measured.peak_rss_kb < RSS_BOUND_KB,
        "peak RSS {} KiB",
        measured.peak_rss_kb
    );
}

#[test]
fn a_gzip_bomb_stops_at_64_mib_decoded() {
    let bomb = atlas_standin::gzip_bomb(1024 * MIB);
    assert!(bomb.len() < 8 * MIB as usize, "{}", bomb.len());
    let (server, sandbox) = setup();
    server.push_fault(Fault::GzipBomb {
        decoded_len: 1024 * MIB,
    });
    let measured = run_measured(&sandbox, &get_args(), Duration::from_secs(60));
    eprintln!(
        "gzip bomb of {} bytes decoding to 1 GiB: peak RSS {} KiB",
        bomb.len(),
        measured.peak_rss_kb
    );
    measured.run.assert_error(&format!(
        "Error: GET {}: response larger than 64 MiB\n",
        get_url(&server)
    ));
    assert!(measured.run.stdout.is_empty());
    assert_eq!(server.requests().len(), 1, "not retried");
    assert!(
        measured.peak_rss_kb < RSS_BOUND_KB,
        "peak RSS {} KiB",
        measured.peak_rss_kb
    );
}

#[test]
fn the_gzip_bomb_is_a_real_gzip_stream() {
    use flate2::read::GzDecoder;
    let decoded_len = 3 * MIB + 77;
    let bomb = atlas_standin::gzip_bomb(decoded_len);
    let mut decoder = GzDecoder::new(&bomb[..]);
    let mut decoded = Vec::new();
    // The stream has no trailer: the decoder reports its end as unexpected, after all the data.
    let _ = decoder.read_to_end(&mut decoded);
    assert_eq!(decoded.len() as u64, decoded_len);
    assert!(decoded.iter().all(|&b| b == 0));
}

#[test]
fn a_corrupt_gzip_body_is_an_error_and_never_retried() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::CorruptGzip);
    let run = sandbox.run(&get_args(), Stdin::Null);
    run.assert_error(&format!(
        "Error: GET {}: invalid gzip body\n",
        get_url(&server)
    ));
    assert!(run.stdout.is_empty());
    assert_eq!(server.requests().len(), 1, "a GET is not retried either");

    server.clear_requests();
    server.push_fault(Fault::CorruptGzip);
    let run = sandbox.run(&create_args(&[]), Stdin::Bytes(BODY.into()));
    run.assert_error(&format!(
        "Error: POST {}: invalid gzip body\n",
        create_url(&server)
    ));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_gzip_body_cut_short_is_a_dropped_connection() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::DropMidGzip);
    server.push_fault(Fault::Status {
        status: 503,
        retry_after: Some("0".into()),
        body: r#"{"error":503}"#.into(),
    });
    let run = sandbox.run(&get_args(), Stdin::Null);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.starts_with(&format!(
            "warning: GET {}: connection closed before the response was complete, retrying in ",
            get_url(&server)
        )),
        "{run:?}"
    );
}

#[test]
fn a_body_one_byte_past_64_mib_is_refused() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::LargeBody { len: 64 * MIB + 1 });
    let run = sandbox.run(&get_args(), Stdin::Null);
    run.assert_error(&format!(
        "Error: GET {}: response larger than 64 MiB\n",
        get_url(&server)
    ));
    assert!(run.stdout.is_empty());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_body_of_exactly_64_mib_is_delivered() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::LargeBody { len: 64 * MIB });
    let measured = run_measured(&sandbox, &get_args(), Duration::from_secs(60));
    eprintln!("64 MiB answer: peak RSS {} KiB", measured.peak_rss_kb);
    let run = &measured.run;
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stderr);
    assert_eq!(run.stdout.len() as u64, 64 * MIB);
    assert!(run.stdout.starts_with(br#"{"x":"aaa"#));
    assert!(run.stdout.ends_with(br#"aaa"}"#));
}

fn challenge(value: &str) -> Canned {
    Canned {
        status: 401,
        reason: "Unauthorized".into(),
        headers: vec![("WWW-Authenticate".into(), value.into())],
        body: Vec::new(),
    }
}

#[test]
fn an_unusable_digest_challenge_is_named_once() {
    let (server, sandbox) = setup();
    // Passes the reference's checks, but the digest library cannot answer it: no realm.
    server.push_response(challenge(r#"Digest nonce="n", qop="auth""#));
    let run = sandbox.run(&create_args(&[]), Stdin::Bytes(BODY.into()));
    run.assert_error(&format!(
        "Error: POST {}: unsupported digest challenge: the challenge has no realm\n",
        create_url(&server)
    ));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn huge_challenge_values_are_cut_at_200_characters() {
    let (server, sandbox) = setup();
    let nonce = "n".repeat(60_000);
    server.push_response(challenge(&format!(r#"Digest nonce="{nonce}""#)));
    let run = sandbox.run(&create_args(&[]), Stdin::Bytes(BODY.into()));
    run.assert_error(&format!(
        "Error: POST {}: unsupported digest challenge: the challenge has no realm\n",
        create_url(&server)
    ));

    let algorithm = "A".repeat(60_000);
    server.push_response(challenge(&format!(
        r#"Digest realm="r", nonce="{nonce}", algorithm={algorithm}"#
    )));
    let run = sandbox.run(&create_args(&[]), Stdin::Bytes(BODY.into()));
    run.assert_error(&format!(
        "Error: POST {}: unsupported digest challenge: algorithm {}… is not supported\n",
        create_url(&server),
        "A".repeat(200)
    ));
    assert!(run.stderr.len() < 1000);
}

#[test]
fn an_invalid_base_url_never_shows_its_password() {
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config("http://user:PASSWORD@127.0.0.1:99999/");
    let run = sandbox.run(&get_args(), Stdin::Null);
    run.assert_error(
        "Error: failed to build http request\ninvalid base url \"http://user@127.0.0.1:99999/\": invalid port number\n",
    );
}

#[test]
fn an_unusable_proxy_never_shows_its_password_and_nothing_is_sent() {
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config("http://atlas.invalid/");
    let run = sandbox.run_env(
        &get_args(),
        &[("HTTP_PROXY", "http://user:PASSWORD@proxy.invalid:99999")],
        Stdin::Null,
    );
    run.assert_error(&format!(
        "Error: GET http://atlas.invalid/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}: invalid proxy URL \"http://user@proxy.invalid:99999\": invalid port number\n"
    ));
}

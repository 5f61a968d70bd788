//! `atlas api programmaticApiKeys createOrgApiKey` end to end: the built binary against the
//! loopback stand-in, asserting stdout bytes, stderr lines, exit codes, files and every request
//! on the wire (both digest legs).

mod support;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};

use atlas_standin::{Algorithm, Auth, Canned, Config, Fault, Recorded, StandIn};
use support::*;

const BODY: &[u8] = br#"{"desc":"ci key","roles":["ORG_READ_ONLY"]}"#;
const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";

fn standin() -> StandIn {
    StandIn::start(Config::default()).unwrap()
}

fn create(more: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = args("createOrgApiKey", &["--orgId", ORG])
        .into_iter()
        .map(String::from)
        .collect();
    v.extend(more.iter().map(|s| s.to_string()));
    v
}

/// Runs createOrgApiKey with `--file key.json` (stdin /dev/null) plus `more`.
fn run_create(sandbox: &Sandbox, more: &[&str]) -> Run {
    let file = sandbox.write_file("key.json", BODY);
    let mut argv = create(&["--file", file.to_str().unwrap()]);
    argv.extend(more.iter().map(|s| s.to_string()));
    sandbox.run(&refs(&argv), Stdin::Null)
}

fn setup() -> (StandIn, Sandbox) {
    let server = standin();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

/// The two digest legs of one POST to the create endpoint, checked header by header.
fn assert_digest_post(requests: &[Recorded], target: &str, body: &[u8]) {
    assert_eq!(requests.len(), 2, "{requests:#?}");
    for (i, r) in requests.iter().enumerate() {
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, target);
        assert_eq!(r.header("accept"), Some(VERSIONED));
        assert_eq!(r.header("content-type"), Some(VERSIONED));
        assert_eq!(
            r.header("content-length"),
            Some(body.len().to_string().as_str())
        );
        assert_eq!(r.header("transfer-encoding"), None);
        let agent = r.header("user-agent").unwrap();
        assert!(
            agent.starts_with("atlas/") && agent.contains("; "),
            "{agent}"
        );
        assert_eq!(r.body, body, "leg {i}");
    }
    assert_eq!(requests[0].header("authorization"), None);
    assert!(!requests[0].authorized);
    let auth = requests[1].header("authorization").unwrap();
    assert!(auth.starts_with("Digest "), "{auth}");
    assert!(
        auth.contains(&format!("username=\"{PUBLIC_KEY}\"")),
        "{auth}"
    );
    assert!(auth.contains(&format!("uri=\"{target}\"")), "{auth}");
    assert!(!auth.contains(PRIVATE_KEY));
    assert!(requests[1].authorized);
}

fn created_key(server: &StandIn) -> serde_json::Value {
    let state = server.state();
    let keys = state["apiKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{state}");
    keys[0].clone()
}

#[test]
fn creates_a_key_from_a_file() {
    let (server, sandbox) = setup();
    let run = run_create(&sandbox, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, REMINDER);
    let target = format!("/api/atlas/v2/orgs/{ORG}/apiKeys");
    assert_digest_post(&server.requests(), &target, BODY);
    let key = created_key(&server);
    let printed: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(printed["id"], key["id"]);
    assert_eq!(printed["privateKey"], key["privateKey"]);
    assert_eq!(printed["desc"], "ci key");
    assert!(!run.stdout.ends_with(b"\n"), "no newline is added");
    assert!(!run.stderr.contains(key["privateKey"].as_str().unwrap()));
}

#[test]
fn reads_the_body_from_piped_stdin() {
    let (server, sandbox) = setup();
    let mut body = BODY.to_vec();
    body.push(b'\n');
    let run = sandbox.run(&refs(&create(&[])), Stdin::Bytes(body.clone()));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, REMINDER);
    assert_digest_post(
        &server.requests(),
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys"),
        &body,
    );
}

#[test]
fn stdout_is_the_response_body_byte_for_byte() {
    let (server, sandbox) = setup();
    let recorded = data(
        "recorded/TestAtlasOrgAPIKeys/Create/POST_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_1.snaphost",
    );
    let canned = Canned::from_snaphost(&recorded).unwrap();
    let expected = canned.body.clone();
    server.push_response(canned);
    let run = run_create(&sandbox, &["--version", "2023-01-01"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, expected);
    assert_eq!(
        server.requests().len(),
        1,
        "a non-401 answer needs no second leg"
    );
}

#[test]
fn version_flag_and_profile_api_version_silence_the_reminder() {
    let (_server, sandbox) = setup();
    let run = run_create(&sandbox, &["--version", "2023-01-01"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let run = sandbox.run_env(
        &refs(&create(&[
            "--file",
            sandbox.write_file("k.json", BODY).to_str().unwrap(),
        ])),
        &[("MONGODB_ATLAS_API_VERSION", "2023-01-01")],
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
}

#[test]
fn an_unsupported_version_warns_and_uses_the_default() {
    let (server, sandbox) = setup();
    let run = run_create(&sandbox, &["--version", "2020-01-01"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        "warning: version '2020-01-01' is not supported for this endpoint, using default API version '2023-01-01'; consider pinning a version to ensure consisentcy when updating the CLI\n"
    );
    assert_eq!(server.requests()[0].header("accept"), Some(VERSIONED));
}

#[test]
fn query_flags_are_sent_sorted_and_only_when_set() {
    let cases: &[(&[&str], &str)] = &[
        (&["--pretty", "--envelope"], "?envelope=true&pretty=true"),
        (&["--pretty=false"], "?pretty=false"),
        (&["--pretty", "false"], "?pretty=true"),
        (&["--envelope=0", "--envelope=T"], "?envelope=true"),
        (&[], ""),
    ];
    for (flags, query) in cases {
        let (server, sandbox) = setup();
        let run = run_create(&sandbox, flags);
        assert_eq!(run.code, 0, "{flags:?} {run:?}");
        let target = format!("/api/atlas/v2/orgs/{ORG}/apiKeys{query}");
        assert_digest_post(&server.requests(), &target, BODY);
    }
}

#[test]
fn unsupported_output_formats_send_nothing() {
    for format in ["csv", "", "}}{{"] {
        let (server, sandbox) = setup();
        let run = run_create(&sandbox, &["-o", format]);
        run.assert_error(&format!(
            "{REMINDER}Error: failed to build http request\nunsupported content type\nexpected one of the following values: [json], but got '{format}' instead\n"
        ));
        assert!(server.requests().is_empty());
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn error_responses_go_to_stdout_then_fail() {
    let (server, sandbox) = setup();
    let other_org = "c0123456789abcdef012345c";
    let file = sandbox.write_file("key.json", BODY);
    let run = sandbox.run(
        &args(
            "createOrgApiKey",
            &["--orgId", other_org, "--file", file.to_str().unwrap()],
        ),
        Stdin::Null,
    );
    run.assert_error(&format!(
        "{REMINDER}Error: server returned an error response code\n"
    ));
    let body: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(body["error"], 404);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn recorded_error_bodies_pass_through_unchanged() {
    let fixtures = [
        "recorded/TestSetupFailureFlow/Invalid_Project_ID/POST_api_atlas_v2_groups_111111111111111111111111_databaseUsers_2.snaphost",
        "recorded/TestClustersFlags/Fail_Delete_for_Termination_Protection_enabled/DELETE_api_atlas_v2_groups_698c46b9e3bbe1ace0f30dcf_clusters_cluster-943_1.snaphost",
        "recorded/TestLinkToken/DELETE_api_atlas_v2_orgs_a0123456789abcdef012345a_liveMigrations_linkTokens_1.snaphost",
    ];
    for fixture in fixtures {
        let (server, sandbox) = setup();
        let canned = Canned::from_snaphost(&data(fixture)).unwrap();
        let expected = canned.body.clone();
        server.push_response(canned);
        let run = run_create(&sandbox, &["--version", "2023-01-01"]);
        run.assert_error("Error: server returned an error response code\n");
        assert_eq!(run.stdout, expected, "{fixture}");
    }
}

#[test]
fn a_missing_org_id_is_reported_after_the_reminder() {
    let (server, sandbox) = setup();
    let run = sandbox.run(&op("createOrgApiKey"), Stdin::Bytes(BODY.to_vec()));
    run.assert_error(&format!(
        "{REMINDER}Error: required flag(s) \"orgId\" not set\n"
    ));
    assert!(server.requests().is_empty());
}

#[test]
fn org_id_comes_from_the_profile_when_not_given() {
    let server = standin();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\norg_id = 'c0123456789abcdef012345c'\n[ci]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{PRIVATE_KEY}'\nops_manager_url = '{}'\norg_id = '{ORG}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    let run = sandbox.run(
        &["-P", "CI", "api", "programmaticApiKeys", "createOrgApiKey"],
        Stdin::Bytes(BODY.to_vec()),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(
        server.requests()[1].target,
        format!("/api/atlas/v2/orgs/{ORG}/apiKeys")
    );

    let run = sandbox.run_env(
        &op("createOrgApiKey"),
        &[("MONGODB_ATLAS_PROFILE", "ci")],
        Stdin::Bytes(BODY.to_vec()),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
}

#[test]
fn environment_variables_override_the_file() {
    let server = standin();
    let sandbox = Sandbox::new();
    sandbox.write_config(
        "[default]\nops_manager_url = 'http://127.0.0.1:1/'\npublic_api_key = 'wrong'\n",
    );
    let env = [
        ("MONGODB_ATLAS_OPS_MANAGER_URL", server.url()),
        ("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC_KEY.to_string()),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY.to_string()),
        ("MONGODB_ATLAS_ORG_ID", ORG.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = sandbox.run_env(&op("createOrgApiKey"), &env, Stdin::Bytes(BODY.to_vec()));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(server.requests()[1].authorized);

    // With any MCLI_ variable set, MONGODB_ATLAS_ variables are ignored.
    let mut mcli = env.clone();
    mcli.push(("MCLI_TELEMETRY_ENABLED", "false"));
    let run = sandbox.run_env(&op("createOrgApiKey"), &mcli, Stdin::Bytes(BODY.to_vec()));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .ends_with("Error: required flag(s) \"orgId\" not set\n"),
        "{run:?}"
    );
}

#[test]
fn body_input_rules() {
    let (server, sandbox) = setup();
    // Neither --file nor piped stdin.
    let run = sandbox.run(&refs(&create(&[])), Stdin::Null);
    run.assert_error(&format!(
        "{REMINDER}Error: --file flag is required when not using piped input\n"
    ));
    // --file and stdin holding data.
    let file = sandbox.write_file("key.json", BODY);
    let with_file = create(&["--file", file.to_str().unwrap()]);
    let run = sandbox.run(&refs(&with_file), Stdin::Bytes(b"{}".to_vec()));
    run.assert_error(&format!(
        "{REMINDER}Error: cannot use --file flag and also input from standard input\n"
    ));
    // --file and a regular file with content on stdin.
    let run = sandbox.run(&refs(&with_file), Stdin::File(file.clone()));
    run.assert_error(&format!(
        "{REMINDER}Error: cannot use --file flag and also input from standard input\n"
    ));
    // A missing file.
    let run = sandbox.run(&refs(&create(&["--file", "nope.json"])), Stdin::Null);
    run.assert_error(&format!(
        "{REMINDER}Error: error opening file nope.json: open nope.json: no such file or directory\n"
    ));
    // A directory.
    let run = sandbox.run(&refs(&create(&["--file", "home"])), Stdin::Null);
    run.assert_error(&format!(
        "{REMINDER}Error: error opening file home: read home: is a directory\n"
    ));
    assert!(server.requests().is_empty(), "nothing is sent on bad input");
}

#[test]
fn file_wins_over_an_empty_or_silent_stdin() {
    let (server, sandbox) = setup();
    let file = sandbox.write_file("key.json", BODY);
    let with_file = create(&["--file", file.to_str().unwrap()]);
    let run = sandbox.run(&refs(&with_file), Stdin::Bytes(Vec::new()));
    assert_eq!(run.code, 0, "closed empty pipe: {run:?}");
    let empty = sandbox.write_file("empty", b"");
    let run = sandbox.run(&refs(&with_file), Stdin::File(empty));
    assert_eq!(run.code, 0, "empty regular file: {run:?}");
    let started = std::time::Instant::now();
    let run = sandbox.run(&refs(&with_file), Stdin::Silent);
    assert_eq!(run.code, 0, "silent pipe: {run:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let requests = server.requests();
    // Two legs for the first run; the next two answer its remembered challenge ("Repeat calls in
    // one round trip").
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|r| r.body == BODY));
}

#[test]
fn output_file_gets_the_body_and_stdout_nothing() {
    let (server, sandbox) = setup();
    let out = sandbox.path("new-key.json");
    let run = run_create(&sandbox, &["--outputFile", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty());
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written["id"], created_key(&server)["id"]);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a new file holding a private key is private");

    // An existing file keeps its mode; an error body lands in the file too.
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    server.push_response(Canned::json(409, r#"{"error":409}"#));
    let run = run_create(&sandbox, &["--outputFile", out.to_str().unwrap()]);
    run.assert_error(&format!(
        "{REMINDER}Error: server returned an error response code\n"
    ));
    assert_eq!(std::fs::read(&out).unwrap(), br#"{"error":409}"#);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn output_file_is_untouched_when_no_response_arrives() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::Close);
    let out = sandbox.write_file("keep.json", b"previous");
    let run = run_create(&sandbox, &["--outputFile", out.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn loopback_is_never_proxied() {
    let (server, sandbox) = setup();
    let file = sandbox.write_file("key.json", BODY);
    let run = sandbox.run_env(
        &refs(&create(&["--file", file.to_str().unwrap()])),
        &[
            ("HTTP_PROXY", "http://127.0.0.1:1"),
            ("http_proxy", "http://127.0.0.1:1"),
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn sha256_and_qop_less_challenges_are_answered() {
    for (algorithm, qop) in [
        (Algorithm::Sha256, Some("auth")),
        (Algorithm::Md5, None),
        (Algorithm::Sha256, None),
    ] {
        let server = StandIn::start(Config {
            auth: Auth::Digest {
                public_key: PUBLIC_KEY.into(),
                private_key: PRIVATE_KEY.into(),
                algorithm,
                qop: qop.map(String::from),
            },
            ..Config::default()
        })
        .unwrap();
        let sandbox = Sandbox::new();
        sandbox.write_api_key_config(&server.url());
        let run = run_create(&sandbox, &[]);
        assert_eq!(run.code, 0, "{algorithm:?} {qop:?}: {run:?}");
        assert!(server.requests()[1].authorized);
    }
}

#[test]
fn wrong_credentials_print_the_401_body() {
    let server = standin();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = 'ffffffff-fake-fake-fake-ffffffffffff'\nops_manager_url = '{}'\n",
        server.url()
    ));
    let run = run_create(&sandbox, &[]);
    run.assert_error(&format!(
        "{REMINDER}Error: server returned an error response code\n"
    ));
    assert_eq!(
        run.stdout_text(),
        "{\n  \"error\" : 401,\n  \"reason\" : \"Unauthorized\",\n  \"detail\" : \"You are not authorized for this resource.\"\n}"
    );
    assert_eq!(server.requests().len(), 2, "the second 401 is final");
    assert!(!run.stderr.contains("ffffffff-fake"));
}

#[test]
fn without_credentials_the_request_goes_out_unauthenticated() {
    let server = standin();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\nops_manager_url = '{}'\n",
        server.url()
    ));
    let run = run_create(&sandbox, &[]);
    run.assert_error(&format!(
        "{REMINDER}Error: server returned an error response code\n"
    ));
    assert!(run.stdout_text().contains("\"error\" : 401"));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), None);
}

#[test]
fn unusable_digest_challenges_are_refused() {
    let cases = [
        (
            "Digest realm=\"MMS Public API\", nonce=\"n\", algorithm=SHA-512-256, qop=\"auth\"",
            "algorithm SHA-512-256 is not supported",
        ),
        (
            "Digest realm=\"MMS Public API\", nonce=\"n\", algorithm=MD5, qop=\"auth-int\"",
            "qop auth-int is not supported",
        ),
    ];
    for (challenge, reason) in cases {
        let (server, sandbox) = setup();
        let mut canned = Canned::json(401, r#"{"error":401}"#);
        canned
            .headers
            .push(("WWW-Authenticate".into(), challenge.into()));
        server.push_response(canned);
        let run = run_create(&sandbox, &[]);
        run.assert_error(&format!(
            "{REMINDER}Error: POST {}/api/atlas/v2/orgs/{ORG}/apiKeys: unsupported digest challenge: {reason}\n",
            server.url()
        ));
        assert_eq!(server.requests().len(), 1, "the challenge is not answered");
    }
}

#[test]
fn a_401_without_challenge_is_an_ordinary_error_response() {
    let (server, sandbox) = setup();
    server.push_response(Canned::json(
        401,
        r#"{"error":401,"reason":"Unauthorized"}"#,
    ));
    let run = run_create(&sandbox, &[]);
    run.assert_error(&format!(
        "{REMINDER}Error: server returned an error response code\n"
    ));
    assert_eq!(run.stdout, br#"{"error":401,"reason":"Unauthorized"}"#);
}

#[test]
fn a_connection_dropped_mid_body_is_reported_and_nothing_written() {
    let (server, sandbox) = setup();
    server.push_fault(Fault::DropMidBody);
    let out = sandbox.path("out.json");
    let run = run_create(&sandbox, &["--outputFile", out.to_str().unwrap()]);
    run.assert_error(&format!(
        "{REMINDER}Error: POST {}/api/atlas/v2/orgs/{ORG}/apiKeys: connection closed before the response was complete\n",
        server.url()
    ));
    assert!(!out.exists());
}

#[test]
fn config_problems_are_one_line_and_send_nothing() {
    let (server, sandbox) = setup();
    sandbox.write_config(&format!(
        "[default]\nprivate_api_key = 'super-secret-value\nops_manager_url = '{}'\n",
        server.url()
    ));
    let run = run_create(&sandbox, &[]);
    assert_eq!(run.code, 1);
    let path = sandbox.config_path();
    assert!(
        run.stderr
            .starts_with(&format!("Error: cannot parse {}: ", path.display())),
        "{run:?}"
    );
    assert!(run.stderr.contains(" at line 2, column "), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(!run.stderr.contains("super-secret"));

    sandbox.write_config("[default]\norg_id = 42\n");
    let run = run_create(&sandbox, &[]);
    run.assert_error(&format!(
        "Error: invalid org_id in {}: expected string\n",
        path.display()
    ));

    sandbox.write_config("[default]\nservice = 'mars'\n");
    let run = run_create(&sandbox, &[]);
    run.assert_error("Error: unsupported service: mars\n");

    let run = sandbox.run(
        &[
            "-P",
            "my.prof",
            "api",
            "programmaticApiKeys",
            "createOrgApiKey",
        ],
        Stdin::Null,
    );
    run.assert_error("Error: profile should not contain '.': \"my.prof\"\n");

    let run = sandbox.run_env(
        &refs(&create(&[])),
        &[("XDG_CONFIG_HOME", "relative/dir")],
        Stdin::Null,
    );
    run.assert_error("Error: path in $XDG_CONFIG_HOME is relative\n");
    assert!(server.requests().is_empty());
}

#[test]
fn help_and_flag_errors_work_without_a_config() {
    let sandbox = Sandbox::new();
    sandbox.write_config("this is [not toml");
    let run = sandbox.run(&args("createOrgApiKey", &["--help"]), Stdin::Null);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout_text()
            .contains("Usage:\n  atlas api programmaticApiKeys createOrgApiKey [flags]\n")
    );
    let run = sandbox.run(&args("createOrgApiKey", &["--foo"]), Stdin::Null);
    run.assert_error("Error: unknown flag: --foo\n");
    let run = sandbox.run(&args("createOrgApiKey", &["--orgId"]), Stdin::Null);
    run.assert_error("Error: flag needs an argument: --orgId\n");
    let run = sandbox.run(&args("createOrgApiKey", &["--pretty=maybe"]), Stdin::Null);
    run.assert_error("Error: invalid argument \"maybe\" for \"--pretty\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\n");
    let run = sandbox.run(&args("createOrgApiKey", &["-x"]), Stdin::Null);
    run.assert_error("Error: unknown shorthand flag: 'x' in -x\n");
    let run = sandbox.run(&args("createOrgApiKey", &["-o"]), Stdin::Null);
    run.assert_error("Error: flag needs an argument: 'o' in -o\n");
    assert!(
        !sandbox
            .path("home/.config/atlascli/config.toml.tmp")
            .exists()
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.config_path()).unwrap(),
        "this is [not toml",
        "the config is never written"
    );
}

#[test]
fn repeated_flags_take_the_last_value() {
    let (server, sandbox) = setup();
    let file = sandbox.write_file("key.json", BODY);
    let run = sandbox.run(
        &args(
            "createOrgApiKey",
            &[
                "--orgId",
                "c0123456789abcdef012345c",
                "--orgId",
                ORG,
                "--file",
                file.to_str().unwrap(),
            ],
        ),
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.requests()[0].target,
        format!("/api/atlas/v2/orgs/{ORG}/apiKeys")
    );
}

#[test]
fn output_file_may_be_a_fifo_or_dev_stdout() {
    let (server, sandbox) = setup();
    let fifo = sandbox.path("key.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let run = run_create(&sandbox, &["--outputFile", fifo.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    let through_fifo = reader.join().unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&through_fifo).unwrap();
    assert_eq!(printed["id"], created_key(&server)["id"]);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "still a FIFO"
    );

    let run = run_create(&sandbox, &["--outputFile", "/dev/stdout"]);
    assert_eq!(run.code, 0, "{run:?}");
    let printed: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(printed["desc"], "ci key");
}

/// Proxies, end to end, where no packet can leave the machine: the binary and a stand-in
/// acting as the proxy run in a fresh network namespace (`unshare -n`, loopback only), so a
/// request that skipped the proxy could only fail to resolve its host.
#[test]
#[cfg_attr(no_netns, ignore = "needs root, unshare -n and ip")]
fn remote_hosts_go_through_the_proxy_unless_no_proxy_says_otherwise() {
    let atlas = std::path::PathBuf::from(env!("CARGO_BIN_EXE_atlas"));
    let proxy_bin = atlas.with_file_name("atlas-standin");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    let probe = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status();
    if !is_root || !probe.is_ok_and(|s| s.success()) || !proxy_bin.exists() {
        panic!(
            "needs root, unshare -n and the atlas-standin binary, which build.rs found when the tests were built (touch build.rs to build them again)"
        );
    }
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config("http://atlas.example/");
    let file = sandbox.write_file("key.json", BODY);
    let run_in_namespace = |no_proxy: &str| {
        let script = format!(
            "ip link set lo up; {proxy} --port 18555 >/dev/null & proxy=$!; sleep 0.5; \
             HTTP_PROXY=http://127.0.0.1:18555 NO_PROXY={no_proxy} {atlas} api programmaticApiKeys createOrgApiKey \
             --orgId {ORG} --version 2023-01-01 --file {file} </dev/null; code=$?; \
             kill $proxy; wait $proxy 2>/dev/null; exit $code",
            proxy = proxy_bin.display(),
            atlas = atlas.display(),
            file = file.display(),
        );
        let mut command = std::process::Command::new("unshare");
        command
            .args(["-n", "sh", "-c", &script])
            .env_clear()
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", sandbox.path("home"));
        sandbox.run_with(command, Stdin::Null)
    };
    // Through the proxy: the stand-in answers (it cannot verify a digest for an absolute-form
    // target, so the answer is its 401 body).
    let run = run_in_namespace("other.example");
    run.assert_error("Error: server returned an error response code\n");
    assert!(run.stdout_text().contains("\"error\" : 401"), "{run:?}");
    // NO_PROXY names the host: a direct connection, which cannot resolve it.
    let run = run_in_namespace("atlas.example");
    run.assert_error(&format!(
        "Error: POST http://atlas.example/api/atlas/v2/orgs/{ORG}/apiKeys: cannot resolve host \"atlas.example\"\n"
    ));
}

#[test]
fn an_empty_output_file_means_stdout() {
    let (server, sandbox) = setup();
    let run = run_create(&sandbox, &["--outputFile="]);
    assert_eq!(run.code, 0, "{run:?}");
    let printed: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(printed["id"], created_key(&server)["id"]);
}

#[test]
fn gzip_answers_are_printed_decoded() {
    use std::io::Write;
    let (server, sandbox) = setup();
    let body = br#"{"id":"gz","desc":"compressed"}"#;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).unwrap();
    let mut canned = Canned::json(200, "");
    canned.body = encoder.finish().unwrap();
    canned
        .headers
        .push(("Content-Encoding".into(), "gzip".into()));
    server.push_response(canned);
    let run = run_create(&sandbox, &["--version", "2023-01-01"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(run.stdout, body);
    assert_eq!(server.requests()[0].header("accept-encoding"), Some("gzip"));
}

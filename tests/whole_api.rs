//! Every command of the catalogue through the built binary: checks made before anything is
//! sent (path segments, 24-hex ids of any command), the required `-o` of commands with several
//! formats, the `--outputFile` a gzip answer needs when stdout is not piped, and that every
//! command's help and flag parsing work.

mod support;

use std::process::Stdio;

use atlas_standin::{Canned, StandIn};
use support::{Sandbox, Stdin, wait_bounded};

const GROUP: &str = "b0123456789abcdef012345b";
const ORG: &str = "a0123456789abcdef012345a";

/// The stand-in taking any request, and a sandbox pointed at it.
fn open_standin() -> (StandIn, Sandbox) {
    support::open_standin("api_version = '2023-01-01'\n")
}

/// Exit 1 with `error` as stderr's last line (version warnings may come before it).
fn assert_fails_with(run: &support::Run, error: &str) {
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stderr.lines().last(), Some(error), "{run:?}");
    assert!(run.stdout.is_empty());
}

#[test]
fn a_path_parameter_that_is_not_a_segment_is_refused_before_sending() {
    let (server, sandbox) = open_standin();
    for value in ["..", ".", ""] {
        let run = sandbox.run(
            &[
                "api",
                "clusters",
                "getCluster",
                "--groupId",
                GROUP,
                "--clusterName",
                value,
            ],
            Stdin::Null,
        );
        assert_fails_with(
            &run,
            &format!("Error: invalid --clusterName \"{value}\": not a valid path segment"),
        );
    }
    assert!(server.requests().is_empty());
    // Anything else is escaped as Go's url.PathEscape does.
    server.push_response(Canned::json(200, "{}"));
    let run = sandbox.run(
        &[
            "api",
            "clusters",
            "getCluster",
            "--groupId",
            GROUP,
            "--clusterName",
            "a b/c?d",
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.requests()[0].target,
        format!("/api/atlas/v2/groups/{GROUP}/clusters/a%20b%2Fc%3Fd")
    );
}

#[test]
fn ids_of_every_command_are_checked_wherever_they_come_from() {
    let (server, sandbox) = open_standin();
    let run = sandbox.run(
        &[
            "api",
            "clusters",
            "listClusters",
            "--projectId",
            "not-an-id",
        ],
        Stdin::Null,
    );
    assert_fails_with(
        &run,
        "Error: invalid --groupId \"not-an-id\": must be 24 hexadecimal digits",
    );
    let run = sandbox.run_env(
        &["api", "databaseUsers", "listDatabaseUsers"],
        &[("MONGODB_ATLAS_PROJECT_ID", "ABCDEF0123456789abcdef01")],
        Stdin::Null,
    );
    assert_fails_with(
        &run,
        "Error: invalid --groupId \"ABCDEF0123456789abcdef01\": must be 24 hexadecimal digits",
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_command_with_several_formats_needs_output() {
    let (server, sandbox) = open_standin();
    let args = [
        "api",
        "invoices",
        "getInvoice",
        "--orgId",
        ORG,
        "--invoiceId",
        "c0123456789abcdef012345c",
    ];
    let run = sandbox.run(&args, Stdin::Null);
    assert_fails_with(&run, "Error: required flag(s) \"output\" not set");
    server.push_response(Canned::json(200, "{}"));
    let run = sandbox.run(&[&args[..], &["-o", "json"]].concat(), Stdin::Null);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.requests()[0].header("accept"),
        Some("application/vnd.atlas.2023-01-01+json")
    );
}

#[test]
fn a_gzip_answer_needs_an_output_file_when_stdout_is_not_piped() {
    let (server, sandbox) = open_standin();
    let args = [
        "api",
        "dataFederation",
        "downloadFederationQueryLogs",
        "--groupId",
        GROUP,
        "--tenantName",
        "t1",
    ];
    // stdout /dev/null: a character device, so not "piped".
    let mut command = sandbox.command(&args);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let output = wait_bounded(command.spawn().unwrap(), std::time::Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Error: required flag(s) \"outputFile\" not set\n"
    );
    assert!(server.requests().is_empty());
    // Piped, it is sent.
    server.push_response(Canned::json(200, "{}"));
    let run = sandbox.run(&args, Stdin::Null);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.requests()[0].header("accept"),
        Some("application/vnd.atlas.2023-01-01+gzip")
    );
}

#[test]
fn every_command_prints_its_help_and_parses_its_flags() {
    // In one process per tag is too slow for 527 commands; the library's own check of every
    // command's help runs in its unit tests. Here, through the binary, one command of each tag
    // and every verb: its help, and a flag it does not have.
    let sandbox = Sandbox::new();
    let mut verbs = std::collections::BTreeSet::new();
    for tag in atlas::api::operations::tags() {
        let op = &tag.operations[0];
        verbs.insert(op.method.as_str());
        let run = sandbox.run(&["api", tag.name, op.command_name, "--help"], Stdin::Null);
        assert_eq!(run.code, 0, "{} {}: {run:?}", tag.name, op.command_name);
        assert!(run.stdout_text().contains(&format!(
            "atlas api {} {} [flags]",
            tag.name, op.command_name
        )));
        let run = sandbox.run(
            &["api", tag.name, op.command_name, "--no-such-flag"],
            Stdin::Null,
        );
        assert_eq!(
            run.stderr.lines().last(),
            Some("Error: unknown flag: --no-such-flag"),
            "{} {}",
            tag.name,
            op.command_name
        );
    }
    assert!(verbs.len() >= 3, "{verbs:?}");
}

#[test]
fn debug_dumps_hide_every_secret_named_field_of_any_command() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(
        200,
        r#"{"username":"u","password":"hunter2-fake","nested":{"awsSecretAccessKey":"fake-aws","apiKey":"fake-k"},"x509Type":"NONE"}"#,
    ));
    let body = r#"{"username":"u","password":"hunter2-fake","databaseName":"admin","oidcAuthType":"NONE","roles":[{"roleName":"read","databaseName":"d","db_password":"also-fake"}]}"#;
    let run = sandbox.run(
        &[
            "api",
            "databaseUsers",
            "createDatabaseUser",
            "--groupId",
            GROUP,
            "--version",
            "2023-01-01",
            "-D",
        ],
        Stdin::Bytes(body.as_bytes().to_vec()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    for secret in ["hunter2-fake", "fake-aws", "fake-k", "also-fake"] {
        assert!(!run.stderr.contains(secret), "{secret} in {}", run.stderr);
    }
    assert!(
        run.stderr.contains(r#""password":"[redacted]""#),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(r#""username":"u""#));
    // stdout carries the answer as it came.
    assert!(run.stdout_text().contains("hunter2-fake"));
}

#[test]
fn a_put_is_retried_like_a_delete() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(503, r#"{"error":503}"#));
    server.push_response(Canned::json(200, "{}"));
    let run = sandbox.run(
        &[
            "api",
            "cloudBackups",
            "updateCompliancePolicy",
            "--groupId",
            GROUP,
            "--version",
            "2023-01-01",
        ],
        Stdin::Bytes(b"{}".to_vec()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["PUT", "PUT"]);
    assert!(run.stderr.contains("retrying in"), "{}", run.stderr);
}

/// A `200` whose body is `bytes` of `content_type`.
fn binary_answer(content_type: &str, bytes: Vec<u8>) -> Canned {
    let mut canned = Canned::json(200, "");
    canned.headers = vec![("Content-Type".into(), content_type.into())];
    canned.body = bytes;
    canned
}

fn gzip_of(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn binary_answers_pass_through_unchanged_and_unbounded() {
    let (server, sandbox) = open_standin();
    // Larger than the 64 MiB bound of JSON answers, and never decoded.
    let log: Vec<u8> = (0..70u32 << 20).map(|i| (i % 251) as u8).collect();
    let gz = gzip_of(&log);
    server.push_response(binary_answer(
        "application/vnd.atlas.2023-01-01+gzip",
        gz.clone(),
    ));
    let out = sandbox.path("logs.gz");
    let run = sandbox.run(
        &[
            "api",
            "dataFederation",
            "downloadFederationQueryLogs",
            "--groupId",
            GROUP,
            "--tenantName",
            "t1",
            "--outputFile",
            out.to_str().unwrap(),
        ],
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert!(run.stdout.is_empty());
    assert_eq!(std::fs::read(&out).unwrap(), gz);
    // A csv answer on stdout, byte for byte; -D shows its size, not its bytes.
    let csv = b"Invoice Number,Amount\n1,2.50\n".to_vec();
    server.push_response(binary_answer(
        "application/vnd.atlas.2023-01-01+csv",
        csv.clone(),
    ));
    let run = sandbox.run(
        &[
            "api",
            "invoices",
            "getInvoice",
            "--orgId",
            ORG,
            "--invoiceId",
            "c0123456789abcdef012345c",
            "-o",
            "csv",
            "-D",
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, csv);
    assert!(
        run.stderr
            .contains("[29 bytes of application/vnd.atlas.2023-01-01+csv]"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_binary_answer_cut_short_leaves_no_file() {
    let (server, sandbox) = open_standin();
    server.push_fault(atlas_standin::Fault::DropMidBody);
    let out = sandbox.path("logs.gz");
    let run = sandbox.run(
        &[
            "api",
            "dataFederation",
            "downloadFederationQueryLogs",
            "--groupId",
            GROUP,
            "--tenantName",
            "t1",
            "--outputFile",
            out.to_str().unwrap(),
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .ends_with("connection closed before the response was complete\n"),
        "{}",
        run.stderr
    );
    let left: Vec<_> = std::fs::read_dir(sandbox.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("logs.gz"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn any_post_s_answer_is_kept_when_its_template_misses_a_field() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(
        201,
        r#"{"username":"u","password":"fake-one-time","databaseName":"admin"}"#,
    ));
    let state = sandbox.path("state");
    let run = sandbox.run_env(
        &[
            "api",
            "databaseUsers",
            "createDatabaseUser",
            "--groupId",
            GROUP,
            "--version",
            "2023-01-01",
            "-o",
            "{{.pasword}}",
        ],
        &[("XDG_STATE_HOME", state.to_str().unwrap())],
        Stdin::Bytes(b"{}".to_vec()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout_text(), "<no value>");
    let mut lines = run.stderr.lines();
    assert_eq!(
        lines.next(),
        Some("warning: the template names fields the response does not have: .pasword")
    );
    let saved = lines
        .next()
        .and_then(|l| l.strip_prefix("the response was saved to "))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(saved.contains("-createDatabaseUser-"), "{saved}");
    assert!(
        std::fs::read_to_string(saved)
            .unwrap()
            .contains("fake-one-time")
    );
}

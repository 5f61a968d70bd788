//! The whole catalogue through the built binary against the stand-in, with digest auth as the
//! default config does it: every command outside the keys' tag, and a command of every tag and
//! verb, answered 2xx, gzip and CSV bodies
//! as they are, three `--watch` runs reaching their state, and an unknown route's 404.

mod support;

use std::collections::BTreeSet;
use std::io::Read;

use atlas::api::operations::{Method, Operation, ParamType, Parameter, tags};
use atlas_standin::{Config, StandIn};
use support::{GROUP, KEY_ID, ORG, Sandbox, Stdin};

/// A digest stand-in with the two recorded keys, and a sandbox whose profile points at it.
fn open_standin() -> (StandIn, Sandbox) {
    let server = StandIn::start(Config {
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

/// A generated value for a required parameter: the stand-in's org, project and seeded key
/// where those are named, else a 24-hex id for ids and a short word for the rest.
fn value_for(p: &Parameter) -> String {
    match (p.name, p.kind) {
        ("orgId", _) => ORG.into(),
        ("groupId", _) => GROUP.into(),
        ("apiUserId", _) => KEY_ID.into(),
        // Checked as an address before sending, wherever it appears.
        ("ipAddress", _) => "192.0.2.1".into(),
        (_, ParamType::Int) => "1".into(),
        (_, ParamType::Bool) => "true".into(),
        (name, _) if p.hex_id || name.ends_with("Id") => "c0123456789abcdef012345c".into(),
        _ => "w1".into(),
    }
}

/// The command line of `op` with every required parameter filled, and its stdin (a body).
fn invocation(op: &Operation) -> (Vec<String>, Stdin) {
    let mut args = vec!["api".into(), op.tag.into(), op.command_name.into()];
    for p in op.parameters().filter(|p| p.required) {
        args.push(format!("--{}", p.name));
        args.push(value_for(p));
    }
    if op.default_format().is_none() {
        args.extend(["-o".into(), "json".into()]);
    }
    // The keys' routes check their bodies (desc and roles); every other route echoes them.
    let body = match op.tag {
        "programmaticApiKeys" => r#"{"desc":"d","roles":["ORG_MEMBER"]}"#,
        _ => "{}",
    };
    let stdin = match op.has_body() {
        true => Stdin::Bytes(body.as_bytes().to_vec()),
        false => Stdin::Null,
    };
    (args, stdin)
}

const VERBS: [Method; 5] = [
    Method::Get,
    Method::Post,
    Method::Patch,
    Method::Put,
    Method::Delete,
];

#[test]
fn a_command_of_every_tag_and_verb_is_answered_with_digest() {
    let (server, sandbox) = open_standin();
    let mut tags_done = BTreeSet::new();
    let mut verbs_done = BTreeSet::new();
    let mut commands = 0;
    let mut failures = Vec::new();
    for tag in tags() {
        for verb in VERBS {
            // The first command of the verb that runs: the keys' routes have real state, and
            // a random key id is not found there.
            let mut candidates = tag.operations.iter().filter(|op| op.method == verb);
            let Some(first) = candidates.next() else {
                continue;
            };
            let mut tried = Vec::new();
            for op in std::iter::once(first).chain(candidates).take(3) {
                server.clear_requests();
                let (args, stdin) = invocation(op);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let run = sandbox.run(&args, stdin);
                let seen = server.requests();
                let last = seen.last();
                if run.code == 0 && last.is_some_and(|r| r.authorized) {
                    commands += 1;
                    tags_done.insert(tag.name);
                    verbs_done.insert(verb.as_str());
                    tried.clear();
                    break;
                }
                tried.push(format!("{}: {}", op.command_name, run.stderr.trim_end()));
            }
            failures.extend(tried);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(tags_done.len(), 57);
    assert_eq!(verbs_done.len(), 5, "{verbs_done:?}");
    eprintln!("{commands} commands of 57 tags answered");
}

#[test]
fn a_gzip_download_is_a_valid_gzip_stream() {
    let (_server, sandbox) = open_standin();
    let run = sandbox.run(
        &[
            "api",
            "dataFederation",
            "downloadFederationQueryLogs",
            "--groupId",
            GROUP,
            "--tenantName",
            "t1",
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let mut text = String::new();
    flate2::read::GzDecoder::new(run.stdout.as_slice())
        .read_to_string(&mut text)
        .expect("a valid gzip stream");
    let line: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(line["tenantName"], "t1");
}

#[test]
fn an_invoice_as_csv() {
    let (_server, sandbox) = open_standin();
    let invoice = "c0123456789abcdef012345c";
    let run = sandbox.run(
        &[
            "api",
            "invoices",
            "getInvoice",
            "--orgId",
            ORG,
            "--invoiceId",
            invoice,
            "-o",
            "csv",
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout_text(),
        format!("id,invoiceId,orgId\r\n{invoice},{invoice},{ORG}\r\n")
    );
}

fn gets(server: &StandIn) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.authorized && r.method == "GET")
        .count()
}

#[test]
fn a_cluster_update_is_watched_until_idle() {
    let (server, sandbox) = open_standin();
    let run = sandbox.run(
        &[
            "api",
            "clusters",
            "updateCluster",
            "--groupId",
            GROUP,
            "--clusterName",
            "c1",
            "--watch",
        ],
        Stdin::Bytes(b"{}".to_vec()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout_text().contains(r#""stateName":"UPDATING""#),
        "{run:?}"
    );
    // Two polls in progress, the third finds IDLE.
    assert_eq!(gets(&server), 3);
}

#[test]
fn a_cluster_deletion_is_watched_until_not_found() {
    let (server, sandbox) = open_standin();
    let run = sandbox.run(
        &[
            "api",
            "clusters",
            "deleteCluster",
            "--groupId",
            GROUP,
            "--clusterName",
            "c1",
            "--watch",
        ],
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(gets(&server), 3);
}

#[test]
fn a_backup_export_is_polled_by_the_id_of_its_answer() {
    let (server, sandbox) = open_standin();
    let run = sandbox.run(
        &[
            "api",
            "cloudBackups",
            "createBackupExport",
            "--groupId",
            GROUP,
            "--clusterName",
            "c3",
            "--watch",
        ],
        Stdin::Bytes(b"{}".to_vec()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let answer: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let id = answer["id"].as_str().unwrap();
    let polled: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.authorized && r.method == "GET")
        .map(|r| r.path.clone())
        .collect();
    let path = format!("/api/atlas/v2/groups/{GROUP}/clusters/c3/backup/exports/{id}");
    assert_eq!(polled, [path.clone(), path.clone(), path]);
}

#[test]
fn an_unknown_route_is_not_found() {
    // A base URL with a path of its own puts every route under it, where none is served.
    let (server, sandbox) = open_standin();
    sandbox.write_api_key_config(&format!("{}/elsewhere", server.url()));
    let run = sandbox.run(
        &["api", "clusters", "listClusters", "--groupId", GROUP],
        Stdin::Null,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .ends_with("Error: server returned an error response code\n")
    );
    // The body is printed, as Go does.
    let body: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(body["errorCode"], "RESOURCE_NOT_FOUND");
    let last = server.requests().pop().unwrap();
    assert!(last.authorized);
    assert_eq!(
        last.path,
        format!("/elsewhere/api/atlas/v2/groups/{GROUP}/clusters")
    );
}

#[test]
fn every_command_outside_the_keys_is_served() {
    // Every command of every tag but the keys' (whose routes keep real state: a made-up key
    // id is not found there), through the binary with digest: its route answers 2xx.
    let (server, sandbox) = open_standin();
    let mut failures = Vec::new();
    let mut served = 0;
    for op in tags()
        .iter()
        .filter(|t| t.name != "programmaticApiKeys")
        .flat_map(|t| t.operations)
    {
        server.clear_requests();
        let (mut args, stdin) = invocation(op);
        // Binary answers go to a file: stdout is a pipe here, but kept small.
        if op.default_format() == Some("gzip") {
            args.extend([
                "--outputFile".into(),
                sandbox.path("out.gz").display().to_string(),
            ]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = sandbox.run(&args, stdin);
        let authorized = server.requests().last().is_some_and(|r| r.authorized);
        if run.code == 0 && authorized {
            served += 1;
        } else {
            failures.push(format!(
                "{} {}: {}",
                op.tag,
                op.command_name,
                run.stderr.trim_end()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(served, 527 - 14);
}

//! `--watch` through the built binary against a loopback stand-in whose answers are scripted:
//! the watcher's GET is polled from when the answer has been written, 1 s apart, with its
//! parameters from the command's input or its answer, until the expected state or status, or
//! `--watchTimeout` seconds.

mod support;

use std::time::{Duration, Instant};

use atlas_standin::{Canned, StandIn};
use support::{Sandbox, Stdin};

const GROUP: &str = "b0123456789abcdef012345b";

/// The stand-in taking any request, and a sandbox pointed at it.
fn open_standin() -> (StandIn, Sandbox) {
    support::open_standin("")
}

/// `createClusterSearchDeployment` of cluster `c1`, polled by `$.stateName`, plus `more`.
fn search_deployment<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let base = [
        "api",
        "atlasSearch",
        "createClusterSearchDeployment",
        "--groupId",
        GROUP,
        "--clusterName",
        "c1",
        "--version",
        "2024-05-30",
    ];
    [&base[..], more].concat()
}

/// `createBackupExport --watch` of cluster `c3`, polled by the export id of its answer.
fn backup_export<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let base = [
        "api",
        "cloudBackups",
        "createBackupExport",
        "--groupId",
        GROUP,
        "--clusterName",
        "c3",
        "--watch",
        "--version",
        "2023-01-01",
    ];
    [&base[..], more].concat()
}

/// `endOutageSimulation --watch` of cluster `c2`, polled until its simulation is gone.
fn end_outage<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let base = [
        "api",
        "clusterOutageSimulation",
        "endOutageSimulation",
        "--groupId",
        GROUP,
        "--clusterName",
        "c2",
        "--watch",
        "--version",
        "2023-01-01",
    ];
    [&base[..], more].concat()
}

fn targets(server: &StandIn) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

#[test]
fn polls_until_the_expected_state_one_second_apart() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(200, r#"{"stateName":"UPDATING","id":"d1"}"#));
    for state in ["UPDATING", "UPDATING", "IDLE"] {
        server.push_response(Canned::json(200, &format!(r#"{{"stateName":"{state}"}}"#)));
    }
    let started = Instant::now();
    let run = sandbox.run(
        &search_deployment(&["--watch"]),
        Stdin::Bytes(b"{}".to_vec()),
    );
    let took = started.elapsed();
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    // The command's answer is written as usual, before the polls.
    assert_eq!(run.stdout_text(), r#"{"stateName":"UPDATING","id":"d1"}"#);
    let path = format!("/api/atlas/v2/groups/{GROUP}/clusters/c1/search/deployment");
    assert_eq!(
        targets(&server),
        [
            format!("POST {path}"),
            format!("GET {path}"),
            format!("GET {path}"),
            format!("GET {path}"),
        ]
    );
    // The watcher's own version; the polls 1 s apart.
    assert_eq!(
        server.requests()[1].header("accept"),
        Some("application/vnd.atlas.2024-05-30+json")
    );
    assert!(took >= Duration::from_millis(1900), "{took:?}");
}

#[test]
fn a_watch_timeout_ends_with_go_s_words() {
    let (server, sandbox) = open_standin();
    for _ in 0..6 {
        server.push_response(Canned::json(200, r#"{"stateName":"UPDATING"}"#));
    }
    let started = Instant::now();
    let run = sandbox.run(
        &search_deployment(&["-w", "--watchTimeout", "1"]),
        Stdin::Bytes(b"{}".to_vec()),
    );
    let took = started.elapsed();
    run.assert_error("Error: error while running watcher\nwatching operation timed out after 1s\n");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[test]
fn a_deletion_is_watched_until_its_target_is_gone() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(200, "{}"));
    server.push_response(Canned::json(200, r#"{"state":"SIMULATING"}"#));
    server.push_response(Canned::json(404, r#"{"error":404}"#));
    let run = sandbox.run(&end_outage(&[]), Stdin::Null);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(targets(&server).len(), 3, "{:?}", targets(&server));
}

#[test]
fn parameters_come_from_the_answer_where_the_table_says() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(
        200,
        r#"{"id":"e0123456789abcdef012345e","state":"Queued"}"#,
    ));
    server.push_response(Canned::json(200, r#"{"state":"Successful"}"#));
    let run = sandbox.run(&backup_export(&[]), Stdin::Bytes(b"{}".to_vec()));
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(
        targets(&server)[1],
        format!(
            "GET /api/atlas/v2/groups/{GROUP}/clusters/c3/backup/exports/e0123456789abcdef012345e"
        )
    );
    // An answer without the field the watcher needs is Go's error chain.
    server.clear_requests();
    server.push_response(Canned::json(200, r#"{"state":"Queued"}"#));
    let run = sandbox.run(&backup_export(&[]), Stdin::Bytes(b"{}".to_vec()));
    run.assert_error("Error: failed to build watcher request\nfailed to build watcher request parameters\nrequest parameter failed to apply jsonpath\nunknown key id\n");
    assert_eq!(targets(&server).len(), 1);
}

#[test]
fn a_poll_that_cannot_connect_says_why_under_the_watcher_line() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(200, "{}"));
    server.push_fault(atlas_standin::Fault::Close);
    for _ in 0..4 {
        server.push_fault(atlas_standin::Fault::Close);
    }
    let run = sandbox.run(&end_outage(&[]), Stdin::Null);
    assert_eq!(run.code, 1, "{run:?}");
    let last: Vec<&str> = run.stderr.lines().rev().take(2).collect();
    assert_eq!(
        last[1], "Error: error while running watcher",
        "{}",
        run.stderr
    );
    assert!(
        last[0].starts_with(&format!("GET {}/api/atlas/v2/groups/", server.url()))
            && last[0].ends_with("connection closed before the response was complete"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_timeout_beyond_the_clock_is_no_limit() {
    let (server, sandbox) = open_standin();
    server.push_response(Canned::json(200, r#"{"stateName":"UPDATING"}"#));
    server.push_response(Canned::json(200, r#"{"stateName":"IDLE"}"#));
    let run = sandbox.run(
        &search_deployment(&["--watch", "--watchTimeout", "9223372036854775807"]),
        Stdin::Bytes(b"{}".to_vec()),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
}

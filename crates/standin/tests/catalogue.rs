//! The routes of the whole catalogue on the wire: answers in the version and format asked
//! for, a version a command does not offer refused, lists, the watched resources' states.

mod common;

use atlas_standin::{Auth, Config, StandIn};
use common::{Conn, GROUP, ORG};

fn open() -> (StandIn, Conn) {
    let server = StandIn::start(Config {
        auth: Auth::None,
        ..Config::default()
    })
    .unwrap();
    let conn = Conn::open(&server);
    (server, conn)
}

fn accept(value: &str) -> [(&str, &str); 1] {
    [("Accept", value)]
}

#[test]
fn objects_lists_and_deletions_in_the_version_asked_for() {
    let (_server, mut conn) = open();
    let cluster = format!("/api/atlas/v2/groups/{GROUP}/clusters/c1");
    let v = "application/vnd.atlas.2024-08-05+json";
    let got = conn.request("GET", &cluster, &accept(v), None).unwrap();
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(
        got.header("content-type"),
        Some("application/vnd.atlas.2024-08-05+json;charset=utf-8")
    );
    let body = got.json();
    assert_eq!(
        (body["groupId"].as_str(), body["clusterName"].as_str()),
        (Some(GROUP), Some("c1"))
    );
    assert_eq!(body["id"].as_str().map(str::len), Some(24));
    // A version the command does not offer.
    let old = accept("application/vnd.atlas.1999-01-01+json");
    let got = conn.request("GET", &cluster, &old, None).unwrap();
    assert_eq!(
        (got.status, got.json()["errorCode"].as_str()),
        (406, Some("INVALID_VERSION_DATE"))
    );
    // A written body is echoed with the path's parameters and an id.
    let list = format!("/api/atlas/v2/groups/{GROUP}/clusters");
    let post = [("Accept", v), ("Content-Type", v)];
    let got = conn
        .request(
            "POST",
            &list,
            &post,
            Some(br#"{"name":"c2","clusterType":"REPLICASET"}"#),
        )
        .unwrap();
    let body = got.json();
    assert_eq!(
        (got.status, body["clusterType"].as_str()),
        (200, Some("REPLICASET"))
    );
    assert_eq!(body["groupId"].as_str(), Some(GROUP));
    let got = conn.request("GET", &list, &accept(v), None).unwrap();
    assert_eq!(got.text(), r#"{"results":[],"totalCount":0}"#);
    let v1 = accept("application/vnd.atlas.2023-02-01+json");
    let got = conn.request("DELETE", &cluster, &v1, None).unwrap();
    assert_eq!((got.status, got.body.len()), (204, 0));
    let got = conn.request("PUT", &list, &accept(v), None).unwrap();
    assert_eq!(got.status, 405);
    let got = conn
        .request("GET", "/api/atlas/v2/nowhere", &accept(v), None)
        .unwrap();
    assert_eq!(got.status, 404);
}

#[test]
fn gzip_and_csv_are_real() {
    let (_server, mut conn) = open();
    let logs = format!("/api/atlas/v2/groups/{GROUP}/dataFederation/t1/queryLogs.gz");
    let gz = accept("application/vnd.atlas.2023-01-01+gzip");
    let got = conn.request("GET", &logs, &gz, None).unwrap();
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(
        got.header("content-type"),
        Some("application/vnd.atlas.2023-01-01+gzip")
    );
    assert_eq!(&got.body[..3], &[0x1f, 0x8b, 8]);
    let invoice = format!("/api/atlas/v2/orgs/{ORG}/invoices/c0123456789abcdef012345c");
    let csv = accept("application/vnd.atlas.2023-01-01+csv");
    let got = conn.request("GET", &invoice, &csv, None).unwrap();
    assert_eq!(got.status, 200, "{}", got.text());
    let text = got.text();
    let lines: Vec<&str> = text.lines().collect();
    // The id of a resource named by an id is that id.
    assert_eq!(lines[0], "id,invoiceId,orgId");
    assert_eq!(
        lines[1],
        format!("c0123456789abcdef012345c,c0123456789abcdef012345c,{ORG}")
    );
}

#[test]
fn a_watched_resource_settles_after_two_polls() {
    let (_server, mut conn) = open();
    let v = "application/vnd.atlas.2024-08-05+json";
    let headers = [("Accept", v), ("Content-Type", v)];
    let cluster = format!("/api/atlas/v2/groups/{GROUP}/clusters/c1");
    let state = |conn: &mut Conn| {
        let got = conn.request("GET", &cluster, &accept(v), None).unwrap();
        (
            got.status,
            got.json()["stateName"].as_str().map(str::to_string),
        )
    };
    let patched = conn
        .request("PATCH", &cluster, &headers, Some(b"{}"))
        .unwrap();
    assert_eq!(patched.json()["stateName"].as_str(), Some("UPDATING"));
    let updating = (200, Some("UPDATING".to_string()));
    assert_eq!(state(&mut conn), updating);
    assert_eq!(state(&mut conn), updating);
    assert_eq!(state(&mut conn), (200, Some("IDLE".to_string())));
    assert_eq!(state(&mut conn), (200, Some("IDLE".to_string())));
    let v1 = accept("application/vnd.atlas.2023-02-01+json");
    assert_eq!(
        conn.request("DELETE", &cluster, &v1, None).unwrap().status,
        204
    );
    assert_eq!(state(&mut conn), (200, None));
    assert_eq!(state(&mut conn), (200, None));
    let gone = conn.request("GET", &cluster, &accept(v), None).unwrap();
    assert_eq!(gone.status, 404);
}

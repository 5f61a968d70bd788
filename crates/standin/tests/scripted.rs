//! Scripted answers (canned responses, recorded `.snaphost` files, faults), malformed input,
//! `Expect: 100-continue`, keep-alive, shutdown, and the binary.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atlas_standin::{Auth, Canned, Config, Fault, StandIn};
use common::{Conn, ORG};

fn open_server() -> StandIn {
    StandIn::start(Config {
        auth: Auth::None,
        ..Config::default()
    })
    .unwrap()
}

fn keys() -> String {
    format!("/api/atlas/v2/orgs/{ORG}/apiKeys")
}

#[test]
fn canned_responses_come_first_in_fifo_order_and_skip_auth() {
    let server = StandIn::start(Config::default()).unwrap();
    server.push_response(Canned::json(200, r#"{"id":"x"}"#));
    server.push_fault(Fault::Status {
        status: 503,
        retry_after: Some("2".into()),
        body: r#"{"error":503}"#.into(),
    });
    let mut c = Conn::open(&server);
    let first = c.request("GET", "/anything?at=all", &[], None).unwrap();
    assert_eq!(
        (first.status, first.text().as_str()),
        (200, r#"{"id":"x"}"#)
    );
    assert_eq!(
        first.header("content-type"),
        Some("application/vnd.atlas.2023-01-01+json;charset=utf-8")
    );
    assert_eq!(first.header("content-length"), Some("10"));
    let second = c.request("POST", &keys(), &[], Some(b"{}")).unwrap();
    assert_eq!(second.status, 503);
    assert_eq!(second.header("retry-after"), Some("2"));
    assert_eq!(second.text(), r#"{"error":503}"#);
    let third = c.request("GET", &keys(), &[], None).unwrap();
    assert_eq!(third.status, 401, "script exhausted: normal handling again");
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].target, "/anything?at=all");
    assert_eq!(seen[1].body, b"{}");
}

#[test]
fn every_recorded_snaphost_replays_with_a_correct_length() {
    let dir = Canned::recorded_fixtures_dir();
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "snaphost") {
                files.push(p);
            }
        }
    }
    assert!(!files.is_empty());
    let server = open_server();
    let mut c = Conn::open(&server);
    for file in &files {
        let canned = Canned::from_snaphost(file).unwrap();
        server.push_response(canned.clone());
        let resp = c.request("GET", "/replay", &[], None).unwrap();
        assert_eq!(resp.status, canned.status, "{}", file.display());
        assert_eq!(resp.reason, canned.reason);
        assert_eq!(resp.body, canned.body, "{}", file.display());
        if canned.status != 204 {
            assert_eq!(
                resp.header("content-length"),
                Some(canned.body.len().to_string().as_str())
            );
        }
        assert_eq!(resp.header("content-type"), canned.header("content-type"));
        assert_eq!(
            resp.header("www-authenticate"),
            canned.header("www-authenticate")
        );
    }
}

#[test]
fn close_and_drop_mid_body() {
    let server = open_server();
    server.push_fault(Fault::Close);
    server.push_fault(Fault::DropMidBody);
    let mut c = Conn::open(&server);
    assert!(
        c.request("GET", &keys(), &[], None).is_none(),
        "closed without answer"
    );

    let mut raw = TcpStream::connect(server.addr()).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    raw.write_all(format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", keys()).as_bytes())
        .unwrap();
    let mut got = Vec::new();
    raw.read_to_end(&mut got).unwrap();
    let text = String::from_utf8(got).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"));
    assert!(head.contains("Content-Length: 1000"));
    assert_eq!(body.len(), 10);

    let mut after = Conn::open(&server);
    assert_eq!(
        after.request("GET", &keys(), &[], None).unwrap().status,
        200
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn stall_holds_the_socket_until_the_server_drops() {
    let server = open_server();
    server.push_fault(Fault::Stall);
    let mut c = Conn::open(&server);
    c.set_read_timeout(Duration::from_millis(300));
    c.send_raw(common::build_request("GET", &keys(), &[], None).as_slice());
    assert!(c.read_response().is_none(), "no answer while stalled");
    assert_eq!(
        server.requests().len(),
        1,
        "the stalled request is recorded"
    );
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "drop took {:?}",
        started.elapsed()
    );
    c.set_read_timeout(Duration::from_secs(3));
    assert!(c.read_response().is_none(), "socket closed at drop");
}

#[test]
fn drop_with_idle_keep_alive_connections_is_prompt() {
    let server = open_server();
    let mut conns: Vec<Conn> = (0..3).map(|_| Conn::open(&server)).collect();
    for c in &mut conns {
        assert_eq!(c.request("GET", &keys(), &[], None).unwrap().status, 200);
    }
    let _half_sent = {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.write_all(b"POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
            .unwrap();
        s
    };
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn malformed_requests_get_400_and_the_server_survives() {
    let server = open_server();
    let garbage: [&[u8]; 8] = [
        b"\x00\x01\x02\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        b"GET \xff\xfe HTTP/1.1\r\n\r\n",
    ];
    for raw in garbage {
        let mut c = Conn::open(&server);
        c.send_raw(raw);
        let resp = c.read_response().expect("an answer");
        assert_eq!(resp.status, 400, "{:?}", String::from_utf8_lossy(raw));
        assert_eq!(resp.header("connection"), Some("close"));
        assert_eq!(resp.json()["error"], 400);
    }
    let mut long = Conn::open(&server);
    let mut raw = b"GET /".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 20_000));
    raw.extend_from_slice(b" HTTP/1.1\r\n\r\n");
    long.send_raw(&raw);
    assert_eq!(long.read_response().unwrap().status, 400);
    // A client that hangs up mid-request is not an error either.
    {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.write_all(b"POST / HTTP/1.1\r\nContent-Len").unwrap();
    }
    let mut c = Conn::open(&server);
    assert_eq!(c.request("GET", &keys(), &[], None).unwrap().status, 200);
}

#[test]
fn expect_continue_and_connection_close() {
    let server = open_server();
    let mut c = Conn::open(&server);
    let body = br#"{"desc":"d","roles":["ORG_MEMBER"]}"#;
    let head = common::build_request(
        "POST",
        &keys(),
        &[
            ("Expect", "100-continue"),
            ("Content-Length", &body.len().to_string()),
        ],
        Some(b""),
    );
    c.send_raw(&head);
    let interim = c.read_one().unwrap();
    assert_eq!(interim.status, 100);
    c.send_raw(body);
    let resp = c.read_response().unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(server.requests()[0].body, body);

    let last = c
        .request("GET", &keys(), &[("Connection", "close")], None)
        .unwrap();
    assert_eq!(last.header("connection"), Some("close"));
    assert!(c.read_response().is_none());
}

#[test]
fn head_requests_get_no_body() {
    let server = open_server();
    // The head announces the body it would have had; read only the head back.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let mut raw = TcpStream::connect(server.addr()).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    raw.write_all(
        format!(
            "HEAD {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            keys()
        )
        .as_bytes(),
    )
    .unwrap();
    while raw.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    let text = String::from_utf8(head).unwrap();
    assert!(
        text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{text}"
    );
    assert!(
        text.ends_with("\r\n\r\n"),
        "no body after the head: {text:?}"
    );
    assert!(text.contains("Content-Length: "));
}

#[test]
fn binary_prints_its_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atlas-standin"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .to_string();
    let addr = url.strip_prefix("http://").unwrap();
    assert!(addr.starts_with("127.0.0.1:"));
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(
        format!(
            "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            keys()
        )
        .as_bytes(),
    )
    .unwrap();
    let mut got = String::new();
    s.read_to_string(&mut got).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(got.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{got}");
    assert!(got.contains("Www-Authenticate: Digest realm=\"MMS Public API\""));
}

#[test]
fn binary_help_explains_its_options() {
    for flag in ["--help", "-h"] {
        let out = Command::new(env!("CARGO_BIN_EXE_atlas-standin"))
            .arg(flag)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("usage: atlas-standin [--port N] [--seed] [--nonce-lifetime SECS]\n"),
            "{text}"
        );
        for option in ["--port N", "--seed", "-h, --help"] {
            assert!(text.contains(&format!("\n  {option} ")), "{option}: {text}");
        }
        assert!(text.contains("\n  --nonce-lifetime SECS\n"), "{text}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-standin"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "atlas-standin: unknown argument: --bogus\nusage: atlas-standin [--port N] [--seed] [--nonce-lifetime SECS]\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-standin"))
        .args(["--nonce-lifetime", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("atlas-standin: invalid number of seconds: soon\n"),
        "{out:?}"
    );
}

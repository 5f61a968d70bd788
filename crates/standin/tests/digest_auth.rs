//! Both digest legs for GET and POST, on one connection and on two, plus wrong answers,
//! SHA-256 without qop, bearer and no auth, checked on the wire and in `requests()`; a nonce
//! answered again with a growing `nc`, a replayed `nc` refused, an expired nonce answered with
//! `stale=true`.

mod common;

use std::time::Duration;

use atlas_standin::{Algorithm, Auth, Config, NonceRules, PRIVATE_KEY, PUBLIC_KEY, StandIn};
use common::{Conn, JSON, ORG, answer, answer_nc, build_request, chunked};

const UNAUTHORIZED: &str = "{\n  \"error\" : 401,\n  \"reason\" : \"Unauthorized\",\n  \"detail\" : \"You are not authorized for this resource.\"\n}";

fn keys_path() -> String {
    format!("/api/atlas/v2/orgs/{ORG}/apiKeys")
}

#[test]
fn get_both_legs_on_one_connection() {
    let server = StandIn::start(Config::default()).unwrap();
    let mut conn = Conn::open(&server);
    let target = format!("{}?includeCount=true&itemsPerPage=5", keys_path());
    let first = conn.request("GET", &target, &[], None).unwrap();
    assert_eq!((first.status, first.reason.as_str()), (401, "Unauthorized"));
    assert_eq!(first.text(), UNAUTHORIZED);
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(first.header("content-length"), Some("106"));
    let challenge = first.header("www-authenticate").unwrap();
    let nonce = challenge
        .split("nonce=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    assert_eq!(
        challenge,
        format!(
            "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\", stale=false"
        )
    );
    assert_eq!(nonce.len(), 32);
    let auth = answer(challenge, "GET", &target, PUBLIC_KEY, PRIVATE_KEY);
    let second = conn
        .request("GET", &target, &[("Authorization", &auth)], None)
        .unwrap();
    assert_eq!(second.status, 200, "{}", second.text());
    assert_eq!(
        second.header("content-type"),
        Some("application/vnd.atlas.2023-01-01+json;charset=utf-8")
    );
    assert_eq!(second.json()["totalCount"], 0);

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let legs: Vec<(bool, Option<&str>)> = seen
        .iter()
        .map(|r| (r.authorized, r.header("authorization")))
        .collect();
    assert_eq!(legs, vec![(false, None), (true, Some(auth.as_str()))]);
    for r in &seen {
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, target);
        assert_eq!(r.path, keys_path());
        assert_eq!(r.query.as_deref(), Some("includeCount=true&itemsPerPage=5"));
        assert_eq!(r.version, "HTTP/1.1");
        assert_eq!(r.header("Accept"), Some(JSON));
        assert!(r.headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
        assert!(r.body.is_empty());
    }
}

#[test]
fn post_chunked_both_legs_on_two_connections() {
    let server = StandIn::start(Config::default()).unwrap();
    let body = br#"{"desc":"k1","roles":["ORG_READ_ONLY"]}"#;
    let target = keys_path();
    let te = [("Transfer-Encoding", "chunked")];
    let mut raw = build_request("POST", &target, &te, Some(b""));
    raw.extend_from_slice(&chunked(body, 7));
    let mut first_conn = Conn::open(&server);
    first_conn.send_raw(&raw);
    let first = first_conn.read_response().unwrap();
    assert_eq!(first.status, 401);
    let auth = answer(
        first.header("www-authenticate").unwrap(),
        "POST",
        &target,
        PUBLIC_KEY,
        PRIVATE_KEY,
    );
    let mut second_conn = Conn::open(&server);
    let mut raw = build_request(
        "POST",
        &target,
        &[("Transfer-Encoding", "chunked"), ("Authorization", &auth)],
        Some(b""),
    );
    raw.extend_from_slice(&chunked(body, 5));
    second_conn.send_raw(&raw);
    let second = second_conn.read_response().unwrap();
    assert_eq!(second.status, 200, "{}", second.text());
    let created = second.json();
    assert_eq!(created["desc"], "k1");

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for r in &seen {
        assert_eq!(r.body, body);
        assert_eq!(r.header("transfer-encoding"), Some("chunked"));
        assert_eq!(r.header("content-type"), Some(JSON));
        assert_eq!(r.header("content-length"), None);
    }
    assert_eq!(
        seen.iter().map(|r| r.authorized).collect::<Vec<_>>(),
        vec![false, true]
    );
    assert_eq!(server.state()["apiKeys"][0]["id"], created["id"]);
}

#[test]
fn wrong_answers_get_a_fresh_challenge() {
    let server = StandIn::start(Config::default()).unwrap();
    let target = keys_path();
    let mut conn = Conn::open(&server);
    let first = conn.request("GET", &target, &[], None).unwrap();
    let challenge = first.header("www-authenticate").unwrap().to_string();
    let good = answer(&challenge, "GET", &target, PUBLIC_KEY, PRIVATE_KEY);
    let cases = [
        answer(&challenge, "GET", &target, PUBLIC_KEY, "wrong"),
        answer(&challenge, "GET", &target, "otheruser", PRIVATE_KEY),
        answer(
            &challenge,
            "GET",
            "/api/atlas/v2/other",
            PUBLIC_KEY,
            PRIVATE_KEY,
        ),
        answer(&challenge, "POST", &target, PUBLIC_KEY, PRIVATE_KEY),
        good.replace(
            challenge
                .split("nonce=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap(),
            "notIssuedByTheServer000000000000",
        ),
        "Digest garbage".to_string(),
        "Basic Zm9vOmJhcg==".to_string(),
    ];
    for header in &cases {
        let resp = conn
            .request("GET", &target, &[("Authorization", header)], None)
            .unwrap();
        assert_eq!(resp.status, 401, "{header}");
        assert_eq!(resp.text(), UNAUTHORIZED);
        let fresh = resp.header("www-authenticate").unwrap();
        assert_ne!(fresh, challenge);
    }
    let ok = conn
        .request("GET", &target, &[("Authorization", &good)], None)
        .unwrap();
    assert_eq!(ok.status, 200);
    let flags: Vec<bool> = server.requests().iter().map(|r| r.authorized).collect();
    assert_eq!(flags.len(), cases.len() + 2);
    assert!(flags[..flags.len() - 1].iter().all(|a| !a));
    assert!(flags[flags.len() - 1]);
}

#[test]
fn sha256_without_qop() {
    let config = Config {
        auth: Auth::Digest {
            public_key: "pub".into(),
            private_key: "priv".into(),
            algorithm: Algorithm::Sha256,
            qop: None,
        },
        ..Config::default()
    };
    let server = StandIn::start(config).unwrap();
    let target = keys_path();
    let mut conn = Conn::open(&server);
    let first = conn.request("GET", &target, &[], None).unwrap();
    let challenge = first.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("algorithm=SHA-256, stale=false"),
        "{challenge}"
    );
    assert!(!challenge.contains("qop"));
    let auth = answer(challenge, "GET", &target, "pub", "priv");
    assert!(!auth.contains("qop"));
    let second = conn
        .request("GET", &target, &[("Authorization", &auth)], None)
        .unwrap();
    assert_eq!(second.status, 200);
}

#[test]
fn bearer_and_none() {
    let bearer = StandIn::start(Config {
        auth: Auth::Bearer {
            token: "tok".into(),
        },
        ..Config::default()
    })
    .unwrap();
    let target = keys_path();
    let mut conn = Conn::open(&bearer);
    let cases = [
        (None, 401),
        (Some("Bearer nope"), 401),
        (Some("Digest username=\"x\""), 401),
        (Some("Bearer tok"), 200),
        (Some("bearer tok"), 200),
    ];
    for (header, status) in cases {
        let headers: Vec<(&str, &str)> = header.map(|h| ("Authorization", h)).into_iter().collect();
        let resp = conn.request("GET", &target, &headers, None).unwrap();
        assert_eq!(resp.status, status, "{header:?}");
        if status == 401 {
            assert_eq!(resp.json()["errorCode"], "UNAUTHORIZED");
        }
    }

    let open = StandIn::start(Config {
        auth: Auth::None,
        ..Config::default()
    })
    .unwrap();
    let mut conn = Conn::open(&open);
    let resp = conn.request("GET", &target, &[], None).unwrap();
    assert_eq!(resp.status, 200);
    assert!(open.requests()[0].authorized);
}

fn nonce_of(challenge: &str) -> String {
    challenge
        .split("nonce=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string()
}

#[test]
fn a_nonce_is_answered_again_with_a_growing_nc_and_never_with_a_used_one() {
    let server = StandIn::start(Config::default()).unwrap();
    let target = keys_path();
    let mut conn = Conn::open(&server);
    let first = conn.request("GET", &target, &[], None).unwrap();
    let challenge = first.header("www-authenticate").unwrap().to_string();
    let nonce = nonce_of(&challenge);
    let with_nc = |nc| answer_nc(&challenge, "GET", &target, PUBLIC_KEY, PRIVATE_KEY, nc);
    // (nc, passes): 1, then 2, then 2 again (a replay), then 1 (lower), then 5 (a gap is fine).
    let cases = [(1, true), (2, true), (2, false), (1, false), (5, true)];
    for (nc, passes) in cases {
        let resp = conn
            .request("GET", &target, &[("Authorization", &with_nc(nc))], None)
            .unwrap();
        if passes {
            assert_eq!(resp.status, 200, "nc {nc}");
        } else {
            assert_eq!(resp.status, 401, "nc {nc}");
            let fresh = resp.header("www-authenticate").unwrap();
            assert_ne!(nonce_of(fresh), nonce, "a replay gets a fresh challenge");
            assert!(fresh.ends_with("stale=false"), "{fresh}");
        }
    }
    assert_eq!(server.nonce_answers(&nonce), 3);
    assert_eq!(server.requests_received(), 6);
    assert_eq!(server.nonces_issued(), 3);

    let lenient = StandIn::start(Config {
        nonces: NonceRules {
            check_nc: false,
            ..NonceRules::default()
        },
        ..Config::default()
    })
    .unwrap();
    let mut conn = Conn::open(&lenient);
    let challenge = conn.request("GET", &target, &[], None).unwrap();
    let challenge = challenge.header("www-authenticate").unwrap().to_string();
    let auth = answer(&challenge, "GET", &target, PUBLIC_KEY, PRIVATE_KEY);
    for _ in 0..2 {
        let resp = conn
            .request("GET", &target, &[("Authorization", &auth)], None)
            .unwrap();
        assert_eq!(resp.status, 200, "replays pass when nc is not checked");
    }
}

#[test]
fn an_expired_nonce_is_refused_with_stale_true_and_a_wrong_answer_without() {
    let server = StandIn::start(Config {
        nonces: NonceRules {
            lifetime: Some(Duration::from_millis(200)),
            ..NonceRules::default()
        },
        ..Config::default()
    })
    .unwrap();
    let target = keys_path();
    let mut conn = Conn::open(&server);
    let challenge = conn.request("GET", &target, &[], None).unwrap();
    let challenge = challenge.header("www-authenticate").unwrap().to_string();
    let ok = conn
        .request(
            "GET",
            &target,
            &[(
                "Authorization",
                &answer_nc(&challenge, "GET", &target, PUBLIC_KEY, PRIVATE_KEY, 1),
            )],
            None,
        )
        .unwrap();
    assert_eq!(ok.status, 200, "a live nonce passes");
    std::thread::sleep(Duration::from_millis(300));
    let late = |password: &str| answer_nc(&challenge, "GET", &target, PUBLIC_KEY, password, 2);
    let wrong = conn
        .request("GET", &target, &[("Authorization", &late("wrong"))], None)
        .unwrap();
    assert_eq!(wrong.status, 401);
    assert!(
        wrong
            .header("www-authenticate")
            .unwrap()
            .ends_with("stale=false"),
        "a wrong answer is not stale"
    );
    let stale = conn
        .request(
            "GET",
            &target,
            &[("Authorization", &late(PRIVATE_KEY))],
            None,
        )
        .unwrap();
    assert_eq!(stale.status, 401);
    let fresh = stale.header("www-authenticate").unwrap().to_string();
    assert!(fresh.ends_with("stale=true"), "{fresh}");
    assert_ne!(nonce_of(&fresh), nonce_of(&challenge));
    let again = conn
        .request(
            "GET",
            &target,
            &[(
                "Authorization",
                &answer(&fresh, "GET", &target, PUBLIC_KEY, PRIVATE_KEY),
            )],
            None,
        )
        .unwrap();
    assert_eq!(again.status, 200, "the fresh nonce passes");
}

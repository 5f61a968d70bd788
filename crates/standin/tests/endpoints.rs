//! Each of the 14 operations against the in-memory state (auth off), pagination, the query
//! flags, and Atlas-style errors.

mod common;

use atlas_standin::{Auth, Config, StandIn};
use common::{Conn, GROUP, JSON, ORG, Resp};
use serde_json::{Value, json};

fn open_server(seed: bool) -> StandIn {
    StandIn::start(Config {
        auth: Auth::None,
        seed_keys: seed,
        ..Config::default()
    })
    .unwrap()
}

fn call(conn: &mut Conn, method: &str, target: &str, body: Option<&str>) -> Resp {
    conn.request(method, target, &[], body.map(str::as_bytes))
        .unwrap_or_else(|| panic!("no answer to {method} {target}"))
}

fn is_hex24(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

#[test]
fn org_key_lifecycle() {
    let server = open_server(false);
    let base = server.url();
    let mut c = Conn::open(&server);
    let keys = format!("/api/atlas/v2/orgs/{ORG}/apiKeys");

    // createOrgApiKey
    let created = call(
        &mut c,
        "POST",
        &keys,
        Some(r#"{"desc":"first","roles":["ORG_READ_ONLY"]}"#),
    );
    assert_eq!(created.status, 200, "{}", created.text());
    let body = created.json();
    let id = body["id"].as_str().unwrap().to_string();
    assert!(is_hex24(&body["id"]));
    let public_key = body["publicKey"].as_str().unwrap();
    assert!(public_key.len() == 8 && public_key.bytes().all(|b| b.is_ascii_lowercase()));
    let private_key = body["privateKey"].as_str().unwrap().to_string();
    assert_eq!(private_key.len(), 36);
    let expected = format!(
        r#"{{"desc":"first","id":"{id}","links":[{{"href":"{base}/api/atlas/v2/orgs/{ORG}/apiKeys/{id}","rel":"self"}}],"privateKey":"{private_key}","publicKey":"{public_key}","roles":[{{"orgId":"{ORG}","roleName":"ORG_READ_ONLY"}}]}}"#
    );
    assert_eq!(created.text(), expected);
    let masked = format!("********-****-****-{}", &private_key[24..]);

    // getOrgApiKey
    let got = call(&mut c, "GET", &format!("{keys}/{id}"), None);
    assert_eq!(got.status, 200);
    assert_eq!(got.text(), expected.replace(&private_key, &masked));

    // updateOrgApiKey
    let updated = call(
        &mut c,
        "PATCH",
        &format!("{keys}/{id}"),
        Some(r#"{"desc":"renamed","roles":["ORG_MEMBER","ORG_BILLING_ADMIN"]}"#),
    );
    assert_eq!(updated.status, 200, "{}", updated.text());
    let u = updated.json();
    assert_eq!(u["desc"], "renamed");
    assert_eq!(u["privateKey"], masked.as_str());
    assert_eq!(
        u["roles"],
        json!([{"orgId": ORG, "roleName": "ORG_MEMBER"}, {"orgId": ORG, "roleName": "ORG_BILLING_ADMIN"}])
    );
    let only_desc = call(
        &mut c,
        "PATCH",
        &format!("{keys}/{id}"),
        Some(r#"{"desc":"again"}"#),
    );
    assert_eq!(only_desc.json()["roles"], u["roles"]);

    // listOrgApiKeys
    let listed = call(&mut c, "GET", &keys, None);
    assert_eq!(listed.status, 200);
    let l = listed.json();
    assert_eq!(l["totalCount"], 1);
    assert_eq!(l["results"][0]["desc"], "again");
    assert_eq!(
        l["links"],
        json!([{"href": format!("{base}{keys}?includeCount=true&pageNum=1&itemsPerPage=100"), "rel": "self"}])
    );
    assert!(listed.text().starts_with(r#"{"links":[{"href":"#));

    // deleteOrgApiKey
    let deleted = call(&mut c, "DELETE", &format!("{keys}/{id}"), None);
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.header("content-length"), None);
    assert!(deleted.body.is_empty());
    assert_eq!(
        deleted.header("content-type"),
        Some("application/vnd.atlas.2023-01-01+json;charset=utf-8")
    );
    let gone = call(&mut c, "GET", &format!("{keys}/{id}"), None);
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.text(),
        format!(
            r#"{{"detail":"No API key with ID {id} exists.","error":404,"errorCode":"API_KEY_NOT_FOUND","parameters":["{id}"],"reason":"Not Found"}}"#
        )
    );
    assert_eq!(gone.header("x-error-code"), Some("API_KEY_NOT_FOUND"));
    assert_eq!(server.state()["apiKeys"], json!([]));
}

#[test]
fn access_list_lifecycle() {
    let server = open_server(false);
    let base = server.url();
    let mut c = Conn::open(&server);
    let keys = format!("/api/atlas/v2/orgs/{ORG}/apiKeys");
    let id = call(
        &mut c,
        "POST",
        &keys,
        Some(r#"{"desc":"k","roles":["ORG_OWNER"]}"#),
    )
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let list = format!("{keys}/{id}/accessList");

    // createOrgApiKeyAccessListEntry
    let added = call(
        &mut c,
        "POST",
        &list,
        Some(r#"[{"ipAddress":"192.168.0.200"},{"cidrBlock":"10.0.0.0/8"}]"#),
    );
    assert_eq!(added.status, 200, "{}", added.text());
    let a = added.json();
    assert_eq!(a["totalCount"], 2);
    let first = &a["results"][0];
    assert_eq!(first["cidrBlock"], "192.168.0.200/32");
    assert_eq!(first["ipAddress"], "192.168.0.200");
    assert_eq!(first["count"], 0);
    assert_eq!(first["created"].as_str().unwrap().len(), 20);
    assert_eq!(
        first["links"],
        json!([{"href": format!("{base}{list}/192.168.0.200"), "rel": "self"}])
    );
    let second = &a["results"][1];
    assert_eq!(second["cidrBlock"], "10.0.0.0/8");
    assert!(second.get("ipAddress").is_none());
    assert_eq!(
        second["links"][0]["href"],
        format!("{base}{list}/10.0.0.0%2F8")
    );
    let keys_order: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys_order,
        vec!["cidrBlock", "count", "created", "ipAddress", "links"]
    );

    // listOrgApiKeyAccessListEntries (page of one)
    let page = call(
        &mut c,
        "GET",
        &format!("{list}?itemsPerPage=1&pageNum=2"),
        None,
    )
    .json();
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["results"].as_array().unwrap().len(), 1);
    assert_eq!(page["results"][0]["cidrBlock"], "10.0.0.0/8");

    // getOrgApiKeyAccessListEntry: by ip, by encoded cidr
    let by_ip = call(&mut c, "GET", &format!("{list}/192.168.0.200"), None);
    assert_eq!(by_ip.status, 200);
    assert_eq!(by_ip.json(), *first);
    let by_cidr = call(&mut c, "GET", &format!("{list}/10.0.0.0%2F8"), None);
    assert_eq!(by_cidr.json(), *second);
    let missing = call(&mut c, "GET", &format!("{list}/1.2.3.4"), None);
    assert_eq!(missing.status, 404);
    let invalid = call(&mut c, "GET", &format!("{list}/not-an-ip"), None);
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.json()["errorCode"],
        "INVALID_IP_ADDRESS_OR_CIDR_NOTATION"
    );

    // deleteOrgApiKeyAccessListEntry
    let deleted = call(&mut c, "DELETE", &format!("{list}/10.0.0.0%2F8"), None);
    assert_eq!(deleted.status, 204);
    let again = call(&mut c, "DELETE", &format!("{list}/10.0.0.0%2F8"), None);
    assert_eq!(again.status, 404);
    let state = server.state();
    assert_eq!(
        state["apiKeys"][0]["accessList"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        state["apiKeys"][0]["accessList"][0]["ipAddress"],
        "192.168.0.200"
    );

    let bad = call(
        &mut c,
        "POST",
        &list,
        Some(r#"[{"ipAddress":"300.1.1.1"}]"#),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()["errorCode"],
        "INVALID_IP_ADDRESS_OR_CIDR_NOTATION"
    );
}

#[test]
fn project_key_lifecycle() {
    let server = open_server(false);
    let mut c = Conn::open(&server);
    let org_keys = format!("/api/atlas/v2/orgs/{ORG}/apiKeys");
    let group_keys = format!("/api/atlas/v2/groups/{GROUP}/apiKeys");

    // createGroupApiKey
    let created = call(
        &mut c,
        "POST",
        &group_keys,
        Some(r#"{"desc":"p","roles":["GROUP_READ_ONLY"]}"#),
    );
    assert_eq!(created.status, 200, "{}", created.text());
    let p = created.json();
    let pid = p["id"].as_str().unwrap().to_string();
    assert_eq!(
        p["roles"],
        json!([{"groupId": GROUP, "roleName": "GROUP_READ_ONLY"}, {"orgId": ORG, "roleName": "ORG_MEMBER"}])
    );
    assert_eq!(
        p["links"][0]["href"],
        format!("{}{org_keys}/{pid}", server.url())
    );
    assert_eq!(p["privateKey"].as_str().unwrap().len(), 36);

    // addGroupApiKey for an org key
    let oid = call(
        &mut c,
        "POST",
        &org_keys,
        Some(r#"{"desc":"o","roles":["ORG_MEMBER"]}"#),
    )
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let assigned = call(
        &mut c,
        "POST",
        &format!("{group_keys}/{oid}"),
        Some(r#"[{"roles":["GROUP_OWNER","GROUP_CLUSTER_MANAGER"]}]"#),
    );
    assert_eq!(assigned.status, 204, "{}", assigned.text());

    // listGroupApiKeys
    let listed = call(&mut c, "GET", &group_keys, None).json();
    assert_eq!(listed["totalCount"], 2);
    let ids: Vec<&str> = listed["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![pid.as_str(), oid.as_str()]);
    assert!(
        listed["results"][0]["privateKey"]
            .as_str()
            .unwrap()
            .starts_with("********-****-****-")
    );

    // updateGroupApiKeyRoles
    let updated = call(
        &mut c,
        "PATCH",
        &format!("{group_keys}/{pid}"),
        Some(r#"{"roles":["GROUP_DATA_ACCESS_READ_ONLY"]}"#),
    );
    assert_eq!(updated.status, 200, "{}", updated.text());
    assert_eq!(
        updated.json()["roles"],
        json!([{"groupId": GROUP, "roleName": "GROUP_DATA_ACCESS_READ_ONLY"}, {"orgId": ORG, "roleName": "ORG_MEMBER"}])
    );

    // removeGroupApiKey
    let removed = call(&mut c, "DELETE", &format!("{group_keys}/{oid}"), None);
    assert_eq!(removed.status, 204);
    let removed_again = call(&mut c, "DELETE", &format!("{group_keys}/{oid}"), None);
    assert_eq!(removed_again.status, 404);
    let not_member = call(
        &mut c,
        "PATCH",
        &format!("{group_keys}/{oid}"),
        Some(r#"{"roles":["GROUP_OWNER"]}"#),
    );
    assert_eq!(not_member.status, 404);
    let state = server.state();
    assert_eq!(state["groupKeys"][GROUP], json!([pid]));
    assert_eq!(
        state["apiKeys"][1]["roles"],
        json!([{"orgId": ORG, "roleName": "ORG_MEMBER"}])
    );
}

#[test]
fn pagination_and_counts() {
    let server = open_server(false);
    let mut c = Conn::open(&server);
    let keys = format!("/api/atlas/v2/orgs/{ORG}/apiKeys");
    for i in 0..5 {
        let body = format!(r#"{{"desc":"k{i}","roles":["ORG_MEMBER"]}}"#);
        assert_eq!(call(&mut c, "POST", &keys, Some(&body)).status, 200);
    }
    let base = format!("{}{keys}", server.url());
    /// query, descs on the page, totalCount, link rels
    type Case<'a> = (&'a str, Vec<&'a str>, Option<u64>, Vec<&'a str>);
    let cases: [Case; 5] = [
        (
            "",
            vec!["k0", "k1", "k2", "k3", "k4"],
            Some(5),
            vec!["self"],
        ),
        (
            "?itemsPerPage=2",
            vec!["k0", "k1"],
            Some(5),
            vec!["self", "next"],
        ),
        (
            "?itemsPerPage=2&pageNum=2",
            vec!["k2", "k3"],
            Some(5),
            vec!["self", "previous", "next"],
        ),
        (
            "?itemsPerPage=2&pageNum=3&includeCount=false",
            vec!["k4"],
            None,
            vec!["self", "previous"],
        ),
        ("?pageNum=9", vec![], Some(5), vec!["self", "previous"]),
    ];
    for (query, descs, total, rels) in cases {
        let body = call(&mut c, "GET", &format!("{keys}{query}"), None).json();
        let got: Vec<&str> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["desc"].as_str().unwrap())
            .collect();
        assert_eq!(got, descs, "{query}");
        assert_eq!(
            body.get("totalCount").and_then(Value::as_u64),
            total,
            "{query}"
        );
        let got_rels: Vec<&str> = body["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].as_str().unwrap())
            .collect();
        assert_eq!(got_rels, rels, "{query}");
        assert!(
            body["links"][0]["href"]
                .as_str()
                .unwrap()
                .starts_with(&base)
        );
    }
    for bad in [
        "?itemsPerPage=0",
        "?itemsPerPage=501",
        "?pageNum=0",
        "?itemsPerPage=x",
    ] {
        let resp = call(&mut c, "GET", &format!("{keys}{bad}"), None);
        assert_eq!(resp.status, 400, "{bad}");
        assert_eq!(resp.json()["errorCode"], "INVALID_QUERY_PARAMETER");
    }
}

#[test]
fn pretty_and_envelope() {
    let server = open_server(true);
    let mut c = Conn::open(&server);
    let key = format!("/api/atlas/v2/orgs/{ORG}/apiKeys/698c46bee3bbe1ace0f31aec");
    let pretty = call(&mut c, "GET", &format!("{key}?pretty=true"), None);
    assert!(
        pretty
            .text()
            .starts_with("{\n  \"desc\" : \"e2e-test-atlas-org\",\n  \"id\" : "),
        "{}",
        pretty.text()
    );
    assert!(pretty.text().contains("\"links\" : [ {\n    \"href\" : "));
    let plain = call(&mut c, "GET", &key, None);
    assert_eq!(pretty.json(), plain.json());
    let enveloped = call(&mut c, "GET", &format!("{key}?envelope=true"), None);
    assert_eq!(enveloped.status, 200);
    assert_eq!(
        enveloped.json(),
        json!({"content": plain.json(), "status": 200})
    );
    let missing = call(
        &mut c,
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/aaaaaaaaaaaaaaaaaaaaaaaa?envelope=true"),
        None,
    );
    assert_eq!(missing.status, 200);
    assert_eq!(missing.json()["status"], 404);
    assert_eq!(missing.json()["content"]["errorCode"], "API_KEY_NOT_FOUND");
}

#[test]
fn seeded_state_matches_recordings() {
    let server = open_server(true);
    let mut c = Conn::open(&server);
    let got = call(
        &mut c,
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/698c46bee3bbe1ace0f31aec"),
        None,
    );
    let recorded = concat!(
        r#"{"desc":"e2e-test-atlas-org","id":"698c46bee3bbe1ace0f31aec","links":[{"href":"BASE/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys/698c46bee3bbe1ace0f31aec","rel":"self"}],"#,
        r#""privateKey":"********-****-****-b6f07815e727","publicKey":"cbcyceui","roles":[{"orgId":"a0123456789abcdef012345a","roleName":"ORG_READ_ONLY"}]}"#
    );
    assert_eq!(got.text(), recorded.replace("BASE", &server.url()));
    let list = call(
        &mut c,
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/698c46bee3bbe1ace0f31aec/accessList"),
        None,
    );
    let recorded = r#"{"links":[{"href":"BASE/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys/698c46bee3bbe1ace0f31aec/accessList?includeCount=true&pageNum=1&itemsPerPage=100","rel":"self"}],"results":[{"cidrBlock":"192.168.0.200/32","count":0,"created":"2026-02-11T09:06:53Z","ipAddress":"192.168.0.200","links":[{"href":"BASE/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys/698c46bee3bbe1ace0f31aec/accessList/192.168.0.200","rel":"self"}]}],"totalCount":1}"#;
    assert_eq!(list.text(), recorded.replace("BASE", &server.url()));
    let group = call(
        &mut c,
        "GET",
        &format!("/api/atlas/v2/groups/{GROUP}/apiKeys"),
        None,
    )
    .json();
    assert_eq!(group["totalCount"], 1);
    assert_eq!(group["results"][0]["publicKey"], "hjzmlucm");
}

#[test]
fn atlas_errors() {
    let server = open_server(true);
    let mut c = Conn::open(&server);
    let keys = format!("/api/atlas/v2/orgs/{ORG}/apiKeys");
    let key = format!("{keys}/698c46bee3bbe1ace0f31aec");
    let other_org = "/api/atlas/v2/orgs/ffffffffffffffffffffffff/apiKeys";
    let other_group = "/api/atlas/v2/groups/ffffffffffffffffffffffff/apiKeys";
    let xml = [("Accept", "application/xml")];
    let newer = [("Accept", "application/vnd.atlas.2099-01-01+json")];
    let text_ct = [("Content-Type", "application/json")];
    let ok_body: &[u8] = br#"{"desc":"d","roles":["ORG_MEMBER"]}"#;
    type Case<'a> = (
        &'a str,
        String,
        &'a [(&'a str, &'a str)],
        Option<&'a [u8]>,
        u16,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "GET",
            other_org.to_string(),
            &[],
            None,
            404,
            "ORG_NOT_FOUND",
        ),
        (
            "GET",
            "/api/atlas/v2/orgs/nothex/apiKeys".into(),
            &[],
            None,
            400,
            "INVALID_ORG_ID",
        ),
        (
            "GET",
            other_group.to_string(),
            &[],
            None,
            404,
            "GROUP_NOT_FOUND",
        ),
        (
            "GET",
            format!("{keys}/ffffffffffffffffffffffff"),
            &[],
            None,
            404,
            "API_KEY_NOT_FOUND",
        ),
        (
            "GET",
            "/api/atlas/v2/nowhere".into(),
            &[],
            None,
            404,
            "RESOURCE_NOT_FOUND",
        ),
        (
            "GET",
            "/nowhere".into(),
            &[],
            None,
            404,
            "RESOURCE_NOT_FOUND",
        ),
        (
            "PUT",
            keys.clone(),
            &[],
            Some(ok_body),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        ("GET", keys.clone(), &xml, None, 406, "INVALID_VERSION_DATE"),
        (
            "GET",
            keys.clone(),
            &newer,
            None,
            406,
            "INVALID_VERSION_DATE",
        ),
        (
            "POST",
            keys.clone(),
            &text_ct,
            Some(ok_body),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "POST",
            keys.clone(),
            &[],
            Some(b"{not json"),
            400,
            "INVALID_JSON",
        ),
        ("POST", keys.clone(), &[], Some(b""), 400, "INVALID_JSON"),
        ("POST", keys.clone(), &[], Some(b"[]"), 400, "INVALID_JSON"),
        (
            "POST",
            keys.clone(),
            &[],
            Some(br#"{"roles":["ORG_MEMBER"]}"#),
            400,
            "MISSING_ATTRIBUTE",
        ),
        (
            "POST",
            keys.clone(),
            &[],
            Some(br#"{"desc":"d"}"#),
            400,
            "MISSING_ATTRIBUTE",
        ),
        (
            "POST",
            keys.clone(),
            &[],
            Some(br#"{"desc":"d","roles":[]}"#),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            "POST",
            keys.clone(),
            &[],
            Some(br#"{"desc":"d","roles":["GROUP_OWNER"]}"#),
            400,
            "INVALID_ENUM_VALUE",
        ),
        (
            "POST",
            keys.clone(),
            &[],
            Some(br#"{"desc":"","roles":["ORG_MEMBER"]}"#),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            "PATCH",
            key.clone(),
            &[],
            Some(br#"{"roles":"ORG_MEMBER"}"#),
            400,
            "INVALID_ATTRIBUTE",
        ),
        (
            "POST",
            format!("{other_group}/698c46bee3bbe1ace0f31aec"),
            &[],
            Some(b"[]"),
            404,
            "GROUP_NOT_FOUND",
        ),
        (
            "POST",
            format!("/api/atlas/v2/groups/{GROUP}/apiKeys/698c46bee3bbe1ace0f31aec"),
            &[],
            Some(b"[{}]"),
            400,
            "MISSING_ATTRIBUTE",
        ),
    ];
    for (method, target, headers, body, status, code) in cases {
        let resp = c.request(method, &target, headers, body).unwrap();
        assert_eq!(resp.status, status, "{method} {target}: {}", resp.text());
        assert_eq!(
            resp.header("content-type"),
            Some("application/json"),
            "{method} {target}"
        );
        let json = resp.json();
        assert_eq!(json["errorCode"], code, "{method} {target}");
        assert_eq!(json["error"], status, "{method} {target}");
        let order: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            order,
            vec!["detail", "error", "errorCode", "parameters", "reason"]
        );
    }
    assert_eq!(
        server.state()["apiKeys"].as_array().unwrap().len(),
        2,
        "no error changed the state"
    );
    let unchanged = call(&mut c, "GET", &key, None).json();
    assert_eq!(unchanged["desc"], "e2e-test-atlas-org");
    let _ = JSON;
}

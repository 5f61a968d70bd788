//! Every operation of the tag end to end through the built binary against the stand-in (one
//! test per operation, the request on the wire asserted), and a lifecycle that chains them.

mod support;

use atlas_standin::{Config, Recorded, StandIn};
use serde_json::{Value, json};
use support::*;

const ORG_KEY: &str = "698c46bee3bbe1ace0f31aec";
const PROJECT_KEY: &str = "698c46fde3bbe1ace0f337b7";
const VERSIONED: &str = "application/vnd.atlas.2023-01-01+json";

fn seeded() -> (StandIn, Sandbox) {
    let server = StandIn::start(Config {
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

/// Runs an operation (body, if any, piped on stdin) and returns the run and the signed request.
fn call(
    server: &StandIn,
    sandbox: &Sandbox,
    name: &str,
    flags: &[&str],
    body: Option<&str>,
) -> (Run, Recorded) {
    let mut argv = args(name, flags);
    argv.extend(["--version", "2023-01-01"]);
    let stdin = match body {
        Some(b) => Stdin::Bytes(b.as_bytes().to_vec()),
        None => Stdin::Null,
    };
    let before = server.requests().len();
    let run = sandbox.run(&argv, stdin);
    let requests = server.requests();
    let signed = requests[before..]
        .iter()
        .rfind(|r| r.authorized)
        .cloned()
        .unwrap_or_else(|| panic!("{name}: no authorized request: {run:?} {requests:#?}"));
    (run, signed)
}

/// Asserts a successful run whose signed request had this method, target and body.
fn expect((run, request): (Run, Recorded), method: &str, target: &str, body: Option<&str>) -> Run {
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(request.method, method);
    assert_eq!(request.target, target);
    assert_eq!(request.header("accept"), Some(VERSIONED));
    match body {
        Some(b) => {
            assert_eq!(request.body, b.as_bytes());
            assert_eq!(request.header("content-type"), Some(VERSIONED));
        }
        None => {
            assert!(request.body.is_empty());
            assert_eq!(request.header("content-type"), None);
        }
    }
    run
}

fn json_of(run: &Run) -> Value {
    serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

fn key_state(server: &StandIn, id: &str) -> Option<Value> {
    server.state()["apiKeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .cloned()
}

#[test]
fn add_group_api_key() {
    let (server, sandbox) = seeded();
    let body = r#"[{"roles":["GROUP_READ_ONLY"]}]"#;
    let run = expect(
        call(
            &server,
            &sandbox,
            "addGroupApiKey",
            &["--groupId", GROUP, "--apiUserId", ORG_KEY],
            Some(body),
        ),
        "POST",
        &format!("/api/atlas/v2/groups/{GROUP}/apiKeys/{ORG_KEY}"),
        Some(body),
    );
    assert!(run.stdout.is_empty(), "204 prints nothing");
    let key = key_state(&server, ORG_KEY).unwrap();
    assert!(key.to_string().contains("GROUP_READ_ONLY"), "{key}");
}

#[test]
fn create_group_api_key() {
    let (server, sandbox) = seeded();
    let body = r#"{"desc":"project key","roles":["GROUP_READ_ONLY"]}"#;
    let run = expect(
        call(
            &server,
            &sandbox,
            "createGroupApiKey",
            &["--projectId", GROUP, "--pretty"],
            Some(body),
        ),
        "POST",
        &format!("/api/atlas/v2/groups/{GROUP}/apiKeys?pretty=true"),
        Some(body),
    );
    let printed = json_of(&run);
    assert_eq!(printed["desc"], "project key");
    assert!(key_state(&server, printed["id"].as_str().unwrap()).is_some());
}

#[test]
fn create_org_api_key() {
    let (server, sandbox) = seeded();
    let body = r#"{"desc":"org key","roles":["ORG_MEMBER"]}"#;
    let run = expect(
        call(
            &server,
            &sandbox,
            "createOrgApiKey",
            &["--orgId", ORG, "--envelope=false"],
            Some(body),
        ),
        "POST",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys?envelope=false"),
        Some(body),
    );
    assert!(json_of(&run)["privateKey"].as_str().unwrap().len() > 20);
}

#[test]
fn create_org_access_entry_under_both_names() {
    for name in ["createOrgAccessEntry", "createOrgApiKeyAccessListEntry"] {
        let (server, sandbox) = seeded();
        let body = r#"[{"cidrBlock":"10.0.0.0/8"},{"ipAddress":"192.0.2.7"}]"#;
        let run = expect(
            call(
                &server,
                &sandbox,
                name,
                &[
                    "--orgId",
                    ORG,
                    "--apiUserId",
                    ORG_KEY,
                    "--includeCount",
                    "--itemsPerPage",
                    "0x10",
                    "--pageNum=1",
                ],
                Some(body),
            ),
            "POST",
            &format!(
                "/api/atlas/v2/orgs/{ORG}/apiKeys/{ORG_KEY}/accessList?includeCount=true&itemsPerPage=16&pageNum=1"
            ),
            Some(body),
        );
        let text = run.stdout_text();
        assert!(
            text.contains("10.0.0.0/8") && text.contains("192.0.2.7"),
            "{name}: {text}"
        );
    }
}

#[test]
fn delete_org_api_key() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "deleteOrgApiKey",
            &["--orgId", ORG, "--apiUserId", ORG_KEY],
            None,
        ),
        "DELETE",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/{ORG_KEY}"),
        None,
    );
    assert!(run.stdout.is_empty());
    assert!(key_state(&server, ORG_KEY).is_none());
}

#[test]
fn delete_access_entry() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "deleteAccessEntry",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                ORG_KEY,
                "--ipAddress",
                "192.168.0.200",
            ],
            None,
        ),
        "DELETE",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/{ORG_KEY}/accessList/192.168.0.200"),
        None,
    );
    assert!(run.stdout.is_empty());
    assert_eq!(
        key_state(&server, ORG_KEY).unwrap()["accessList"],
        json!([])
    );
}

#[test]
fn get_org_api_key() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "getOrgApiKey",
            &["--orgId", ORG, "--apiUserId", ORG_KEY],
            None,
        ),
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/{ORG_KEY}"),
        None,
    );
    assert_eq!(json_of(&run)["id"], ORG_KEY);
}

#[test]
fn get_org_access_entry_escapes_the_cidr() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "getOrgAccessEntry",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                ORG_KEY,
                "--ipAddress",
                "192.168.0.200/32",
            ],
            None,
        ),
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/{ORG_KEY}/accessList/192.168.0.200%2F32"),
        None,
    );
    assert!(run.stdout_text().contains("192.168.0.200"), "{run:?}");
}

#[test]
fn list_group_api_keys() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "listGroupApiKeys",
            &["--projectId", GROUP, "--itemsPerPage", "5"],
            None,
        ),
        "GET",
        &format!("/api/atlas/v2/groups/{GROUP}/apiKeys?itemsPerPage=5"),
        None,
    );
    assert_eq!(json_of(&run)["results"][0]["id"], PROJECT_KEY);
}

#[test]
fn list_org_access_entries() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "listOrgAccessEntries",
            &["--orgId", ORG, "--apiUserId", ORG_KEY],
            None,
        ),
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/{ORG_KEY}/accessList"),
        None,
    );
    assert_eq!(json_of(&run)["results"][0]["ipAddress"], "192.168.0.200");
}

#[test]
fn list_org_api_keys_passes_the_body_through() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "listOrgApiKeys",
            &["--orgId", ORG, "--includeCount=false", "--pageNum", "1"],
            None,
        ),
        "GET",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys?includeCount=false&pageNum=1"),
        None,
    );
    let list = json_of(&run);
    assert_eq!(list["results"].as_array().unwrap().len(), 2);
    // Byte for byte: re-serialising would reorder or re-space; the raw body is kept.
    assert!(run.stdout.starts_with(b"{\"links\":["), "{run:?}");
}

#[test]
fn remove_group_api_key() {
    let (server, sandbox) = seeded();
    let run = expect(
        call(
            &server,
            &sandbox,
            "removeGroupApiKey",
            &["--groupId", GROUP, "--apiUserId", PROJECT_KEY],
            None,
        ),
        "DELETE",
        &format!("/api/atlas/v2/groups/{GROUP}/apiKeys/{PROJECT_KEY}"),
        None,
    );
    assert!(run.stdout.is_empty());
    assert!(
        !key_state(&server, PROJECT_KEY)
            .unwrap()
            .to_string()
            .contains("GROUP_READ_ONLY")
    );
}

#[test]
fn update_api_key_roles_under_both_names() {
    for name in ["updateApiKeyRoles", "updateGroupApiKeyRoles"] {
        let (server, sandbox) = seeded();
        let body = r#"{"roles":["GROUP_OWNER"]}"#;
        let run = expect(
            call(
                &server,
                &sandbox,
                name,
                &[
                    "--groupId",
                    GROUP,
                    "--apiUserId",
                    PROJECT_KEY,
                    "--pageNum",
                    "2",
                ],
                Some(body),
            ),
            "PATCH",
            &format!("/api/atlas/v2/groups/{GROUP}/apiKeys/{PROJECT_KEY}?pageNum=2"),
            Some(body),
        );
        assert!(run.stdout_text().contains("GROUP_OWNER"), "{name}: {run:?}");
    }
}

#[test]
fn update_org_api_key() {
    let (server, sandbox) = seeded();
    let body = r#"{"desc":"renamed"}"#;
    let run = expect(
        call(
            &server,
            &sandbox,
            "updateOrgApiKey",
            &["--orgId", ORG, "--apiUserId", ORG_KEY],
            Some(body),
        ),
        "PATCH",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys/{ORG_KEY}"),
        Some(body),
    );
    assert_eq!(json_of(&run)["desc"], "renamed");
    assert_eq!(key_state(&server, ORG_KEY).unwrap()["desc"], "renamed");
}

#[test]
fn bodyless_operations_have_no_file_flag() {
    let sandbox = Sandbox::new();
    for name in [
        "getOrgApiKey",
        "listOrgApiKeys",
        "deleteOrgApiKey",
        "removeGroupApiKey",
    ] {
        let run = sandbox.run(&args(name, &["--file", "x.json"]), Stdin::Null);
        run.assert_error("Error: unknown flag: --file\n");
    }
}

#[test]
fn project_id_comes_from_the_profile() {
    let (server, sandbox) = seeded();
    sandbox.write_config(&format!(
        "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{PRIVATE_KEY}'\nops_manager_url = '{}'\nproject_id = '{GROUP}'\n",
        server.url()
    ));
    let run = expect(
        call(&server, &sandbox, "listGroupApiKeys", &[], None),
        "GET",
        &format!("/api/atlas/v2/groups/{GROUP}/apiKeys"),
        None,
    );
    assert_eq!(json_of(&run)["totalCount"], 1);
}

#[test]
fn int_flags_reject_non_numbers() {
    let run = Sandbox::new().run(
        &args("listOrgApiKeys", &["--itemsPerPage", "ten"]),
        Stdin::Null,
    );
    run.assert_error("Error: invalid argument \"ten\" for \"--itemsPerPage\" flag: strconv.ParseInt: parsing \"ten\": invalid syntax\n");
}

/// create → access list → project assignment → role update → list → delete, checking the
/// server's state after each step.
#[test]
fn key_lifecycle() {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());

    let created = json_of(&expect(
        call(
            &server,
            &sandbox,
            "createOrgApiKey",
            &["--orgId", ORG],
            Some(r#"{"desc":"lifecycle","roles":["ORG_READ_ONLY"]}"#),
        ),
        "POST",
        &format!("/api/atlas/v2/orgs/{ORG}/apiKeys"),
        Some(r#"{"desc":"lifecycle","roles":["ORG_READ_ONLY"]}"#),
    ));
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(key_state(&server, &id).unwrap()["desc"], "lifecycle");

    call(
        &server,
        &sandbox,
        "createOrgAccessEntry",
        &["--orgId", ORG, "--apiUserId", &id],
        Some(r#"[{"cidrBlock":"203.0.113.0/24"}]"#),
    );
    assert!(
        key_state(&server, &id).unwrap()["accessList"]
            .to_string()
            .contains("203.0.113.0/24")
    );

    let (run, _) = call(
        &server,
        &sandbox,
        "addGroupApiKey",
        &["--projectId", GROUP, "--apiUserId", &id],
        Some(r#"[{"roles":["GROUP_READ_ONLY"]}]"#),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        key_state(&server, &id)
            .unwrap()
            .to_string()
            .contains("GROUP_READ_ONLY")
    );

    let (run, _) = call(
        &server,
        &sandbox,
        "updateApiKeyRoles",
        &["--groupId", GROUP, "--apiUserId", &id],
        Some(r#"{"roles":["GROUP_CLUSTER_MANAGER"]}"#),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let state = key_state(&server, &id).unwrap().to_string();
    assert!(
        state.contains("GROUP_CLUSTER_MANAGER") && !state.contains("GROUP_READ_ONLY"),
        "{state}"
    );

    let (run, _) = call(
        &server,
        &sandbox,
        "listGroupApiKeys",
        &["--groupId", GROUP],
        None,
    );
    assert_eq!(json_of(&run)["results"][0]["id"], id.as_str());
    let (run, _) = call(
        &server,
        &sandbox,
        "listOrgAccessEntries",
        &["--orgId", ORG, "--apiUserId", &id],
        None,
    );
    assert_eq!(json_of(&run)["totalCount"], 1);

    let (run, _) = call(
        &server,
        &sandbox,
        "deleteAccessEntry",
        &[
            "--orgId",
            ORG,
            "--apiUserId",
            &id,
            "--ipAddress",
            "203.0.113.0/24",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(key_state(&server, &id).unwrap()["accessList"], json!([]));

    let (run, _) = call(
        &server,
        &sandbox,
        "removeGroupApiKey",
        &["--groupId", GROUP, "--apiUserId", &id],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !key_state(&server, &id)
            .unwrap()
            .to_string()
            .contains("GROUP_CLUSTER_MANAGER")
    );

    let (run, _) = call(
        &server,
        &sandbox,
        "deleteOrgApiKey",
        &["--orgId", ORG, "--apiUserId", &id],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(key_state(&server, &id).is_none());

    let (run, _) = call(
        &server,
        &sandbox,
        "getOrgApiKey",
        &["--orgId", ORG, "--apiUserId", &id],
        None,
    );
    run.assert_error("Error: server returned an error response code\n");
    assert_eq!(json_of(&run)["errorCode"], "API_KEY_NOT_FOUND");
}

/// Every recorded success shape, replayed through the matching operation: stdout is the body,
/// byte for byte.
#[test]
fn recorded_success_bodies_pass_through_byte_for_byte() {
    let r = "recorded/";
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "listOrgApiKeys",
            &["--orgId", ORG],
            "TestAtlasOrgAPIKeys/List/GET_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_1.snaphost",
        ),
        (
            "getOrgApiKey",
            &["--orgId", ORG, "--apiUserId", ORG_KEY],
            "TestAtlasOrgAPIKeys/Describe/GET_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_698c46bee3bbe1ace0f31aec_1.snaphost",
        ),
        (
            "updateOrgApiKey",
            &["--orgId", ORG, "--apiUserId", ORG_KEY],
            "TestAtlasOrgAPIKeys/Update/PATCH_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_698c46bee3bbe1ace0f31aec_1.snaphost",
        ),
        (
            "deleteOrgApiKey",
            &["--orgId", ORG, "--apiUserId", ORG_KEY],
            "TestAtlasOrgAPIKeys/Delete/DELETE_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_698c46bee3bbe1ace0f31aec_1.snaphost",
        ),
        (
            "listOrgAccessEntries",
            &["--orgId", ORG, "--apiUserId", "698c46aac41e0dcc2ca46ee2"],
            "TestAtlasOrgAPIKeyAccessList/List/GET_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_698c46aac41e0dcc2ca46ee2_accessList_1.snaphost",
        ),
        (
            "createOrgAccessEntry",
            &["--orgId", ORG, "--apiUserId", "698c46aac41e0dcc2ca46ee2"],
            "TestAtlasOrgAPIKeyAccessList/Create/POST_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_698c46aac41e0dcc2ca46ee2_accessList_1.snaphost",
        ),
        (
            "deleteAccessEntry",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                "698c46aac41e0dcc2ca46ee2",
                "--ipAddress",
                "192.168.0.200",
            ],
            "TestAtlasOrgAPIKeyAccessList/Delete/DELETE_api_atlas_v2_orgs_a0123456789abcdef012345a_apiKeys_698c46aac41e0dcc2ca46ee2_accessList_192.168.0.200_1.snaphost",
        ),
        (
            "listGroupApiKeys",
            &["--groupId", GROUP],
            "TestAtlasProjectAPIKeys/List/GET_api_atlas_v2_groups_b0123456789abcdef012345b_apiKeys_1.snaphost",
        ),
        (
            "createGroupApiKey",
            &["--groupId", GROUP],
            "TestAtlasProjectAPIKeys/Create/POST_api_atlas_v2_groups_b0123456789abcdef012345b_apiKeys_1.snaphost",
        ),
        (
            "updateApiKeyRoles",
            &["--groupId", GROUP, "--apiUserId", PROJECT_KEY],
            "TestAtlasProjectAPIKeys/Assign/PATCH_api_atlas_v2_groups_b0123456789abcdef012345b_apiKeys_698c46fde3bbe1ace0f337b7_1.snaphost",
        ),
        (
            "removeGroupApiKey",
            &["--groupId", GROUP, "--apiUserId", PROJECT_KEY],
            "TestAtlasProjectAPIKeys/Delete/DELETE_api_atlas_v2_groups_b0123456789abcdef012345b_apiKeys_698c46fde3bbe1ace0f337b7_1.snaphost",
        ),
    ];
    let bodies = [
        ("updateOrgApiKey", r#"{"desc":"new"}"#),
        ("createOrgAccessEntry", r#"[{"ipAddress":"192.168.0.200"}]"#),
        (
            "createGroupApiKey",
            r#"{"desc":"p","roles":["GROUP_READ_ONLY"]}"#,
        ),
        (
            "updateApiKeyRoles",
            r#"{"roles":["GROUP_DATA_ACCESS_READ_ONLY"]}"#,
        ),
    ];
    for (name, flags, fixture) in cases {
        let (server, sandbox) = seeded();
        let canned = atlas_standin::Canned::from_snaphost(&data(&format!("{r}{fixture}"))).unwrap();
        let expected = canned.body.clone();
        server.push_response(canned);
        let body = bodies.iter().find(|(n, _)| n == name).map(|(_, b)| *b);
        let mut argv = args(name, flags);
        argv.extend(["--version", "2023-01-01"]);
        let stdin = body.map_or(Stdin::Null, |b| Stdin::Bytes(b.as_bytes().to_vec()));
        let run = sandbox.run(&argv, stdin);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{name}: {run:?}");
        assert_eq!(run.stdout, expected, "{name}");
    }
}

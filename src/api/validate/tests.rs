//! Unit tests: table-driven cases for every rule and every one of the six schemas.

use super::address::{is_cidr_block, is_ip_address};
use super::schema::{
    ADD_GROUP_API_KEY, BODY_SCHEMAS, CREATE_GROUP_API_KEY, CREATE_ORG_API_KEY,
    CREATE_ORG_API_KEY_ACCESS_LIST_ENTRY, Schema, UPDATE_GROUP_API_KEY_ROLES, UPDATE_ORG_API_KEY,
    body_schema,
};
use super::validate_body;
use crate::support::quote::go_quote;

/// The expected outcome: `Ok` with the warning lines, or `Err` with the error text.
type Want = Result<&'static [&'static str], &'static str>;

/// One case: a label, the schema (`None`: syntax only), the body and the expected outcome.
type Case = (&'static str, Option<&'static Schema>, &'static str, Want);

/// Runs a table, reporting every mismatch at once.
fn run(cases: &[(&str, Option<&Schema>, String, Want)]) {
    let mut mismatches = Vec::new();
    for (label, schema, body, want) in cases {
        let got = validate_body(body.as_bytes(), *schema);
        let want = want
            .map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .map_err(str::to_owned);
        if got != want {
            mismatches.push(format!(
                "{label}: body {:?}\n   got  {got:?}\n   want {want:?}",
                abbreviate(body)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases failed:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

/// Runs a table of static cases.
fn run_static(cases: &[Case]) {
    let owned: Vec<_> = cases
        .iter()
        .map(|(l, s, b, w)| (*l, *s, b.to_string(), *w))
        .collect();
    run(&owned);
}

/// The first 80 characters of a body, for messages.
fn abbreviate(body: &str) -> String {
    body.chars().take(80).collect()
}

const ORG: Option<&Schema> = Some(&CREATE_ORG_API_KEY);
const GROUP: Option<&Schema> = Some(&CREATE_GROUP_API_KEY);
const ADD: Option<&Schema> = Some(&ADD_GROUP_API_KEY);
const ACCESS: Option<&Schema> = Some(&CREATE_ORG_API_KEY_ACCESS_LIST_ENTRY);
const UPD_GROUP: Option<&Schema> = Some(&UPDATE_GROUP_API_KEY_ROLES);
const UPD_ORG: Option<&Schema> = Some(&UPDATE_ORG_API_KEY);

#[test]
fn create_org_api_key() {
    run_static(&[
        (
            "valid",
            ORG,
            r#"{"desc":"k","roles":["ORG_MEMBER"]}"#,
            Ok(&[]),
        ),
        (
            "all roles",
            ORG,
            r#"{"desc":"k","roles":["ORG_OWNER","ORG_MEMBER","ORG_GROUP_CREATOR","ORG_BILLING_ADMIN","ORG_BILLING_READ_ONLY","ORG_STREAM_PROCESSING_ADMIN","ORG_READ_ONLY"]}"#,
            Ok(&[]),
        ),
        (
            "whitespace and newlines",
            ORG,
            "\n {\r\n\t\"desc\" : \"k\" ,\n \"roles\" : [ \"ORG_MEMBER\" ] }\n\n",
            Ok(&[]),
        ),
        (
            "unknown fields pass",
            ORG,
            r#"{"x":{"y":[1,2.5e10,null,true,{"desc":""}]},"desc":"k","roles":["ORG_OWNER"],"z":"q"}"#,
            Ok(&[]),
        ),
        (
            "escaped key names a known property",
            ORG,
            r#"{"d\u0065sc":"","roles":["ORG_OWNER"]}"#,
            Err("invalid request body: desc: must be at least 1 character"),
        ),
        (
            "unknown role warns",
            ORG,
            r#"{"desc":"k","roles":["ORG_MEMBER","NEW_ROLE","GROUP_OWNER"]}"#,
            Ok(&[
                r#"warning: request body: roles[1]: unknown value "NEW_ROLE", sending it anyway"#,
                r#"warning: request body: roles[2]: unknown value "GROUP_OWNER", sending it anyway"#,
            ]),
        ),
        (
            "role compared case-sensitively",
            ORG,
            r#"{"desc":"k","roles":["org_owner"]}"#,
            Ok(&[
                r#"warning: request body: roles[0]: unknown value "org_owner", sending it anyway"#,
            ]),
        ),
        (
            "unknown role quoted as Go's %q",
            ORG,
            r#"{"desc":"k","roles":["A\"B\\C\n\u0001\u00a0é"]}"#,
            Ok(&[
                r#"warning: request body: roles[0]: unknown value "A\"B\\C\n\x01\u00a0é", sending it anyway"#,
            ]),
        ),
        (
            "empty role warns",
            ORG,
            r#"{"desc":"k","roles":[""]}"#,
            Ok(&[r#"warning: request body: roles[0]: unknown value "", sending it anyway"#]),
        ),
        (
            "desc missing",
            ORG,
            r#"{"roles":["ORG_MEMBER"]}"#,
            Err("invalid request body: desc: is required"),
        ),
        (
            "roles missing",
            ORG,
            r#"{"desc":"k"}"#,
            Err("invalid request body: roles: is required"),
        ),
        (
            "both missing: first required wins",
            ORG,
            "{}",
            Err("invalid request body: desc: is required"),
        ),
        (
            "empty desc",
            ORG,
            r#"{"desc":"","roles":["ORG_MEMBER"]}"#,
            Err("invalid request body: desc: must be at least 1 character"),
        ),
        (
            "desc a number",
            ORG,
            r#"{"desc":5,"roles":["ORG_MEMBER"]}"#,
            Err("invalid request body: desc: must be a string"),
        ),
        (
            "desc null",
            ORG,
            r#"{"desc":null,"roles":["ORG_MEMBER"]}"#,
            Err("invalid request body: desc: must be a string"),
        ),
        (
            "desc an object",
            ORG,
            r#"{"desc":{"a":[1]},"roles":["ORG_MEMBER"]}"#,
            Err("invalid request body: desc: must be a string"),
        ),
        (
            "desc a bool",
            ORG,
            r#"{"desc":true,"roles":["ORG_MEMBER"]}"#,
            Err("invalid request body: desc: must be a string"),
        ),
        (
            "roles a string",
            ORG,
            r#"{"desc":"k","roles":"ORG_MEMBER"}"#,
            Err("invalid request body: roles: must be an array"),
        ),
        (
            "roles an object",
            ORG,
            r#"{"desc":"k","roles":{"ORG_MEMBER":1}}"#,
            Err("invalid request body: roles: must be an array"),
        ),
        (
            "roles empty",
            ORG,
            r#"{"desc":"k","roles":[]}"#,
            Err("invalid request body: roles: must not be empty"),
        ),
        (
            "role not a string",
            ORG,
            r#"{"desc":"k","roles":["ORG_MEMBER",["ORG_OWNER"]]}"#,
            Err("invalid request body: roles[1]: must be a string"),
        ),
        (
            "body an array",
            ORG,
            r#"[{"desc":"k","roles":["ORG_MEMBER"]}]"#,
            Err("invalid request body: (root): must be an object"),
        ),
        (
            "body a string",
            ORG,
            r#""{}""#,
            Err("invalid request body: (root): must be an object"),
        ),
        (
            "body null",
            ORG,
            "null",
            Err("invalid request body: (root): must be an object"),
        ),
        (
            "body a number",
            ORG,
            " -1.5e3 ",
            Err("invalid request body: (root): must be an object"),
        ),
        (
            "first failure wins (desc before roles)",
            ORG,
            r#"{"desc":"","roles":[]}"#,
            Err("invalid request body: desc: must be at least 1 character"),
        ),
        (
            "first failure wins (roles before desc)",
            ORG,
            r#"{"roles":[],"desc":""}"#,
            Err("invalid request body: roles: must not be empty"),
        ),
        (
            "a bad value beats a later missing property",
            ORG,
            r#"{"desc":""}"#,
            Err("invalid request body: desc: must be at least 1 character"),
        ),
        (
            "a duplicate key is checked each time",
            ORG,
            r#"{"desc":"k","desc":"","roles":["ORG_OWNER"]}"#,
            Err("invalid request body: desc: must be at least 1 character"),
        ),
        (
            "warnings are dropped when there is an error",
            ORG,
            r#"{"desc":"","roles":["NOPE"]}"#,
            Err("invalid request body: desc: must be at least 1 character"),
        ),
        (
            "a syntax error after a schema failure wins",
            ORG,
            r#"{"desc":"","roles":[}"#,
            Err("invalid JSON in request body at line 1, column 21: expected value"),
        ),
    ]);
}

#[test]
fn create_group_api_key() {
    run_static(&[
        (
            "valid with org and group roles",
            GROUP,
            r#"{"desc":"k","roles":["ORG_MEMBER","GROUP_OWNER","GROUP_DATABASE_ACCESS_ADMIN","ORG_READ_ONLY"]}"#,
            Ok(&[]),
        ),
        (
            "unknown role warns",
            GROUP,
            r#"{"desc":"k","roles":["GROUP_FOO"]}"#,
            Ok(&[
                r#"warning: request body: roles[0]: unknown value "GROUP_FOO", sending it anyway"#,
            ]),
        ),
        (
            "desc missing",
            GROUP,
            r#"{"roles":["GROUP_OWNER"]}"#,
            Err("invalid request body: desc: is required"),
        ),
        (
            "roles missing",
            GROUP,
            r#"{"desc":"k"}"#,
            Err("invalid request body: roles: is required"),
        ),
        (
            "roles empty",
            GROUP,
            r#"{"desc":"k","roles":[]}"#,
            Err("invalid request body: roles: must not be empty"),
        ),
        (
            "role a number",
            GROUP,
            r#"{"desc":"k","roles":[1]}"#,
            Err("invalid request body: roles[0]: must be a string"),
        ),
        (
            "body an array",
            GROUP,
            "[]",
            Err("invalid request body: (root): must be an object"),
        ),
    ]);
}

#[test]
fn add_group_api_key() {
    run_static(&[
        ("valid", ADD, r#"[{"roles":["GROUP_OWNER"]}]"#, Ok(&[])),
        (
            "readOnly userId accepted",
            ADD,
            r#"[{"roles":["GROUP_OWNER"],"userId":"5f1d2c3b4a5f6e7d8c9b0a1f"}]"#,
            Ok(&[]),
        ),
        (
            "userId pattern not checked",
            ADD,
            r#"[{"userId":"not hex"}]"#,
            Ok(&[]),
        ),
        ("empty item", ADD, "[{}]", Ok(&[])),
        ("empty roles allowed", ADD, r#"[{"roles":[]}]"#, Ok(&[])),
        (
            "empty top-level array",
            ADD,
            "[]",
            Err("invalid request body: (root): must not be empty"),
        ),
        (
            "empty top-level array with spaces",
            ADD,
            " [ ] ",
            Err("invalid request body: (root): must not be empty"),
        ),
        (
            "body an object",
            ADD,
            r#"{"roles":["GROUP_OWNER"]}"#,
            Err("invalid request body: (root): must be an array"),
        ),
        (
            "item not an object",
            ADD,
            r#"[{"roles":[]},"GROUP_OWNER"]"#,
            Err("invalid request body: [1]: must be an object"),
        ),
        (
            "roles of the second item not an array",
            ADD,
            r#"[{"roles":["GROUP_OWNER"]},{"roles":"GROUP_OWNER"}]"#,
            Err("invalid request body: [1].roles: must be an array"),
        ),
        (
            "nested role not a string",
            ADD,
            r#"[{"roles":["GROUP_OWNER"]},{"roles":["GROUP_OWNER",null]}]"#,
            Err("invalid request body: [1].roles[1]: must be a string"),
        ),
        (
            "userId not a string",
            ADD,
            r#"[{"userId":5}]"#,
            Err("invalid request body: [0].userId: must be a string"),
        ),
        (
            "nested unknown roles warn in document order",
            ADD,
            r#"[{"roles":["ORG_OWNER","GROUP_OWNER"]},{"roles":["X"]}]"#,
            Ok(&[
                r#"warning: request body: [0].roles[0]: unknown value "ORG_OWNER", sending it anyway"#,
                r#"warning: request body: [1].roles[0]: unknown value "X", sending it anyway"#,
            ]),
        ),
    ]);
}

#[test]
fn create_org_api_key_access_list_entry() {
    run_static(&[
        (
            "IPv4 address",
            ACCESS,
            r#"[{"ipAddress":"192.0.2.1"}]"#,
            Ok(&[]),
        ),
        (
            "IPv6 address",
            ACCESS,
            r#"[{"ipAddress":"2001:db8::1"}]"#,
            Ok(&[]),
        ),
        (
            "IPv6 address in full",
            ACCESS,
            r#"[{"ipAddress":"2001:0db8:0000:0000:0000:0000:0000:0001"}]"#,
            Ok(&[]),
        ),
        (
            "IPv4-mapped IPv6 address",
            ACCESS,
            r#"[{"ipAddress":"::ffff:192.0.2.1"}]"#,
            Ok(&[]),
        ),
        (
            "IPv4 block",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.0/24"}]"#,
            Ok(&[]),
        ),
        ("IPv4 /0", ACCESS, r#"[{"cidrBlock":"0.0.0.0/0"}]"#, Ok(&[])),
        (
            "IPv4 /32",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.1/32"}]"#,
            Ok(&[]),
        ),
        (
            "IPv6 block",
            ACCESS,
            r#"[{"cidrBlock":"2001:db8::/32"}]"#,
            Ok(&[]),
        ),
        (
            "IPv6 /128",
            ACCESS,
            r#"[{"cidrBlock":"2001:db8::1/128"}]"#,
            Ok(&[]),
        ),
        (
            "both given",
            ACCESS,
            r#"[{"ipAddress":"192.0.2.1","cidrBlock":"192.0.2.0/24"}]"#,
            Ok(&[]),
        ),
        (
            "many entries, comment ignored",
            ACCESS,
            r#"[{"ipAddress":"192.0.2.1","comment":"office"},{"cidrBlock":"10.0.0.0/8"},{"ipAddress":"::1"}]"#,
            Ok(&[]),
        ),
        (
            "empty list",
            ACCESS,
            "[]",
            Err("invalid request body: (root): must not be empty"),
        ),
        (
            "body an object",
            ACCESS,
            r#"{"ipAddress":"192.0.2.1"}"#,
            Err("invalid request body: (root): must be an array"),
        ),
        (
            "entry without address",
            ACCESS,
            r#"[{"comment":"x"}]"#,
            Err("invalid request body: [0]: needs ipAddress or cidrBlock"),
        ),
        (
            "empty entry",
            ACCESS,
            r#"[{"ipAddress":"192.0.2.1"},{}]"#,
            Err("invalid request body: [1]: needs ipAddress or cidrBlock"),
        ),
        (
            "entry not an object",
            ACCESS,
            r#"["192.0.2.1"]"#,
            Err("invalid request body: [0]: must be an object"),
        ),
        (
            "ipAddress a CIDR block",
            ACCESS,
            r#"[{"ipAddress":"192.0.2.0/24"}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "ipAddress octet too big",
            ACCESS,
            r#"[{"ipAddress":"256.1.1.1"}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "ipAddress with a leading zero",
            ACCESS,
            r#"[{"ipAddress":"192.0.2.01"}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "ipAddress with a zone",
            ACCESS,
            r#"[{"ipAddress":"fe80::1%eth0"}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "ipAddress with spaces",
            ACCESS,
            r#"[{"ipAddress":" 192.0.2.1"}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "ipAddress empty",
            ACCESS,
            r#"[{"ipAddress":""}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "ipAddress a hostname",
            ACCESS,
            r#"[{"ipAddress":"example.com"}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "ipAddress null",
            ACCESS,
            r#"[{"ipAddress":null}]"#,
            Err("invalid request body: [0].ipAddress: must be a string"),
        ),
        (
            "bad IPv6 address",
            ACCESS,
            r#"[{"ipAddress":"2001:db8:::1"}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
        (
            "cidrBlock without prefix",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.0"}]"#,
            Err("invalid request body: [0].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock IPv4 prefix 33",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.0/33"}]"#,
            Err("invalid request body: [0].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock IPv6 prefix 129",
            ACCESS,
            r#"[{"cidrBlock":"2001:db8::/129"}]"#,
            Err("invalid request body: [0].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock percent-encoded",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.0%2F24"}]"#,
            Err("invalid request body: [0].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock with an empty prefix",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.0/"}]"#,
            Err("invalid request body: [0].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock with a signed prefix",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.0/+8"}]"#,
            Err("invalid request body: [0].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock with two prefixes",
            ACCESS,
            r#"[{"cidrBlock":"192.0.2.0/24/8"}]"#,
            Err("invalid request body: [0].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock with a bad address",
            ACCESS,
            r#"[{"ipAddress":"192.0.2.1"},{"cidrBlock":"300.0.2.0/24"}]"#,
            Err("invalid request body: [1].cidrBlock: must be a CIDR block such as 192.0.2.0/24"),
        ),
        (
            "cidrBlock a number",
            ACCESS,
            r#"[{"cidrBlock":24}]"#,
            Err("invalid request body: [0].cidrBlock: must be a string"),
        ),
        (
            "a bad value is reported before the missing address",
            ACCESS,
            r#"[{"ipAddress":"x"},{}]"#,
            Err("invalid request body: [0].ipAddress: must be an IP address"),
        ),
    ]);
}

#[test]
fn update_group_api_key_roles() {
    run_static(&[
        ("empty object", UPD_GROUP, "{}", Ok(&[])),
        ("desc only", UPD_GROUP, r#"{"desc":"new"}"#, Ok(&[])),
        ("empty roles allowed", UPD_GROUP, r#"{"roles":[]}"#, Ok(&[])),
        (
            "group roles",
            UPD_GROUP,
            r#"{"roles":["GROUP_OWNER","GROUP_STREAM_PROCESSING_OWNER"]}"#,
            Ok(&[]),
        ),
        (
            "org role warns",
            UPD_GROUP,
            r#"{"roles":["ORG_OWNER"]}"#,
            Ok(&[
                r#"warning: request body: roles[0]: unknown value "ORG_OWNER", sending it anyway"#,
            ]),
        ),
        (
            "empty desc",
            UPD_GROUP,
            r#"{"desc":""}"#,
            Err("invalid request body: desc: must be at least 1 character"),
        ),
        (
            "roles null",
            UPD_GROUP,
            r#"{"roles":null}"#,
            Err("invalid request body: roles: must be an array"),
        ),
        (
            "body an array",
            UPD_GROUP,
            "[{}]",
            Err("invalid request body: (root): must be an object"),
        ),
    ]);
}

#[test]
fn update_org_api_key() {
    run_static(&[
        ("empty object", UPD_ORG, "{}", Ok(&[])),
        (
            "desc and roles",
            UPD_ORG,
            r#"{"desc":"new","roles":["ORG_BILLING_READ_ONLY"]}"#,
            Ok(&[]),
        ),
        ("empty roles allowed", UPD_ORG, r#"{"roles":[]}"#, Ok(&[])),
        (
            "group role warns",
            UPD_ORG,
            r#"{"roles":["GROUP_OWNER"]}"#,
            Ok(&[
                r#"warning: request body: roles[0]: unknown value "GROUP_OWNER", sending it anyway"#,
            ]),
        ),
        (
            "role not a string",
            UPD_ORG,
            r#"{"roles":[{}]}"#,
            Err("invalid request body: roles[0]: must be a string"),
        ),
        (
            "desc an array",
            UPD_ORG,
            r#"{"desc":["x"]}"#,
            Err("invalid request body: desc: must be a string"),
        ),
    ]);
}

#[test]
fn desc_length_counts_characters() {
    let org = |desc: &str| format!(r#"{{"desc":"{desc}","roles":["ORG_OWNER"]}}"#);
    let upd = |desc: &str| format!(r#"{{"desc":"{desc}"}}"#);
    let too_long = Err("invalid request body: desc: must be at most 250 characters");
    let cases = vec![
        ("250 ASCII", ORG, org(&"a".repeat(250)), Ok(&[][..])),
        ("251 ASCII", ORG, org(&"a".repeat(251)), too_long),
        ("1 ASCII", ORG, org("a"), Ok(&[][..])),
        // 250 two-byte characters are 500 bytes but 250 characters.
        ("250 two-byte", ORG, org(&"é".repeat(250)), Ok(&[][..])),
        ("251 two-byte", ORG, org(&"é".repeat(251)), too_long),
        // Characters outside the BMP count once (not as two UTF-16 units).
        ("250 four-byte", ORG, org(&"😀".repeat(250)), Ok(&[][..])),
        ("251 four-byte", ORG, org(&"😀".repeat(251)), too_long),
        // An escape counts as the one character it stands for.
        ("250 escapes", UPD_ORG, upd(&"\\n".repeat(250)), Ok(&[][..])),
        (
            "251 escapes",
            UPD_ORG,
            upd(&"\\u00e9".repeat(251)),
            too_long,
        ),
        (
            "250 surrogate pairs",
            UPD_GROUP,
            upd(&"\\ud83d\\ude00".repeat(250)),
            Ok(&[][..]),
        ),
        (
            "251 surrogate pairs",
            UPD_GROUP,
            upd(&"\\ud83d\\ude00".repeat(251)),
            too_long,
        ),
        (
            "a long desc, create group",
            GROUP,
            org(&"x".repeat(300)),
            too_long,
        ),
        (
            "a long desc, update group",
            UPD_GROUP,
            upd(&"x".repeat(300)),
            too_long,
        ),
    ];
    run(&cases);
}

#[test]
fn json_syntax() {
    let schemas = [None, ORG, GROUP, ADD, ACCESS, UPD_GROUP, UPD_ORG];
    let syntax: &[(&str, &str, &str)] = &[
        (
            "empty body",
            "",
            "invalid JSON in request body at line 1, column 1: EOF while parsing a value",
        ),
        (
            "only whitespace",
            "  \n ",
            "invalid JSON in request body at line 2, column 1: EOF while parsing a value",
        ),
        (
            "unclosed object",
            "{",
            "invalid JSON in request body at line 1, column 1: EOF while parsing an object",
        ),
        (
            "unclosed object, newline",
            "{\n",
            "invalid JSON in request body at line 2, column 1: EOF while parsing an object",
        ),
        (
            "unclosed array",
            "[1,2",
            "invalid JSON in request body at line 1, column 4: EOF while parsing a list",
        ),
        (
            "unclosed string",
            r#"{"desc":"k"#,
            "invalid JSON in request body at line 1, column 10: EOF while parsing a string",
        ),
        (
            "trailing characters",
            "{} x",
            "invalid JSON in request body at line 1, column 4: trailing characters",
        ),
        (
            "a second value",
            "{}\n\n{}",
            "invalid JSON in request body at line 3, column 1: trailing characters",
        ),
        (
            "single quotes",
            "{'desc':'k'}",
            "invalid JSON in request body at line 1, column 2: key must be a string",
        ),
        (
            "bare word",
            "desc",
            "invalid JSON in request body at line 1, column 1: expected value",
        ),
        (
            "missing colon",
            r#"{"desc" "k"}"#,
            "invalid JSON in request body at line 1, column 9: expected `:`",
        ),
        (
            "column counts characters",
            r#"{"x": "héllo" y}"#,
            "invalid JSON in request body at line 1, column 15: expected `,` or `}`",
        ),
        (
            "column counts characters on a later line",
            "[\n\"😀😀\", x]",
            "invalid JSON in request body at line 2, column 7: expected value",
        ),
        (
            "control character in a string",
            "{\"x\":\"a\u{1}\"}",
            "invalid JSON in request body at line 1, column 7: control character (\\u0000-\\u001F) found while parsing a string",
        ),
        (
            "bad escape",
            r#"["\q"]"#,
            "invalid JSON in request body at line 1, column 4: invalid escape",
        ),
        (
            "byte order mark",
            "\u{feff}{}",
            "invalid JSON in request body at line 1, column 1: expected value",
        ),
        (
            "NaN",
            "[NaN]",
            "invalid JSON in request body at line 1, column 2: expected value",
        ),
        (
            "leading zero",
            "[01]",
            "invalid JSON in request body at line 1, column 3: invalid number",
        ),
    ];
    let mut cases = Vec::new();
    for schema in schemas {
        for (label, body, want) in syntax {
            cases.push((*label, schema, body.to_string(), Err(*want)));
        }
    }
    run(&cases);
}

#[test]
fn invalid_utf8() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"[\"\xff\"]",
            "invalid JSON in request body at line 1, column 3: invalid UTF-8",
        ),
        (
            b"{\"x\":\n \"\xc3\xa9\xc3\"}",
            "invalid JSON in request body at line 2, column 4: invalid UTF-8",
        ),
        (
            b"\xff",
            "invalid JSON in request body at line 1, column 1: invalid UTF-8",
        ),
    ];
    for (body, want) in cases {
        for schema in [None, ORG, ADD, ACCESS] {
            assert_eq!(validate_body(body, schema), Err(want.to_string()));
        }
    }
}

#[test]
fn syntax_only_without_schema() {
    run_static(&[
        (
            "object",
            None,
            r#"{"anything":[1,2.5e10,null,true]}"#,
            Ok(&[]),
        ),
        ("empty object", None, "{}", Ok(&[])),
        ("array", None, "[]", Ok(&[])),
        ("string", None, r#""x""#, Ok(&[])),
        ("number", None, "1e400", Ok(&[])),
        ("null", None, " null\n", Ok(&[])),
    ]);
}

#[test]
fn deep_nesting_is_fine() {
    // serde_json skips values it is not asked to decode without recursion, so unknown fields
    // and schema-less bodies may nest as deep as they like; schema-driven values nest at most
    // three levels.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(validate_body(deep.as_bytes(), None), Ok(vec![]));
    let nested_in_unknown = format!(r#"{{"x":{deep},"desc":"k","roles":["ORG_OWNER"]}}"#);
    assert_eq!(validate_body(nested_in_unknown.as_bytes(), ORG), Ok(vec![]));
    let unclosed = "[".repeat(100_000);
    let want = "invalid JSON in request body at line 1, column 100000: EOF while parsing a list";
    assert_eq!(
        validate_body(unclosed.as_bytes(), None),
        Err(want.to_owned())
    );
}

#[test]
fn wording_depends_on_decoding() {
    // serde_json words some errors, and places some columns, by how it reads the value:
    // decoded (schema-driven) or skipped (unknown fields, no schema, wrong type).
    run_static(&[
        (
            "control character in a decoded string",
            ORG,
            "{\"desc\":\"a\u{1}\"}",
            Err(
                "invalid JSON in request body at line 1, column 11: control character (\\u0000-\\u001F) found while parsing a string",
            ),
        ),
        (
            "in a schema-driven object",
            ORG,
            r#"{"desc":"k","roles":["ORG_OWNER"],}"#,
            Err("invalid JSON in request body at line 1, column 35: trailing comma"),
        ),
        (
            "in a schema-driven array",
            ORG,
            r#"{"desc":"k","roles":["ORG_OWNER",]}"#,
            Err("invalid JSON in request body at line 1, column 34: trailing comma"),
        ),
        (
            "in a skipped object",
            None,
            r#"{"desc":"k",}"#,
            Err("invalid JSON in request body at line 1, column 13: key must be a string"),
        ),
        (
            "in a skipped array",
            ORG,
            r#"{"x":[1,],"desc":"k","roles":["ORG_OWNER"]}"#,
            Err("invalid JSON in request body at line 1, column 9: expected value"),
        ),
    ]);
}

#[test]
fn addresses() {
    for good in [
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "::1",
        "2001:db8::8a2e:370:7334",
    ] {
        assert!(is_ip_address(good), "{good}");
    }
    for bad in [
        "",
        "1.2.3",
        "1.2.3.4.5",
        "[::1]",
        "::1/128",
        "1.2.3.4 ",
        "０.0.0.0",
    ] {
        assert!(!is_ip_address(bad), "{bad}");
    }
    for good in [
        "10.0.0.0/8",
        "10.0.0.0/08",
        "::/0",
        "::/000",
        "fe80::/10",
        "1.2.3.4/32",
    ] {
        assert!(is_cidr_block(good), "{good}");
    }
    for bad in [
        "10.0.0.0/",
        "/8",
        "10.0.0.0/0008",
        "10.0.0.0/-0",
        "10.0.0.0/ 8",
        "10.0.0.0 /8",
        "::/129",
        "1.2.3.4/33",
        "1.2.3.4/255",
        "1.2.3.4/256",
        "1.2.3.4/١",
        "10.0.0.0%2f8",
    ] {
        assert!(!is_cidr_block(bad), "{bad}");
    }
}

#[test]
fn go_quoting() {
    let cases = [
        ("", r#""""#),
        ("plain", r#""plain""#),
        ("a\"b\\c", r#""a\"b\\c""#),
        ("\u{7}\u{8}\u{c}\n\r\t\u{b}", r#""\a\b\f\n\r\t\v""#),
        ("\u{0}\u{1f}\u{7f}", r#""\x00\x1f\x7f""#),
        ("\u{85}\u{a0}\u{ad}", r#""\u0085\u00a0\u00ad""#),
        (
            "\u{2028}\u{200b}\u{feff}\u{3000}",
            r#""\u2028\u200b\ufeff\u3000""#,
        ),
        ("\u{e000}\u{fffe}", r#""\ue000\ufffe""#),
        ("\u{e0001}\u{10fffd}", r#""\U000e0001\U0010fffd""#),
        ("é😀日本 ~", "\"é😀日本 ~\""),
    ];
    for (text, want) in cases {
        assert_eq!(go_quote(text), want, "{text:?}");
    }
}

#[test]
fn schema_table_is_consistent() {
    fn check(schema: &Schema) {
        match schema {
            Schema::Object {
                required,
                required_any,
                properties,
            } => {
                assert!(properties.len() <= 64);
                for name in required.iter().chain(required_any.iter()) {
                    assert!(
                        properties.iter().any(|(n, _)| n == name),
                        "{name} is not a property"
                    );
                }
                for (_, property) in *properties {
                    check(property);
                }
            }
            Schema::Array { items, .. } => check(items),
            Schema::String { .. } => {}
        }
    }
    assert_eq!(BODY_SCHEMAS.len(), 6);
    for (id, schema) in BODY_SCHEMAS {
        check(schema);
        assert!(std::ptr::eq(body_schema(id).unwrap(), *schema));
    }
    assert!(body_schema("listOrgApiKeys").is_none());
}

/// The schemas in the shape of `operations.json`, to compare with the spec when it is at hand.
fn describe(schema: &Schema) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    match schema {
        Schema::Object {
            required,
            properties,
            ..
        } => {
            let mut out = Map::new();
            out.insert("type".into(), json!("object"));
            if !required.is_empty() {
                out.insert("required".into(), json!(required));
            }
            let props: Map<String, Value> = properties
                .iter()
                .map(|(name, s)| (name.to_string(), describe(s)))
                .collect();
            out.insert("properties".into(), Value::Object(props));
            Value::Object(out)
        }
        Schema::Array { min_items, items } => {
            let mut out = Map::new();
            out.insert("type".into(), json!("array"));
            if *min_items > 0 {
                out.insert("minItems".into(), json!(min_items));
            }
            out.insert("items".into(), describe(items));
            Value::Object(out)
        }
        Schema::String {
            min_length,
            max_length,
            enum_values,
            ..
        } => {
            let mut out = Map::new();
            out.insert("type".into(), json!("string"));
            if let Some(n) = min_length {
                out.insert("minLength".into(), json!(n));
            }
            if let Some(n) = max_length {
                out.insert("maxLength".into(), json!(n));
            }
            if !enum_values.is_empty() {
                out.insert("enum".into(), json!(enum_values));
            }
            Value::Object(out)
        }
    }
}

/// Drops what this module does not check (`$refName`, `pattern`, `readOnly`).
fn strip(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for key in ["$refName", "pattern", "readOnly"] {
                map.remove(key);
            }
            map.values_mut().for_each(strip);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

#[test]
fn schemas_match_operations_json() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/operations.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (id, schema) in BODY_SCHEMAS {
        let operation = spec["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|op| op["operationId"] == *id)
            .unwrap_or_else(|| panic!("{id} not in the spec"));
        let mut want = operation["requestBody"]["schema"].clone();
        strip(&mut want);
        // "Checks before anything is sent": these two top-level arrays must not be empty, though
        // the spec does not say so.
        if ["addGroupApiKey", "createOrgApiKeyAccessListEntry"].contains(id) {
            want["minItems"] = serde_json::json!(1);
        }
        assert_eq!(describe(schema), want, "{id}");
    }
}

#[test]
fn big_bodies_validate() {
    // 5 MB of access-list entries (speed is measured by hand, not asserted here).
    let entry = r#"{"ipAddress":"192.0.2.1","comment":"an office somewhere"},"#;
    let mut body = String::from("[");
    while body.len() < 5_000_000 {
        body.push_str(entry);
    }
    body.push_str(r#"{"cidrBlock":"2001:db8::/32"}]"#);
    assert_eq!(
        validate_body(body.as_bytes(), ACCESS),
        Ok(vec![]),
        "valid big body"
    );
}

#[test]
fn lone_surrogate_escapes_are_accepted_as_go_does() {
    let cases = [
        r#"{"desc":"\ud800","roles":["ORG_MEMBER"]}"#,
        r#"{"desc":"x\udc00y","roles":["ORG_MEMBER"]}"#,
        r#"{"desc":"\ud83d\ude00 paired","roles":["ORG_MEMBER"]}"#,
        r#"{"desc":"\\ud800 is text","roles":["ORG_MEMBER"]}"#,
    ];
    for body in cases {
        assert_eq!(
            validate_body(body.as_bytes(), Some(&CREATE_ORG_API_KEY)),
            Ok(vec![]),
            "{body}"
        );
    }
    assert_eq!(
        super::replace_lone_surrogates(r#""\ud800\\ud800\ud83d\ude00\udfff""#).as_deref(),
        Some(r#""\ufffd\\ud800\ud83d\ude00\ufffd""#)
    );
    assert_eq!(super::replace_lone_surrogates(r#""plain""#), None);
    // A backslash before a character of several bytes, or at the very end.
    assert_eq!(
        super::replace_lone_surrogates("\"\\é\\ud800é\\udc00\\"),
        Some("\"\\é\\ufffdé\\ufffd\\".to_string())
    );
    assert_eq!(super::replace_lone_surrogates("é\\"), None);
}

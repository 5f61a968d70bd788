//! The bad-input suite: every case runs the built binary as a user would. An error case must
//! give exactly its `Error:` line(s), exit 1, send nothing it should not, and leave the output
//! target untouched; a tolerated case must exit 0 with the expected request. No case may show
//! a secret on stderr, with or without `--debug`.

mod support;

use atlas_standin::{Config, Fault, StandIn};
use support::*;

const GOOD_BODY: &str = r#"{"desc":"ci key","roles":["ORG_READ_ONLY"]}"#;
const OUTPUT_BEFORE: &[u8] = b"previous output";
/// A body whose `desc` has 251 characters (the limit is 250), multi-byte ones included.
const DESC_251: &str = concat!(
    r#"{"roles":["ORG_OWNER"],"desc":""#,
    "éééééééééééééééééééééééééééééééééééééééééééééééééé",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "x",
    r#""}"#
);

/// What the case expects.
enum Expect {
    /// Exit 1 with exactly this stderr (`{url}` stands for the stand-in's URL); `traffic` is how
    /// many requests may reach the server.
    Error {
        stderr: &'static str,
        traffic: usize,
        /// `None`: `--outputFile` is left untouched; `Some(text)`: a complete error answer
        /// arrived and was written there, as "--outputFile" says, and holds `text`.
        written: Option<&'static str>,
    },
    /// Exit 0, with this stderr, and the signed request reaching this target.
    Tolerated {
        stderr: &'static str,
        target: &'static str,
    },
}

/// How the case prepares its world.
#[derive(Clone, Copy)]
enum World {
    /// The standard config with the fake keys pointing at the stand-in.
    Standard,
    /// This config text (`{url}` replaced by the stand-in's URL).
    Config(&'static str),
}

struct Case {
    name: &'static str,
    world: World,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    /// `None`: stdin is /dev/null.
    stdin: Option<&'static str>,
    faults: Vec<Fault>,
    expect: Expect,
}

const CREATE: &str = "createOrgApiKey";
const R: &str = "warning: using default API version '2023-01-01'; consider pinning a version to ensure consisentcy when updating the CLI\n";

macro_rules! case {
    ($name:expr, $args:expr, stdin: $stdin:expr, $expect:expr) => {
        Case {
            name: $name,
            world: World::Standard,
            args: $args,
            env: &[],
            stdin: $stdin,
            faults: Vec::new(),
            expect: $expect,
        }
    };
}

fn error(stderr: &'static str) -> Expect {
    Expect::Error {
        stderr,
        traffic: 0,
        written: None,
    }
}

fn cases() -> Vec<Case> {
    let create_v = &[
        "api",
        "programmaticApiKeys",
        CREATE,
        "--orgId",
        ORG,
        "--version",
        "2023-01-01",
    ][..];
    vec![
        // --- request bodies ("Checks before anything is sent") ---
        case!("malformed body", create_v, stdin: Some(r#"{"desc":"#), error("Error: invalid JSON in request body at line 1, column 8: EOF while parsing a value\n")),
        case!("empty body", create_v, stdin: Some(""), error("Error: invalid JSON in request body at line 1, column 1: EOF while parsing a value\n")),
        case!("trailing garbage", create_v, stdin: Some(r#"{"desc":"x","roles":["ORG_OWNER"]} x"#), error("Error: invalid JSON in request body at line 1, column 36: trailing characters\n")),
        case!("not an object", create_v, stdin: Some(r#"["ORG_OWNER"]"#), error("Error: invalid request body: (root): must be an object\n")),
        case!("desc of the wrong type", create_v, stdin: Some(r#"{"desc":5,"roles":["ORG_OWNER"]}"#), error("Error: invalid request body: desc: must be a string\n")),
        case!("desc too long", create_v, stdin: Some(DESC_251), error("Error: invalid request body: desc: must be at most 250 characters\n")),
        case!("desc empty", create_v, stdin: Some(r#"{"desc":"","roles":["ORG_OWNER"]}"#), error("Error: invalid request body: desc: must be at least 1 character\n")),
        case!("roles missing", create_v, stdin: Some(r#"{"desc":"x"}"#), error("Error: invalid request body: roles: is required\n")),
        case!("roles empty", create_v, stdin: Some(r#"{"desc":"x","roles":[]}"#), error("Error: invalid request body: roles: must not be empty\n")),
        case!("roles not an array", create_v, stdin: Some(r#"{"desc":"x","roles":"ORG_OWNER"}"#), error("Error: invalid request body: roles: must be an array\n")),
        case!("role of the wrong type", create_v, stdin: Some(r#"{"desc":"x","roles":["ORG_OWNER",7]}"#), error("Error: invalid request body: roles[1]: must be a string\n")),
        case!("echo {} is rejected", create_v, stdin: Some("{}\n"), error("Error: invalid request body: desc: is required\n")),
        case!(
            "access list empty",
            &["api", "programmaticApiKeys", "createOrgAccessEntry", "--orgId", ORG, "--apiUserId", KEY_ID, "--version", "2023-01-01"],
            stdin: Some("[]"),
            error("Error: invalid request body: (root): must not be empty\n")
        ),
        case!(
            "access list entry with a bad address",
            &["api", "programmaticApiKeys", "createOrgAccessEntry", "--orgId", ORG, "--apiUserId", KEY_ID, "--version", "2023-01-01"],
            stdin: Some(r#"[{"ipAddress":"192.0.2.300"}]"#),
            error("Error: invalid request body: [0].ipAddress: must be an IP address\n")
        ),
        case!(
            "access list entry with a bad CIDR",
            &["api", "programmaticApiKeys", "createOrgAccessEntry", "--orgId", ORG, "--apiUserId", KEY_ID, "--version", "2023-01-01"],
            stdin: Some(r#"[{"cidrBlock":"10.0.0.0/8"},{"cidrBlock":"10.0.0.0/40"}]"#),
            error("Error: invalid request body: [1].cidrBlock: must be a CIDR block such as 192.0.2.0/24\n")
        ),
        case!(
            "access list entry with neither",
            &["api", "programmaticApiKeys", "createOrgAccessEntry", "--orgId", ORG, "--apiUserId", KEY_ID, "--version", "2023-01-01"],
            stdin: Some(r#"[{"comment":"x"}]"#),
            error("Error: invalid request body: [0]: needs ipAddress or cidrBlock\n")
        ),
        case!(
            "assignment with no entries",
            &["api", "programmaticApiKeys", "addGroupApiKey", "--groupId", GROUP, "--apiUserId", KEY_ID, "--version", "2023-01-01"],
            stdin: Some("[]"),
            error("Error: invalid request body: (root): must not be empty\n")
        ),
        case!(
            "update with desc of the wrong type",
            &["api", "programmaticApiKeys", "updateOrgApiKey", "--orgId", ORG, "--apiUserId", KEY_ID, "--version", "2023-01-01"],
            stdin: Some(r#"{"desc":["x"]}"#),
            error("Error: invalid request body: desc: must be a string\n")
        ),
        // --- ids and addresses ("Checks before anything is sent") ---
        case!("short org id", &["api", "programmaticApiKeys", CREATE, "--orgId", "a0123", "--version", "2023-01-01"], stdin: Some(GOOD_BODY), error("Error: invalid --orgId \"a0123\": must be 24 hexadecimal digits\n")),
        case!("upper-case org id", &["api", "programmaticApiKeys", CREATE, "--orgId", "A0123456789ABCDEF012345A", "--version", "2023-01-01"], stdin: Some(GOOD_BODY), error("Error: invalid --orgId \"A0123456789ABCDEF012345A\": must be 24 hexadecimal digits\n")),
        case!("empty org id", &["api", "programmaticApiKeys", CREATE, "--orgId=", "--version", "2023-01-01"], stdin: Some(GOOD_BODY), error("Error: invalid --orgId \"\": must be 24 hexadecimal digits\n")),
        case!("bad key id", &["api", "programmaticApiKeys", "getOrgApiKey", "--orgId", ORG, "--apiUserId", "../../x", "--version", "2023-01-01"], stdin: None, error("Error: invalid --apiUserId \"../../x\": must be 24 hexadecimal digits\n")),
        case!("bad project id", &["api", "programmaticApiKeys", "listGroupApiKeys", "--projectId", "my-project", "--version", "2023-01-01"], stdin: None, error("Error: invalid --groupId \"my-project\": must be 24 hexadecimal digits\n")),
        Case {
            name: "bad org id from the environment",
            world: World::Standard,
            args: &[
                "api",
                "programmaticApiKeys",
                "listOrgApiKeys",
                "--version",
                "2023-01-01",
            ],
            env: &[("MONGODB_ATLAS_ORG_ID", "my-org")],
            stdin: None,
            faults: Vec::new(),
            expect: error("Error: invalid --orgId \"my-org\": must be 24 hexadecimal digits\n"),
        },
        Case {
            name: "bad org id from the profile",
            world: World::Config(
                "[default]\npublic_api_key = 'fakepublic'\nprivate_api_key = '00000000-fake-fake-fake-000000000000'\nops_manager_url = '{url}'\norg_id = 'not-an-id'\n",
            ),
            args: &[
                "api",
                "programmaticApiKeys",
                "listOrgApiKeys",
                "--version",
                "2023-01-01",
            ],
            env: &[],
            stdin: None,
            faults: Vec::new(),
            expect: error("Error: invalid --orgId \"not-an-id\": must be 24 hexadecimal digits\n"),
        },
        case!("percent-encoded CIDR", &["api", "programmaticApiKeys", "getOrgAccessEntry", "--orgId", ORG, "--apiUserId", KEY_ID, "--ipAddress", "192.0.2.0%2F24", "--version", "2023-01-01"], stdin: None, error("Error: invalid --ipAddress \"192.0.2.0%2F24\": must be an IP address or a CIDR block such as 192.0.2.0/24\n")),
        case!("not an IP", &["api", "programmaticApiKeys", "deleteAccessEntry", "--orgId", ORG, "--apiUserId", KEY_ID, "--ipAddress", "999.1.1.1", "--version", "2023-01-01"], stdin: None, error("Error: invalid --ipAddress \"999.1.1.1\": must be an IP address or a CIDR block such as 192.0.2.0/24\n")),
        // --- files and streams ---
        case!("file is a directory", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG, "--version", "2023-01-01", "--file", "home"], stdin: None, error("Error: error opening file home: read home: is a directory\n")),
        case!("file is missing", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG, "--version", "2023-01-01", "--file", "missing.json"], stdin: None, error("Error: error opening file missing.json: open missing.json: no such file or directory\n")),
        case!("stdin data and --file", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG, "--version", "2023-01-01", "--file", "good.json"], stdin: Some(GOOD_BODY), error("Error: cannot use --file flag and also input from standard input\n")),
        case!("no body at all", create_v, stdin: None, error("Error: --file flag is required when not using piped input\n")),
        case!("output file under a regular file", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG, "--version", "2023-01-01", "--outputFile", "good.json/out.json"], stdin: Some(GOOD_BODY), error("Error: open good.json/out.json: not a directory\n")),
        case!("output file in a missing folder", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG, "--version", "2023-01-01", "--outputFile", "nope/out.json"], stdin: Some(GOOD_BODY), error("Error: open nope/out.json: no such file or directory\n")),
        case!("output file is a folder", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG, "--version", "2023-01-01", "--outputFile", "home"], stdin: Some(GOOD_BODY), error("Error: open home: is a directory\n")),
        // --- command line ---
        case!("unknown flag", &["api", "programmaticApiKeys", CREATE, "--orgid", ORG], stdin: Some(GOOD_BODY), error("Error: unknown flag: --orgid\n")),
        case!("flag without value", &["api", "programmaticApiKeys", CREATE, "--orgId"], stdin: Some(GOOD_BODY), error("Error: flag needs an argument: --orgId\n")),
        case!("bad bool", &["api", "programmaticApiKeys", CREATE, "--pretty=yes"], stdin: Some(GOOD_BODY), error("Error: invalid argument \"yes\" for \"--pretty\" flag: strconv.ParseBool: parsing \"yes\": invalid syntax\n")),
        case!("bad int", &["api", "programmaticApiKeys", "listOrgApiKeys", "--pageNum", "one"], stdin: None, error("Error: invalid argument \"one\" for \"--pageNum\" flag: strconv.ParseInt: parsing \"one\": invalid syntax\n")),
        case!("unsupported output", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG, "-o", "yaml"], stdin: Some(GOOD_BODY), error("warning: using default API version '2023-01-01'; consider pinning a version to ensure consisentcy when updating the CLI\nError: failed to build http request\nunsupported content type\nexpected one of the following values: [json], but got 'yaml' instead\n")),
        case!("missing required flag", &["api", "programmaticApiKeys", "getOrgApiKey", "--orgId", ORG], stdin: None, error("warning: using default API version '2023-01-01'; consider pinning a version to ensure consisentcy when updating the CLI\nError: required flag(s) \"apiUserId\" not set\n")),
        case!("unknown command", &["apis"], stdin: None, error("Error: unknown command \"apis\" for \"atlas\"\n\nDid you mean this?\n\tapi\n\n")),
        case!("profile with a dot", &["-P", "my.prof", "api", "programmaticApiKeys", "listOrgApiKeys"], stdin: None, error("Error: profile should not contain '.': \"my.prof\"\n")),
        // --- configuration ---
        Case {
            name: "broken config",
            world: World::Config("[default\npublic_api_key = 'fakepublic'\n"),
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: error(
                "Error: cannot parse {config}: unclosed table, expected `]` at line 1, column 9\n",
            ),
        },
        Case {
            name: "config value of the wrong type",
            world: World::Config("[default]\nops_manager_url = 8080\n"),
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: error("Error: invalid ops_manager_url in {config}: expected string\n"),
        },
        Case {
            name: "unsupported service",
            world: World::Config("[default]\nservice = 'atlas-on-mars'\n"),
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: error("Error: unsupported service: atlas-on-mars\n"),
        },
        Case {
            name: "invalid http_timeout",
            world: World::Standard,
            args: create_v,
            env: &[("MONGODB_ATLAS_HTTP_TIMEOUT", "forever")],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: error("Error: invalid http_timeout \"forever\"\n"),
        },
        Case {
            name: "relative XDG_CONFIG_HOME",
            world: World::Standard,
            args: create_v,
            env: &[("XDG_CONFIG_HOME", "config")],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: error("Error: path in $XDG_CONFIG_HOME is relative\n"),
        },
        // --- the server ---
        Case {
            name: "wrong credentials",
            world: World::Config(
                "[default]\npublic_api_key = 'fakepublic'\nprivate_api_key = '99999999-fake-fake-fake-999999999999'\nops_manager_url = '{url}'\n",
            ),
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: Expect::Error {
                stderr: "Error: server returned an error response code\n",
                traffic: 2,
                written: Some("\"error\" : 401"),
            },
        },
        Case {
            name: "server 500",
            world: World::Standard,
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: vec![Fault::Status {
                status: 500,
                retry_after: None,
                body: r#"{"error":500}"#.to_string(),
            }],
            expect: Expect::Error {
                stderr: "Error: server returned an error response code\n",
                traffic: 1,
                written: Some(r#"{"error":500}"#),
            },
        },
        Case {
            name: "server 503 on a create",
            world: World::Standard,
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: vec![Fault::Status {
                status: 503,
                retry_after: Some(String::new()),
                body: r#"{"error":503}"#.to_string(),
            }],
            expect: Expect::Error {
                stderr: "Error: server returned an error response code\n",
                traffic: 1,
                written: Some(r#"{"error":503}"#),
            },
        },
        Case {
            name: "connection dropped",
            world: World::Standard,
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: vec![Fault::DropMidBody],
            expect: Expect::Error {
                stderr: "Error: POST {url}/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys: connection closed before the response was complete\n",
                traffic: 1,
                written: None,
            },
        },
        Case {
            name: "stalled server",
            world: World::Standard,
            args: create_v,
            env: &[("MONGODB_ATLAS_HTTP_TIMEOUT", "1")],
            stdin: Some(GOOD_BODY),
            faults: vec![Fault::Stall],
            expect: Expect::Error {
                stderr: "Error: POST {url}/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys: timed out after 1s\n",
                traffic: 1,
                written: None,
            },
        },
        // --- tolerated ---
        Case {
            name: "empty config with credentials in the environment",
            world: World::Config(""),
            args: create_v,
            env: &[
                ("MONGODB_ATLAS_PUBLIC_API_KEY", "fakepublic"),
                (
                    "MONGODB_ATLAS_PRIVATE_API_KEY",
                    "00000000-fake-fake-fake-000000000000",
                ),
                ("MONGODB_ATLAS_OPS_MANAGER_URL", "{url}"),
            ],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: Expect::Tolerated {
                stderr: "",
                target: "/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys",
            },
        },
        Case {
            name: "unknown keys in a profile",
            world: World::Config(
                "[default]\npublic_api_key = 'fakepublic'\nprivate_api_key = '00000000-fake-fake-fake-000000000000'\nops_manager_url = '{url}'\nfavourite_colour = 'teal'\nretries = 9\n",
            ),
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            expect: Expect::Tolerated {
                stderr: "",
                target: "/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys",
            },
        },
        Case {
            name: "absent profile",
            world: World::Config("[default]\nops_manager_url = 'http://127.0.0.1:1/'\n"),
            args: &[
                "-P",
                "nosuch",
                "api",
                "programmaticApiKeys",
                CREATE,
                "--orgId",
                ORG,
                "--version",
                "2023-01-01",
            ],
            env: &[
                ("MONGODB_ATLAS_PUBLIC_API_KEY", "fakepublic"),
                (
                    "MONGODB_ATLAS_PRIVATE_API_KEY",
                    "00000000-fake-fake-fake-000000000000",
                ),
                ("MONGODB_ATLAS_OPS_MANAGER_URL", "{url}"),
            ],
            stdin: Some(GOOD_BODY),
            faults: Vec::new(),
            // As the Go CLI, an empty profile plus the environment; unlike it, one warning.
            expect: Expect::Tolerated {
                stderr: "warning: profile \"nosuch\" not found in {config}\n",
                target: "/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys",
            },
        },
        case!(
            "unknown role",
            create_v,
            stdin: Some(r#"{"desc":"x","roles":["ORG_READ_ONLY","ORG_SUPREME_LEADER"]}"#),
            Expect::Tolerated { stderr: "warning: request body: roles[1]: unknown value \"ORG_SUPREME_LEADER\", sending it anyway\n", target: "/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys" }
        ),
        Case {
            name: "429 then 200",
            world: World::Standard,
            args: create_v,
            env: &[],
            stdin: Some(GOOD_BODY),
            faults: vec![Fault::Status {
                status: 429,
                retry_after: Some("0".to_string()),
                body: String::new(),
            }],
            expect: Expect::Tolerated {
                stderr: "warning: POST {url}/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys: 429 Too Many Requests, retrying in 0.0s (retry 1 of 3)\n",
                target: "/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys",
            },
        },
        case!("default version reminder only", &["api", "programmaticApiKeys", CREATE, "--orgId", ORG], stdin: Some(GOOD_BODY), Expect::Tolerated { stderr: R, target: "/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys" }),
    ]
}

fn fill(text: &str, url: &str, sandbox: &Sandbox) -> String {
    text.replace("{url}", url)
        .replace("{config}", &sandbox.config_path().display().to_string())
}

fn run_case(case: &Case, debug: bool) -> Result<(), String> {
    let server = StandIn::start(Config::default()).unwrap();
    let url = server.url();
    let sandbox = Sandbox::new();
    match case.world {
        World::Standard => sandbox.write_api_key_config(&url),
        World::Config(text) => sandbox.write_config(&fill(text, &url, &sandbox)),
    }
    sandbox.write_file("good.json", GOOD_BODY.as_bytes());
    let out = sandbox.write_file("out.json", OUTPUT_BEFORE);
    for fault in &case.faults {
        server.push_fault(fault.clone());
    }
    let mut argv: Vec<String> = Vec::new();
    if debug {
        argv.push("-D".into());
    }
    argv.extend(case.args.iter().map(|a| a.to_string()));
    // Every operation case also names an existing --outputFile (right after the operation, so
    // the case's own flags keep their meaning), which must end as "--outputFile" says.
    let names_output = case.args.contains(&"--outputFile");
    if let Some(op) = argv
        .iter()
        .position(|a| a == "programmaticApiKeys")
        .filter(|_| !names_output)
    {
        argv.splice(
            op + 2..op + 2,
            ["--outputFile".to_string(), "out.json".to_string()],
        );
    }
    let env: Vec<(String, String)> = case
        .env
        .iter()
        .map(|(k, v)| (k.to_string(), fill(v, &url, &sandbox)))
        .collect();
    let mut command = sandbox.command(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    command.envs(env);
    let stdin = match case.stdin {
        Some(text) => Stdin::Bytes(text.as_bytes().to_vec()),
        None => Stdin::Null,
    };
    let run = sandbox.run_with(command, stdin);
    let requests = server.requests();
    let fail = |what: String| {
        Err(format!(
            "{}{}: {what}\n  {run:?}",
            case.name,
            if debug { " (-D)" } else { "" }
        ))
    };
    for secret in [PRIVATE_KEY, "99999999-fake-fake-fake-999999999999"] {
        if run.stderr.contains(secret) {
            return fail(format!("secret {secret} on stderr"));
        }
    }
    for key in server.state()["apiKeys"].as_array().unwrap() {
        if run.stderr.contains(key["privateKey"].as_str().unwrap()) {
            return fail("a created private key on stderr".into());
        }
    }
    let output = std::fs::read(&out).unwrap();
    if !names_output && !run.stdout.is_empty() {
        return fail("stdout used although --outputFile was given".into());
    }
    match &case.expect {
        Expect::Error { written: None, .. } if output != OUTPUT_BEFORE => {
            return fail("the output file was touched".into());
        }
        Expect::Error {
            written: Some(text),
            ..
        } if !String::from_utf8_lossy(&output).contains(text) => {
            return fail(format!("the output file does not hold {text:?}"));
        }
        Expect::Tolerated { .. } if !names_output && !output.starts_with(b"{\"desc\"") => {
            return fail("the created key is not in the output file".into());
        }
        _ => {}
    }
    match &case.expect {
        Expect::Error {
            stderr, traffic, ..
        } => {
            if run.code != 1 {
                return fail(format!("exit {}", run.code));
            }
            if !debug && run.stderr != fill(stderr, &url, &sandbox) {
                return fail(format!(
                    "stderr {:?}, want {:?}",
                    run.stderr,
                    fill(stderr, &url, &sandbox)
                ));
            }
            let want = fill(stderr, &url, &sandbox);
            let last_line = format!("{}\n", want.lines().last().unwrap_or_default());
            if debug && !run.stderr.ends_with(&last_line) {
                return fail("the error line is missing".into());
            }
            if requests.len() > *traffic {
                return fail(format!(
                    "{} requests sent, {traffic} allowed",
                    requests.len()
                ));
            }
        }
        Expect::Tolerated { stderr, target } => {
            if run.code != 0 {
                return fail(format!("exit {}", run.code));
            }
            if !debug && run.stderr != fill(stderr, &url, &sandbox) {
                return fail(format!(
                    "stderr {:?}, want {:?}",
                    run.stderr,
                    fill(stderr, &url, &sandbox)
                ));
            }
            match requests.iter().rfind(|r| r.authorized) {
                Some(r) if r.target == *target => {}
                other => return fail(format!("signed request {other:?}, want target {target}")),
            }
        }
    }
    Ok(())
}

#[test]
fn every_bad_input_case_holds() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c, false).err())
        .collect();
    let passed = cases.len() - failures.len();
    eprintln!("bad-input suite: {passed} of {} cases hold", cases.len());
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn no_case_leaks_a_secret_in_debug_output() {
    let failures: Vec<String> = cases()
        .iter()
        .filter(|c| !matches!(c.name, "stalled server"))
        .filter_map(|c| run_case(c, true).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_valid_50_mb_body_is_sent_whole() {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let padding = "a".repeat(50 * 1024 * 1024);
    let body = format!(r#"{{"desc":"big","roles":["ORG_READ_ONLY"],"padding":"{padding}"}}"#);
    let file = sandbox.write_file("big.json", body.as_bytes());
    let run = sandbox.run(
        &args(
            CREATE,
            &[
                "--orgId",
                ORG,
                "--version",
                "2023-01-01",
                "--file",
                file.to_str().unwrap(),
            ],
        ),
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stderr);
    let signed = server
        .requests()
        .into_iter()
        .rfind(|r| r.authorized)
        .unwrap();
    assert_eq!(signed.body.len(), body.len());
    assert!(signed.body == body.as_bytes());
}

/// A pipe that never closes must not hang a run with a missing file.
#[test]
fn a_stdin_that_never_closes_does_not_hang_a_file_error() {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let run = sandbox.run(
        &args(
            CREATE,
            &[
                "--orgId",
                ORG,
                "--version",
                "2023-01-01",
                "--file",
                "missing.json",
            ],
        ),
        Stdin::Silent,
    );
    run.assert_error(
        "Error: error opening file missing.json: open missing.json: no such file or directory\n",
    );
    assert!(server.requests().is_empty());
}

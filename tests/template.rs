//! `-o '<go template>'` through the built binary: Go's output for real responses, Go's error
//! texts, nothing written on a template error, and no template over error bodies.

mod support;

use atlas_standin::{Canned, Config, StandIn};
use support::*;

const ORG_KEY: &str = "698c46bee3bbe1ace0f31aec";

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

fn get_key(sandbox: &Sandbox, template: &str, more: &[&str]) -> Run {
    let mut argv = args(
        "getOrgApiKey",
        &[
            "--orgId",
            ORG,
            "--apiUserId",
            ORG_KEY,
            "--version",
            "2023-01-01",
            "-o",
            template,
        ],
    );
    argv.extend_from_slice(more);
    sandbox.run(&argv, Stdin::Null)
}

#[test]
fn scripts_extract_fields_and_loop_over_lists() {
    let (server, sandbox) = seeded();
    let run = sandbox.run(
        &args(
            "createOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--version",
                "2023-01-01",
                "-o",
                "{{.privateKey}}",
            ],
        ),
        Stdin::Bytes(br#"{"desc":"t","roles":["ORG_READ_ONLY"]}"#.to_vec()),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let created = server.state()["apiKeys"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(run.stdout_text(), created["privateKey"].as_str().unwrap());
    let accept = server
        .requests()
        .last()
        .unwrap()
        .header("accept")
        .map(String::from);
    assert_eq!(
        accept.as_deref(),
        Some("application/vnd.atlas.2023-01-01+json")
    );

    let run = sandbox.run(
        &args(
            "listOrgApiKeys",
            &[
                "--orgId",
                ORG,
                "--version",
                "2023-01-01",
                "-o",
                r#"{{range .results}}{{.id}} {{.desc}}{{"\n"}}{{end}}{{.totalCount}}"#,
            ],
        ),
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let ids: Vec<String> = server.state()["apiKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                k["id"].as_str().unwrap(),
                k["desc"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(run.stdout_text(), format!("{}\n3", ids.join("\n")));
}

#[test]
fn go_value_printing_is_kept() {
    let (server, sandbox) = seeded();
    server.push_response(Canned::json(200, r#"{"n":1000000,"f":0.1,"big":12345000000000,"tiny":1e-7,"nil":null,"m":{"b":2,"a":[1,"x",null]}}"#));
    let run = get_key(
        &sandbox,
        "{{.n}} {{.f}} {{.big}} {{.tiny}} {{.missing}} {{.nil}} {{.m}} {{printf \"%q %d\" \"a\" .n}}",
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout_text(),
        "1e+06 0.1 1.2345e+13 1e-07 <no value> <no value> map[a:[1 x <nil>] b:2] \"a\" %!d(float64=1e+06)"
    );
}

#[test]
fn template_errors_are_go_s_and_write_nothing() {
    let (server, sandbox) = seeded();
    let out = sandbox.path("out.txt");
    let out_arg = out.to_str().unwrap();

    let run = get_key(&sandbox, "{{.id}} {{end}}", &["--outputFile", out_arg]);
    run.assert_error("Error: error formatting output\nfailed to parse format string\ntemplate: formatter-template:1: unexpected {{end}}\n");
    assert!(run.stdout.is_empty());
    assert!(
        server.requests().is_empty(),
        "a template that cannot parse is reported before sending"
    );

    let run = get_key(&sandbox, "{{index .roles 5}}", &["--outputFile", out_arg]);
    run.assert_error("Error: error formatting output\ntemplate: formatter-template:1:2: executing \"formatter-template\" at <index .roles 5>: error calling index: index out of range: 5\n");

    server.push_response(Canned::json(200, "<html>oops</html>"));
    let run = get_key(&sandbox, "{{.id}}", &["--outputFile", out_arg]);
    run.assert_error(
        "Error: error formatting output\ninvalid character '<' looking for beginning of value\n",
    );
    assert!(!out.exists(), "no output file on template errors");
}

#[test]
fn a_204_has_nothing_to_format() {
    let (_server, sandbox) = seeded();
    let run = sandbox.run(
        &args(
            "deleteOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                ORG_KEY,
                "--version",
                "2023-01-01",
                "-o",
                "{{.}}",
            ],
        ),
        Stdin::Null,
    );
    run.assert_error("Error: error formatting output\nEOF\n");
}

#[test]
fn error_bodies_are_never_templated() {
    let (_server, sandbox) = seeded();
    let run = sandbox.run(
        &args(
            "getOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                "aaaaaaaaaaaaaaaaaaaaaaaa",
                "--version",
                "2023-01-01",
                "-o",
                "{{.id}}",
            ],
        ),
        Stdin::Null,
    );
    run.assert_error("Error: server returned an error response code\n");
    let body: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(body["errorCode"], "API_KEY_NOT_FOUND");
}

#[test]
fn templates_go_to_the_output_file() {
    let (_server, sandbox) = seeded();
    let out = sandbox.path("id.txt");
    let run = get_key(
        &sandbox,
        "{{.id}}",
        &["--outputFile", out.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), ORG_KEY);
}

//! `-o '<go template>'` through the built binary: Go's output for real responses, Go's error
//! texts, nothing written on a template error, no template over error bodies, and a created
//! key's answer saved when its template names fields the answer does not have.

mod support;

use std::os::unix::fs::PermissionsExt;

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

const KEY_BODY: &str = r#"{"desc":"t","roles":["ORG_READ_ONLY"]}"#;

/// `createOrgApiKey` with this template, its state folder at `state` in the sandbox.
fn create_key(sandbox: &Sandbox, template: &str, more: &[&str]) -> Run {
    let mut argv = args(
        "createOrgApiKey",
        &["--orgId", ORG, "--version", "2023-01-01", "-o", template],
    );
    argv.extend_from_slice(more);
    let state = sandbox.path("state");
    sandbox.run_env(
        &argv,
        &[("XDG_STATE_HOME", state.to_str().unwrap())],
        Stdin::Bytes(KEY_BODY.as_bytes().to_vec()),
    )
}

/// The answers saved in the sandbox's state folder.
fn saved_answers(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(sandbox.path("state/atlascli/responses"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

/// Checks that stderr is exactly the warning for `chains` and the line naming the saved
/// answer, and that the answer is the one file saved, private; returns its bytes.
fn assert_warned_and_saved(sandbox: &Sandbox, run: &Run, chains: &str) -> Vec<u8> {
    assert_eq!(run.code, 0, "{run:?}");
    let saved = saved_answers(sandbox);
    assert_eq!(saved.len(), 1, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "warning: the template names fields the response does not have: {chains}\nthe response was saved to {}\n",
            saved[0].display()
        )
    );
    let mode = std::fs::metadata(&saved[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    std::fs::read(&saved[0]).unwrap()
}

#[test]
fn a_template_naming_a_missing_field_saves_the_created_key() {
    let (server, sandbox) = seeded();
    let run = create_key(&sandbox, "{{.privatekey}}", &[]);
    assert_eq!(run.stdout_text(), "<no value>");
    let saved = assert_warned_and_saved(&sandbox, &run, ".privatekey");
    let saved: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    let state = server.state();
    let created = state["apiKeys"].as_array().unwrap().last().unwrap();
    assert_eq!(saved["id"], created["id"]);
    assert!(
        saved["privateKey"].is_string() && saved["privateKey"] == created["privateKey"],
        "the saved answer holds the created private key"
    );
}

#[test]
fn every_missing_chain_is_named_once_in_order_and_the_raw_answer_is_saved() {
    let (server, sandbox) = seeded();
    let raw = r#"{"id":"k1","privateKey":"00000000-fake-fake-fake-00000000abcd","roles":[{"roleName":"ORG_READ_ONLY"},{"roleName":"ORG_MEMBER"}],"desc":null}"#;
    server.push_response(Canned::json(201, raw));
    let out = sandbox.path("out.txt");
    let template = "{{.id}}:{{.privatekey}}{{range .roles}} {{.roleName}}/{{.orgId}}{{end}} {{$.privatekey}} {{.privatekey}} {{.desc}} {{index . \"nope\"}} {{if .a.b}}{{end}}";
    let run = create_key(&sandbox, template, &["--outputFile", out.to_str().unwrap()]);
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "k1:<no value> ORG_READ_ONLY/<no value> ORG_MEMBER/<no value> <no value> <no value> <no value> <no value> "
    );
    let saved = assert_warned_and_saved(&sandbox, &run, ".privatekey, .orgId, $.privatekey, .a.b");
    assert!(
        saved == raw.as_bytes(),
        "the saved answer is the raw answer"
    );
}

#[test]
fn a_template_whose_fields_all_exist_saves_nothing() {
    let (_server, sandbox) = seeded();
    let run = create_key(
        &sandbox,
        "{{.id}} {{.desc}} {{range .roles}}{{.roleName}}{{end}}",
        &[],
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert!(run.stdout_text().ends_with(" t ORG_READ_ONLY"), "{run:?}");
    assert!(saved_answers(&sandbox).is_empty());
}

#[test]
fn answers_that_can_be_asked_again_are_not_saved_for_a_missing_field() {
    let (_server, sandbox) = seeded();
    let state = sandbox.path("state");
    let run = sandbox.run_env(
        &args(
            "listOrgApiKeys",
            &[
                "--orgId",
                ORG,
                "--version",
                "2023-01-01",
                "-o",
                "{{.nothing}}",
            ],
        ),
        &[("XDG_STATE_HOME", state.to_str().unwrap())],
        Stdin::Null,
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(run.stdout_text(), "<no value>");
    assert!(saved_answers(&sandbox).is_empty());
}

#[test]
fn a_missing_field_whose_answer_cannot_be_saved_says_why_and_succeeds() {
    let (_server, sandbox) = seeded();
    // The state folder's place is taken by a file, and the temporary folder is a file too.
    sandbox.write_file("state", b"not a folder");
    let tmp = sandbox.write_file("tmp", b"not a folder either");
    let run = sandbox.run_env(
        &args(
            "createOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--version",
                "2023-01-01",
                "-o",
                "{{.privatekey}}",
            ],
        ),
        &[
            ("XDG_STATE_HOME", sandbox.path("state").to_str().unwrap()),
            ("TMPDIR", tmp.to_str().unwrap()),
        ],
        Stdin::Bytes(KEY_BODY.as_bytes().to_vec()),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout_text(), "<no value>");
    assert_eq!(
        run.stderr,
        format!(
            "warning: the template names fields the response does not have: .privatekey\nthe response could not be saved: {}: file exists; {}/atlascli-XXXXXX: not a directory\n",
            sandbox.path("state").display(),
            tmp.display()
        )
    );
}

#[test]
fn endless_recursion_is_go_s_depth_error_even_on_a_small_stack() {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let template = r#"{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}"#;
    let error = "Error: error formatting output\ntemplate: formatter-template:1:25: executing \"a\" at <{{template \"a\" .}}>: exceeded maximum template depth (100000)\n";
    // As is; then with `ulimit -s 1024` and an address space too small for the stack Go's
    // limit needs (`ulimit -v`): a lower depth, the same text, and the created key saved.
    for limits in [None, Some((1u64 << 20, 200u64 << 20))] {
        let argv = args(
            "createOrgApiKey",
            &["--orgId", ORG, "--version", "2023-01-01", "-o", template],
        );
        let state = sandbox.path("state");
        let mut command = sandbox.command(&argv);
        command.env("XDG_STATE_HOME", &state);
        if let Some((stack, space)) = limits {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit(2) between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    let set = |resource, value| {
                        let limit = libc::rlimit {
                            rlim_cur: value,
                            rlim_max: value,
                        };
                        libc::setrlimit(resource, &limit)
                    };
                    set(libc::RLIMIT_STACK, stack);
                    set(libc::RLIMIT_AS, space);
                    Ok(())
                });
            }
        }
        let run = sandbox.run_with(command, Stdin::Bytes(KEY_BODY.as_bytes().to_vec()));
        assert_eq!(run.code, 1, "{limits:?}: {run:?}");
        assert!(run.stderr.starts_with(error), "{limits:?}: {}", run.stderr);
        assert!(
            run.stderr[error.len()..].starts_with("the response was saved to "),
            "{}",
            run.stderr
        );
    }
}

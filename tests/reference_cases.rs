//! The Go CLI's own outputs for generated `atlas api` commands (`tests/data/api-reference/`,
//! recorded from its code at the catalogue's commit): every `--help` text and usage error is
//! reproduced byte for byte by the built binary, under the cases' conditions (no config, no
//! Atlas variables, stdin `/dev/null`, stdout a pipe, an empty working folder).

mod support;

use serde_json::Value;
use support::{Sandbox, Stdin};

fn cases(kind: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(support::data("api-reference/cases.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect()
}

fn argv(case: &Value) -> Vec<String> {
    case["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// Runs a case's command line in a sandbox holding its files; returns what differed.
fn check(case: &Value) -> Option<String> {
    let sandbox = Sandbox::new();
    std::fs::remove_dir_all(sandbox.path("home/.config")).unwrap();
    if let Some(files) = case["files"].as_object() {
        for (name, content) in files {
            sandbox.write_file(name, content.as_str().unwrap().as_bytes());
        }
    }
    let args = argv(case);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sandbox.run(&args, Stdin::Null);
    let expected = &case["expected"];
    let want = (
        expected["exit_code"].as_i64().unwrap() as i32,
        expected["stdout"].as_str().unwrap().to_string(),
        expected["stderr"].as_str().unwrap().to_string(),
    );
    let got = (run.code, run.stdout_text(), run.stderr.clone());
    (got != want).then(|| {
        format!(
            "{} {:?}\n  want: {:?}\n  got:  {:?}",
            case["id"], args, want, got
        )
    })
}

fn check_all(kind: &str, at_least: usize) {
    let cases = cases(kind);
    assert!(cases.len() >= at_least, "{} {kind} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} of {} {kind} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn help_texts_are_the_go_cli_s() {
    check_all("help", 40);
}

#[test]
fn usage_errors_are_the_go_cli_s() {
    check_all("usage_error", 12);
}

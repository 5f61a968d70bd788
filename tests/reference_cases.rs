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

/// Runs a request case against a loopback stand-in that answers any request with `200 {}` and
/// returns what differed from the request the Go CLI built.
fn check_request(case: &Value) -> Option<String> {
    check_request_at(case, None)
}

/// As [`check_request`], the clock pinned to `now` (`YYYY-MM-DD`) by `faketime`.
fn check_request_at(case: &Value, now: Option<&str>) -> Option<String> {
    use sha2::{Digest, Sha256};
    let server = atlas_standin::StandIn::start(atlas_standin::Config {
        auth: atlas_standin::Auth::None,
        ..atlas_standin::Config::default()
    })
    .unwrap();
    server.push_response(atlas_standin::Canned::json(200, "{}"));
    let sandbox = Sandbox::new();
    std::fs::remove_dir_all(sandbox.path("home/.config")).unwrap();
    if let Some(files) = case["files"].as_object() {
        for (name, content) in files {
            sandbox.write_file(name, content.as_str().unwrap().as_bytes());
        }
    }
    let args = argv(case);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let base = server.url();
    let mut command = sandbox.command(&args);
    command.env("MONGODB_ATLAS_OPS_MANAGER_URL", base.as_str());
    if let Some(now) = now {
        let program = command.get_program().to_owned();
        let mut pinned = std::process::Command::new("faketime");
        pinned
            .arg(format!("{now} 12:00:00"))
            .arg(program)
            .args(command.get_args())
            .env_clear()
            .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("TZ", "UTC")
            .current_dir(sandbox.dir.path());
        command = pinned;
    }
    let run = sandbox.run_with(command, Stdin::Null);
    let expected = &case["expected"];
    let want_request = &expected["request"];
    let requests = server.requests();
    let got_request = requests.first().map(|r| {
        (
            r.method.clone(),
            r.target.clone(),
            r.header("accept").unwrap_or_default().to_string(),
            r.header("content-type").unwrap_or_default().to_string(),
            r.body.len(),
            format!("{:x}", Sha256::digest(&r.body)),
        )
    });
    let body = &want_request["body"];
    let want = (
        0,
        expected["stderr"].as_str().unwrap().to_string(),
        Some((
            want_request["method"].as_str().unwrap().to_string(),
            want_request["requestURI"].as_str().unwrap().to_string(),
            want_request["accept"].as_str().unwrap().to_string(),
            want_request["contentType"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            body["length"].as_u64().unwrap_or(0) as usize,
            body["sha256"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{:x}", Sha256::digest(b""))),
        )),
    );
    let got = (run.code, run.stderr.clone(), got_request);
    (got != want).then(|| {
        format!(
            "{} {:?}\n  want: {:?}\n  got:  {:?}",
            case["id"], args, want, got
        )
    })
}

#[test]
fn requests_are_the_go_cli_s() {
    let cases = cases("request");
    assert!(cases.len() >= 40, "{} request cases", cases.len());
    // Warnings that depend on today's date are checked with a pinned clock elsewhere.
    let failures: Vec<String> = cases
        .iter()
        .filter(|c| c["time_sensitive"].is_null())
        .filter_map(check_request)
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} request cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn meta_now() -> String {
    let text = std::fs::read_to_string(support::data("api-reference/cases.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["meta"]["now"].as_str().unwrap().to_string()
}

#[test]
#[cfg_attr(no_faketime, ignore = "needs faketime")]
fn dated_warnings_are_the_go_cli_s_on_the_recorded_day() {
    let now = meta_now();
    let cases: Vec<Value> = cases("request")
        .into_iter()
        .filter(|c| !c["time_sensitive"].is_null())
        .collect();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check_request_at(c, Some(&now)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[cfg_attr(no_faketime, ignore = "needs faketime")]
fn a_version_past_its_sunset_says_so_and_still_sends() {
    let case = cases("request")
        .into_iter()
        .find(|c| !c["time_sensitive"].is_null())
        .unwrap();
    let sunset = case["time_sensitive"]["sunset"]
        .as_str()
        .unwrap()
        .to_string();
    // The day after the sunset: Go compares the instant 00:00 UTC of the sunset day.
    let mut after = case.clone();
    let version = after["expected"]["request"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    after["expected"]["stderr"] = Value::String(format!(
        "error: version '{version}' is deprecated for this command and has already been sunset since {sunset}. Consider upgrading to a newer version if available.\n"
    ));
    let day_after = {
        let (ymd, day) = sunset.rsplit_once('-').unwrap();
        format!("{ymd}-{:02}", day.parse::<u32>().unwrap() + 1)
    };
    assert_eq!(check_request_at(&after, Some(&day_after)), None);
    // On the sunset day itself, at noon, the instant has passed too.
    assert_eq!(check_request_at(&after, Some(&sunset)), None);
}

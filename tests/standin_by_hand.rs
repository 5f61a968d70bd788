//! The stand-in run by hand, as the README shows: what `atlas-standin` prints on start — a
//! `config.toml` profile and the equivalent `MONGODB_ATLAS_*` variables — works when pasted.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::*;

/// Starts the `atlas-standin` binary (built beside `atlas` by `cargo test --workspace`) and
/// returns it with everything it printed up to its last line.
fn start_standin(args: &[&str]) -> (Child, String) {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_atlas")).with_file_name("atlas-standin");
    let mut child = Command::new(&binary)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo test --workspace`)", binary.display()));
    let reader = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            let last = line == "Stop with Ctrl-C.";
            if tx.send(line).is_err() || last {
                break;
            }
        }
    });
    let mut printed = String::new();
    while !printed.ends_with("Stop with Ctrl-C.\n") {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => printed.push_str(&(line + "\n")),
            Err(_) => {
                stop(child);
                panic!("atlas-standin stopped printing: {printed:?}");
            }
        }
    }
    (child, printed)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_printed_profile_pasted_into_config_toml_works() {
    let (child, printed) = start_standin(&["--seed"]);
    let url = printed
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("listening on "))
        .unwrap()
        .to_string();
    let start = printed.find("[standin]\n").expect(&printed);
    let profile = &printed[start..printed[start..].find("\n\n").unwrap() + start + 1];
    assert!(
        profile.contains(&format!("ops_manager_url = '{url}'\n")),
        "{profile}"
    );
    let sandbox = Sandbox::new();
    sandbox.write_config(profile);
    let run = sandbox.run(
        &[
            "-P",
            "standin",
            "api",
            "programmaticApiKeys",
            "listOrgApiKeys",
        ],
        Stdin::Null,
    );
    stop(child);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert!(
        run.stdout_text().contains(KEY_ID),
        "the seeded key: {run:?}"
    );
}

#[test]
fn the_printed_variables_work_without_a_config_file() {
    let (child, printed) = start_standin(&[]);
    let env: Vec<(String, String)> = printed
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .map(|l| {
            let (name, value) = l.split_once('=').unwrap();
            (name.to_string(), value.trim_matches('\'').to_string())
        })
        .collect();
    assert_eq!(env.len(), 6, "{printed}");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sandbox = Sandbox::new();
    let body = br#"{"desc":"by hand","roles":["ORG_READ_ONLY"]}"#.to_vec();
    let run = sandbox.run_env(
        &["api", "programmaticApiKeys", "createOrgApiKey"],
        &env,
        Stdin::Bytes(body),
    );
    stop(child);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let key: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(key["desc"], "by hand");
}

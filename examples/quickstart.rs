//! The offline main job: starts the bundled loopback stand-in of the Atlas Admin API, writes a
//! throw-away profile pointing at it, and runs the real `atlas` binary end to end:
//!
//!     cargo run --example quickstart
//!
//! It creates an organization API key (HTTP digest, request body on stdin), shows the new key,
//! then lists the organization's keys, exactly as a user would from a shell.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use atlas_standin::{Config, ORG_ID, PRIVATE_KEY, PUBLIC_KEY, StandIn};

#[path = "common/cargo_env.rs"]
mod cargo_env;

use cargo_env::without_target_env;

fn main() {
    let atlas = build_atlas();
    let server = StandIn::start(Config::default()).expect("the stand-in starts on loopback");
    let home = tempfile::tempdir().expect("a temporary HOME");
    let config_dir = home.path().join(".config/atlascli");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{PRIVATE_KEY}'\norg_id = '{ORG_ID}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
            server.url()
        ),
    )
    .unwrap();
    println!("Atlas API stand-in listening on {}", server.url());

    let body = r#"{"desc":"quickstart key","roles":["ORG_READ_ONLY"]}"#;
    println!("\n$ echo '{body}' | atlas api programmaticApiKeys createOrgApiKey --orgId {ORG_ID}");
    let created = run(
        &atlas,
        home.path(),
        &["createOrgApiKey", "--orgId", ORG_ID],
        Some(body),
    );

    let key: serde_json::Value = serde_json::from_slice(&created).expect("a JSON key");
    println!("\n$ atlas api programmaticApiKeys listOrgApiKeys --orgId {ORG_ID} --pretty");
    run(
        &atlas,
        home.path(),
        &["listOrgApiKeys", "--orgId", ORG_ID, "--pretty"],
        None,
    );

    let requests = server.requests();
    println!(
        "\nCreated key {} ({}); the stand-in saw {} requests, {} of them digest-authenticated.",
        key["id"].as_str().unwrap_or("?"),
        key["publicKey"].as_str().unwrap_or("?"),
        requests.len(),
        requests.iter().filter(|r| r.authorized).count()
    );
}

/// Builds the `atlas` binary in the same profile as this example and returns its path.
fn build_atlas() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let release = !cfg!(debug_assertions);
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "--bin", "atlas"]);
    without_target_env(&mut build);
    if release {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "cargo build --bin atlas failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target
        .join(if release { "release" } else { "debug" })
        .join("atlas")
}

/// Runs one `atlas api programmaticApiKeys …` command, echoing its output; returns stdout.
fn run(
    atlas: &PathBuf,
    home: &std::path::Path,
    operation: &[&str],
    stdin: Option<&str>,
) -> Vec<u8> {
    let mut command = Command::new(atlas);
    command
        .args(["api", "programmaticApiKeys"])
        .args(operation)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // No session bus: the throw-away profile must not pick up secrets that your own OS
        // keyring holds for a profile of the same name.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/atlas-quickstart",
        )
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command.spawn().expect("atlas runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    std::io::stdout().write_all(&output.stdout).unwrap();
    println!();
    assert!(
        output.status.success(),
        "atlas exited with {}",
        output.status
    );
    output.stdout
}

//! An independent judge of our digest answers: Apache httpd's `mod_auth_digest`, started on a
//! loopback port with a CGI script that echoes what it received.
//!
//! Without apache2 (as build.rs finds it) the tests are ignored: `cargo test` lists them so.

mod support;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use support::*;

const APACHE: &str = "/usr/sbin/apache2";
const REALM: &str = "MMS Public API";

const ECHO_CGI: &str = r#"#!/bin/sh
printf 'Content-Type: application/json\r\n\r\n'
printf '{"method":"%s","uri":"%s","user":"%s","body":"' "$REQUEST_METHOD" "$REQUEST_URI" "$REMOTE_USER"
if [ -n "$CONTENT_LENGTH" ]; then head -c "$CONTENT_LENGTH" | od -An -tx1 | tr -d ' \n'; fi
printf '"}'
"#;

struct Apache {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Apache {
    /// SIGTERM lets the parent stop its prefork children too; then wait for it.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_apache() -> Option<Apache> {
    if !Path::new(APACHE).exists() {
        panic!(
            "{APACHE} not installed, which build.rs found when the tests were built (touch build.rs to build them again)"
        );
    }
    // Apache drops to www-data: everything it reads must be world-readable.
    let dir = tempfile::Builder::new()
        .prefix("atlas-apache-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    set_mode(root, 0o755);
    let cgi = root.join("echo.cgi");
    std::fs::write(&cgi, ECHO_CGI).unwrap();
    set_mode(&cgi, 0o755);
    let ha1 = hex(Md5::digest(format!("{PUBLIC_KEY}:{REALM}:{PRIVATE_KEY}")));
    let passwords = root.join("digest.pw");
    std::fs::write(&passwords, format!("{PUBLIC_KEY}:{REALM}:{ha1}\n")).unwrap();
    set_mode(&passwords, 0o644);
    let port = free_port();
    let conf = root.join("httpd.conf");
    std::fs::write(&conf, config(root, port, &cgi, &passwords)).unwrap();
    // Its own process group: on SIGTERM, Apache signals its whole group (its prefork
    // children), which must not include the test harness.
    let child = Command::new(APACHE)
        .process_group(0)
        .args(["-f", conf.to_str().unwrap(), "-DFOREGROUND"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apache2 starts");
    let apache = Apache {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "apache2 did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(apache)
}

fn config(root: &Path, port: u16, cgi: &Path, passwords: &Path) -> String {
    let root = root.display();
    format!(
        r#"ServerRoot "/usr/lib/apache2"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root}/httpd.pid
DefaultRuntimeDir {root}
Mutex file:{root} default
ErrorLog {root}/error.log
LogLevel warn
LoadModule mpm_prefork_module modules/mod_mpm_prefork.so
LoadModule authn_core_module modules/mod_authn_core.so
LoadModule authn_file_module modules/mod_authn_file.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule authz_user_module modules/mod_authz_user.so
LoadModule auth_digest_module modules/mod_auth_digest.so
LoadModule alias_module modules/mod_alias.so
LoadModule cgi_module modules/mod_cgi.so
User www-data
Group www-data
DocumentRoot {root}
ScriptAliasMatch ^/api/ {cgi}
<Location /api/>
  AuthType Digest
  AuthName "{REALM}"
  AuthDigestProvider file
  AuthUserFile {passwords}
  AuthDigestAlgorithm MD5
  Require valid-user
</Location>
"#,
        cgi = cgi.display(),
        passwords = passwords.display()
    )
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn echoed(run: &Run) -> serde_json::Value {
    serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

fn sandbox_for(apache: &Apache, private_key: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{private_key}'\nops_manager_url = 'http://127.0.0.1:{}/'\n",
        apache.port
    ));
    sandbox
}

#[test]
#[cfg_attr(no_apache2, ignore = "needs apache2")]
fn mod_auth_digest_accepts_our_answers() {
    let Some(apache) = start_apache() else { return };
    let sandbox = sandbox_for(&apache, PRIVATE_KEY);

    // A GET with a query string: the digest `uri` must carry the query exactly.
    let run = sandbox.run(
        &args(
            "listOrgApiKeys",
            &[
                "--orgId",
                ORG,
                "--itemsPerPage",
                "5",
                "--pretty",
                "--version",
                "2023-01-01",
            ],
        ),
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    let got = echoed(&run);
    assert_eq!(got["method"], "GET");
    assert_eq!(
        got["uri"],
        format!("/api/atlas/v2/orgs/{ORG}/apiKeys?itemsPerPage=5&pretty=true")
    );
    assert_eq!(got["user"], PUBLIC_KEY);

    // A POST with a body read from a file: the body goes out on both legs.
    let body = br#"{"desc":"from apache test","roles":["ORG_READ_ONLY"]}"#;
    let file = sandbox.write_file("key.json", body);
    let run = sandbox.run(
        &args(
            "createOrgApiKey",
            &["--orgId", ORG, "--file", file.to_str().unwrap()],
        ),
        Stdin::Null,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, REMINDER);
    let got = echoed(&run);
    assert_eq!(got["method"], "POST");
    assert_eq!(got["uri"], format!("/api/atlas/v2/orgs/{ORG}/apiKeys"));
    assert_eq!(got["user"], PUBLIC_KEY);
    assert_eq!(got["body"], hex(body));
}

#[test]
#[cfg_attr(no_apache2, ignore = "needs apache2")]
fn mod_auth_digest_rejects_a_wrong_private_key() {
    let Some(apache) = start_apache() else { return };
    let sandbox = sandbox_for(&apache, "11111111-fake-fake-fake-111111111111");
    let run = sandbox.run(
        &args(
            "getOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                KEY_ID,
                "--version",
                "2023-01-01",
            ],
        ),
        Stdin::Null,
    );
    run.assert_error("Error: server returned an error response code\n");
    assert!(run.stdout_text().contains("401"), "{run:?}");
    assert!(!run.stderr.contains("11111111-fake"));
}

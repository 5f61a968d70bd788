//! The network error taxonomy (README "Network failures") through the built binary: TLS failures
//! against a loopback HTTPS server with a test CA (trusted through `SSL_CERT_FILE`), and a DNS
//! failure under `unshare -n`, so that no packet can leave the machine.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, date_time_ymd};
use support::*;

/// A CA and a server certificate it signed.
struct Pki {
    ca_pem: String,
    server_der: Vec<u8>,
    server_key_der: Vec<u8>,
}

fn pki(names: &[&str], expired: bool) -> Pki {
    pki_with(names, expired, false)
}

/// `pki`, with a server certificate that is itself a CA certificate when `server_is_ca`.
fn pki_with(names: &[&str], expired: bool, server_is_ca: bool) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("atlas test CA {:?}", std::time::Instant::now()),
    );
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    if expired {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 1, 1);
    }
    if server_is_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let server = params.signed_by(&server_key, &issuer).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_der: server.der().to_vec(),
        server_key_der: server_key.serialize_der(),
    }
}

/// An HTTPS server on loopback answering every request with `{"ok":true}`; returns its port.
fn https_server(pki: &Pki) -> u16 {
    let body = r#"{"ok":true}"#;
    https_server_answering(
        pki,
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// An HTTPS server on loopback answering every request with these bytes; returns its port.
fn https_server_answering(pki: &Pki, answer: String) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = rustls::pki_types::CertificateDer::from(pki.server_der.clone());
    let key = rustls::pki_types::PrivateKeyDer::try_from(pki.server_key_der.clone()).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            let answer = answer.clone();
            std::thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(connection, stream);
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls.write_all(answer.as_bytes());
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

fn get(sandbox: &Sandbox, url: &str, ca_file: &std::path::Path) -> Run {
    sandbox.run_env(
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
        &[
            ("MONGODB_ATLAS_OPS_MANAGER_URL", url),
            ("SSL_CERT_FILE", ca_file.to_str().unwrap()),
        ],
        Stdin::Null,
    )
}

fn target(url: &str) -> String {
    format!("GET {url}api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}")
}

#[test]
fn a_trusted_certificate_works() {
    let pki = pki(&["localhost"], false);
    let port = https_server(&pki);
    let sandbox = Sandbox::new();
    let ca = sandbox.write_file("ca.pem", pki.ca_pem.as_bytes());
    let run = get(&sandbox, &format!("https://localhost:{port}/"), &ca);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert_eq!(run.stdout, br#"{"ok":true}"#);
}

#[test]
fn tls_failures_are_one_line_each() {
    let sandbox = Sandbox::new();
    let trusted = pki(&["localhost"], false);
    let ca = sandbox.write_file("ca.pem", trusted.ca_pem.as_bytes());

    // A server whose CA is not the one we trust.
    let port = https_server(&pki(&["localhost"], false));
    let url = format!("https://localhost:{port}/");
    get(&sandbox, &url, &ca).assert_error(&format!(
        "Error: {}: TLS: certificate signed by unknown authority\n",
        target(&url)
    ));

    // Our CA, but the certificate expired.
    let expired = pki(&["localhost"], true);
    let port = https_server(&expired);
    let url = format!("https://localhost:{port}/");
    let ca_expired = sandbox.write_file("ca-expired.pem", expired.ca_pem.as_bytes());
    get(&sandbox, &url, &ca_expired).assert_error(&format!(
        "Error: {}: TLS: certificate expired\n",
        target(&url)
    ));

    // Our CA, but issued for another host.
    let other = pki(&["other.example"], false);
    let port = https_server(&other);
    let ca_other = sandbox.write_file("ca-other.pem", other.ca_pem.as_bytes());
    let url = format!("https://localhost:{port}/");
    get(&sandbox, &url, &ca_other).assert_error(&format!(
        "Error: {}: TLS: certificate not valid for \"localhost\"\n",
        target(&url)
    ));
}

#[test]
fn other_tls_failures_read_in_plain_words() {
    // Our CA signed it for the right host, but it is a CA certificate, not a server's.
    let sandbox = Sandbox::new();
    let ca_as_server = pki_with(&["localhost"], false, true);
    let port = https_server(&ca_as_server);
    let ca = sandbox.write_file("ca.pem", ca_as_server.ca_pem.as_bytes());
    let url = format!("https://localhost:{port}/");
    let run = get(&sandbox, &url, &ca);
    run.assert_error(&format!(
        "Error: {}: TLS: certificate is a CA certificate, not a server certificate\n",
        target(&url)
    ));
}

#[test]
fn an_https_api_redirecting_to_plain_http_is_not_followed() {
    let elsewhere =
        atlas_standin::StandIn::start_at(atlas_standin::Config::default(), "127.0.0.2:0").unwrap();
    let location = format!(
        "{}/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}",
        elsewhere.url()
    );
    let pki = pki(&["localhost"], false);
    let port = https_server_answering(
        &pki,
        format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    let sandbox = Sandbox::new();
    let ca = sandbox.write_file("ca.pem", pki.ca_pem.as_bytes());
    let url = format!("https://localhost:{port}/");
    let run = get(&sandbox, &url, &ca);
    run.assert_error(&format!(
        "Error: {}: redirected to {location}, not followed\n",
        target(&url)
    ));
    assert!(run.stdout.is_empty());
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(elsewhere.connections_accepted(), 0, "nothing sent in clear");
}

/// A TLS server that offers HTTP/2 by ALPN and reports what the client chose.
fn alpn_probe(pki: &Pki) -> (u16, std::sync::mpsc::Receiver<Option<Vec<u8>>>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = rustls::pki_types::CertificateDer::from(pki.server_der.clone());
    let key = rustls::pki_types::PrivateKeyDer::try_from(pki.server_key_der.clone()).unwrap();
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Some(mut stream) = listener.incoming().flatten().next() {
            let mut connection = rustls::ServerConnection::new(config).unwrap();
            while connection.is_handshaking() {
                if connection.complete_io(&mut stream).is_err() {
                    break;
                }
            }
            let _ = tx.send(connection.alpn_protocol().map(<[u8]>::to_vec));
        }
    });
    (port, rx)
}

#[test]
fn http2_is_used_when_the_server_offers_it() {
    let pki = pki(&["localhost"], false);
    let (port, chosen) = alpn_probe(&pki);
    let sandbox = Sandbox::new();
    let ca = sandbox.write_file("ca.pem", pki.ca_pem.as_bytes());
    // A POST: when the probe hangs up after the handshake, it is not sent again.
    let url = format!("https://localhost:{port}/");
    let _ = sandbox.run_env(
        &args(
            "createOrgApiKey",
            &["--orgId", ORG, "--version", "2023-01-01"],
        ),
        &[
            ("MONGODB_ATLAS_OPS_MANAGER_URL", url.as_str()),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ],
        Stdin::Bytes(br#"{"desc":"h2","roles":["ORG_MEMBER"]}"#.to_vec()),
    );
    let protocol = chosen
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    assert_eq!(protocol.as_deref(), Some(&b"h2"[..]));
}

#[test]
fn trust_roots_are_read_only_for_https() {
    let server = atlas_standin::StandIn::start(atlas_standin::Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let broken = [
        ("SSL_CERT_FILE", "/nonexistent/ca.pem"),
        ("SSL_CERT_DIR", "/nonexistent"),
    ];
    let get = args(
        "getOrgApiKey",
        &[
            "--orgId",
            ORG,
            "--apiUserId",
            KEY_ID,
            "--version",
            "2023-01-01",
        ],
    );
    let run = sandbox.run_env(&get, &broken, Stdin::Null);
    assert_eq!(
        run.stderr, "Error: server returned an error response code\n",
        "plain http never looks at the trust store"
    );
    assert_eq!(server.requests().len(), 2);

    sandbox.write_api_key_config("https://localhost:1/");
    let run = sandbox.run_env(&get, &broken, Stdin::Null);
    run.assert_error("Error: cannot load TLS trust roots: No CA certificates were loaded from the system (looked at SSL_CERT_FILE, SSL_CERT_DIR and the system store)\n");
}

#[test]
#[cfg_attr(no_netns, ignore = "needs root, unshare -n and ip")]
fn an_unresolvable_host_is_one_line_and_never_leaves_the_machine() {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let probe = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status();
    if !is_root || !probe.map(|s| s.success()).unwrap_or(false) {
        panic!(
            "unshare -n is not available, which build.rs found when the tests were built (touch build.rs to build them again)"
        );
    }
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config("http://atlas.invalid/");
    let mut command = std::process::Command::new("unshare");
    command
        .args(["-n", env!("CARGO_BIN_EXE_atlas")])
        .args(args(
            "getOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                KEY_ID,
                "--version",
                "2023-01-01",
            ],
        ))
        .env_clear()
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sandbox.path("home"));
    let run = sandbox.run_with(command, Stdin::Null);
    run.assert_error(&format!(
        "Error: GET http://atlas.invalid/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}: cannot resolve host \"atlas.invalid\"\n"
    ));
}

/// Runs `command` with stdin from `/dev/null`, killed (and the test failed) past `limit`.
fn run_within(mut command: std::process::Command, limit: std::time::Duration) -> Run {
    use std::process::Stdio;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = wait_bounded(command.spawn().unwrap(), limit);
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn get_key_args() -> Vec<&'static str> {
    args(
        "getOrgApiKey",
        &[
            "--orgId",
            ORG,
            "--apiUserId",
            KEY_ID,
            "--version",
            "2023-01-01",
        ],
    )
}

#[test]
fn a_trust_file_that_is_not_a_small_regular_file_fails_before_sending() {
    // Nothing listens on the port: the error comes before any connection.
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config("https://127.0.0.1:1/");
    let fifo = sandbox.path("ca.fifo");
    let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let big = sandbox.path("big.pem");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let cases = [
        ("/dev/zero".to_string(), "not a regular file"),
        (fifo.display().to_string(), "not a regular file"),
        (big.display().to_string(), "larger than 16 MiB"),
    ];
    for (file, reason) in cases {
        let mut command = sandbox.command(&get_key_args());
        command.env("SSL_CERT_FILE", &file);
        let started = std::time::Instant::now();
        let run = run_within(command, std::time::Duration::from_secs(10));
        run.assert_error(&format!("Error: cannot read {file}: {reason}\n"));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{file}: {:?}",
            started.elapsed()
        );
    }
    // The same files in SSL_CERT_DIR are skipped; the trusted CA beside them is used.
    let pki = pki(&["localhost"], false);
    let port = https_server(&pki);
    let dir = sandbox.path("certs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("ca.pem"), &pki.ca_pem).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.pem")).unwrap();
    std::os::unix::fs::symlink(&fifo, dir.join("fifo.pem")).unwrap();
    std::os::unix::fs::symlink(&big, dir.join("big.pem")).unwrap();
    sandbox.write_api_key_config(&format!("https://localhost:{port}/"));
    let mut command = sandbox.command(&get_key_args());
    command.env("SSL_CERT_DIR", &dir);
    let run = run_within(command, std::time::Duration::from_secs(20));
    assert!(
        !run.stderr.contains("TLS") && !run.stderr.contains("cannot read"),
        "{run:?}"
    );
}

#[test]
fn http_proxy_is_refused_in_a_cgi_environment_before_connecting() {
    let server = atlas_standin::StandIn::start(atlas_standin::Config::default()).unwrap();
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    for variable in ["HTTP_PROXY", "http_proxy"] {
        let run = sandbox.run_env(
            &get_key_args(),
            &[("REQUEST_METHOD", "GET"), (variable, &proxy_url)],
            Stdin::Null,
        );
        run.assert_error(&format!(
            "Error: {}: refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy\n",
            target(&format!("{}/", server.url().trim_end_matches('/')))
        ));
    }
    assert_eq!(server.requests().len(), 0, "nothing reached the stand-in");
    assert!(proxy.accept().is_err(), "nothing reached the proxy");
    // Without REQUEST_METHOD, loopback is never proxied: the stand-in answers.
    let run = sandbox.run_env(
        &get_key_args(),
        &[("HTTP_PROXY", proxy_url.as_str())],
        Stdin::Null,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
#[cfg_attr(no_netns, ignore = "needs root, unshare -n and ip")]
fn an_unresolvable_proxy_is_named_as_the_proxy() {
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config("http://atlas.invalid/");
    for (variable, url) in [
        ("HTTP_PROXY", "http://atlas.invalid/"),
        ("HTTPS_PROXY", "https://atlas.invalid/"),
    ] {
        sandbox.write_api_key_config(url);
        let mut command = std::process::Command::new("unshare");
        command
            .args(["-n", env!("CARGO_BIN_EXE_atlas")])
            .args(get_key_args())
            .env_clear()
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", sandbox.path("home"))
            .env(variable, "http://proxy.invalid:3128");
        let run = run_within(command, std::time::Duration::from_secs(30));
        run.assert_error(&format!(
            "Error: {}: cannot resolve proxy host \"proxy.invalid\"\n",
            target(url)
        ));
    }
}

//! The OS keyring (DECISIONS D22) through the built binary against a real Secret Service: each
//! test starts its own D-Bus session bus (a private config, no service activation) and an
//! unlocked gnome-keyring-daemon in a temporary HOME, writes items with `secret-tool` exactly
//! as go-keyring does (attributes `service` and `username`), and runs `atlas` against the
//! stand-in. A locked collection, a dead bus and a hung bus fall back to the file, silently,
//! within the keyring's two seconds; help, completion, version and flag errors never connect.
//!
//! Without dbus-daemon, gnome-keyring-daemon, secret-tool or dbus-send the Secret Service
//! tests are skipped, except under `CI=true`, where they fail.

mod support;

use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use atlas_standin::oauth::jwt;
use atlas_standin::{Auth, Config, StandIn};
use support::*;

const TOOLS: [&str; 4] = [
    "dbus-daemon",
    "dbus-send",
    "gnome-keyring-daemon",
    "secret-tool",
];

/// A private session bus with an unlocked gnome-keyring on it; both stop on drop.
struct SecretService {
    dir: tempfile::TempDir,
    bus: Child,
    daemon: Child,
}

impl SecretService {
    fn start() -> Option<SecretService> {
        let missing: Vec<&str> = TOOLS.into_iter().filter(|t| !on_path(t)).collect();
        if !missing.is_empty() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{missing:?} not installed, and CI=true requires the keyring tests to run"
            );
            eprintln!("skipped: {missing:?} not installed");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("atlas-keyring-")
            .tempdir()
            .unwrap();
        for sub in ["home", "data", "run"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        set_mode(&dir.path().join("run"), 0o700);
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, bus_config(&socket)).unwrap();
        let bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "the session bus did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path().join("home"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("XDG_RUNTIME_DIR", dir.path().join("run"))
            .env("DBUS_SESSION_BUS_ADDRESS", address(&socket))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = daemon.stdin.take().unwrap();
            stdin.write_all(b"fake-keyring-password").unwrap();
        }
        let service = SecretService { dir, bus, daemon };
        // Until the daemon owns its name, a second one could be started and every look-up
        // would fail.
        while !service.owned() {
            assert!(
                Instant::now() < deadline,
                "gnome-keyring-daemon did not take org.freedesktop.secrets"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(service)
    }

    fn address(&self) -> String {
        address(&self.dir.path().join("bus"))
    }

    fn tool(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .env("DBUS_SESSION_BUS_ADDRESS", self.address());
        command
    }

    fn owned(&self) -> bool {
        let output = self
            .tool("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).contains("boolean true")
    }

    /// Stores an item as go-keyring does: label, attributes `service` and `username`.
    fn store(&self, service: &str, account: &str, value: &str) {
        use std::io::Write;
        let mut child = self
            .tool("secret-tool")
            .args([
                "store",
                &format!("--label=Password for '{account}' on '{service}'"),
                "service",
                service,
                "username",
                account,
            ])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(value.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "secret-tool store");
    }

    /// The value of an item, if there is one.
    fn lookup(&self, service: &str, account: &str) -> Option<String> {
        let output = self
            .tool("secret-tool")
            .args(["lookup", "service", service, "username", account])
            .output()
            .unwrap();
        output
            .status
            .success()
            .then(|| String::from_utf8(output.stdout).unwrap())
    }

    fn lock_login(&self) {
        let output = self
            .tool("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ])
            .output()
            .unwrap();
        let reply = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && reply.contains("/org/freedesktop/secrets/collection/login"),
            "locked: {reply}"
        );
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in [&mut self.daemon, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).exists()))
}

fn address(socket: &Path) -> String {
    format!("unix:path={}", socket.display())
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A session bus that starts nothing on demand: only the daemon the test started answers.
fn bus_config(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        socket.display()
    )
}

/// A config with everything but the secrets.
fn keyless_config(sandbox: &Sandbox, url: &str, profile: &str, extra: &str) {
    sandbox.write_config(&format!(
        "[{profile}]\nops_manager_url = '{url}'\napi_version = '2023-01-01'\n{extra}"
    ));
}

fn list_on(sandbox: &Sandbox, bus: &str, more: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = sandbox.command(&args("listOrgApiKeys", &[&["--orgId", ORG], more].concat()));
    command.env("DBUS_SESSION_BUS_ADDRESS", bus);
    command.envs(env.iter().copied());
    sandbox.run_with(command, Stdin::Null)
}

fn store_keys(keyring: &SecretService, service: &str) {
    keyring.store(service, "public_api_key", PUBLIC_KEY);
    keyring.store(service, "private_api_key", PRIVATE_KEY);
}

fn succeeded(run: &Run) {
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    assert!(run.stdout_text().contains("\"results\""), "{run:?}");
}

fn unauthorized(run: &Run) {
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout_text().contains("\"error\" : 401"), "{run:?}");
}

#[test]
fn digest_keys_only_in_the_keyring() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    keyless_config(&sandbox, &server.url(), "default", "");
    let before = std::fs::read(sandbox.config_path()).unwrap();

    // Without the keyring's items the request goes out unauthenticated.
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &[]));
    store_keys(&keyring, "atlascli_default");
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    assert!(server.requests().last().unwrap().authorized);
    assert_eq!(
        std::fs::read(sandbox.config_path()).unwrap(),
        before,
        "nothing written"
    );
}

#[test]
fn the_keyring_beats_the_file_and_the_environment_beats_the_keyring() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    let wrong =
        "public_api_key = 'wrongpub'\nprivate_api_key = '11111111-fake-fake-fake-111111111111'\n";
    keyless_config(&sandbox, &server.url(), "default", wrong);
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &[]));

    store_keys(&keyring, "atlascli_default");
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));

    // A top-level key loses to the keyring too.
    sandbox.write_config(&format!(
        "{wrong}[default]\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));

    // The environment beats the keyring, property by property.
    let env_wrong = [(
        "MONGODB_ATLAS_PRIVATE_API_KEY",
        "22222222-fake-fake-fake-222222222222",
    )];
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &env_wrong));
    keyring.store(
        "atlascli_default",
        "private_api_key",
        "33333333-fake-fake-fake-333333333333",
    );
    let env_right = [("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY)];
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &env_right));
}

#[test]
fn profile_names_are_lower_cased_and_other_profiles_items_ignored() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(
        &["work", "default", "other"]
            .map(|name| {
                format!(
                    "[{name}]\nops_manager_url = '{url}'\napi_version = '2023-01-01'\n",
                    url = server.url()
                )
            })
            .concat(),
    );
    store_keys(&keyring, "atlascli_work");
    // An item whose service is not lower-cased is not the Go CLI's.
    store_keys(&keyring, "atlascli_Default");

    succeeded(&list_on(&sandbox, &keyring.address(), &["-P", "WORK"], &[]));
    succeeded(&list_on(
        &sandbox,
        &keyring.address(),
        &[],
        &[("MONGODB_ATLAS_PROFILE", "Work")],
    ));
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &[]));
    unauthorized(&list_on(
        &sandbox,
        &keyring.address(),
        &["-P", "other"],
        &[],
    ));
}

#[test]
fn a_service_account_from_the_keyring() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let (id, secret) = ("mdb_sa_id_fake0001", "mdb_sa_sk_fake-secret-0000000000");
    let server = StandIn::start(Config {
        auth: Auth::ServiceAccount {
            client_id: id.into(),
            client_secret: secret.into(),
            expires_in: Some(3600),
        },
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    // The file still names API keys as its credential type: the keyring's client id and
    // secret win, as credentials from anywhere do (behavior §d).
    keyless_config(
        &sandbox,
        &server.url(),
        "default",
        "auth_type = 'api_keys'\n",
    );
    keyring.store("atlascli_default", "client_id", id);
    keyring.store("atlascli_default", "client_secret", secret);
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    let requests = server.requests();
    assert_eq!(requests[0].target, "/api/oauth/token");
    assert!(requests[1].authorized);
}

#[test]
fn rotated_user_tokens_go_back_to_the_keyring() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let old = jwt(now - 60);
    let refresh = "refresh-fake-0000";
    let server = StandIn::start(Config {
        auth: Auth::UserAccount {
            access_token: old.clone(),
            refresh_token: refresh.into(),
            expires_in: 3600,
        },
        seed_keys: true,
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    keyless_config(
        &sandbox,
        &server.url(),
        "default",
        "auth_type = 'user_account'\n",
    );
    let before = std::fs::read(sandbox.config_path()).unwrap();
    keyring.store("atlascli_default", "access_token", &old);
    keyring.store("atlascli_default", "refresh_token", refresh);

    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    assert_eq!(server.refreshes(), 1);
    let new_access = keyring.lookup("atlascli_default", "access_token").unwrap();
    let new_refresh = keyring.lookup("atlascli_default", "refresh_token").unwrap();
    assert_ne!(
        new_access, old,
        "the rotated access token is in the keyring"
    );
    assert_ne!(
        new_refresh, refresh,
        "the rotated refresh token is in the keyring"
    );
    let sent = server.requests()[1]
        .header("authorization")
        .unwrap()
        .to_string();
    assert_eq!(sent, format!("Bearer {new_access}"));
    assert_eq!(
        std::fs::read(sandbox.config_path()).unwrap(),
        before,
        "never into the file"
    );

    // The next run reads the saved token and does not refresh again.
    server.clear_requests();
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    assert_eq!(server.refreshes(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_locked_collection_is_a_miss_and_the_file_is_used_silently() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    sandbox.write_config(&format!(
        "{}api_version = '2023-01-01'\n",
        std::fs::read_to_string(sandbox.config_path()).unwrap()
    ));
    // Wrong keys in the keyring: while the collection is unlocked they win and fail.
    keyring.store("atlascli_default", "public_api_key", "wrongpub");
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &[]));
    keyring.lock_login();
    let started = Instant::now();
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no wait for a prompt"
    );
}

/// A socket that accepts connections and never says a word, counting them.
struct HungBus {
    _dir: tempfile::TempDir,
    address: String,
    accepted: Arc<AtomicUsize>,
}

fn hung_bus() -> HungBus {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("bus");
    let listener = UnixListener::bind(&socket).unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    HungBus {
        address: address(&socket),
        _dir: dir,
        accepted,
    }
}

#[test]
fn a_hung_bus_or_a_dead_one_falls_back_to_the_file_within_the_bound() {
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let pinned = [("MONGODB_ATLAS_API_VERSION", "2023-01-01")];

    let bus = hung_bus();
    let started = Instant::now();
    let run = list_on(&sandbox, &bus.address, &[], &pinned);
    let took = started.elapsed();
    succeeded(&run);
    assert!(
        bus.accepted.load(Ordering::SeqCst) >= 1,
        "the keyring was asked"
    );
    assert!(took < Duration::from_secs(5), "bounded: {took:?}");

    for dead in [
        NO_BUS,
        "unix:path=",
        "nonsense",
        "tcp:host=127.0.0.1,port=1",
    ] {
        let started = Instant::now();
        succeeded(&list_on(&sandbox, dead, &[], &pinned));
        assert!(started.elapsed() < Duration::from_secs(2), "{dead}");
    }
    // No address at all, and no runtime folder with a bus in it.
    let mut command = sandbox.command(&args("listOrgApiKeys", &["--orgId", ORG]));
    command
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", sandbox.path("no-runtime-dir"))
        .envs(pinned);
    succeeded(&sandbox.run_with(command, Stdin::Null));
}

#[test]
fn help_completion_version_and_flag_errors_never_touch_the_keyring() {
    let sandbox = Sandbox::new();
    let bus = hung_bus();
    let runs: &[&[&str]] = &[
        &["api", "programmaticApiKeys", "createOrgApiKey", "--help"],
        &["api", "programmaticApiKeys", "--help"],
        &["--version"],
        &["completion", "bash"],
        &["__complete", "profiles"],
        &[
            "api",
            "programmaticApiKeys",
            "listOrgApiKeys",
            "--nosuchflag",
        ],
        &["api", "programmaticApiKeys", "getOrgApiKey", "--orgId", ORG],
    ];
    for argv in runs {
        let mut command = sandbox.command(argv);
        command.env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
        let run = sandbox.run_with(command, Stdin::Null);
        assert!(run.code == 0 || run.code == 1, "{argv:?}: {run:?}");
    }
    // A run whose environment gives all six secrets has nothing to ask either.
    let server = StandIn::start(Config::default()).unwrap();
    let mut command = sandbox.command(&args("listOrgApiKeys", &["--orgId", ORG]));
    command.env("DBUS_SESSION_BUS_ADDRESS", &bus.address).envs([
        ("MONGODB_ATLAS_OPS_MANAGER_URL", server.url().as_str()),
        ("MONGODB_ATLAS_API_VERSION", "2023-01-01"),
        ("MONGODB_ATLAS_PUBLIC_API_KEY", PUBLIC_KEY),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY),
        ("MONGODB_ATLAS_ACCESS_TOKEN", "fake-access"),
        ("MONGODB_ATLAS_REFRESH_TOKEN", "fake-refresh"),
        ("MONGODB_ATLAS_CLIENT_ID", "fake-client"),
        ("MONGODB_ATLAS_CLIENT_SECRET", "fake-client-secret"),
    ]);
    let _ = sandbox.run_with(command, Stdin::Null);
    assert_eq!(
        bus.accepted.load(Ordering::SeqCst),
        0,
        "no connection to the bus"
    );

    // The same bus is reached by a command that sends a request and lacks a secret.
    let mut command = sandbox.command(&args("listOrgApiKeys", &["--orgId", ORG]));
    command.env("DBUS_SESSION_BUS_ADDRESS", &bus.address).envs([
        ("MONGODB_ATLAS_OPS_MANAGER_URL", server.url().as_str()),
        ("MONGODB_ATLAS_API_VERSION", "2023-01-01"),
    ]);
    let _ = sandbox.run_with(command, Stdin::Null);
    assert_eq!(bus.accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn parallel_runs_on_one_expired_keyring_login_refresh_once() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expired = jwt(now - 60);
    let server = StandIn::start(Config {
        auth: Auth::UserAccount {
            access_token: expired.clone(),
            refresh_token: "refresh-fake-unused".into(),
            expires_in: 3600,
        },
        seed_keys: true,
        tokens: atlas_standin::TokenEndpoint {
            delay_ms: 100,
            single_use_refresh: true,
            ..Default::default()
        },
        ..Config::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    keyless_config(&sandbox, &server.url(), "default", "");
    keyring.store("atlascli_default", "access_token", &expired);
    keyring.store(
        "atlascli_default",
        "refresh_token",
        &server.issue_refresh_token(),
    );

    // Six runs at once: under the refresh lock each reads the keyring again, so one refreshes
    // and the others use what it wrote back (a second use of the spent refresh token would
    // revoke the login).
    let children: Vec<Child> = (0..6)
        .map(|_| {
            let mut command = sandbox.command(&args("listOrgApiKeys", &["--orgId", ORG]));
            command
                .env("DBUS_SESSION_BUS_ADDRESS", keyring.address())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            command.spawn().unwrap()
        })
        .collect();
    for child in children {
        let output = wait_bounded(child, Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && stderr.is_empty(), "{stderr}");
    }
    assert_eq!(server.refreshes(), 1, "one refresh for six runs");
    let saved = keyring.lookup("atlascli_default", "access_token").unwrap();
    assert_ne!(saved, expired);
}

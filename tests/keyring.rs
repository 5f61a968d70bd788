//! The OS keyring (README "Where credentials are looked for") through the built binary against a
//! real Secret Service: each test starts its own D-Bus session bus (a private config, no service
//! activation) and an unlocked gnome-keyring-daemon in a temporary HOME, writes items with
//! `secret-tool` exactly as go-keyring does (attributes `service` and `username`), and runs `atlas`
//! against the stand-in. A locked collection, a dead bus and a hung bus fall back to the file,
//! silently, within the keyring's two seconds; help, completion, version and flag errors never
//! connect.
//!
//! Without dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon or secret-tool (as
//! build.rs finds them) the Secret Service tests are ignored: `cargo test` lists them so.

mod support;

use std::os::unix::process::ExitStatusExt;

use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use atlas_standin::oauth::jwt;
use atlas_standin::{Auth, Config, StandIn, TokenEndpoint};
use support::*;

const TOOLS: [&str; 5] = [
    "dbus-daemon",
    "dbus-monitor",
    "dbus-send",
    "gnome-keyring-daemon",
    "secret-tool",
];

/// A private session bus in a temporary folder (with `home`, `data` and `run` in it); it
/// stops on drop.
struct Bus {
    dir: tempfile::TempDir,
    child: Child,
}

impl Bus {
    /// `services`: a folder of D-Bus service files the bus may start on demand.
    fn start(services: Option<&Path>) -> Bus {
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
        std::fs::write(&config, bus_config(&socket, services)).unwrap();
        let child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let bus = Bus { dir, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "the session bus did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        bus
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn address(&self) -> String {
        address(&self.path("bus"))
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private session bus with an unlocked gnome-keyring on it; both stop on drop.
struct SecretService {
    daemon: Child,
    bus: Bus,
}

impl SecretService {
    fn start() -> Option<SecretService> {
        let missing: Vec<&str> = TOOLS.into_iter().filter(|t| !on_path(t)).collect();
        if !missing.is_empty() {
            panic!(
                "{missing:?} not installed, which build.rs found when the tests were built (touch build.rs to build them again)"
            );
        }
        let bus = Bus::start(None);
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", bus.path("home"))
            .env("XDG_DATA_HOME", bus.path("data"))
            .env("XDG_RUNTIME_DIR", bus.path("run"))
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
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
        let service = SecretService { daemon, bus };
        // Until the daemon owns its name, a second one could be started and every look-up
        // would fail.
        let deadline = Instant::now() + Duration::from_secs(10);
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
        self.bus.address()
    }

    fn tool(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.bus.path("home"))
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

    /// Stores an item as go-keyring does: label, attributes `service` and `username`, in the
    /// default collection (`login`).
    fn store(&self, service: &str, account: &str, value: &str) {
        self.store_bytes(None, service, account, value.as_bytes());
    }

    /// Stores an item in `collection` (an alias or name; `None`: the default one).
    fn store_bytes(&self, collection: Option<&str>, service: &str, account: &str, value: &[u8]) {
        use std::io::Write;
        let mut command = self.tool("secret-tool");
        command.args([
            "store",
            &format!("--label=Password for '{account}' on '{service}'"),
        ]);
        if let Some(collection) = collection {
            command.arg(format!("--collection={collection}"));
        }
        let mut child = command
            .args(["service", service, "username", account])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(value).unwrap();
        assert!(child.wait().unwrap().success(), "secret-tool store");
    }

    /// How many items of `service` there are, in every collection.
    fn count(&self, service: &str) -> usize {
        let output = self
            .tool("secret-tool")
            .args(["search", "--all", "service", service])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .chain(String::from_utf8_lossy(&output.stderr).lines())
            .filter(|line| line.starts_with('['))
            .count()
    }

    /// Records every method call on the bus until the returned monitor is stopped.
    fn monitor(&self) -> Monitor {
        let child = self
            .tool("dbus-monitor")
            .args(["--address", &self.address(), "type='method_call'"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // dbus-monitor prints its own NameAcquired signal... it is filtered out; give it a
        // moment to become a monitor before anything is sent.
        std::thread::sleep(Duration::from_millis(200));
        Monitor { child }
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
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A running dbus-monitor.
struct Monitor {
    child: Child,
}

impl Monitor {
    /// The method calls seen, as `interface.member` lines.
    fn stop(self) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(200));
        let mut child = self.child;
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| line.starts_with("method call"))
            .filter_map(|line| {
                let field = |name: &str| {
                    line.split(' ')
                        .find_map(|part| part.strip_prefix(name))
                        .map(str::to_string)
                };
                let interface = field("interface=")?;
                let member = field("member=")?;
                Some(format!(
                    "{}.{}",
                    interface.trim_end_matches(';'),
                    member.trim_end_matches(';')
                ))
            })
            .collect()
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

/// A session bus that starts nothing on demand (only the daemon the test started answers),
/// unless given a folder of service files.
fn bus_config(socket: &Path, services: Option<&Path>) -> String {
    let services = services
        .map(|dir| format!("  <servicedir>{}</servicedir>\n", dir.display()))
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
{services}  <auth>EXTERNAL</auth>
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

/// A running keyring, a stand-in with the default settings and a sandbox; None where the
/// keyring test is skipped (see `SecretService::start`).
fn keyring_and_stand_in() -> Option<(SecretService, StandIn, Sandbox)> {
    let keyring = SecretService::start()?;
    let server = StandIn::start(Config::default()).unwrap();
    Some((keyring, server, Sandbox::new()))
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn digest_keys_only_in_the_keyring() {
    let Some((keyring, server, sandbox)) = keyring_and_stand_in() else {
        return;
    };
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
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn the_keyring_beats_the_file_and_the_environment_beats_the_keyring() {
    let Some((keyring, server, sandbox)) = keyring_and_stand_in() else {
        return;
    };
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
    // With an MCLI_ variable set, MONGODB_ATLAS_ ones are not read: the keyring's (wrong)
    // private key is used again, unless MCLI_PRIVATE_API_KEY gives one.
    let mcli = [
        ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY),
        ("MCLI_ORG_ID", ORG),
    ];
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &mcli));
    let mcli_right = [("MCLI_PRIVATE_API_KEY", PRIVATE_KEY), ("MCLI_ORG_ID", ORG)];
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &mcli_right));
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn profile_names_are_lower_cased_and_other_profiles_items_ignored() {
    let Some((keyring, server, sandbox)) = keyring_and_stand_in() else {
        return;
    };
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
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
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

/// A stand-in for a user login whose access token (returned) has expired; its refresh token
/// is `refresh-fake-0000`.
fn expired_login(tokens: TokenEndpoint) -> (StandIn, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expired = jwt(now - 60);
    let server = StandIn::start(Config {
        auth: Auth::UserAccount {
            access_token: expired.clone(),
            refresh_token: "refresh-fake-0000".into(),
            expires_in: 3600,
        },
        seed_keys: true,
        tokens,
        ..Config::default()
    })
    .unwrap();
    (server, expired)
}

/// `listOrgApiKeys` started on `keyring`'s bus, its output piped.
fn spawn_list(sandbox: &Sandbox, keyring: &SecretService) -> Child {
    let mut command = sandbox.command(&args("listOrgApiKeys", &["--orgId", ORG]));
    command
        .env("DBUS_SESSION_BUS_ADDRESS", keyring.address())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.spawn().unwrap()
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn rotated_user_tokens_go_back_to_the_keyring() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let (server, old) = expired_login(TokenEndpoint::default());
    let refresh = "refresh-fake-0000";
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
    assert_eq!(
        keyring.count("atlascli_default"),
        2,
        "the items were updated, none added"
    );

    // The next run reads the saved token and does not refresh again.
    server.clear_requests();
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    assert_eq!(server.refreshes(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn a_locked_collection_is_skipped_without_unlocking_or_prompting() {
    let Some((keyring, server, sandbox)) = keyring_and_stand_in() else {
        return;
    };
    sandbox.write_config(&format!(
        "[default]\npublic_api_key = 'wrongpub'\nprivate_api_key = '{PRIVATE_KEY}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
        server.url()
    ));
    // `login` holds the wrong public key, the unlocked `session` collection the right one:
    // `login` wins while it is unlocked.
    keyring.store("atlascli_default", "public_api_key", "wrongpub2");
    keyring.store_bytes(
        Some("session"),
        "atlascli_default",
        "public_api_key",
        PUBLIC_KEY.as_bytes(),
    );
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &[]));

    keyring.lock_login();
    let monitor = keyring.monitor();
    let started = Instant::now();
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no wait for a prompt"
    );
    let calls = monitor.stop();
    assert!(
        calls
            .iter()
            .any(|c| c == "org.freedesktop.Secret.Service.SearchItems"),
        "the monitor saw the look-ups: {calls:?}"
    );
    let forbidden = [
        "Unlock",
        "CreateItem",
        "Prompt",
        "Delete",
        "SetSecret",
        "Lock",
    ];
    assert!(
        !calls
            .iter()
            .any(|c| forbidden.iter().any(|f| c.ends_with(&format!(".{f}")))
                || c.starts_with("org.freedesktop.Secret.Prompt")),
        "{calls:?}"
    );
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn login_wins_over_other_collections_and_an_item_elsewhere_is_found() {
    let Some((keyring, server, sandbox)) = keyring_and_stand_in() else {
        return;
    };
    keyless_config(&sandbox, &server.url(), "default", "");
    // Only in another collection: found.
    keyring.store_bytes(
        Some("session"),
        "atlascli_default",
        "public_api_key",
        PUBLIC_KEY.as_bytes(),
    );
    keyring.store_bytes(
        Some("session"),
        "atlascli_default",
        "private_api_key",
        PRIVATE_KEY.as_bytes(),
    );
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    // A wrong value in `login` wins over the right one elsewhere.
    keyring.store(
        "atlascli_default",
        "private_api_key",
        "44444444-fake-fake-fake-444444444444",
    );
    unauthorized(&list_on(&sandbox, &keyring.address(), &[], &[]));
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn values_that_are_not_text_or_empty_fall_back_to_the_file() {
    let Some((keyring, server, sandbox)) = keyring_and_stand_in() else {
        return;
    };
    sandbox.write_api_key_config(&server.url());
    let pinned = [("MONGODB_ATLAS_API_VERSION", "2023-01-01")];
    keyring.store_bytes(
        None,
        "atlascli_default",
        "public_api_key",
        b"\xff\xfe-not-utf8",
    );
    keyring.store_bytes(None, "atlascli_default", "private_api_key", b"");
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &pinned));
}

#[test]
#[cfg_attr(no_dbus_daemon, ignore = "needs dbus-daemon")]
fn a_keyring_that_is_not_running_is_not_started() {
    if !on_path("dbus-daemon") {
        panic!(
            "dbus-daemon not installed, which build.rs found when the tests were built (touch build.rs to build them again)"
        );
    }
    // A bus that would start a "keyring" on demand, which leaves a mark when it starts.
    let services = tempfile::tempdir().unwrap();
    let marker = services.path().join("started");
    let script = services.path().join("fake-keyring");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    )
    .unwrap();
    set_mode(&script, 0o755);
    std::fs::write(
        services.path().join("org.freedesktop.secrets.service"),
        format!(
            "[D-BUS Service]\nName=org.freedesktop.secrets\nExec={}\n",
            script.display()
        ),
    )
    .unwrap();
    let bus = Bus::start(Some(services.path()));
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    let pinned = [("MONGODB_ATLAS_API_VERSION", "2023-01-01")];
    succeeded(&list_on(&sandbox, &bus.address(), &[], &pinned));
    std::thread::sleep(Duration::from_millis(300));
    assert!(!marker.exists(), "the bus was asked to start a keyring");
    // The bus does start it when asked, so the check above can fail. (The fake never takes
    // the name, so the asking dbus-send would wait for the bus's activation timeout: it is
    // stopped once the mark is there.)
    let mut asking = Command::new("dbus-send")
        .args([
            &format!("--bus={}", bus.address()),
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.SearchItems",
            "dict:string:string:service,x",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !marker.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = asking.kill();
    let _ = asking.wait();
    assert!(marker.exists(), "activation works on this bus");
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
        &["__atlas_rs_complete", "profiles"],
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
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn parallel_runs_on_one_expired_keyring_login_refresh_once() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let (server, expired) = expired_login(TokenEndpoint {
        delay_ms: 100,
        single_use_refresh: true,
        ..TokenEndpoint::default()
    });
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
    let children: Vec<Child> = (0..6).map(|_| spawn_list(&sandbox, &keyring)).collect();
    for child in children {
        let output = wait_bounded(child, Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && stderr.is_empty(), "{stderr}");
    }
    assert_eq!(server.refreshes(), 1, "one refresh for six runs");
    let saved = keyring.lookup("atlascli_default", "access_token").unwrap();
    assert_ne!(saved, expired);
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn tokens_from_the_keyring_and_the_file_each_go_back_where_they_came_from() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let (server, expired) = expired_login(TokenEndpoint::default());
    let sandbox = Sandbox::new();
    keyless_config(
        &sandbox,
        &server.url(),
        "default",
        "refresh_token = 'refresh-fake-0000'\n",
    );
    keyring.store("atlascli_default", "access_token", &expired);
    succeeded(&list_on(&sandbox, &keyring.address(), &[], &[]));
    assert_eq!(server.refreshes(), 1);
    let access = keyring.lookup("atlascli_default", "access_token").unwrap();
    assert_ne!(access, expired);
    assert_eq!(keyring.lookup("atlascli_default", "refresh_token"), None);
    let file = std::fs::read_to_string(sandbox.config_path()).unwrap();
    assert!(!file.contains("'refresh-fake-0000'"), "{file}");
    assert!(file.contains("refresh_token = \""), "{file}");
    assert!(
        !file.contains(&access),
        "the access token stays out of the file"
    );
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn a_keyring_that_refuses_the_rotated_tokens_is_reported() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    // The refresh takes a second; the collection is locked meanwhile, so writing the
    // rotated tokens back fails.
    let (server, expired) = expired_login(TokenEndpoint {
        delay_ms: 1000,
        ..TokenEndpoint::default()
    });
    let sandbox = Sandbox::new();
    keyless_config(&sandbox, &server.url(), "default", "");
    let before = std::fs::read(sandbox.config_path()).unwrap();
    keyring.store("atlascli_default", "access_token", &expired);
    keyring.store("atlascli_default", "refresh_token", "refresh-fake-0000");
    let child = spawn_list(&sandbox, &keyring);
    std::thread::sleep(Duration::from_millis(400));
    keyring.lock_login();
    let output = wait_bounded(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(server.refreshes(), 1);
    assert!(
        stderr.starts_with("warning: the refreshed tokens were not saved: ")
            && stderr.ends_with("; the old refresh token may no longer work\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(
        !stderr.contains("refresh-fake") && !stderr.contains(&expired),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(sandbox.config_path()).unwrap(),
        before,
        "never into the file"
    );
}

/// A relay in front of the real bus that holds back the bus's answer to each `SetSecret` for
/// `delay`, so a write-back takes a while.
struct SlowWrites {
    _dir: tempfile::TempDir,
    address: String,
}

fn slow_writes(bus: &str, delay: Duration) -> SlowWrites {
    relay(bus, Writes::Slow(delay))
}

/// What the relay does with the `SetSecret` calls it sees.
enum Writes {
    /// Holds back the bus's answer to each for this long.
    Slow(Duration),
    /// Answers the first itself with a D-Bus error of this text (the bus never sees that call);
    /// the others pass.
    RefuseFirst(String),
}

fn relay(bus: &str, writes: Writes) -> SlowWrites {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let real = bus.strip_prefix("unix:path=").unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("bus");
    let listener = UnixListener::bind(&socket).unwrap();
    let writes = Arc::new(writes);
    let refused = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let server = UnixStream::connect(&real).unwrap();
            let pending = Arc::new(AtomicUsize::new(0));
            let (mut from_client, mut to_server) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let mut answer_client = client.try_clone().unwrap();
            let (seen, mode, refused) = (pending.clone(), writes.clone(), refused.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n @ 1..) = from_client.read(&mut buf) {
                    let chunk = &buf[..n];
                    if chunk.windows(9).any(|w| w == b"SetSecret") {
                        match &*mode {
                            Writes::Slow(_) => {
                                seen.fetch_add(1, Ordering::SeqCst);
                            }
                            Writes::RefuseFirst(text)
                                if refused.fetch_add(1, Ordering::SeqCst) == 0 =>
                            {
                                // The call starts the chunk (each call is one write, and the
                                // run waits for its answer): its serial is at bytes 8..12.
                                assert_eq!(chunk[0], b'l', "a little-endian message");
                                let serial = u32::from_le_bytes(chunk[8..12].try_into().unwrap());
                                if answer_client.write_all(&error_reply(serial, text)).is_err() {
                                    break;
                                }
                                continue;
                            }
                            Writes::RefuseFirst(_) => {}
                        }
                    }
                    if to_server.write_all(chunk).is_err() {
                        break;
                    }
                }
            });
            let (mut from_server, mut to_client) = (server, client);
            let mode = writes.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n @ 1..) = from_server.read(&mut buf) {
                    if let Writes::Slow(delay) = &*mode
                        && pending.load(Ordering::SeqCst) > 0
                    {
                        pending.fetch_sub(1, Ordering::SeqCst);
                        std::thread::sleep(*delay);
                    }
                    if to_client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    SlowWrites {
        address: address(&socket),
        _dir: dir,
    }
}

/// A D-Bus error message (little-endian) answering the call `reply_serial` with
/// `org.freedesktop.DBus.Error.Failed` and `text`.
fn error_reply(reply_serial: u32, text: &str) -> Vec<u8> {
    fn pad(out: &mut Vec<u8>, to: usize) {
        while !out.len().is_multiple_of(to) {
            out.push(0);
        }
    }
    fn string(out: &mut Vec<u8>, text: &str) {
        out.extend((text.len() as u32).to_le_bytes());
        out.extend(text.as_bytes());
        out.push(0);
    }
    let mut fields = Vec::new();
    // Each field is a struct, 8-aligned from the message's start (the fields start at 16).
    fields.extend([4, 1, b's', 0]);
    string(&mut fields, "org.freedesktop.DBus.Error.Failed");
    pad(&mut fields, 8);
    fields.extend([5, 1, b'u', 0]);
    fields.extend(reply_serial.to_le_bytes());
    pad(&mut fields, 8);
    fields.extend([8, 1, b'g', 0, 1, b's', 0]);
    let mut body = Vec::new();
    string(&mut body, text);
    let mut out = vec![b'l', 3, 1, 1];
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(0x7fff_0001u32.to_le_bytes());
    out.extend((fields.len() as u32).to_le_bytes());
    out.extend(fields);
    pad(&mut out, 8);
    out.extend(body);
    out
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn an_interrupt_lets_the_rotated_tokens_be_saved_first() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let (server, expired) = expired_login(TokenEndpoint::default());
    let sandbox = Sandbox::new();
    keyless_config(&sandbox, &server.url(), "default", "");
    keyring.store("atlascli_default", "access_token", &expired);
    keyring.store("atlascli_default", "refresh_token", "refresh-fake-0000");
    // Each of the two writes back takes 300 ms; Ctrl-C comes 100 ms after the refresh.
    let relay = slow_writes(&keyring.address(), Duration::from_millis(300));
    let mut command = sandbox.command(&args("listOrgApiKeys", &["--orgId", ORG]));
    command
        .env("DBUS_SESSION_BUS_ADDRESS", &relay.address)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.refreshes() == 0 {
        assert!(Instant::now() < deadline, "no refresh");
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = wait_bounded(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // It ends by the signal; if the refresh's answer was still on its way, it waited for it.
    assert_eq!(output.status.signal(), Some(libc::SIGINT), "{stderr}");
    let waited = format!(
        "interrupt: waiting for the answer to POST {}/api/private/unauth/account/device/token (interrupt again to stop now)\n",
        server.url()
    );
    assert_eq!(stderr.trim_start_matches(&waited), "Error: interrupted\n");
    let refresh = keyring.lookup("atlascli_default", "refresh_token").unwrap();
    let access = keyring.lookup("atlascli_default", "access_token").unwrap();
    assert_ne!(
        refresh, "refresh-fake-0000",
        "the rotated refresh token was saved"
    );
    assert_ne!(access, expired, "the rotated access token was saved");
}

#[test]
#[cfg_attr(
    no_keyring_tools,
    ignore = "needs dbus-daemon, dbus-send, dbus-monitor, gnome-keyring-daemon and secret-tool"
)]
fn the_refresh_token_is_written_first_and_a_keyring_error_is_shown_clean() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let (server, expired) = expired_login(TokenEndpoint::default());
    let sandbox = Sandbox::new();
    keyless_config(&sandbox, &server.url(), "default", "");
    keyring.store("atlascli_default", "access_token", &expired);
    keyring.store("atlascli_default", "refresh_token", "refresh-fake-0000");
    // The keyring reads fine and refuses the first write, with a long text holding line
    // feeds and an ANSI escape.
    let hostile = format!("denied\n\u{1b}[2Jwarning: forged line\r{}", "z".repeat(400));
    let relay = relay(&keyring.address(), Writes::RefuseFirst(hostile));
    let run = list_on(&sandbox, &relay.address, &[], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.refreshes(), 1);
    // The zbus text `<error name>: <message>`, cut at 200 characters.
    let whole = format!(
        "org.freedesktop.DBus.Error.Failed: denied??[2Jwarning: forged line?{}",
        "z".repeat(400)
    );
    let shown = format!("{}…", whole.chars().take(200).collect::<String>());
    assert_eq!(
        run.stderr,
        format!(
            "warning: the refreshed tokens were not saved: the keyring refused the new refresh_token: {shown}; the old refresh token may no longer work\n"
        )
    );
    // The refused write was the refresh token's: it kept its old value; the access token,
    // written after it, was saved.
    assert_eq!(
        keyring
            .lookup("atlascli_default", "refresh_token")
            .as_deref(),
        Some("refresh-fake-0000")
    );
    assert_ne!(
        keyring.lookup("atlascli_default", "access_token").unwrap(),
        expired
    );
}

#[test]
fn a_huge_nonce_file_means_no_keyring_quickly_and_in_little_memory() {
    use std::os::unix::process::CommandExt;
    let server = StandIn::start(Config::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    // A port that takes the connection, so the bus library goes on to read the nonce file.
    let bus = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!(
        "nonce-tcp:host=127.0.0.1,port={},noncefile=/dev/zero",
        bus.local_addr().unwrap().port()
    );
    let mut command = sandbox.command(&args(
        "listOrgApiKeys",
        &["--orgId", ORG, "--version", "2023-01-01"],
    ));
    command
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only setrlimit, async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            // 2 GiB of address space keeps the host safe should the file be read; a run needs
            // far less (the peak is measured below).
            let limit = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let output = wait_bounded(command.spawn().unwrap(), Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?} {stderr}", output.status);
    assert_eq!(stderr, "");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 2);
    // The largest resident set of the children reaped so far (this run's, and the small
    // helpers of other tests), in KiB.
    // SAFETY: getrusage fills the struct it is given.
    let peak_kib = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage.ru_maxrss
    };
    assert!(peak_kib < 256 * 1024, "peak {peak_kib} KiB");
}

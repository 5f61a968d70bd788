//! Repeat calls in one round trip (README "Repeat calls in one round trip"), through the built
//! binary against the stand-in, which holds nonces for a set time, counts each nonce's `nc` and
//! refuses a replayed one: a repeat call within 30 s makes one request; a refused reuse (an expired
//! nonce, a replayed `nc`) is answered from its fresh challenge in two; parallel repeats never send
//! the same `nc`; another key, host or port never reuses an entry; an old, broken or planted entry
//! is ignored; the entry holds no secret; retries start unauthenticated.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use atlas_standin::{Algorithm, Auth, Canned, Config, Fault, NonceRules, Recorded, StandIn};
use support::*;

const BODY: &[u8] = br#"{"desc":"repeat","roles":["ORG_READ_ONLY"]}"#;

fn create_args(sandbox: &Sandbox) -> Vec<String> {
    let file = sandbox.write_file("key.json", BODY);
    args(
        "createOrgApiKey",
        &[
            "--orgId",
            ORG,
            "--version",
            "2023-01-01",
            "--file",
            file.to_str().unwrap(),
        ],
    )
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Runs a create and returns it with the requests it made (the stand-in's new ones).
fn create(server: &StandIn, sandbox: &Sandbox, more: &[&str]) -> (Run, Vec<Recorded>) {
    let before = server.requests().len();
    let mut argv = create_args(sandbox);
    argv.extend(more.iter().map(|s| s.to_string()));
    let run = sandbox.run(&refs(&argv), Stdin::Null);
    (run, server.requests()[before..].to_vec())
}

fn assert_created(run: &Run) {
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let key: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(key["desc"], "repeat", "{run:?}");
}

/// The digest fields of a request's `Authorization` header.
fn digest_fields(request: &Recorded) -> Option<std::collections::HashMap<String, String>> {
    atlas_standin::digest::parse_authorization(request.header("authorization")?)
}

/// (nonce, nc) of a signed request.
fn nonce_nc(request: &Recorded) -> (String, String) {
    let f = digest_fields(request).expect("a signed request");
    (f["nonce"].clone(), f["nc"].clone())
}

fn digest_folder(sandbox: &Sandbox) -> PathBuf {
    sandbox.path("home/.cache/atlascli/digest")
}

/// The one entry of the digest cache.
fn entry(sandbox: &Sandbox) -> PathBuf {
    let entries: Vec<PathBuf> = std::fs::read_dir(digest_folder(sandbox))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

fn read_entry(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn rewrite_entry(path: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let mut value = read_entry(path);
    change(&mut value);
    std::fs::write(path, value.to_string()).unwrap();
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn setup(config: Config) -> (StandIn, Sandbox) {
    let server = StandIn::start(config).unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_api_key_config(&server.url());
    (server, sandbox)
}

#[test]
fn a_repeat_call_makes_one_request_with_the_next_nc() {
    let (server, sandbox) = setup(Config::default());
    let (run, first) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(first.len(), 2, "a first call takes both legs");
    assert_eq!(first[0].header("authorization"), None);
    let (nonce, nc) = nonce_nc(&first[1]);
    assert_eq!(nc, "00000001");

    for want in ["00000002", "00000003"] {
        let (run, repeat) = create(&server, &sandbox, &[]);
        assert_created(&run);
        assert_eq!(
            repeat.len(),
            1,
            "a repeat call takes one request: {repeat:#?}"
        );
        assert!(repeat[0].authorized);
        assert_eq!(repeat[0].body, BODY);
        assert_eq!(nonce_nc(&repeat[0]), (nonce.clone(), want.to_string()));
    }
    assert_eq!(server.nonces_issued(), 1);
    assert_eq!(server.nonce_answers(&nonce), 3);
    assert_eq!(server.state()["apiKeys"].as_array().unwrap().len(), 3);

    // GETs of the same key and origin reuse the same entry.
    let before = server.requests_received();
    let list = args(
        "listOrgApiKeys",
        &["--orgId", ORG, "--version", "2023-01-01"],
    );
    let run = sandbox.run(&list, Stdin::Null);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests_received() - before, 1);
    assert_eq!(
        nonce_nc(server.requests().last().unwrap()),
        (nonce, "00000004".into())
    );
}

#[test]
fn debug_says_which_nc_is_reused_before_the_request_and_shows_no_secret() {
    let (server, sandbox) = setup(Config::default());
    let (run, _) = create(&server, &sandbox, &["-D"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("reusing"), "{}", run.stderr);
    let (run, requests) = create(&server, &sandbox, &["-D"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(requests.len(), 1);
    let line = "* reusing digest challenge, nc=00000002\n";
    assert_eq!(run.stderr.matches(line).count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(line),
        "before the request: {}",
        run.stderr
    );
    let dumps = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("> POST "))
        .count();
    assert_eq!(dumps, 1, "{}", run.stderr);
    assert!(!run.stderr.contains(PRIVATE_KEY));
    assert!(
        !run.stderr
            .contains(&digest_fields(&requests[0]).unwrap()["response"])
    );
}

#[test]
fn an_expired_nonce_takes_two_requests_resends_the_body_and_is_replaced() {
    let (server, sandbox) = setup(Config {
        nonces: NonceRules {
            // Long enough for a run's two legs and the next run's start, even on a busy machine.
            lifetime: Some(Duration::from_millis(1500)),
            ..NonceRules::default()
        },
        ..Config::default()
    });
    let (run, first) = create(&server, &sandbox, &[]);
    assert_created(&run);
    let (old_nonce, _) = nonce_nc(&first[1]);
    std::thread::sleep(Duration::from_millis(1600));

    let (run, requests) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(
        nonce_nc(&requests[0]),
        (old_nonce.clone(), "00000002".into())
    );
    assert!(!requests[0].authorized, "refused as stale");
    let (new_nonce, nc) = nonce_nc(&requests[1]);
    assert_ne!(new_nonce, old_nonce);
    assert_eq!(nc, "00000001");
    assert!(requests[1].authorized);
    assert!(
        requests.iter().all(|r| r.body == BODY),
        "the POST body is sent again after the 401"
    );
    assert_eq!(read_entry(&entry(&sandbox))["nonce"], new_nonce.as_str());

    let (run, again) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(again.len(), 1);
    assert_eq!(nonce_nc(&again[0]), (new_nonce, "00000002".into()));
}

#[test]
fn a_refused_nc_is_answered_from_the_fresh_challenge_in_two_requests() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let (_, second) = create(&server, &sandbox, &[]);
    assert_eq!(nonce_nc(&second[0]).1, "00000002");
    // As if another client had used this nc meanwhile: the next answer repeats nc 2.
    rewrite_entry(&entry(&sandbox), |e| e["nc"] = 1.into());
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(nonce_nc(&requests[0]).1, "00000002");
    assert!(!requests[0].authorized, "a replayed nc is refused");
    assert_eq!(nonce_nc(&requests[1]).1, "00000001");
    assert!(requests[1].authorized);
}

/// Starts `runs` creates at once, waits for all, and checks that each succeeded and that no
/// (nonce, nc) pair was sent twice.
fn parallel_creates(server: &StandIn, sandbox: &Sandbox, runs: usize) {
    let argv = create_args(sandbox);
    let children: Vec<_> = (0..runs)
        .map(|_| {
            let mut command = sandbox.command(&refs(&argv));
            command
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            command.spawn().unwrap()
        })
        .collect();
    for child in children {
        let output = wait_bounded(child, Duration::from_secs(60));
        assert_eq!(
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stderr).as_ref()
            ),
            (Some(0), ""),
            "{output:?}"
        );
    }
    let signed: Vec<(String, String)> = server
        .requests()
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .map(nonce_nc)
        .collect();
    let mut unique = signed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        signed.len(),
        "an nc was sent twice: {signed:?}"
    );
}

#[test]
fn parallel_repeats_never_send_the_same_nc_and_all_succeed() {
    let (server, sandbox) = setup(Config::default());
    let (run, _) = create(&server, &sandbox, &[]);
    assert_created(&run);
    parallel_creates(&server, &sandbox, 12);
    // 12 parallel runs after the first: far fewer than two requests each (a run whose nc
    // arrived after a higher one is refused and answers a fresh challenge in two).
    let requests = server.requests_received();
    assert!(requests < 2 + 2 * 12, "{requests} requests");
    assert_eq!(server.state()["apiKeys"].as_array().unwrap().len(), 13);
}

#[test]
fn parallel_first_calls_all_succeed() {
    // No entry at first: the runs that answer a challenge remember it only after their nc 1
    // was answered, so a run that reuses it at once never overtakes that nc 1 with nc 2.
    for _ in 0..3 {
        let (server, sandbox) = setup(Config::default());
        parallel_creates(&server, &sandbox, 12);
        assert_eq!(server.state()["apiKeys"].as_array().unwrap().len(), 12);
    }
}

#[test]
fn another_public_key_never_reuses_the_entry() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let other = [
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "otherfakepublic"),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", PRIVATE_KEY),
    ];
    let before = server.requests().len();
    let run = sandbox.run_env(&refs(&create_args(&sandbox)), &other, Stdin::Null);
    assert_eq!(run.code, 1, "the stand-in knows one key only: {run:?}");
    let requests = server.requests()[before..].to_vec();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("authorization"), None, "not reused");
    assert_eq!(digest_fields(&requests[1]).unwrap()["nc"], "00000001");
    // The first key's entry is still there and still used.
    let (run, again) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(again.len(), 1);
    assert_eq!(nonce_nc(&again[0]).1, "00000002");
}

#[test]
fn another_host_or_port_never_reuses_the_entry() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let port = server.addr().port();
    let other_port = StandIn::start(Config::default()).unwrap();
    let other_host = StandIn::start_at(Config::default(), "127.0.0.2:0").unwrap();
    let cases = [
        (&other_port, other_port.url()),
        // The same server under another name is another origin.
        (&server, format!("http://localhost:{port}")),
        (&other_host, other_host.url()),
    ];
    for (target, url) in cases {
        let before = target.requests().len();
        let run = sandbox.run_env(
            &refs(&create_args(&sandbox)),
            &[("MONGODB_ATLAS_OPS_MANAGER_URL", &url)],
            Stdin::Null,
        );
        assert_created(&run);
        let requests = target.requests()[before..].to_vec();
        assert_eq!(requests.len(), 2, "{url}: {requests:#?}");
        assert_eq!(requests[0].header("authorization"), None, "{url}");
        assert_eq!(nonce_nc(&requests[1]).1, "00000001", "{url}");
    }
    let entries = std::fs::read_dir(digest_folder(&sandbox))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(entries, 4, "one entry per origin");
    // Each origin reuses its own entry.
    for (target, url) in [(&server, server.url()), (&other_host, other_host.url())] {
        let before = target.requests().len();
        let run = sandbox.run_env(
            &refs(&create_args(&sandbox)),
            &[("MONGODB_ATLAS_OPS_MANAGER_URL", &url)],
            Stdin::Null,
        );
        assert_created(&run);
        let requests = target.requests()[before..].to_vec();
        assert_eq!(requests.len(), 1, "{url}");
        assert_eq!(nonce_nc(&requests[0]).1, "00000002", "{url}");
    }
}

#[test]
fn an_entry_older_than_30_seconds_is_not_used() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let path = entry(&sandbox);
    rewrite_entry(&path, |e| e["received_at_ms"] = (now_ms() - 31_000).into());
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("authorization"), None);
    let entry = read_entry(&path);
    assert!(entry["received_at_ms"].as_u64().unwrap() > now_ms() - 10_000);
    assert_eq!(entry["nc"], 1);
}

#[test]
fn the_entry_holds_no_secret() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let (_, requests) = create(&server, &sandbox, &[]);
    let path = entry(&sandbox);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    for level in ["home/.cache/atlascli", "home/.cache/atlascli/digest"] {
        let mode = std::fs::metadata(sandbox.path(level))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{level}");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let fields = digest_fields(&requests[0]).unwrap();
    let ha1 = atlas_standin::digest::hash_hex(
        Algorithm::Md5,
        &format!("{PUBLIC_KEY}:{}:{PRIVATE_KEY}", fields["realm"]),
    );
    for secret in [PRIVATE_KEY, &ha1, &fields["response"], &fields["cnonce"]] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "algorithm",
            "nc",
            "nonce",
            "opaque",
            "qop",
            "realm",
            "received_at_ms"
        ]
    );
    assert!(
        !text.contains(PUBLIC_KEY),
        "the key is only in the hashed name"
    );
}

#[test]
fn broken_or_planted_entries_are_ignored_without_a_word() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let path = entry(&sandbox);
    let good = std::fs::read(&path).unwrap();
    let planted = sandbox.path("planted.json");
    std::fs::write(&planted, &good).unwrap();
    let mut huge = good.clone();
    huge.resize(4 << 20, b' ');
    type Plant = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Plant)> = vec![
        (
            "garbage",
            Box::new(|p: &Path| std::fs::write(p, b"{\"nonce\": [1, 2").unwrap()),
        ),
        (
            "binary",
            Box::new(|p: &Path| std::fs::write(p, [0xff, 0, 0x7f]).unwrap()),
        ),
        (
            "empty",
            Box::new(|p: &Path| std::fs::write(p, b"").unwrap()),
        ),
        (
            "huge",
            Box::new(move |p: &Path| std::fs::write(p, &huge).unwrap()),
        ),
        (
            "a symbolic link to a good entry",
            Box::new(move |p: &Path| std::os::unix::fs::symlink(&planted, p).unwrap()),
        ),
        (
            "a FIFO",
            Box::new(|p: &Path| {
                let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
                // SAFETY: mkfifo on a path of the sandbox.
                assert_eq!(unsafe { libc_mkfifo(c.as_ptr(), 0o600) }, 0);
            }),
        ),
        (
            "a folder",
            Box::new(|p: &Path| std::fs::create_dir(p).unwrap()),
        ),
    ];
    for (what, plant) in &cases {
        remove(&path);
        plant(&path);
        let (run, requests) = create(&server, &sandbox, &[]);
        assert_created(&run);
        assert_eq!(requests.len(), 2, "{what}: {requests:#?}");
        assert_eq!(requests[0].header("authorization"), None, "{what}");
    }
    assert_eq!(
        std::fs::read(sandbox.path("planted.json")).unwrap(),
        good,
        "a link's target is never written"
    );
}

fn remove(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir(path).unwrap(),
        Ok(_) => std::fs::remove_file(path).unwrap(),
        Err(_) => {}
    }
}

unsafe extern "C" {
    #[link_name = "mkfifo"]
    fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
    #[link_name = "chown"]
    fn libc_chown(path: *const std::ffi::c_char, uid: u32, gid: u32) -> i32;
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

fn chown(path: &Path, uid: u32) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: chown of a path of the sandbox; gid -1 leaves the group.
    unsafe { libc_chown(c.as_ptr(), uid, u32::MAX) == 0 }
}

/// Root can give files away; others cannot (the cases are ignored then, see build.rs).
fn can_chown() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc_geteuid() } == 0;
    if !root {
        panic!(
            "giving a file to another user needs root, which build.rs found when the tests were built (touch build.rs to build them again)"
        );
    }
    root
}

#[test]
#[cfg_attr(not_root, ignore = "needs root")]
fn an_entry_of_another_user_is_ignored() {
    if !can_chown() {
        return;
    }
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let path = entry(&sandbox);
    assert!(chown(&path, 65_534));
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("authorization"), None);
    assert_ne!(
        std::fs::metadata(&path).unwrap().uid(),
        65_534,
        "replaced by ours"
    );
}

#[test]
#[cfg_attr(not_root, ignore = "needs root")]
fn an_untrusted_folder_turns_the_cache_off_with_one_warning() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    let folder = digest_folder(&sandbox);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "warning: not using the digest cache {}: it is writable by other users\n",
            folder.display()
        )
    );
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("authorization"), None);

    if !can_chown() {
        return;
    }
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(chown(&folder, 65_534));
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_eq!(
        run.stderr,
        format!(
            "warning: not using the digest cache {}: it is owned by another user\n",
            folder.display()
        )
    );
    assert_eq!(requests.len(), 2);
}

#[test]
fn a_reused_answer_refused_without_a_challenge_is_final_and_forgotten() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    server.push_response(Canned::json(
        401,
        r#"{"error":401,"reason":"Unauthorized"}"#,
    ));
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_eq!(
        requests.len(),
        1,
        "a 401 without a challenge is the answer: {requests:#?}"
    );
    assert_eq!(nonce_nc(&requests[0]).1, "00000002");
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        "Error: server returned an error response code\n"
    );
    assert!(run.stdout_text().contains("Unauthorized"), "{run:?}");
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_created(&run);
    assert_eq!(requests.len(), 2, "the entry was forgotten");
    assert_eq!(requests[0].header("authorization"), None);
}

#[test]
fn a_retry_starts_unauthenticated() {
    let (server, sandbox) = setup(Config::default());
    create(&server, &sandbox, &[]);
    server.push_fault(Fault::Status {
        status: 429,
        retry_after: Some("0".into()),
        body: r#"{"error":429}"#.into(),
    });
    let (run, requests) = create(&server, &sandbox, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("(retry 1 of 3)"), "{}", run.stderr);
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert_eq!(nonce_nc(&requests[0]).1, "00000002", "the reused answer");
    assert_eq!(requests[1].header("authorization"), None, "the retry");
    assert_eq!(nonce_nc(&requests[2]).1, "00000001");
}

#[test]
fn challenges_without_qop_are_not_remembered() {
    let (server, sandbox) = setup(Config {
        auth: Auth::Digest {
            public_key: PUBLIC_KEY.into(),
            private_key: PRIVATE_KEY.into(),
            algorithm: Algorithm::Sha256,
            qop: None,
        },
        ..Config::default()
    });
    for _ in 0..2 {
        let (run, requests) = create(&server, &sandbox, &[]);
        assert_created(&run);
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].header("authorization"), None);
    }
}

#[test]
fn a_held_entry_lock_costs_at_most_a_second_at_each_taking() {
    use std::os::fd::AsRawFd;
    let (server, sandbox) = setup(Config::default());
    let (run, _) = create(&server, &sandbox, &[]);
    assert_created(&run);
    // A long HTTP timeout: a lock that only speeds things up must not cost it.
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!("{config}http_timeout = 30\n"));
    let mut lock_path = entry(&sandbox).into_os_string();
    lock_path.push(".lock");
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .unwrap();
    // SAFETY: flock on a descriptor this test owns; released when `held` is dropped.
    assert_eq!(
        unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let before = server.requests().len();
    let mut command = sandbox.command(&refs(&create_args(&sandbox)));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = std::time::Instant::now();
    let output = wait_bounded(command.spawn().unwrap(), Duration::from_secs(20));
    let took = started.elapsed();
    drop(held);
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_created(&run);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let requests = &server.requests()[before..];
    assert_eq!(requests.len(), 2, "a first call: {requests:#?}");
    assert_eq!(requests[0].header("authorization"), None);
}

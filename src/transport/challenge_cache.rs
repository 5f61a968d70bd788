//! The digest challenge cache (README "Repeat calls in one round trip", "Many runs at once", "Other
//! users on the same host"): the last digest challenge an origin sent for a public key, so that a
//! run that follows within 30 s answers it at once with the next `nc` and needs one round trip
//! instead of two.
//!
//! One small JSON file per origin and public key,
//! `<cache dir>/atlascli/digest/<sha256(scheme://host:port NUL public key)>.json`, holding
//! `{"realm", "nonce", "opaque", "algorithm", "qop", "nc", "received_at_ms"}` — what the
//! server sent in clear, the last `nc` used, and when the challenge arrived; never a password,
//! an HA1 or anything else derived from the private key. 0600 in 0700 folders; every read and
//! every change (taking the next `nc`, a fresh challenge replacing the entry) is made under
//! `flock` on `<entry>.lock`, so parallel runs never answer with the same `nc`; our own entry
//! is rewritten in place under that lock, anything else at its name replaced by a rename.
//!
//! It lives in `transport` because the executor's digest exchange reads it, advances it and
//! replaces it in the middle of one exchange; the credentials layer only says where the cache
//! folder is. A cache that cannot be trusted or read is never an error: folders owned by
//! another user or writable by others turn it off (one warning); an entry that is a link, not
//! a regular file, not ours, too large, not JSON, not what we write, or older than 30 s is
//! ignored (and replaced by the next fresh challenge). Only challenges with `qop=auth` are
//! remembered: without qop there is no `nc`, and a reused answer would be a replay.

use std::cell::Cell;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::atomic_file::{PendingFile, effective_uid};
use crate::support::file_lock::FileLock;
use crate::support::private_dir::{self, Untrusted};
use crate::support::warnings::Warnings;
use crate::transport::digest::{DigestAlgorithm, DigestChallenge};

/// A remembered challenge is answered again only this long after it was received.
pub const REUSE_WINDOW: Duration = Duration::from_secs(30);

/// An entry is a few hundred bytes; anything much larger is not one of ours.
const ENTRY_MAX_BYTES: u64 = 16 << 10;

/// The longest realm, nonce or opaque value remembered.
const VALUE_MAX_CHARS: usize = 1024;

/// The entry only saves a round trip: its lock is waited for at most this long at each taking,
/// then the step goes on as if there were no entry (README "Differences from the Go CLI").
const LOCK_WAIT_MAX: Duration = Duration::from_secs(1);

/// The folder under `<cache dir>/atlascli`.
const FOLDER: &str = "digest";

/// The entry of one origin and public key.
#[derive(Debug)]
pub struct ChallengeCache {
    /// `<cache dir>`, when there is one.
    base: Option<PathBuf>,
    name: String,
    /// How long a run waits for another one's lock: the HTTP timeout, but never more than
    /// [`LOCK_WAIT_MAX`].
    lock_wait: Duration,
    /// Set once the folder was found untrusted (and said so): the cache is off.
    refused: Cell<bool>,
}

/// A remembered challenge and the `nc` this run answers it with (already taken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reuse {
    pub challenge: DigestChallenge,
    pub nc: u32,
}

impl ChallengeCache {
    /// The entry for the origin of `url` (scheme, host, port — the default port spelled out)
    /// and this public key.
    pub fn new(
        cache_dir: Option<PathBuf>,
        url: &reqwest::Url,
        public_key: &str,
        lock_wait: Duration,
    ) -> ChallengeCache {
        let origin = format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hasher = Sha256::new();
        hasher.update(origin.as_bytes());
        hasher.update([0]);
        hasher.update(public_key.as_bytes());
        ChallengeCache {
            base: cache_dir,
            name: format!("{}.json", hex(&hasher.finalize())),
            lock_wait: lock_wait.min(LOCK_WAIT_MAX),
            refused: Cell::new(false),
        }
    }

    /// Under the entry's lock: the remembered challenge, if it was received less than 30 s
    /// ago, with the next `nc`, which is written back before the lock is let go. `None` (go
    /// the usual two legs) when there is none, it is unusable, or the lock cannot be had.
    pub fn take_next(&self, warnings: &Warnings) -> Option<Reuse> {
        let base = self.usable_base()?;
        match private_dir::check_existing(base, &[FOLDER]) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(untrusted) => return self.refuse(&untrusted, warnings),
        }
        let dir = base.join("atlascli").join(FOLDER);
        let _lock = self.lock(&dir)?;
        let entry = read_entry(&dir.join(&self.name))?;
        let age = now_ms().checked_sub(entry.received_at_ms)?;
        if age >= REUSE_WINDOW.as_millis() as u64 {
            return None;
        }
        let nc = entry.nc.checked_add(1)?;
        let advanced = Entry { nc, ..entry };
        self.write(&dir, &advanced).ok()?;
        Some(Reuse {
            challenge: advanced.challenge,
            nc,
        })
    }

    /// Remembers a challenge received at `received` and answered with `nc` 1 (that answer
    /// already accepted), replacing the entry (a challenge without `qop=auth` only removes
    /// it). Failures are ignored.
    pub fn remember(&self, challenge: &DigestChallenge, received: SystemTime, warnings: &Warnings) {
        let Some(base) = self.usable_base() else {
            return;
        };
        let dir = match private_dir::ensure(base, &[FOLDER]) {
            Ok(dir) => dir,
            Err(untrusted) => {
                self.refuse::<()>(&untrusted, warnings);
                return;
            }
        };
        let Some(_lock) = self.lock(&dir) else {
            return;
        };
        if !challenge.qop_auth || !storable(challenge) {
            let _ = std::fs::remove_file(dir.join(&self.name));
            return;
        }
        let entry = Entry {
            challenge: DigestChallenge {
                stale: false,
                ..challenge.clone()
            },
            nc: 1,
            received_at_ms: unix_ms(received),
        };
        let _ = self.write(&dir, &entry);
    }

    /// Forgets the entry (its challenge could not be answered, or was refused without a new
    /// one).
    pub fn forget(&self) {
        if let Some(base) = self.usable_base()
            && private_dir::check_existing(base, &[FOLDER]).is_ok_and(|exists| exists)
        {
            let dir = base.join("atlascli").join(FOLDER);
            if let Some(_lock) = self.lock(&dir) {
                let _ = std::fs::remove_file(dir.join(&self.name));
            }
        }
    }

    /// The entry's file name (`<sha256>.json`).
    pub fn file_name(&self) -> &str {
        &self.name
    }

    fn lock(&self, dir: &Path) -> Option<FileLock> {
        FileLock::acquire(&dir.join(format!("{}.lock", self.name)), self.lock_wait)
    }

    /// Writes the entry; called with the lock held. Every reader and writer of the entry
    /// holds that lock, so our own regular file is rewritten in place: no run can see it half
    /// written, and it costs a few microseconds where a rename over it costs ext4 a forced
    /// write-out of the new file (about 0.6 ms, as much as the round trip it saves on
    /// loopback). Anything else there (nothing, a link, a FIFO, a file not ours, not 0600, or
    /// with other names) is replaced by a new file renamed over the name: a link is replaced,
    /// never followed. Not synced: a crash can only lose or tear the entry, which is then
    /// ignored and costs the next run one round trip.
    fn write(&self, dir: &Path, entry: &Entry) -> std::io::Result<()> {
        let path = dir.join(&self.name);
        let bytes = entry.to_bytes();
        let ours = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&path)
            .ok()
            .filter(|file| {
                file.metadata().is_ok_and(|m| {
                    m.is_file()
                        && m.uid() == effective_uid()
                        && m.nlink() == 1
                        && m.mode() & 0o077 == 0
                })
            });
        if let Some(file) = ours {
            use std::os::unix::fs::FileExt;
            file.write_all_at(&bytes, 0)?;
            return file.set_len(bytes.len() as u64);
        }
        PendingFile::create(&path, 0o600)?.commit_unsynced(&bytes)
    }

    fn usable_base(&self) -> Option<&Path> {
        self.base.as_deref().filter(|_| !self.refused.get())
    }

    /// Turns the cache off for this run, saying why once.
    fn refuse<T>(&self, untrusted: &Untrusted, warnings: &Warnings) -> Option<T> {
        if !self.refused.replace(true) && !matches!(untrusted, Untrusted::Io(..)) {
            warnings.line(&format!(
                "warning: not using the digest cache {}",
                untrusted.describe()
            ));
        }
        None
    }
}

/// What the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    challenge: DigestChallenge,
    /// The last `nc` a run answered the challenge with.
    nc: u32,
    received_at_ms: u64,
}

impl Entry {
    fn to_bytes(&self) -> Vec<u8> {
        let c = &self.challenge;
        json!({
            "realm": c.realm,
            "nonce": c.nonce,
            "opaque": c.opaque,
            "algorithm": c.algorithm.token(),
            "qop": "auth",
            "nc": self.nc,
            "received_at_ms": self.received_at_ms,
        })
        .to_string()
        .into_bytes()
    }

    /// Only what [`Entry::to_bytes`] writes, with values a header can carry.
    fn from_bytes(bytes: &[u8]) -> Option<Entry> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        let text = |key: &str| value[key].as_str().map(str::to_string);
        let opaque = match &value["opaque"] {
            Value::Null => None,
            other => Some(other.as_str()?.to_string()),
        };
        if value["qop"].as_str() != Some("auth") {
            return None;
        }
        let challenge = DigestChallenge {
            realm: text("realm")?,
            nonce: text("nonce")?,
            opaque,
            algorithm: DigestAlgorithm::from_token(value["algorithm"].as_str()?)?,
            qop_auth: true,
            stale: false,
        };
        if !storable(&challenge) {
            return None;
        }
        let nc = u32::try_from(value["nc"].as_u64()?)
            .ok()
            .filter(|&nc| nc >= 1)?;
        Some(Entry {
            challenge,
            nc,
            received_at_ms: value["received_at_ms"].as_u64()?,
        })
    }
}

/// Values that can go back into a quoted header parameter as they are: printable ASCII
/// without quotes or backslashes, of a sane length; a non-empty nonce.
fn storable(challenge: &DigestChallenge) -> bool {
    let fine = |v: &str| {
        v.len() <= VALUE_MAX_CHARS
            && v.bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
    };
    !challenge.nonce.is_empty()
        && fine(&challenge.nonce)
        && fine(&challenge.realm)
        && challenge.opaque.as_deref().is_none_or(fine)
}

/// The entry at `path`, if it is a regular file of ours, small, and well formed. Opened
/// without following links and without blocking (a FIFO planted there returns at once).
fn read_entry(path: &Path) -> Option<Entry> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.uid() != effective_uid() || meta.len() > ENTRY_MAX_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    (&mut file)
        .take(ENTRY_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() as u64 > ENTRY_MAX_BYTES {
        return None;
    }
    Entry::from_bytes(&bytes)
}

fn now_ms() -> u64 {
    unix_ms(SystemTime::now())
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn quiet() -> Warnings {
        Warnings::captured().0
    }

    fn url(text: &str) -> reqwest::Url {
        text.parse().unwrap()
    }

    fn cache(dir: &Path, origin: &str, public: &str) -> ChallengeCache {
        ChallengeCache::new(
            Some(dir.to_path_buf()),
            &url(origin),
            public,
            Duration::from_secs(1),
        )
    }

    fn challenge(nonce: &str) -> DigestChallenge {
        DigestChallenge {
            realm: "MMS Public API".into(),
            nonce: nonce.into(),
            opaque: None,
            algorithm: DigestAlgorithm::Md5,
            qop_auth: true,
            stale: true,
        }
    }

    fn entry_path(dir: &Path, cache: &ChallengeCache) -> PathBuf {
        dir.join("atlascli/digest").join(cache.file_name())
    }

    #[test]
    fn remembers_privately_and_hands_out_each_nc_once() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "http://127.0.0.1:8080/api", "fakepublic");
        assert_eq!(entry.take_next(&quiet()), None, "nothing remembered yet");
        entry.remember(&challenge("n1"), SystemTime::now(), &quiet());
        let stored = challenge("n1");
        for nc in 2..5 {
            assert_eq!(
                entry.take_next(&quiet()),
                Some(Reuse {
                    challenge: DigestChallenge {
                        stale: false,
                        ..stored.clone()
                    },
                    nc
                })
            );
        }
        let file = entry_path(dir.path(), &entry);
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::metadata(file.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
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
        assert_eq!(value["nc"], 4);

        // A fresh challenge replaces the entry and starts again at 1.
        entry.remember(&challenge("n2"), SystemTime::now(), &quiet());
        assert_eq!(entry.take_next(&quiet()).unwrap().nc, 2);
        assert_eq!(entry.take_next(&quiet()).unwrap().challenge.nonce, "n2");
        entry.forget();
        assert_eq!(entry.take_next(&quiet()), None);
    }

    #[test]
    fn the_window_counts_from_when_the_challenge_arrived() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "http://h:1", "pub");
        let arrived = SystemTime::now() - REUSE_WINDOW - Duration::from_millis(1);
        entry.remember(&challenge("n"), arrived, &quiet());
        assert_eq!(
            entry.take_next(&quiet()),
            None,
            "arrived just over 30 s ago"
        );
        entry.remember(
            &challenge("n"),
            SystemTime::now() - Duration::from_secs(29),
            &quiet(),
        );
        assert!(entry.take_next(&quiet()).is_some(), "29 s ago");
    }

    #[test]
    fn each_origin_and_key_has_its_own_entry() {
        let dir = tempfile::tempdir().unwrap();
        let base = cache(dir.path(), "http://h:80/a", "pub");
        base.remember(&challenge("n"), SystemTime::now(), &quiet());
        // The default port is the same origin.
        assert!(
            cache(dir.path(), "http://h/b?c", "pub")
                .take_next(&quiet())
                .is_some()
        );
        for (origin, public) in [
            ("http://h:81/a", "pub"),
            ("https://h:80/a", "pub"),
            ("http://g:80/a", "pub"),
            ("http://h:80/a", "pub2"),
        ] {
            assert!(
                cache(dir.path(), origin, public)
                    .take_next(&quiet())
                    .is_none(),
                "{origin} {public}"
            );
        }
    }

    #[test]
    fn old_unanswerable_or_planted_entries_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "http://h:1", "pub");
        entry.remember(&challenge("n"), SystemTime::now(), &quiet());
        let file = entry_path(dir.path(), &entry);
        let write = |value: Value| {
            std::fs::remove_file(&file).ok();
            std::fs::write(&file, value.to_string()).unwrap();
        };
        let good = |received_at_ms: u64| {
            json!({"realm": "r", "nonce": "n", "opaque": null, "algorithm": "MD5", "qop": "auth",
                   "nc": 3, "received_at_ms": received_at_ms})
        };
        write(good(now_ms() - 1000));
        assert_eq!(
            entry.take_next(&quiet()).unwrap().nc,
            4,
            "a hand-written good entry"
        );
        let old = now_ms() - REUSE_WINDOW.as_millis() as u64 - 1;
        let future = now_ms() + 60_000;
        let mut bad = vec![good(old), good(future)];
        for (key, wrong) in [
            ("nc", json!(0)),
            ("nc", json!(u32::MAX)),
            ("nc", json!("3")),
            ("qop", json!("auth-int")),
            ("algorithm", json!("SHA-512-256")),
            ("nonce", json!("")),
            ("nonce", json!("a\"b")),
            ("realm", json!("a\r\nX-Evil: 1")),
            ("opaque", json!(7)),
            ("nonce", json!("n".repeat(VALUE_MAX_CHARS + 1))),
        ] {
            let mut value = good(now_ms());
            value[key] = wrong;
            bad.push(value);
        }
        for value in bad {
            write(value.clone());
            assert_eq!(entry.take_next(&quiet()), None, "{value}");
        }
        for bytes in [&b"{not json"[..], &b""[..], &[0xff, 0xfe][..]] {
            std::fs::write(&file, bytes).unwrap();
            assert_eq!(entry.take_next(&quiet()), None);
        }
        // Huge: not read past the limit.
        let mut huge = good(now_ms()).to_string().into_bytes();
        huge.resize(ENTRY_MAX_BYTES as usize + 10, b' ');
        std::fs::write(&file, &huge).unwrap();
        assert_eq!(entry.take_next(&quiet()), None);

        // A link in the entry's place is not followed, and replaced by the next challenge.
        std::fs::remove_file(&file).unwrap();
        let elsewhere = dir.path().join("planted.json");
        std::fs::write(&elsewhere, good(now_ms()).to_string()).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        assert_eq!(entry.take_next(&quiet()), None);
        entry.remember(&challenge("mine"), SystemTime::now(), &quiet());
        assert!(
            std::fs::read_to_string(&elsewhere)
                .unwrap()
                .contains("\"nc\":3")
        );
        assert_eq!(entry.take_next(&quiet()).unwrap().challenge.nonce, "mine");

        // A FIFO there does not block.
        std::fs::remove_file(&file).unwrap();
        let path = std::ffi::CString::new(file.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo on a path we own.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        assert_eq!(entry.take_next(&quiet()), None);

        // A challenge without qop is not remembered; it removes the entry.
        std::fs::remove_file(&file).unwrap();
        entry.remember(&challenge("n"), SystemTime::now(), &quiet());
        entry.remember(
            &DigestChallenge {
                qop_auth: false,
                ..challenge("n3")
            },
            SystemTime::now(),
            &quiet(),
        );
        assert!(!file.exists());

        let nowhere = ChallengeCache::new(None, &url("http://h"), "p", Duration::ZERO);
        nowhere.remember(&challenge("n"), SystemTime::now(), &quiet());
        assert_eq!(nowhere.take_next(&quiet()), None);
    }

    #[test]
    fn a_folder_writable_by_others_turns_the_cache_off_with_one_warning() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "http://h:1", "pub");
        entry.remember(&challenge("n"), SystemTime::now(), &quiet());
        let folder = dir.path().join("atlascli/digest");
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
        let fresh = cache(dir.path(), "http://h:1", "pub");
        let (warnings, said) = Warnings::captured();
        assert_eq!(fresh.take_next(&warnings), None);
        fresh.remember(&challenge("n2"), SystemTime::now(), &warnings);
        assert_eq!(fresh.take_next(&warnings), None);
        assert_eq!(
            String::from_utf8(said.lock().unwrap().clone()).unwrap(),
            format!(
                "warning: not using the digest cache {}: it is writable by other users\n",
                folder.display()
            ),
            "said once"
        );
    }

    #[test]
    fn only_our_own_private_entry_is_rewritten_in_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "http://h:1", "pub");
        entry.remember(&challenge("n"), SystemTime::now(), &quiet());
        let file = entry_path(dir.path(), &entry);
        let inode = std::fs::metadata(&file).unwrap().ino();
        assert_eq!(entry.take_next(&quiet()).unwrap().nc, 2);
        assert_eq!(std::fs::metadata(&file).unwrap().ino(), inode, "in place");
        // A second name for the entry: not written through, replaced.
        let other = dir.path().join("other-name");
        std::fs::hard_link(&file, &other).unwrap();
        assert_eq!(entry.take_next(&quiet()).unwrap().nc, 3);
        assert_eq!(
            read_entry(&other).unwrap().nc,
            2,
            "the other name is left alone"
        );
        assert_ne!(std::fs::metadata(&file).unwrap().ino(), inode);
        // Readable by others: replaced by a private file.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(entry.take_next(&quiet()).unwrap().nc, 4);
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        // A shorter entry leaves nothing of the longer one behind.
        entry.remember(&challenge(&"x".repeat(500)), SystemTime::now(), &quiet());
        entry.remember(&challenge("y"), SystemTime::now(), &quiet());
        assert_eq!(entry.take_next(&quiet()).unwrap().challenge.nonce, "y");
    }

    #[test]
    fn a_held_lock_means_no_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let entry = ChallengeCache::new(
            Some(dir.path().to_path_buf()),
            &url("http://h:1"),
            "pub",
            Duration::from_millis(50),
        );
        entry.remember(&challenge("n"), SystemTime::now(), &quiet());
        let folder = dir.path().join("atlascli/digest");
        let held = FileLock::acquire(
            &folder.join(format!("{}.lock", entry.file_name())),
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(
            entry.take_next(&quiet()),
            None,
            "without the lock, no nc is taken"
        );
        drop(held);
        assert_eq!(entry.take_next(&quiet()).unwrap().nc, 2);
    }
}

//! The service-account token cache (README "Service accounts", "Many runs at once", "Other users on
//! the same host"): one small JSON file per client, token URL and secret, `<cache
//! dir>/atlascli/tokens/<sha256>.json` holding `{"access_token", "expires_at"}`, 0600 in 0700
//! folders. A token is reused until 60 s before it expires. Runs in parallel share an entry under a
//! lock beside it, so that only one of them asks the token endpoint. Folders owned by another user
//! or writable by others are not used at all (one warning); entries are read without following
//! symbolic links; an entry that is not a regular file, or whose token is not a valid header value,
//! is ignored.

use std::cell::Cell;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::credentials::oauth::now_secs;
use crate::support::file_lock::FileLock;
use crate::support::private_dir::{self, Untrusted};
use crate::support::secret::Secret;
use crate::support::warnings::Warnings;

/// A cached token is not used in its last minute.
const MARGIN_SECS: u64 = 60;

/// An entry is a few hundred bytes; anything much larger is not one.
const ENTRY_MAX_BYTES: u64 = 64 << 10;

#[derive(Debug)]
pub struct TokenCache {
    /// `<cache dir>`, when there is one.
    base: Option<PathBuf>,
    name: String,
    /// Set once the folder was found untrusted (and said so): the cache is off.
    refused: Cell<bool>,
}

impl TokenCache {
    /// The entry for this client id, token URL and secret (a changed secret is another entry).
    pub fn new(
        cache_dir: Option<PathBuf>,
        client_id: &str,
        token_url: &str,
        secret: &Secret<String>,
    ) -> TokenCache {
        let secret_digest = hex(&Sha256::digest(secret.expose().as_bytes()));
        let mut hasher = Sha256::new();
        for part in [client_id, token_url, &secret_digest] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        TokenCache {
            base: cache_dir,
            name: format!("{}.json", hex(&hasher.finalize())),
            refused: Cell::new(false),
        }
    }

    /// A cached token that is still good for more than a minute.
    pub fn load(&self, warnings: &Warnings) -> Option<Secret<String>> {
        let base = self.usable_base()?;
        match private_dir::check_existing(base, &["tokens"]) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(untrusted) => return self.refuse(&untrusted, warnings),
        }
        let path = self.entry_path(base);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
            .ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        (&mut file)
            .take(ENTRY_MAX_BYTES)
            .read_to_end(&mut bytes)
            .ok()?;
        let entry: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let token = entry["access_token"].as_str().filter(|t| !t.is_empty())?;
        if reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            // Unusable for an hour otherwise: drop it and fetch a new one.
            let _ = std::fs::remove_file(&path);
            return None;
        }
        let expires_at = entry["expires_at"].as_u64()?;
        (now_secs().saturating_add(MARGIN_SECS) < expires_at)
            .then(|| Secret::new(token.to_string()))
    }

    /// Saves a token that expires in `expires_in` seconds; errors are ignored.
    pub fn store(&self, token: &Secret<String>, expires_in: u64, warnings: &Warnings) {
        let Some(base) = self.usable_base() else {
            return;
        };
        let dir = match private_dir::ensure(base, &["tokens"]) {
            Ok(dir) => dir,
            Err(untrusted) => {
                self.refuse::<()>(&untrusted, warnings);
                return;
            }
        };
        let entry = serde_json::json!({
            "access_token": token.expose(),
            "expires_at": now_secs().saturating_add(expires_in),
        });
        // Renamed over the entry's name: a link there is replaced, never followed.
        if let Ok(pending) =
            crate::support::atomic_file::PendingFile::create(&dir.join(&self.name), 0o600)
        {
            let _ = pending.commit(entry.to_string().as_bytes());
        }
    }

    /// Forgets the entry (the API refused its token).
    pub fn remove(&self) {
        if let Some(base) = self.usable_base()
            && private_dir::check_existing(base, &["tokens"]).is_ok_and(|exists| exists)
        {
            let _ = std::fs::remove_file(self.entry_path(base));
        }
    }

    /// Takes the entry's lock (`<entry>.lock`), waiting at most `wait`: while it is held, no
    /// other run asks for a token for this entry. `None`: go on without it.
    pub fn lock(&self, wait: Duration, warnings: &Warnings) -> Option<FileLock> {
        let base = self.usable_base()?;
        let dir = match private_dir::ensure(base, &["tokens"]) {
            Ok(dir) => dir,
            Err(untrusted) => return self.refuse(&untrusted, warnings),
        };
        FileLock::acquire(&dir.join(format!("{}.lock", self.name)), wait)
    }

    fn usable_base(&self) -> Option<&std::path::Path> {
        self.base.as_deref().filter(|_| !self.refused.get())
    }

    fn entry_path(&self, base: &std::path::Path) -> PathBuf {
        base.join("atlascli").join("tokens").join(&self.name)
    }

    /// Turns the cache off for this run, saying why once.
    fn refuse<T>(&self, untrusted: &Untrusted, warnings: &Warnings) -> Option<T> {
        if !self.refused.replace(true) && !matches!(untrusted, Untrusted::Io(..)) {
            warnings.line(&format!(
                "warning: not using the token cache {}",
                untrusted.describe()
            ));
        }
        None
    }
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

    fn cache(dir: &std::path::Path, secret: &str) -> TokenCache {
        TokenCache::new(
            Some(dir.to_path_buf()),
            "mdb_sa_id",
            "http://h/api/oauth/token",
            &Secret::new(secret.into()),
        )
    }

    #[test]
    fn stores_privately_and_reuses_until_the_last_minute() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "s1");
        assert!(entry.load(&quiet()).is_none());
        entry.store(&Secret::new("tok".into()), 3600, &quiet());
        assert_eq!(entry.load(&quiet()).unwrap().expose(), "tok");
        let file = entry.entry_path(dir.path());
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let folder = file.parent().unwrap();
        assert_eq!(
            std::fs::metadata(folder).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert!(
            !std::fs::read_to_string(&file).unwrap().contains("s1"),
            "the secret is not stored"
        );

        assert!(
            cache(dir.path(), "s2").load(&quiet()).is_none(),
            "a changed secret never reuses a token"
        );

        entry.store(&Secret::new("short".into()), 30, &quiet());
        assert!(
            entry.load(&quiet()).is_none(),
            "not used in its last minute"
        );
        entry.store(&Secret::new("tok".into()), 3600, &quiet());
        entry.remove();
        assert!(entry.load(&quiet()).is_none());
    }

    #[test]
    fn broken_linked_or_unusable_entries_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "s1");
        let file = entry.entry_path(dir.path());
        private_dir::ensure(dir.path(), &["tokens"]).unwrap();
        std::fs::write(&file, b"{not json").unwrap();
        assert!(entry.load(&quiet()).is_none());
        // A token that cannot be a header value is dropped, not retried for an hour.
        std::fs::write(
            &file,
            format!(
                r#"{{"access_token":"abc\ndef","expires_at":{}}}"#,
                now_secs() + 3600
            ),
        )
        .unwrap();
        assert!(entry.load(&quiet()).is_none());
        assert!(!file.exists());
        // A symbolic link in the entry's place is not followed.
        let elsewhere = dir.path().join("planted.json");
        std::fs::write(
            &elsewhere,
            format!(
                r#"{{"access_token":"planted","expires_at":{}}}"#,
                now_secs() + 3600
            ),
        )
        .unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        assert!(entry.load(&quiet()).is_none());
        entry.store(&Secret::new("mine".into()), 3600, &quiet());
        assert!(
            std::fs::read_to_string(&elsewhere)
                .unwrap()
                .contains("planted")
        );
        assert_eq!(entry.load(&quiet()).unwrap().expose(), "mine");
        let nowhere = TokenCache::new(None, "a", "b", &Secret::new("c".into()));
        nowhere.store(&Secret::new("t".into()), 3600, &quiet());
        assert!(nowhere.load(&quiet()).is_none());
    }

    #[test]
    fn a_folder_writable_by_others_turns_the_cache_off() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "s1");
        entry.store(&Secret::new("tok".into()), 3600, &quiet());
        let tokens = dir.path().join("atlascli/tokens");
        std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o777)).unwrap();
        let fresh = cache(dir.path(), "s1");
        let (warnings, said) = Warnings::captured();
        assert!(fresh.load(&warnings).is_none());
        assert!(fresh.load(&warnings).is_none());
        assert!(fresh.refused.get());
        assert_eq!(
            String::from_utf8(said.lock().unwrap().clone()).unwrap(),
            format!(
                "warning: not using the token cache {}: it is writable by other users\n",
                tokens.display()
            ),
            "said once"
        );
        assert!(fresh.lock(Duration::ZERO, &quiet()).is_none());
    }
}

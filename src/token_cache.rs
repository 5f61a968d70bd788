//! The service-account token cache (DECISIONS D9): one small JSON file per client, token URL
//! and secret, `<cache dir>/atlascli/tokens/<sha256>.json` holding `{"access_token",
//! "expires_at"}`, 0600 in a 0700 folder, written by the D2 procedure. A token is reused until
//! 60 s before it expires; anything unreadable or unwritable is simply not cached.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::oauth::now_secs;
use crate::secret::Secret;

/// A cached token is not used in its last minute.
const MARGIN_SECS: u64 = 60;

#[derive(Debug)]
pub struct TokenCache {
    path: Option<PathBuf>,
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
        let name = format!("{}.json", hex(&hasher.finalize()));
        TokenCache {
            path: cache_dir.map(|dir| dir.join("atlascli").join("tokens").join(name)),
        }
    }

    /// A cached token that is still good for more than a minute.
    pub fn load(&self) -> Option<Secret<String>> {
        let bytes = std::fs::read(self.path.as_ref()?).ok()?;
        let entry: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let token = entry["access_token"].as_str().filter(|t| !t.is_empty())?;
        let expires_at = entry["expires_at"].as_u64()?;
        (now_secs().saturating_add(MARGIN_SECS) < expires_at)
            .then(|| Secret::new(token.to_string()))
    }

    /// Saves a token that expires in `expires_in` seconds; errors are ignored.
    pub fn store(&self, token: &Secret<String>, expires_in: u64) {
        let Some(path) = &self.path else { return };
        let Some(dir) = path.parent() else { return };
        if create_private_dir(dir).is_err() {
            return;
        }
        let entry = serde_json::json!({
            "access_token": token.expose(),
            "expires_at": now_secs().saturating_add(expires_in),
        });
        let _ = crate::output_file::write_file(path, entry.to_string().as_bytes());
    }

    /// Forgets the entry (the API refused its token).
    pub fn remove(&self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
        assert!(entry.load().is_none());
        entry.store(&Secret::new("tok".into()), 3600);
        assert_eq!(entry.load().unwrap().expose(), "tok");
        let file = entry.path.clone().unwrap();
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
            cache(dir.path(), "s2").load().is_none(),
            "a changed secret never reuses a token"
        );

        entry.store(&Secret::new("short".into()), 30);
        assert!(entry.load().is_none(), "not used in its last minute");
        entry.store(&Secret::new("tok".into()), 3600);
        entry.remove();
        assert!(entry.load().is_none());
    }

    #[test]
    fn broken_or_missing_caches_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let entry = cache(dir.path(), "s1");
        let file = entry.path.clone().unwrap();
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"{not json").unwrap();
        assert!(entry.load().is_none());
        let nowhere = TokenCache::new(None, "a", "b", &Secret::new("c".into()));
        nowhere.store(&Secret::new("t".into()), 3600);
        assert!(nowhere.load().is_none());
    }
}

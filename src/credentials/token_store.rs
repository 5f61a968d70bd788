//! Saving user-login tokens that a refresh rotated, each where it came from (README "No side
//! effects", "Where credentials are looked for"): to the keyring item it was read from, or in
//! `config.toml`, where only the bytes of the old values are replaced — line endings, comments and
//! everything else stay as they were — and the file is written by the atomic write of
//! "--outputFile", or in place where it cannot be replaced by rename (a bind-mounted file, a
//! folder the user may not write). A token that came from the environment cannot be saved.

use std::ops::Range;
use std::path::PathBuf;

use anyhow::{Result, anyhow};

pub use crate::config::Source;
use crate::credentials::keyring::Keyring;
use crate::support::secret::Secret;

#[derive(Debug)]
pub struct TokenStore {
    pub config_path: PathBuf,
    pub access_source: Source,
    pub refresh_source: Source,
    /// The environment variables' prefix in force (`MONGODB_ATLAS_` or `MCLI_`).
    pub env_prefix: &'static str,
    /// Where tokens read from the keyring go back.
    pub keyring: Keyring,
}

impl TokenStore {
    /// True when a rotated token cannot be saved: one came from the environment.
    pub fn any_from_environment(&self) -> bool {
        self.access_source == Source::Environment || self.refresh_source == Source::Environment
    }

    /// The warning printed once when tokens from the environment were rotated.
    pub fn unsaved_warning(&self) -> String {
        let p = self.env_prefix;
        format!(
            "warning: the refreshed tokens cannot be saved to {p}ACCESS_TOKEN and {p}REFRESH_TOKEN; the old refresh token may no longer work"
        )
    }

    /// Takes the refresh lock, `.config.toml.lock` beside the real file (after following
    /// its links), waiting at most `wait` (README "Many runs at once"). `None`: go on without it.
    pub fn lock(&self, wait: std::time::Duration) -> Option<crate::support::file_lock::FileLock> {
        let real = std::fs::canonicalize(&self.config_path).ok()?;
        let lock = crate::support::atomic_file::folder_of(&real).join(".config.toml.lock");
        crate::support::file_lock::FileLock::acquire(&lock, wait)
    }

    /// The tokens as they are stored now (another run may have rotated them): each one read
    /// again where it came from, the keyring or the file; `None` for one from the environment
    /// or gone.
    pub async fn reload(&self) -> (Option<Secret<String>>, Option<Secret<String>>) {
        let (mut access, mut refresh) = self.reload_file();
        let sources = [
            (&self.access_source, "access_token"),
            (&self.refresh_source, "refresh_token"),
        ];
        let in_keyring: Vec<&str> = sources
            .iter()
            .filter(|(source, _)| **source == Source::Keyring)
            .map(|(_, key)| *key)
            .collect();
        let values = self.keyring.get_all(&in_keyring).await;
        for (key, value) in in_keyring.iter().zip(values) {
            match *key {
                "access_token" => access = value,
                _ => refresh = value,
            }
        }
        (access, refresh)
    }

    /// The tokens that came from the file, as it is now.
    fn reload_file(&self) -> (Option<Secret<String>>, Option<Secret<String>>) {
        let file_sourced =
            |source: &Source| matches!(source, Source::TopLevel | Source::Profile(_));
        if !file_sourced(&self.access_source) && !file_sourced(&self.refresh_source) {
            return (None, None);
        }
        let Ok(text) = crate::config::read_text(&self.config_path) else {
            return (None, None);
        };
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let Ok(document) = toml::de::DeTable::parse(&text[bom..]) else {
            return (None, None);
        };
        let value =
            |source: &Source, key: &str| match string_value(document.get_ref(), source, key)?
                .get_ref()
            {
                toml::de::DeValue::String(text) => Some(Secret::new(text.to_string())),
                _ => None,
            };
        (
            value(&self.access_source, "access_token"),
            value(&self.refresh_source, "refresh_token"),
        )
    }

    /// Replaces `refresh_token` and `access_token`, in that order, where each was found: the
    /// keyring's items first, then the file's values.
    pub async fn save(
        &self,
        access: &Secret<String>,
        refresh: Option<&Secret<String>>,
    ) -> Result<()> {
        // The refresh token first: when only one write gets through, the login survives (the
        // old refresh token may no longer work, an old access token only expires).
        let mut edits = Vec::new();
        if let Some(refresh) = refresh {
            edits.push((&self.refresh_source, "refresh_token", refresh));
        }
        edits.push((&self.access_source, "access_token", access));
        edits.retain(|(source, _, _)| **source != Source::Environment);
        let mut failed = None;
        for (_, key, value) in edits.iter().filter(|(s, _, _)| **s == Source::Keyring) {
            if let Err(e) = self.keyring.set(key, value).await {
                failed.get_or_insert(e);
            }
        }
        edits.retain(|(source, _, _)| **source != Source::Keyring);
        let saved = self.save_to_file(&edits);
        match (failed, saved) {
            (_, Err(e)) if e.is::<Unsaved>() => Err(e),
            (Some(e), _) => Err(e),
            (None, saved) => saved,
        }
    }

    /// Replaces the file's values of `edits`.
    fn save_to_file(&self, edits: &[(&Source, &str, &Secret<String>)]) -> Result<()> {
        if edits.is_empty() {
            return Ok(());
        }
        let shown = self.config_path.display();
        let text = crate::config::read_text(&self.config_path)?;
        let updated = replace_values(&text, edits)
            .ok_or_else(|| anyhow!("cannot find the tokens in {shown}"))?;
        crate::support::atomic_file::replace_or_rewrite(&self.config_path, updated.as_bytes())
            .map_err(|e| {
                let text = crate::support::error::os_error_text(&e);
                match e.raw_os_error() {
                    Some(libc::ENOSPC | libc::EDQUOT | libc::EROFS) => {
                        anyhow::Error::new(Unsaved {
                            path: shown.to_string(),
                            reason: text,
                        })
                    }
                    _ => anyhow!("write {shown}: {text}"),
                }
            })
    }
}

/// Rotated tokens that no file could take (a full disk, a quota, a read-only file system): the
/// run ends with this error rather than a warning (README "Differences from the Go CLI").
#[derive(Debug)]
pub struct Unsaved {
    path: String,
    reason: String,
}

impl std::fmt::Display for Unsaved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot save the refreshed tokens to {}: {}; the old refresh token may no longer work",
            self.path, self.reason
        )
    }
}

impl std::error::Error for Unsaved {}

/// The text with each `(source, key)`'s value replaced; `None` when one is not found.
fn replace_values(text: &str, edits: &[(&Source, &str, &Secret<String>)]) -> Option<String> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let document = toml::de::DeTable::parse(&text[bom..]).ok()?;
    let mut splices: Vec<(Range<usize>, String)> = Vec::new();
    for (source, key, value) in edits {
        let span = value_span(document.get_ref(), source, key)?;
        splices.push((
            span.start + bom..span.end + bom,
            toml_string(value.expose()),
        ));
    }
    splices.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut out = text.to_string();
    for (span, literal) in splices {
        out.replace_range(span, &literal);
    }
    Some(out)
}

/// Where the string value of `key` sits in the original text (keys and tables match whatever
/// their case, as the config is read).
fn value_span(root: &toml::de::DeTable<'_>, source: &Source, key: &str) -> Option<Range<usize>> {
    string_value(root, source, key).map(|value| value.span())
}

/// The string value of `key` where `source` says it is.
fn string_value<'t, 'i>(
    root: &'t toml::de::DeTable<'i>,
    source: &Source,
    key: &str,
) -> Option<&'t toml::Spanned<toml::de::DeValue<'i>>> {
    let table = match source {
        Source::Environment | Source::Keyring => return None,
        Source::TopLevel => root,
        Source::Profile(name) => match find(root, name)?.get_ref() {
            toml::de::DeValue::Table(table) => table,
            _ => return None,
        },
    };
    let value = find(table, key)?;
    matches!(value.get_ref(), toml::de::DeValue::String(_)).then_some(value)
}

fn find<'t, 'i>(
    table: &'t toml::de::DeTable<'i>,
    key: &str,
) -> Option<&'t toml::Spanned<toml::de::DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().to_lowercase() == key)
        .map(|(_, value)| value)
}

/// A TOML basic string holding `value`.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# my settings\r\nskip_update_check = true\r\n\r\n[Default]\r\norg_id = 'a'\r\naccess_token = 'old-a'   # login\r\nrefresh_token = 'old-r'\r\n\r\n[other]\r\naccess_token = 'keep'";

    fn secret(s: &str) -> Secret<String> {
        Secret::new(s.to_string())
    }

    #[test]
    fn replaces_only_the_bytes_of_the_two_values() {
        let profile = Source::Profile("default".into());
        let (a, r) = (secret("new-a"), secret("new\"r"));
        let out = replace_values(
            FILE,
            &[
                (&profile, "access_token", &a),
                (&profile, "refresh_token", &r),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "# my settings\r\nskip_update_check = true\r\n\r\n[Default]\r\norg_id = 'a'\r\naccess_token = \"new-a\"   # login\r\nrefresh_token = \"new\\\"r\"\r\n\r\n[other]\r\naccess_token = 'keep'"
        );
    }

    #[test]
    fn each_token_goes_back_where_it_came_from() {
        let text = "\u{feff}access_token = 'top'\n[p]\nRefresh_Token = 'old'\n";
        let (top, profile) = (Source::TopLevel, Source::Profile("p".into()));
        let (a, r) = (secret("A"), secret("R"));
        let out = replace_values(
            text,
            &[(&top, "access_token", &a), (&profile, "refresh_token", &r)],
        )
        .unwrap();
        assert_eq!(
            out,
            "\u{feff}access_token = \"A\"\n[p]\nRefresh_Token = \"R\"\n"
        );
        assert!(
            replace_values(
                text,
                &[(&Source::Profile("absent".into()), "access_token", &a)]
            )
            .is_none()
        );
    }

    #[test]
    fn saving_keeps_the_file_mode_and_skips_the_environment() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, FILE).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let store = TokenStore {
            config_path: path.clone(),
            access_source: Source::Environment,
            refresh_source: Source::Profile("default".into()),
            env_prefix: "MONGODB_ATLAS_",
            keyring: Keyring::none(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime
            .block_on(store.save(&secret("new-a"), Some(&secret("new-r"))))
            .unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        assert!(
            saved.contains("access_token = 'old-a'"),
            "the env token is not written"
        );
        assert!(saved.contains("refresh_token = \"new-r\"\r\n"));
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let env = TokenStore {
            config_path: dir.path().join("absent.toml"),
            access_source: Source::Environment,
            refresh_source: Source::Environment,
            env_prefix: "MONGODB_ATLAS_",
            keyring: Keyring::none(),
        };
        runtime
            .block_on(env.save(&secret("x"), Some(&secret("y"))))
            .unwrap();
        assert!(!dir.path().join("absent.toml").exists());
    }
}

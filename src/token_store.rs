//! Saving user-login tokens that a refresh rotated, where they came from (DECISIONS D3): the
//! two values are replaced in `config.toml` and the rest of the file is kept byte for byte,
//! written by the D2 procedure. Tokens from the environment cannot be saved.

use std::path::PathBuf;

use anyhow::{Result, anyhow};

use crate::secret::Secret;

/// Where the user's tokens were read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    Environment,
    /// A top-level key of the config file.
    TopLevel,
    /// The named profile's table.
    Profile(String),
}

#[derive(Debug)]
pub struct TokenStore {
    pub config_path: PathBuf,
    pub source: TokenSource,
}

impl TokenStore {
    /// Replaces `access_token` and `refresh_token` where they were found.
    pub fn save(&self, access: &Secret<String>, refresh: Option<&Secret<String>>) -> Result<()> {
        if self.source == TokenSource::Environment {
            return Ok(());
        }
        let path = self.config_path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&self.config_path)
            .map_err(|e| anyhow!("cannot read {path}: {}", crate::error::os_error_text(&e)))?;
        let updated = replace_tokens(&text, &self.source, access, refresh)
            .ok_or_else(|| anyhow!("cannot find the tokens in {path}"))?;
        crate::output_file::write_output_file(&path, updated.as_bytes())
    }
}

/// The file with the two token values replaced; `None` when they are not where expected.
fn replace_tokens(
    text: &str,
    source: &TokenSource,
    access: &Secret<String>,
    refresh: Option<&Secret<String>>,
) -> Option<String> {
    let mut document: toml_edit::DocumentMut = text.parse().ok()?;
    let table: &mut dyn toml_edit::TableLike = match source {
        TokenSource::Environment => return None,
        TokenSource::TopLevel => document.as_table_mut(),
        TokenSource::Profile(name) => {
            let key = document
                .iter()
                .map(|(k, _)| k.to_string())
                .find(|k| k.to_lowercase() == *name)?;
            document.get_mut(&key)?.as_table_like_mut()?
        }
    };
    set_keeping_layout(table, "access_token", access.expose())?;
    if let Some(refresh) = refresh {
        set_keeping_layout(table, "refresh_token", refresh.expose())?;
    }
    Some(document.to_string())
}

/// Replaces a string value, keeping the spaces and comments around it.
fn set_keeping_layout(table: &mut dyn toml_edit::TableLike, key: &str, value: &str) -> Option<()> {
    let key = table
        .iter()
        .map(|(k, _)| k.to_string())
        .find(|k| k.to_lowercase() == key)?;
    let old = table.get_mut(&key)?.as_value_mut()?;
    let decor = old.decor().clone();
    let mut new = toml_edit::Value::from(value);
    *new.decor_mut() = decor;
    *old = new;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# my settings\nskip_update_check = true\n\n[default]\norg_id = 'a'\naccess_token = 'old-a'   # login\nrefresh_token = 'old-r'\n\n[other]\naccess_token = 'keep'\n";

    #[test]
    fn replaces_only_the_two_values() {
        let out = replace_tokens(
            FILE,
            &TokenSource::Profile("default".into()),
            &Secret::new("new-a".into()),
            Some(&Secret::new("new-r".into())),
        )
        .unwrap();
        assert_eq!(
            out,
            "# my settings\nskip_update_check = true\n\n[default]\norg_id = 'a'\naccess_token = \"new-a\"   # login\nrefresh_token = \"new-r\"\n\n[other]\naccess_token = 'keep'\n"
        );
        let top = replace_tokens(
            "access_token = 'x'\nrefresh_token = 'y'\n",
            &TokenSource::TopLevel,
            &Secret::new("n".into()),
            None,
        )
        .unwrap();
        assert_eq!(top, "access_token = \"n\"\nrefresh_token = 'y'\n");
        assert!(
            replace_tokens(
                FILE,
                &TokenSource::Profile("absent".into()),
                &Secret::new("n".into()),
                None
            )
            .is_none()
        );
    }

    #[test]
    fn finds_tables_and_keys_whatever_their_case() {
        let mixed = replace_tokens(
            "[Prod]\nAccess_Token = 'x'\n",
            &TokenSource::Profile("prod".into()),
            &Secret::new("n".into()),
            None,
        )
        .unwrap();
        assert_eq!(mixed, "[Prod]\nAccess_Token = \"n\"\n");
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
            source: TokenSource::Profile("default".into()),
        };
        store.save(&Secret::new("new-a".into()), None).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("access_token = \"new-a\"")
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let env = TokenStore {
            config_path: dir.path().join("absent.toml"),
            source: TokenSource::Environment,
        };
        env.save(&Secret::new("x".into()), None).unwrap();
        assert!(!dir.path().join("absent.toml").exists());
    }
}

//! The kinds of credentials — none, an API key pair (HTTP digest), a service account, a user
//! login — chosen from a profile as the reference chooses them (behavior §d), with the
//! machinery each needs: OAuth requests, the service-account token cache, the user-token
//! store, and the session that signs and sends a request with them.

pub mod keyring;
pub mod oauth;
pub mod session;
pub mod token_cache;
pub mod token_store;

use anyhow::{Result, anyhow, bail};

use crate::config::Profile;
use crate::support::secret::Secret;
use keyring::Keyring;
use oauth::{CLOUD_CLIENT_ID, CLOUD_GOV_CLIENT_ID};
use token_cache::TokenCache;
use token_store::TokenStore;

/// How requests are authenticated.
#[derive(Debug)]
pub enum Credentials {
    /// No credentials: requests go out unauthenticated.
    None,
    /// A programmatic API key pair, used for HTTP digest.
    ApiKeys {
        public: String,
        private: Secret<String>,
    },
    /// A service account: client credentials exchanged for a bearer token at `token_url`.
    ServiceAccount {
        client_id: String,
        client_secret: Secret<String>,
        token_url: reqwest::Url,
        cache: TokenCache,
    },
    /// A user login: a bearer access token, refreshed at `refresh_url` when it has expired.
    UserAccount {
        access_token: Secret<String>,
        refresh_token: Secret<String>,
        client_id: String,
        refresh_url: reqwest::Url,
        store: TokenStore,
    },
}

impl Credentials {
    /// The credentials, chosen as the reference does (behavior §d): a client id and secret
    /// unless `auth_type` is already `service_account`, then an API key pair unless it is
    /// already `api_keys`, else what `auth_type` names; with no `auth_type`, user-login tokens
    /// when present, else none. So credentials from the environment win over the stored type.
    /// `keyring` (already laid over the profile) is kept where rotated tokens may go back.
    pub fn from_profile(profile: &Profile, keyring: Keyring) -> Result<Credentials> {
        let auth_type = profile.get("auth_type").unwrap_or_default();
        let has = |a: &str, b: &str| profile.get(a).is_some() && profile.get(b).is_some();
        let kind = if has("client_id", "client_secret") && auth_type != "service_account" {
            "service_account"
        } else if has("public_api_key", "private_api_key") && auth_type != "api_keys" {
            "api_keys"
        } else if auth_type.is_empty() || auth_type == "no_auth" {
            let tokens =
                profile.get("access_token").is_some() || profile.get("refresh_token").is_some();
            if tokens && auth_type.is_empty() {
                "user_account"
            } else {
                "no_auth"
            }
        } else {
            auth_type.as_str()
        };
        let text = |key: &str| profile.get(key).unwrap_or_default();
        let secret = |key: &str| Secret::new(text(key));
        // Sent as they are in a header or a form: refused before sending when a control
        // character could not go there (README "Differences from the Go CLI").
        let identity = match kind {
            "service_account" | "user_account" => Some("client_id"),
            "api_keys" => Some("public_api_key"),
            _ => None,
        };
        if let Some(name) = identity
            && profile.get(name).is_some_and(|v| has_control_character(&v))
        {
            bail!("invalid {name}: contains a control character");
        }
        Ok(match kind {
            "service_account" => {
                let (client_id, client_secret) = (text("client_id"), secret("client_secret"));
                let token_url = oauth_url(&profile.base_url(), "api/oauth/token")?;
                let cache = TokenCache::new(
                    dirs::cache_dir(),
                    &client_id,
                    token_url.as_str(),
                    &client_secret,
                );
                Credentials::ServiceAccount {
                    client_id,
                    client_secret,
                    token_url,
                    cache,
                }
            }
            "api_keys" => Credentials::ApiKeys {
                public: text("public_api_key"),
                private: secret("private_api_key"),
            },
            "user_account" => Credentials::user_account(profile, keyring)?,
            _ => Credentials::None,
        })
    }

    /// A user login: both tokens, the refresh endpoint and where to save rotated tokens.
    fn user_account(profile: &Profile, keyring: Keyring) -> Result<Credentials> {
        let (Some((access, access_source)), Some((refresh, refresh_source))) = (
            profile.lookup("access_token"),
            profile.lookup("refresh_token"),
        ) else {
            bail!("user_account needs both access_token and refresh_token");
        };
        let account_host = profile
            .get("account_url")
            .unwrap_or_else(|| profile.base_url());
        let default_client = match profile.get("service").as_deref() {
            Some("cloudgov") => CLOUD_GOV_CLIENT_ID,
            _ => CLOUD_CLIENT_ID,
        };
        Ok(Credentials::UserAccount {
            access_token: Secret::new(access),
            refresh_token: Secret::new(refresh),
            client_id: profile
                .get("client_id")
                .unwrap_or_else(|| default_client.to_string()),
            refresh_url: oauth_url(&account_host, "api/private/unauth/account/device/token")?,
            store: TokenStore {
                config_path: profile.config_path().to_path_buf(),
                access_source,
                refresh_source,
                env_prefix: profile.env_prefix(),
                keyring,
            },
        })
    }

    /// The token or refresh endpoint these credentials may call besides the API.
    pub fn oauth_url(&self) -> Option<&reqwest::Url> {
        match self {
            Credentials::ServiceAccount { token_url, .. } => Some(token_url),
            Credentials::UserAccount { refresh_url, .. } => Some(refresh_url),
            _ => None,
        }
    }

    /// The secret values that must never appear in debug output.
    pub fn secrets(&self) -> Vec<Secret<String>> {
        match self {
            Credentials::None => Vec::new(),
            Credentials::ApiKeys { private, .. } => vec![private.clone()],
            Credentials::ServiceAccount { client_secret, .. } => vec![client_secret.clone()],
            Credentials::UserAccount {
                access_token,
                refresh_token,
                ..
            } => vec![access_token.clone(), refresh_token.clone()],
        }
    }
}

/// A token or refresh endpoint on `host` (README "Service accounts": the API's host unless
/// configured).
fn oauth_url(host: &str, path: &str) -> Result<reqwest::Url> {
    let joined = format!("{}/{path}", host.trim_end_matches('/'));
    reqwest::Url::parse(&joined).map_err(|e| {
        let shown = crate::support::url_text::without_password(&joined);
        anyhow!(
            "invalid URL {}: {e}",
            crate::support::quote::go_quote(&crate::support::quote::shorten(&shown))
        )
    })
}

/// C0 controls, DEL and the C1 controls.
fn has_control_character(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigFile, Env};

    fn profile(toml: &str, flag: Option<&str>, env: &[(&str, &str)]) -> Result<Profile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, toml).unwrap();
        ConfigFile::load(&path)
            .and_then(|c| c.profile(flag, &Env::from_pairs(env.iter().copied()), &mut Vec::new()))
    }

    #[test]
    fn oauth_endpoints_follow_the_api_host_and_account_url() {
        let sa = "client_id = 'id'\nclient_secret = 's'\n";
        let token_url = |toml: &str| match Credentials::from_profile(
            &profile(toml, None, &[]).unwrap(),
            Keyring::none(),
        )
        .unwrap()
        {
            Credentials::ServiceAccount { token_url, .. } => token_url.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(token_url(sa), "https://cloud.mongodb.com/api/oauth/token");
        assert_eq!(
            token_url(&format!("{sa}service = 'cloudgov'\n")),
            "https://cloud.mongodbgov.com/api/oauth/token"
        );
        assert_eq!(
            token_url(&format!("{sa}ops_manager_url = 'http://h:1/prefix/'\n")),
            "http://h:1/prefix/api/oauth/token"
        );

        let login = "access_token = 'a.b.c'\nrefresh_token = 'r'\n";
        let refresh = |toml: &str| match Credentials::from_profile(
            &profile(toml, None, &[]).unwrap(),
            Keyring::none(),
        )
        .unwrap()
        {
            Credentials::UserAccount {
                refresh_url,
                client_id,
                ..
            } => (refresh_url.to_string(), client_id),
            other => panic!("{other:?}"),
        };
        let path = "api/private/unauth/account/device/token";
        assert_eq!(
            refresh(login),
            (
                format!("https://cloud.mongodb.com/{path}"),
                "0oabtxactgS3gHIR0297".into()
            )
        );
        assert_eq!(
            refresh(&format!("{login}service = 'cloudgov'\n")),
            (
                format!("https://cloud.mongodbgov.com/{path}"),
                "0oabtyfelbTBdoucy297".into()
            )
        );
        assert_eq!(
            refresh(&format!(
                "{login}account_url = 'https://acct.example'\nops_manager_url = 'http://h/'\n"
            ))
            .0,
            format!("https://acct.example/{path}")
        );
        assert_eq!(
            refresh(&format!(
                "{login}ops_manager_url = 'http://h/'\nclient_id = 'mine'\n"
            )),
            (format!("http://h/{path}"), "mine".into())
        );
    }

    #[test]
    fn token_url_errors_never_show_a_password() {
        let err = oauth_url("http://user:s3cret@[bad/", "api/oauth/token")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.starts_with("invalid URL \"http://user"), "{err}");
    }
}

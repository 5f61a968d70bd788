//! Sends the command's request with the profile's credentials: unsigned, by HTTP digest for API
//! keys, or with a bearer token for service accounts (cached, else fetched — "Service accounts")
//! and user logins (refreshed when expired, rotated tokens saved — "No side effects"). Refusals by
//! a token endpoint become the messages of "Service accounts".

use anyhow::{Result, anyhow, bail};
use reqwest::StatusCode;

use crate::api::response::CommandResponse;
use crate::credentials::Credentials;
use crate::credentials::oauth::{self, Refusal, TokenKind};
use crate::credentials::token_store::{Source, TokenStore};
use crate::support::secret::Secret;
use crate::transport::challenge_cache::ChallengeCache;
use crate::transport::executor::{Executor, Signing, describe};
use crate::transport::retry::Policy;

/// Where the credentials came from, for the hints that follow a refusal ("Service accounts"), and
/// how long a run waits for another one's token lock ("Many runs at once": at most the HTTP
/// timeout).
pub struct Origin {
    pub profile: String,
    pub config_path: String,
    pub lock_wait: std::time::Duration,
}

/// Sends the request as the credentials require; the last answer or failure is the result.
pub async fn send(
    executor: &Executor,
    request: reqwest::Request,
    credentials: &Credentials,
    origin: &Origin,
) -> Result<CommandResponse> {
    match credentials {
        Credentials::None => executor.send(request, Signing::None, Policy::Api).await,
        Credentials::ApiKeys { public, private } => {
            // "Repeat calls in one round trip": the last challenge of this origin and key,
            // remembered between runs.
            let challenges =
                ChallengeCache::new(dirs::cache_dir(), request.url(), public, origin.lock_wait);
            let signing = Signing::Digest(public, private, Some(&challenges));
            executor.send(request, signing, Policy::Api).await
        }
        Credentials::ServiceAccount {
            client_id,
            client_secret,
            token_url,
            cache,
        } => {
            let fetch = || async {
                let request =
                    oauth::client_credentials_request(token_url, client_id, client_secret)?;
                // "Many runs at once": before waiting out a 429, look whether another run got the
                // token.
                let cached = || cache.load(executor.warnings()).is_some();
                let fetched = token(
                    executor,
                    request,
                    TokenKind::ClientCredentials,
                    origin,
                    &cached,
                )
                .await?;
                let Some(token) = fetched else {
                    return cache
                        .load(executor.warnings())
                        .ok_or_else(|| anyhow!("the cached token disappeared"));
                };
                if let Some(lifetime) = token.expires_in {
                    cache.store(&token.access_token, lifetime, executor.warnings());
                }
                Ok::<_, anyhow::Error>(token.access_token)
            };
            let (token, from_cache) = match cache.load(executor.warnings()) {
                Some(token) => (token, true),
                None => {
                    // "Many runs at once": one run asks for the token; the others wait, then read
                    // the cache.
                    let _lock = cache.lock(origin.lock_wait, executor.warnings());
                    match cache.load(executor.warnings()) {
                        Some(token) => (token, true),
                        None => (fetch().await?, false),
                    }
                }
            };
            let again = request.try_clone();
            let response = executor
                .send(request, Signing::Bearer(&token), Policy::Api)
                .await?;
            match again {
                // "Service accounts": a refused cached token is dropped, and the request sent once
                // more; "Many runs at once": under the entry's lock, so parallel runs refused at
                // once fetch one token between them (another run may have replaced the entry
                // already).
                Some(again) if from_cache && response.status == StatusCode::UNAUTHORIZED => {
                    let _lock = cache.lock(origin.lock_wait, executor.warnings());
                    let fresh = match cache.load(executor.warnings()) {
                        Some(other) if other.expose() != token.expose() => other,
                        _ => {
                            cache.remove();
                            fetch().await?
                        }
                    };
                    executor
                        .send(again, Signing::Bearer(&fresh), Policy::Api)
                        .await
                }
                _ => Ok(response),
            }
        }
        Credentials::UserAccount {
            access_token,
            refresh_token,
            client_id,
            refresh_url,
            store,
        } => {
            let expired = oauth::jwt_expired(access_token.expose()).map_err(anyhow::Error::msg)?;
            let token = if expired {
                refreshed(
                    executor,
                    client_id,
                    refresh_url,
                    refresh_token,
                    store,
                    origin,
                )
                .await?
            } else {
                access_token.clone()
            };
            executor
                .send(request, Signing::Bearer(&token), Policy::Api)
                .await
        }
    }
}

/// A fresh access token for a user login whose token expired (README "Many runs at once"). Under
/// the lock beside the config file the tokens are read again: if another run already refreshed
/// them, its access token is used; otherwise this run refreshes and saves the rotated pair before
/// letting go. Tokens from the environment cannot be saved or coordinated: a warning.
async fn refreshed(
    executor: &Executor,
    client_id: &str,
    refresh_url: &reqwest::Url,
    refresh_token: &Secret<String>,
    store: &TokenStore,
    origin: &Origin,
) -> Result<Secret<String>> {
    // A refresh token from the environment cannot be coordinated with other runs.
    let coordinated = store.refresh_source != Source::Environment;
    let _lock = coordinated.then(|| store.lock(origin.lock_wait)).flatten();
    let mut refresh_token = refresh_token.clone();
    if coordinated {
        let (access, refresh) = store.reload().await;
        if let Some(access) = access
            && oauth::jwt_expired(access.expose()) == Ok(false)
        {
            return Ok(access);
        }
        match refresh {
            Some(refresh) => refresh_token = refresh,
            // "Where credentials are looked for": a refresh token from the keyring that cannot be
            // read again now may be spent already, and a rotated one could not be written back: no
            // refresh.
            None if store.refresh_source == Source::Keyring => bail!(
                "cannot refresh the login of profile {}: the OS keyring holding its tokens did not answer",
                origin.profile
            ),
            None => {}
        }
    }
    let request = oauth::refresh_request(refresh_url, client_id, &refresh_token);
    let what = describe(&request);
    // Once the request is on its way the old refresh token may be spent: an interrupt waits
    // for the answer and lets the new pair be saved first (the deferral, dropped first, ends
    // the run there if an interrupt came).
    let window = crate::support::interrupt::AnswerWindow::open(&what, origin.lock_wait);
    let _saving = crate::support::interrupt::defer();
    let token = token(executor, request, TokenKind::Refresh, origin, &|| false)
        .await?
        .expect("a refresh is never given up");
    window.answered();
    // "Bounded by design": a token this large is not one to write into config.toml.
    let too_large =
        |token: Option<&Secret<String>>| token.is_some_and(|t| t.expose().len() > MAX_TOKEN_BYTES);
    if too_large(Some(&token.access_token)) || too_large(token.refresh_token.as_ref()) {
        bail!("{what}: token larger than 64 KiB; the old refresh token may no longer work");
    }
    if store.any_from_environment() {
        executor.warnings().line(&store.unsaved_warning());
    }
    if let Err(e) = store
        .save(&token.access_token, token.refresh_token.as_ref())
        .await
    {
        if e.is::<crate::credentials::token_store::Unsaved>() {
            return Err(e);
        }
        executor.warnings().line(&format!(
            "warning: the refreshed tokens were not saved: {e:#}; the old refresh token may no longer work"
        ));
    }
    Ok(token.access_token)
}

/// The largest access or refresh token a refresh may bring that is saved.
const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Sends a token request (retrying only a 429 or a refused connection) and reads the token.
async fn token(
    executor: &Executor,
    request: reqwest::Request,
    kind: TokenKind,
    origin: &Origin,
    given_up: &dyn Fn() -> bool,
) -> Result<Option<oauth::Token>> {
    let what = describe(&request);
    let Some(response) = executor
        .send_unless(request, Signing::None, Policy::Token, given_up)
        .await?
    else {
        return Ok(None);
    };
    oauth::parse_token_response(response.status, &response.body, kind)
        .map_err(|refusal| match refusal {
            Refusal::Unauthorized => {
                anyhow!(oauth::unauthorized_message(
                    &origin.profile,
                    &origin.config_path
                ))
            }
            Refusal::SessionExpired => {
                anyhow!(oauth::session_expired_message(
                    &origin.profile,
                    &origin.config_path
                ))
            }
            Refusal::Other(reason) => anyhow!("{what}: {reason}"),
        })
        .map(Some)
}

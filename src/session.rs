//! Sends the command's request with the profile's credentials: unsigned, by HTTP digest for
//! API keys, or with a bearer token for service accounts (cached, else fetched — D9) and user
//! logins (refreshed when expired, rotated tokens saved — D3). Refusals by a token endpoint
//! become the messages of D13.

use anyhow::{Result, anyhow};
use reqwest::StatusCode;

use crate::auth::Credentials;
use crate::executor::{CommandResponse, Executor, Signing, describe};
use crate::oauth::{self, Refusal, TokenKind};
use crate::retry::Policy;

/// Where the credentials came from, for the hints that follow a refusal (D13).
pub struct Origin {
    pub profile: String,
    pub config_path: String,
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
            executor
                .send(request, Signing::Digest(public, private), Policy::Api)
                .await
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
                let token = token(executor, request, TokenKind::ClientCredentials, origin).await?;
                if let Some(lifetime) = token.expires_in {
                    cache.store(&token.access_token, lifetime);
                }
                Ok::<_, anyhow::Error>(token.access_token)
            };
            let (token, from_cache) = match cache.load() {
                Some(token) => (token, true),
                None => (fetch().await?, false),
            };
            let again = request.try_clone();
            let response = executor
                .send(request, Signing::Bearer(&token), Policy::Api)
                .await?;
            match again {
                // D9: a refused cached token is dropped, and the request sent once more.
                Some(again) if from_cache && response.status == StatusCode::UNAUTHORIZED => {
                    cache.remove();
                    let fresh = fetch().await?;
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
                let request = oauth::refresh_request(refresh_url, client_id, refresh_token);
                let token = token(executor, request, TokenKind::Refresh, origin).await?;
                if let Err(e) = store.save(&token.access_token, token.refresh_token.as_ref()) {
                    eprintln!("warning: the refreshed tokens were not saved: {e:#}");
                }
                token.access_token
            } else {
                access_token.clone()
            };
            executor
                .send(request, Signing::Bearer(&token), Policy::Api)
                .await
        }
    }
}

/// Sends a token request (retrying only a 429 or a refused connection) and reads the token.
async fn token(
    executor: &Executor,
    request: reqwest::Request,
    kind: TokenKind,
    origin: &Origin,
) -> Result<oauth::Token> {
    let what = describe(&request);
    let response = executor.send(request, Signing::None, Policy::Token).await?;
    oauth::parse_token_response(response.status, &response.body, kind).map_err(|refusal| {
        match refusal {
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
        }
    })
}

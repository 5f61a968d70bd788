//! The only network code: builds the HTTP client and sends the command's request — one
//! exchange (a request, or the two legs of a digest handshake), retried by the rules of
//! DECISIONS D5 — returning the final status and body.
//!
//! Network failures become one line naming the method, the URL and the cause (D12); each
//! retry prints one warning line; `--debug` dumps every request and response, redacted (D8).

use std::io::Write;
use std::time::Duration;

use anyhow::{Result, anyhow};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::auth::{self, Challenge, Credentials};
use crate::dump::Dumper;
use crate::network_error::{DROPPED, Failure, error_chain_text, network_cause};
use crate::oauth::{self, Refusal};
use crate::proxy::ProxySettings;
use crate::retry::{
    MAX_RETRIES, Policy, Resend, backoff, retry_after, should_retry_failure, should_retry_status,
};
use crate::secret::Secret;
use crate::token_cache::TokenCache;
use crate::token_store::TokenStore;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What came back: the final answer of the exchange, body fully read.
#[derive(Debug)]
pub struct CommandResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl CommandResponse {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    fn status_line(&self) -> String {
        format!(
            "{} {}",
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string()
    }
}

/// How one attempt is signed.
#[derive(Clone, Copy)]
enum Signing<'a> {
    None,
    Digest(&'a str, &'a Secret<String>),
    Bearer(&'a Secret<String>),
}

/// Where the credentials came from, for the hints that follow a refusal (D13).
pub struct Origin {
    pub profile: String,
    pub config_path: String,
}

/// A service account and its token cache.
struct ServiceAccount<'a> {
    client_id: &'a str,
    client_secret: &'a Secret<String>,
    token_url: &'a reqwest::Url,
    cache: &'a TokenCache,
}

/// Sends requests with the profile's credentials.
pub struct Executor {
    client: reqwest::Client,
    timeout_secs: u64,
    dumper: Option<Dumper>,
}

impl Executor {
    /// `https` says whether TLS will be needed: the OS trust store is loaded only then.
    pub fn new(
        timeout_secs: u64,
        proxies: ProxySettings,
        https: bool,
        dumper: Option<Dumper>,
    ) -> Result<Executor> {
        // One process-wide TLS provider; a second install attempt is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(Duration::from_secs(timeout_secs))
            .no_proxy();
        if !https {
            builder = builder.tls_certs_only(Vec::new());
        }
        if !proxies.is_empty() {
            builder = builder.proxy(reqwest::Proxy::custom(move |url| proxies.proxy_for(url)));
        }
        let client = builder.build().map_err(|e| {
            if https {
                anyhow!(
                    "cannot load TLS trust roots: {} (looked at SSL_CERT_FILE, SSL_CERT_DIR and the system store)",
                    error_chain_text(&e).trim_start_matches("unexpected error: ")
                )
            } else {
                anyhow!("cannot set up the HTTP client: {}", error_chain_text(&e))
            }
        })?;
        Ok(Executor {
            client,
            timeout_secs,
            dumper,
        })
    }

    /// Sends the command's request with the credentials: fetching or refreshing a token first
    /// where they need one, retrying as D5 allows; the last answer or failure is the result.
    pub async fn execute(
        &self,
        request: reqwest::Request,
        credentials: &Credentials,
        origin: &Origin,
    ) -> Result<CommandResponse> {
        match credentials {
            Credentials::None => self.with_retries(request, Signing::None, Policy::Api).await,
            Credentials::ApiKeys { public, private } => {
                self.with_retries(request, Signing::Digest(public, private), Policy::Api)
                    .await
            }
            Credentials::ServiceAccount {
                client_id,
                client_secret,
                token_url,
            } => {
                let cache = TokenCache::new(
                    dirs::cache_dir(),
                    client_id,
                    token_url.as_str(),
                    client_secret,
                );
                let account = ServiceAccount {
                    client_id,
                    client_secret,
                    token_url,
                    cache: &cache,
                };
                let (token, from_cache) = match cache.load() {
                    Some(token) => (token, true),
                    None => (self.service_account_token(&account, origin).await?, false),
                };
                let retry_request = request.try_clone();
                let response = self
                    .with_retries(request, Signing::Bearer(&token), Policy::Api)
                    .await?;
                match retry_request {
                    // D9: a refused cached token is dropped, and the request re-sent once.
                    Some(again) if from_cache && response.status == StatusCode::UNAUTHORIZED => {
                        cache.remove();
                        let fresh = self.service_account_token(&account, origin).await?;
                        self.with_retries(again, Signing::Bearer(&fresh), Policy::Api)
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
                let expired =
                    oauth::jwt_expired(access_token.expose()).map_err(anyhow::Error::msg)?;
                let token = if expired {
                    self.refreshed_user_token(refresh_url, client_id, refresh_token, store, origin)
                        .await?
                } else {
                    access_token.clone()
                };
                self.with_retries(request, Signing::Bearer(&token), Policy::Api)
                    .await
            }
        }
    }

    /// A new service-account token from the token endpoint, cached when it says how long it
    /// lasts.
    async fn service_account_token(
        &self,
        account: &ServiceAccount<'_>,
        origin: &Origin,
    ) -> Result<Secret<String>> {
        let request = oauth::client_credentials_request(
            account.token_url,
            account.client_id,
            account.client_secret,
        );
        let token = self.token(request, origin).await?;
        if let Some(lifetime) = token.expires_in {
            account.cache.store(&token.access_token, lifetime);
        }
        Ok(token.access_token)
    }

    /// Exchanges the refresh token for new tokens and saves them where the old ones were.
    async fn refreshed_user_token(
        &self,
        refresh_url: &reqwest::Url,
        client_id: &str,
        refresh_token: &Secret<String>,
        store: &TokenStore,
        origin: &Origin,
    ) -> Result<Secret<String>> {
        let request = oauth::refresh_request(refresh_url, client_id, refresh_token);
        let token = self.token(request, origin).await?;
        if let Err(e) = store.save(&token.access_token, token.refresh_token.as_ref()) {
            eprintln!("warning: the refreshed tokens were not saved: {e:#}");
        }
        Ok(token.access_token)
    }

    /// Sends a token request (retrying only 429 and refused connections) and reads the token.
    async fn token(&self, request: reqwest::Request, origin: &Origin) -> Result<oauth::Token> {
        let what = describe(&request);
        let response = self
            .with_retries(request, Signing::None, Policy::Token)
            .await?;
        oauth::parse_token_response(response.status, &response.body).map_err(
            |refusal| match refusal {
                Refusal::Unauthorized => anyhow!(oauth::unauthorized_message(
                    &origin.profile,
                    &origin.config_path
                )),
                Refusal::SessionExpired => anyhow!(oauth::session_expired_message(
                    &origin.profile,
                    &origin.config_path
                )),
                Refusal::Other(reason) => anyhow!("{what}: {reason}"),
            },
        )
    }

    /// Sends the request, retrying as the policy allows; the last answer or failure is the
    /// result.
    async fn with_retries(
        &self,
        request: reqwest::Request,
        signing: Signing<'_>,
        policy: Policy,
    ) -> Result<CommandResponse> {
        let method = request.method().clone();
        let mut retry = 0;
        loop {
            let attempt = request
                .try_clone()
                .ok_or_else(|| anyhow!("the request body cannot be sent twice"))?;
            let outcome = self.exchange(attempt, signing).await;
            let reason = match &outcome {
                Ok(response) if should_retry_status(response.status, &method, policy) => {
                    response.status_line()
                }
                Err(failure) if should_retry_failure(failure.resend, &method, policy) => {
                    failure.cause.clone()
                }
                _ => return outcome.map_err(anyhow::Error::new),
            };
            if retry == MAX_RETRIES {
                return outcome.map_err(anyhow::Error::new);
            }
            retry += 1;
            let retry_after = outcome.as_ref().ok().and_then(|r| retry_after(&r.headers));
            let wait = retry_after.unwrap_or_else(|| backoff(retry));
            eprintln!(
                "warning: {}: {reason}, retrying in {:.1}s (retry {retry} of {MAX_RETRIES})",
                describe(&request),
                wait.as_secs_f64()
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One complete exchange: for digest, the unauthenticated leg, then (on a challenge) the
    /// signed one, whose answer is final; for a bearer token, one request.
    async fn exchange(
        &self,
        request: reqwest::Request,
        signing: Signing<'_>,
    ) -> Result<CommandResponse, Failure> {
        let (public, private) = match signing {
            Signing::None => return self.send(request).await,
            Signing::Bearer(token) => return self.send(auth::with_bearer(request, token)).await,
            Signing::Digest(public, private) => (public, private),
        };
        let what = describe(&request);
        let first_leg = request.try_clone().ok_or_else(|| {
            Failure::new(
                Resend::Never,
                &what,
                "the request body cannot be sent twice".into(),
            )
        })?;
        let first = self.send(first_leg).await?;
        let unusable = |reason: String| {
            Failure::new(
                Resend::Never,
                &what,
                format!("unsupported digest challenge: {reason}"),
            )
        };
        match auth::challenge(first.status, &first.headers) {
            Ok(Challenge::None) => Ok(first),
            Ok(Challenge::Digest) => {
                let answer = auth::digest_authorization(&request, &first.headers, public, private)
                    .map_err(|e| unusable(e.to_string()))?;
                self.send(auth::with_authorization(request, answer)).await
            }
            Err(reason) => Err(unusable(reason)),
        }
    }

    /// Sends one request and reads its whole body.
    async fn send(&self, request: reqwest::Request) -> Result<CommandResponse, Failure> {
        let what = describe(&request);
        if let Some(dumper) = &self.dumper {
            dump(&dumper.request(&request, &user_agent()));
        }
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| self.failure(&what, &e, false))?;
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.failure(&what, &e, true))?;
        if let Some(dumper) = &self.dumper {
            dump(&dumper.response(version, status, &headers, &body));
        }
        Ok(CommandResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }

    fn failure(&self, what: &str, error: &reqwest::Error, reading_body: bool) -> Failure {
        let (resend, cause) = if error.is_timeout() {
            let secs = if error.is_connect() {
                CONNECT_TIMEOUT.as_secs()
            } else {
                self.timeout_secs
            };
            (Resend::Never, format!("timed out after {secs}s"))
        } else if reading_body {
            (Resend::IfIdempotent, DROPPED.to_string())
        } else {
            network_cause(error)
        };
        Failure::new(resend, what, cause)
    }
}

fn dump(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
}

/// `POST http://…/apiKeys`: how a request is named in errors and warnings.
pub fn describe(request: &reqwest::Request) -> String {
    format!("{} {}", request.method(), request.url())
}

fn user_agent() -> String {
    format!(
        "atlas/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

//! The only network code: builds the HTTP client and sends the command's request — one exchange (a
//! request, or the two legs of a digest handshake, or one leg answering a digest challenge
//! remembered from an earlier run, "Repeat calls in one round trip"), retried by the rules of
//! README "Retries" — returning the final status and body.
//!
//! Network failures become one line naming the method, the URL and the cause ("Network failures");
//! each retry prints one warning line; `--debug` dumps every request and response, redacted
//! ("-D/--debug"). Redirects are never followed and no body is read
//! past 64 MiB ("Bounded by design").

use std::time::Duration;

use anyhow::{Result, anyhow};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::api::response::CommandResponse;
use crate::support::secret::Secret;
use crate::support::warnings::Warnings;
use crate::transport::challenge_cache::ChallengeCache;
use crate::transport::digest::{self, Challenge};
use crate::transport::dump::Dumper;
use crate::transport::network_error::{Failure, body_cause, error_chain_text, network_cause};
use crate::transport::proxy::ProxySettings;
use crate::transport::retry::{
    MAX_RETRIES, Policy, Resend, backoff, retry_after, should_retry_failure, should_retry_status,
};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How one attempt is signed.
#[derive(Clone, Copy)]
pub enum Signing<'a> {
    None,
    /// The public and private key, and where the last challenge is remembered ("Repeat calls in one
    /// round trip").
    Digest(&'a str, &'a Secret<String>, Option<&'a ChallengeCache>),
    Bearer(&'a Secret<String>),
}

/// Sends requests: one client, its timeouts, retries and dumps.
pub struct Executor {
    client: reqwest::Client,
    proxies: ProxySettings,
    timeout_secs: u64,
    dumper: Option<Dumper>,
    warnings: Warnings,
}

impl Executor {
    /// `https` says whether TLS will be needed: the OS trust store is loaded only then.
    pub fn new(
        timeout_secs: u64,
        proxies: ProxySettings,
        https: bool,
        dumper: Option<Dumper>,
        warnings: Warnings,
    ) -> Result<Executor> {
        // One process-wide TLS provider; a second install attempt is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(Duration::from_secs(timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        if !https {
            builder = builder.tls_certs_only(Vec::new());
        } else if let Some(roots) =
            crate::transport::trust_roots::from_environment(|name| std::env::var_os(name))?
        {
            // "Bounded by design": the files the variables name are read here, within bounds.
            if roots.is_empty() {
                return Err(anyhow!(
                    "cannot load TLS trust roots: No CA certificates were loaded from the system (looked at SSL_CERT_FILE, SSL_CERT_DIR and the system store)"
                ));
            }
            builder = builder.tls_certs_only(roots);
        }
        if !proxies.is_empty() {
            let for_client = proxies.clone();
            builder = builder.proxy(reqwest::Proxy::custom(move |url| for_client.proxy_for(url)));
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
            proxies,
            timeout_secs,
            dumper,
            warnings,
        })
    }

    /// Where this run's warnings go (the layers above write theirs there too).
    pub fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    /// Sends the request, retrying as the policy allows; the last answer or failure is the
    /// result.
    pub async fn send(
        &self,
        request: reqwest::Request,
        signing: Signing<'_>,
        policy: Policy,
    ) -> Result<CommandResponse> {
        let answer = self
            .send_unless(request, signing, policy, &|| false)
            .await?;
        Ok(answer.expect("never given up without a reason"))
    }

    /// As [`Executor::send`], but before and after each wait for a retry `given_up` is asked
    /// whether the answer is still needed (a parallel run may have fetched the token
    /// meanwhile, "Many runs at once"); `Ok(None)` when it was not.
    pub async fn send_unless(
        &self,
        request: reqwest::Request,
        signing: Signing<'_>,
        policy: Policy,
        given_up: &dyn Fn() -> bool,
    ) -> Result<Option<CommandResponse>> {
        let method = request.method().clone();
        let mut retry = 0;
        loop {
            let attempt = request
                .try_clone()
                .ok_or_else(|| anyhow!("the request body cannot be sent twice"))?;
            // "Repeat calls in one round trip": only the first attempt may answer a remembered
            // challenge; retries start unauthenticated ("Retries").
            let outcome = self.exchange(attempt, signing, retry == 0, policy).await;
            let reason = match &outcome {
                Ok(response) if should_retry_status(response.status, &method, policy) => {
                    response.status_line()
                }
                Err(failure) if should_retry_failure(failure.resend, &method, policy) => {
                    failure.cause.clone()
                }
                _ => return outcome.map(Some).map_err(anyhow::Error::new),
            };
            if retry == MAX_RETRIES {
                return outcome.map(Some).map_err(anyhow::Error::new);
            }
            if given_up() {
                return Ok(None);
            }
            retry += 1;
            let retry_after = outcome.as_ref().ok().and_then(|r| retry_after(&r.headers));
            let wait = retry_after.unwrap_or_else(|| backoff(retry));
            self.warnings.line(&format!(
                "warning: {}: {reason}, retrying in {:.1}s (retry {retry} of {MAX_RETRIES})",
                describe(&request),
                wait.as_secs_f64()
            ));
            tokio::time::sleep(wait).await;
            if given_up() {
                return Ok(None);
            }
        }
    }

    /// One complete exchange: for digest, the unauthenticated leg (or, on a first attempt, one
    /// answering a challenge remembered within 30 s with its next `nc`, "Repeat calls in one round
    /// trip"), then (on a challenge) the signed one, whose answer is final; for a bearer token, one
    /// request.
    async fn exchange(
        &self,
        request: reqwest::Request,
        signing: Signing<'_>,
        first_attempt: bool,
        policy: Policy,
    ) -> Result<CommandResponse, Failure> {
        let what = describe(&request);
        let (public, private, cache) = match signing {
            Signing::None => return self.send_once(request, policy).await,
            Signing::Bearer(token) => {
                let signed = digest::with_bearer(request, token)
                    .map_err(|reason| Failure::new(Resend::Never, &what, reason))?;
                return self.send_once(signed, policy).await;
            }
            Signing::Digest(public, private, cache) => (public, private, cache),
        };
        let first_leg = request.try_clone().ok_or_else(|| {
            Failure::new(
                Resend::Never,
                &what,
                "the request body cannot be sent twice".into(),
            )
        })?;
        let reused = cache
            .filter(|_| first_attempt)
            .and_then(|cache| cache.take_next(&self.warnings))
            .and_then(|reuse| {
                let answer = digest::digest_authorization(
                    &request,
                    &reuse.challenge,
                    reuse.nc,
                    public,
                    private,
                );
                // A remembered challenge that cannot be answered is forgotten.
                if let (Err(_), Some(cache)) = (&answer, cache) {
                    cache.forget();
                }
                Some((reuse.nc, answer.ok()?))
            });
        let reusing = reused.is_some();
        let first_leg = match reused {
            Some((nc, answer)) => {
                if self.dumper.is_some() {
                    self.warnings
                        .line(&format!("* reusing digest challenge, nc={nc:08x}"));
                }
                digest::with_authorization(first_leg, answer)
            }
            None => first_leg,
        };
        let first = self.send_once(first_leg, policy).await?;
        let unusable = |reason: String| {
            Failure::new(
                Resend::Never,
                &what,
                format!("unsupported digest challenge: {reason}"),
            )
        };
        match digest::challenge(first.status, &first.headers) {
            Ok(Challenge::None) => {
                // A remembered challenge refused without a new one is not tried again.
                if reusing
                    && first.status == StatusCode::UNAUTHORIZED
                    && let Some(cache) = cache
                {
                    cache.forget();
                }
                Ok(first)
            }
            Ok(Challenge::Digest(fresh)) => {
                // Unauthenticated, or a remembered challenge refused (stale or not): the
                // fresh challenge is answered, and replaces the remembered one. The body of
                // a POST or PATCH goes again: a 401 was not processed.
                let received = std::time::SystemTime::now();
                let answer = digest::digest_authorization(&request, &fresh, 1, public, private)
                    .map_err(unusable)?;
                let response = self
                    .send_once(digest::with_authorization(request, answer), policy)
                    .await?;
                // Remembered only once its nc 1 has been answered, so that a parallel run
                // reusing it sends a later nc after this one, never before; and only when the
                // answer was accepted.
                if let Some(cache) = cache {
                    match response.status {
                        StatusCode::UNAUTHORIZED => cache.forget(),
                        _ => cache.remember(&fresh, received, &self.warnings),
                    }
                }
                Ok(response)
            }
            Err(reason) => Err(unusable(reason)),
        }
    }

    /// Sends one request and reads its whole body (at most [`MAX_BODY`] bytes after decoding, into
    /// one buffer). A 3xx answer is a failure: redirects are never followed ("Redirects are not
    /// followed"). Nothing is sent once an interrupt is ending the run; an interrupt while a POST
    /// is on its way waits for its answer. An API call's successful answer is handed to the
    /// interrupt watcher the moment it is read (before a `-D` dump that may block on a full
    /// stderr), so that an interrupt from then on saves a created key instead of losing it.
    async fn send_once(
        &self,
        request: reqwest::Request,
        policy: Policy,
    ) -> Result<CommandResponse, Failure> {
        let what = describe(&request);
        self.proxies
            .check(request.url())
            .map_err(|reason| Failure::new(Resend::Never, &what, reason))?;
        crate::support::interrupt::before_sending();
        // A POST's answer may hold a new private key: an interrupt waits for it.
        let window =
            (policy == Policy::Api && request.method() == reqwest::Method::POST).then(|| {
                crate::support::interrupt::AnswerWindow::open(
                    &what,
                    Duration::from_secs(self.timeout_secs),
                )
            });
        if let Some(dumper) = &self.dumper {
            self.warnings.text(&dumper.request(&request, &user_agent()));
        }
        let headers_sent = request.headers().clone();
        let proxy_host = self.proxies.proxy_host_for(request.url());
        let mut response = self.client.execute(request).await.map_err(|e| {
            match &proxy_host {
                // Through a proxy, the name this machine resolves is the proxy's.
                Some(host) if e.is_dns() && !e.is_timeout() => Failure::new(
                    Resend::Never,
                    &what,
                    format!("cannot resolve proxy host {host:?}"),
                ),
                _ => self.failure(&what, &e, false),
            }
        })?;
        let status = response.status();
        let version = response.version();
        let headers = std::mem::take(response.headers_mut());
        if status.is_redirection() {
            if let Some(dumper) = &self.dumper {
                self.warnings
                    .text(&dumper.response(version, status, &headers, &[]));
            }
            return Err(Failure::new(
                Resend::Never,
                &what,
                redirect_cause(status, &headers),
            ));
        }
        // A successful binary answer is streamed by the caller, never held whole.
        if policy == Policy::Api && status.is_success() && asks_binary(&headers_sent) {
            drop(window);
            *response.headers_mut() = headers.clone();
            return Ok(CommandResponse {
                status,
                headers,
                body: Vec::new(),
                stream: Some(response),
            });
        }
        let too_large = || Failure::new(Resend::Never, &what, TOO_LARGE.to_string());
        let announced = response.content_length().unwrap_or(0);
        if announced > MAX_BODY as u64 {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(announced as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.failure(&what, &e, true))?
        {
            if chunk.len() > MAX_BODY - body.len() {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if policy == Policy::Api && status.is_success() {
            crate::support::interrupt::answer_arrived(&body);
        }
        drop(window);
        if let Some(dumper) = &self.dumper {
            self.warnings
                .text(&dumper.response(version, status, &headers, &body));
        }
        Ok(CommandResponse {
            status,
            headers,
            body,
            stream: None,
        })
    }

    /// Writes a streamed answer's body with `write` as it arrives (no size limit: it is never
    /// held), then `-D`'s dump of the answer with `[<n> bytes of <content type>]` for a body.
    /// A failure of the connection is this module's words; a failure of `write` is returned
    /// as it is.
    pub async fn stream_body(
        &self,
        what: &str,
        mut response: reqwest::Response,
        write: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let mut length: u64 = 0;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| anyhow::Error::new(self.failure(what, &e, true)))?
        {
            write(&chunk)?;
            length += chunk.len() as u64;
        }
        if let Some(dumper) = &self.dumper {
            let kind = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_else(|| "unknown type".to_string());
            let placeholder = format!("[{length} bytes of {kind}]");
            self.warnings.text(&dumper.response(
                response.version(),
                response.status(),
                response.headers(),
                placeholder.as_bytes(),
            ));
        }
        Ok(())
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
            body_cause(error)
        } else {
            network_cause(error)
        };
        Failure::new(resend, what, cause)
    }
}

/// True when the request asks for a binary answer (`Accept: …+gzip` or `…+csv`): streamed,
/// never decoded, never held whole.
fn asks_binary(headers: &HeaderMap) -> bool {
    headers
        .get(reqwest::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.ends_with("+gzip") || accept.ends_with("+csv"))
}

/// The most a response body may hold after decoding ("Bounded by design").
pub const MAX_BODY: usize = 64 * 1024 * 1024;

const TOO_LARGE: &str = "response larger than 64 MiB";

/// `redirected to <location>, not followed` (the location as given, without any
/// `user:password@`, cut at 200 characters), or `<status line>, not followed` without one.
fn redirect_cause(status: StatusCode, headers: &HeaderMap) -> String {
    match headers.get(reqwest::header::LOCATION) {
        Some(location) => {
            let location = String::from_utf8_lossy(location.as_bytes());
            let location = crate::transport::redact::without_userinfo(&location);
            format!(
                "redirected to {}, not followed",
                crate::support::quote::shorten(&location)
            )
        }
        None => format!(
            "{}, not followed",
            crate::api::response::status_line(status)
        ),
    }
}

/// `POST http://…/apiKeys`: how a request is named in errors and warnings.
pub fn describe(request: &reqwest::Request) -> String {
    format!("{} {}", request.method(), shown_url(request.url()))
}

/// A URL as messages show it: without any `user:password@` a base URL may carry.
pub fn shown_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

fn user_agent() -> String {
    format!(
        "atlas/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_never_show_url_credentials() {
        let request = reqwest::Request::new(
            reqwest::Method::GET,
            "http://user:s3cret@h:1/api?x=1".parse().unwrap(),
        );
        assert_eq!(super::describe(&request), "GET http://h:1/api?x=1");
    }
}

//! The only network code: builds the HTTP client and runs one exchange — a request, or the
//! two legs of a digest handshake — returning the final status and body.
//!
//! Network failures become one line naming the method, the URL and the cause (DECISIONS D12).

use std::error::Error as StdError;
use std::time::Duration;

use anyhow::{Result, anyhow};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::auth::{self, Challenge, Credentials};
use crate::proxy::ProxySettings;

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
}

/// Sends requests with the profile's credentials.
pub struct Executor {
    client: reqwest::Client,
    timeout_secs: u64,
}

impl Executor {
    /// `https` says whether TLS will be needed: the OS trust store is loaded only then.
    pub fn new(timeout_secs: u64, proxies: ProxySettings, https: bool) -> Result<Executor> {
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
        let client = builder
            .build()
            .map_err(|e| anyhow!("cannot set up the HTTP client: {e}"))?;
        Ok(Executor {
            client,
            timeout_secs,
        })
    }

    /// One complete exchange: for digest credentials the unauthenticated leg, then (on a
    /// challenge) the signed one, whose answer is final.
    pub async fn execute(
        &self,
        request: reqwest::Request,
        credentials: &Credentials,
    ) -> Result<CommandResponse> {
        let Credentials::ApiKeys { public, private } = credentials else {
            return self.send(request).await;
        };
        let first_leg = request
            .try_clone()
            .ok_or_else(|| anyhow!("the request body cannot be sent twice"))?;
        let first = self.send(first_leg).await?;
        match auth::challenge(first.status, &first.headers) {
            Ok(Challenge::None) => Ok(first),
            Ok(Challenge::Digest) => {
                let answer = auth::digest_authorization(&request, &first.headers, public, private)
                    .map_err(|e| anyhow!("{}: {e}", describe(&request)))?;
                self.send(auth::with_authorization(request, answer)).await
            }
            Err(reason) => Err(anyhow!(
                "{}: unsupported digest challenge: {reason}",
                describe(&request)
            )),
        }
    }

    /// Sends one request and reads its whole body.
    async fn send(&self, request: reqwest::Request) -> Result<CommandResponse> {
        let what = describe(&request);
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| anyhow!("{what}: {}", self.cause(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| anyhow!("{what}: {}", self.body_cause(&e)))?;
        Ok(CommandResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }

    fn cause(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            let secs = if error.is_connect() {
                CONNECT_TIMEOUT.as_secs()
            } else {
                self.timeout_secs
            };
            return format!("timed out after {secs}s");
        }
        network_cause(error)
    }

    fn body_cause(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!("timed out after {}s", self.timeout_secs);
        }
        "connection closed before the response was complete".to_string()
    }
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

/// The cause of a failure to get a response, in the words of DECISIONS D12.
fn network_cause(error: &reqwest::Error) -> String {
    let chain = error_chain(error);
    let host = error
        .url()
        .and_then(|u| u.host_str())
        .unwrap_or_default()
        .to_string();
    if let Some(tls) = chain.iter().find_map(|e| tls_cause(*e, &host)) {
        return tls;
    }
    for e in &chain {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".to_string(),
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe => {
                    return "connection closed before the response was complete".to_string();
                }
                _ => {}
            }
        }
    }
    let text: Vec<String> = chain.iter().map(|e| e.to_string()).collect();
    if text
        .iter()
        .any(|t| t.contains("dns error") || t.contains("lookup address"))
    {
        return format!("cannot resolve host {host:?}");
    }
    if error.is_request() || text.iter().any(|t| t.contains("connection closed")) {
        return "connection closed before the response was complete".to_string();
    }
    text.last().cloned().unwrap_or_else(|| error.to_string())
}

fn tls_cause(error: &(dyn StdError + 'static), host: &str) -> Option<String> {
    let io = error.downcast_ref::<std::io::Error>()?;
    let rustls_error = io.get_ref()?.downcast_ref::<rustls::Error>()?;
    let text = match rustls_error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. } => {
                "TLS: certificate expired".to_string()
            }
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. } => {
                format!("TLS: certificate not valid for {host:?}")
            }
            rustls::CertificateError::UnknownIssuer => {
                "TLS: certificate signed by unknown authority".to_string()
            }
            other => format!("TLS: invalid certificate: {other:?}"),
        },
        other => format!("TLS: {other}"),
    };
    Some(text)
}

fn error_chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut chain = vec![error];
    let mut current = error.source();
    while let Some(e) = current {
        chain.push(e);
        current = e.source();
    }
    chain
}

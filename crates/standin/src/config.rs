//! Configuration of a stand-in: which authentication it demands and which org/project exist.

use std::time::Duration;

use crate::{GROUP_ID, ORG_ID, PRIVATE_KEY, PUBLIC_KEY};

/// Hash algorithm announced in the digest challenge and used to verify answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `algorithm=MD5` (what Atlas announces).
    Md5,
    /// `algorithm=SHA-256` (RFC 7616).
    Sha256,
}

impl Algorithm {
    /// The token used in the `algorithm` parameter.
    pub fn token(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }
}

/// How requests must authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// HTTP digest (RFC 7616) with the given credentials, as Atlas API keys do.
    Digest {
        public_key: String,
        private_key: String,
        algorithm: Algorithm,
        /// `Some("auth")` to announce `qop="auth"`, `None` for the RFC 2069 form.
        qop: Option<String>,
    },
    /// Every request is allowed.
    None,
    /// `Authorization: Bearer <token>` must match.
    Bearer { token: String },
    /// Service-account client credentials: `POST /api/oauth/token` issues bearer tokens that
    /// last `expires_in` seconds (`None`: the answer has no `expires_in`, tokens never expire).
    ServiceAccount {
        client_id: String,
        client_secret: String,
        expires_in: Option<u64>,
    },
    /// User login: `access_token` (and any token the refresh endpoint issues) is accepted;
    /// `refresh_token` may be exchanged for new ones, each access token lasting `expires_in`.
    UserAccount {
        access_token: String,
        refresh_token: String,
        expires_in: u64,
    },
}

impl Default for Auth {
    fn default() -> Self {
        Auth::Digest {
            public_key: PUBLIC_KEY.to_string(),
            private_key: PRIVATE_KEY.to_string(),
            algorithm: Algorithm::Md5,
            qop: Some("auth".to_string()),
        }
    }
}

/// Everything [`crate::StandIn::start`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub auth: Auth,
    /// The only organization that exists; any other id gets a 404 `ORG_NOT_FOUND`.
    pub org_id: String,
    /// The only project that exists; any other id gets a 404 `GROUP_NOT_FOUND`.
    pub group_id: String,
    /// Start with two keys (one org key with an access-list entry, one project key).
    pub seed_keys: bool,
    /// How the token and refresh endpoints behave under load.
    pub tokens: TokenEndpoint,
    /// How long digest nonces live and whether their `nc` must grow.
    pub nonces: NonceRules,
    /// Keep each request's body in [`crate::StandIn::requests`] (off for benchmarks that send
    /// bodies of a hundred megabytes; the count of requests is kept either way).
    pub record_bodies: bool,
    /// The largest request body read (a larger one gets a 400); 64 MiB unless a benchmark
    /// sends more.
    pub max_body: usize,
    /// Each authenticated API request is carried out at once and answered this much later:
    /// a created key exists on the server while its answer is on the way.
    pub answer_delay: Duration,
}

/// The digest nonces' manners: Atlas' are not documented, so tests choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceRules {
    /// A nonce answered after this long is refused with a fresh challenge saying
    /// `stale=true` (`None`: nonces never expire).
    pub lifetime: Option<Duration>,
    /// Each right answer must carry an `nc` above every `nc` its nonce was answered with
    /// before; a replayed or lower one is refused with a fresh challenge.
    pub check_nc: bool,
}

impl Default for NonceRules {
    fn default() -> Self {
        NonceRules {
            lifetime: None,
            check_nc: true,
        }
    }
}

/// The token and refresh endpoints' manners, for tests of many runs at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenEndpoint {
    /// Each token or refresh request is answered after this many milliseconds.
    pub delay_ms: u64,
    /// At most this many tokens a minute (Atlas allows 10 per client); past it, 429 with
    /// `Retry-After: 1`.
    pub per_minute: Option<usize>,
    /// A refresh token works once; presenting a spent one again revokes every token of the
    /// login (reuse detection, as identity providers do).
    pub single_use_refresh: bool,
    /// Each rotated refresh token is this many bytes longer than usual (`x`s appended), for
    /// tests of a client's bound on what it saves.
    pub refresh_token_padding: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            auth: Auth::default(),
            org_id: ORG_ID.to_string(),
            group_id: GROUP_ID.to_string(),
            seed_keys: false,
            tokens: TokenEndpoint::default(),
            nonces: NonceRules::default(),
            record_bodies: true,
            max_body: crate::http::MAX_BODY,
            answer_delay: Duration::ZERO,
        }
    }
}

//! The authentication gate in front of the routes: deciding whether a request carries valid
//! credentials for the configured [`Auth`], and building the 401 that asks for them.

use std::sync::Mutex;

use crate::ERROR_CONTENT_TYPE;
use crate::atlas_error::{AtlasError, UNAUTHORIZED_BODY};
use crate::config::{Auth, NonceRules};
use crate::digest::{self, Expected, NonceBook, NonceUse};
use crate::http::Response;
use crate::oauth::TokenBook;
use crate::random;
use crate::recorded::Recorded;

/// What the gate decided about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Refuse,
    /// A right digest answer to an expired nonce: refused with `stale=true`.
    Stale,
}

/// Whether `req` may pass. A right digest answer is counted against its nonce (its `nc`
/// must grow when the rules check it), so the same answer does not pass twice.
pub fn verdict(
    auth: &Auth,
    rules: &NonceRules,
    nonces: &Mutex<NonceBook>,
    tokens: &Mutex<TokenBook>,
    req: &Recorded,
) -> Verdict {
    let Auth::Digest {
        public_key,
        private_key,
        algorithm,
        qop,
    } = auth
    else {
        return match bearer_passes(auth, tokens, req) {
            true => Verdict::Pass,
            false => Verdict::Refuse,
        };
    };
    let Some(header) = req.header("authorization") else {
        return Verdict::Refuse;
    };
    let expected = Expected {
        username: public_key,
        password: private_key,
        algorithm: *algorithm,
        qop: qop.as_deref(),
    };
    let mut book = nonces.lock().unwrap_or_else(|e| e.into_inner());
    let Some(answered) = digest::verified(&expected, &req.method, &req.target, header, |n| {
        book.contains(n)
    }) else {
        return Verdict::Refuse;
    };
    match book.accept(&answered, rules.lifetime, rules.check_nc) {
        NonceUse::Fresh => Verdict::Pass,
        NonceUse::Expired => Verdict::Stale,
        NonceUse::Replayed | NonceUse::Unknown => Verdict::Refuse,
    }
}

/// True when `req` may pass one of the kinds other than digest (no side effects).
fn bearer_passes(auth: &Auth, tokens: &Mutex<TokenBook>, req: &Recorded) -> bool {
    let bearer = || {
        req.header("authorization").and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim().to_string())
        })
    };
    let issued = |token: &str| {
        tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .accepts(token)
    };
    match auth {
        Auth::None => true,
        Auth::ServiceAccount { .. } => bearer().is_some_and(|t| issued(&t)),
        Auth::UserAccount { access_token, .. } => {
            bearer().is_some_and(|t| t == *access_token || issued(&t))
        }
        Auth::Bearer { token } => req.header("authorization").is_some_and(|v| {
            v.split_once(' ').is_some_and(|(scheme, t)| {
                scheme.eq_ignore_ascii_case("bearer") && t.trim() == token
            })
        }),
        Auth::Digest { .. } => false,
    }
}

/// The 401 for a request that did not pass: a fresh digest challenge with Atlas' pretty body
/// (`stale=true` after a right answer to an expired nonce), or an Atlas JSON error for
/// bearer auth.
pub fn unauthorized(auth: &Auth, nonces: &Mutex<NonceBook>, stale: bool) -> Response {
    match auth {
        Auth::Digest { algorithm, qop, .. } => {
            let nonce = random::nonce();
            let value = digest::challenge_with(*algorithm, qop.as_deref(), &nonce, stale);
            nonces
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .issue(nonce);
            Response::new(401, Some(ERROR_CONTENT_TYPE), UNAUTHORIZED_BODY)
                .with_header("Www-Authenticate", &value)
        }
        Auth::Bearer { .. }
        | Auth::ServiceAccount { .. }
        | Auth::UserAccount { .. }
        | Auth::None => {
            let error = AtlasError::unauthorized();
            Response::new(401, Some(ERROR_CONTENT_TYPE), error.to_json().to_string())
                .with_header("Www-Authenticate", "Bearer realm=\"MMS Public API\"")
                .with_header("X-Error-Code", error.code)
        }
    }
}

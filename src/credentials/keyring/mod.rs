//! The OS keyring, where the Go CLI keeps a profile's six secrets when the machine has one
//! (DECISIONS D22): service `atlascli_<profile>`, account = the property's name, read the way
//! zalando/go-keyring wrote it on each platform.
//!
//! It is asked only by a command about to send a request, only for the chosen profile and
//! only for the secrets no environment variable gives. Every keyring call of a run together
//! gets at most two seconds; no keyring, a locked item, a timeout or any error is a miss, and
//! the file is used, silently. Nothing is ever written, except tokens a refresh rotated, back
//! to the items they were read from.

pub mod decode;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(all(unix, not(target_os = "macos")))]
mod secret_service;
#[cfg(windows)]
mod windows;

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::config::Profile;
use crate::support::secret::Secret;

#[cfg(target_os = "macos")]
type Platform = macos::Keychain;
#[cfg(all(unix, not(target_os = "macos")))]
type Platform = secret_service::SecretService;
#[cfg(windows)]
type Platform = windows::CredentialManager;

/// The time all keyring calls of one run may take together.
pub const BUDGET: Duration = Duration::from_secs(2);

/// One platform's keyring, as go-keyring uses it.
trait Backend: Sized {
    /// Connects, or says there is no keyring to ask.
    async fn open() -> Option<Self>;
    /// The values stored for `accounts` under `service`, in their order; `None` for one
    /// that is absent, locked or unreadable.
    async fn get(&mut self, service: &str, accounts: &[&str]) -> Vec<Option<Secret<String>>>;
    /// Replaces the value of the item that `get` found for `account`.
    async fn set(&mut self, service: &str, account: &str, value: &Secret<String>) -> Result<()>;
}

/// The keyring as one run sees it: opened on first use, with what is left of the budget.
pub struct Keyring {
    service: String,
    state: tokio::sync::Mutex<State>,
}

enum State {
    /// Not asked yet.
    Unopened { budget: Duration },
    /// Connected, with what is left of the budget.
    Open {
        backend: Box<Platform>,
        budget: Duration,
    },
    /// No keyring, a failure, or the budget spent: every later call is a miss.
    Gone,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("service", &self.service)
            .finish()
    }
}

impl Keyring {
    /// The keyring entries of `profile` (its name as chosen, lower-cased).
    pub fn for_profile(profile: &str) -> Keyring {
        Keyring::with_budget(profile, BUDGET)
    }

    /// A keyring that is never asked (for runs and tests that must not touch one).
    pub fn none() -> Keyring {
        Keyring {
            service: String::new(),
            state: tokio::sync::Mutex::new(State::Gone),
        }
    }

    fn with_budget(profile: &str, budget: Duration) -> Keyring {
        Keyring {
            service: decode::service_name(profile),
            state: tokio::sync::Mutex::new(State::Unopened { budget }),
        }
    }

    /// Lays the keyring's values for the secrets the environment did not give over the
    /// profile's file values.
    pub async fn fill(&self, profile: &mut Profile) {
        let keys = profile.secrets_to_look_up();
        for (key, value) in keys.iter().zip(self.get_all(&keys).await) {
            if let Some(value) = value {
                profile.set_from_keyring(key, value.expose().clone());
            }
        }
    }

    /// The value stored for `account` now (read again on every call).
    pub async fn get(&self, account: &str) -> Option<Secret<String>> {
        self.get_all(&[account]).await.pop().flatten()
    }

    /// The values stored for `accounts` now, in their order.
    async fn get_all(&self, accounts: &[&str]) -> Vec<Option<Secret<String>>> {
        if accounts.is_empty() {
            return Vec::new();
        }
        let mut state = self.state.lock().await;
        match state.call(&self.service, Op::Get(accounts)).await {
            Some(Outcome::Got(values)) if values.len() == accounts.len() => values,
            _ => accounts.iter().map(|_| None).collect(),
        }
    }

    /// Writes `value` to the item `account` was read from.
    pub async fn set(&self, account: &str, value: &Secret<String>) -> Result<()> {
        let mut state = self.state.lock().await;
        match state.call(&self.service, Op::Set(account, value)).await {
            Some(Outcome::Set(result)) => result,
            _ => Err(anyhow!("the keyring did not answer in time")),
        }
    }
}

/// One keyring call.
enum Op<'v> {
    Get(&'v [&'v str]),
    Set(&'v str, &'v Secret<String>),
}

enum Outcome {
    Got(Vec<Option<Secret<String>>>),
    Set(Result<()>),
}

impl State {
    /// Runs one call on the open backend within what is left of the budget; `None` when
    /// there is no keyring or the budget ran out (then there is none for the rest of the run).
    async fn call(&mut self, service: &str, op: Op<'_>) -> Option<Outcome> {
        let started = Instant::now();
        if let State::Unopened { budget } = *self {
            *self = match tokio::time::timeout(budget, Platform::open()).await {
                Ok(Some(backend)) => State::Open {
                    backend: Box::new(backend),
                    budget: budget.saturating_sub(started.elapsed()),
                },
                _ => State::Gone,
            };
        }
        let State::Open { backend, budget } = self else {
            return None;
        };
        let started = Instant::now();
        let work = async {
            match op {
                Op::Get(accounts) => Outcome::Got(backend.get(service, accounts).await),
                Op::Set(account, value) => Outcome::Set(backend.set(service, account, value).await),
            }
        };
        let outcome = tokio::time::timeout(*budget, work).await.ok();
        *budget = budget.saturating_sub(started.elapsed());
        if outcome.is_none() || budget.is_zero() {
            *self = State::Gone;
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_is_never_asked() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let keyring = Keyring::none();
        runtime.block_on(async {
            assert!(keyring.get("public_api_key").await.is_none());
            let written = keyring.set("access_token", &Secret::new("x".into())).await;
            assert!(written.is_err());
        });
    }
}

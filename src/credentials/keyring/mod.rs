//! The OS keyring, where the Go CLI keeps a profile's six secrets when the machine has one (README
//! "Where credentials are looked for"): service `atlascli_<profile>`, account = the property's
//! name, read the way zalando/go-keyring wrote it: the Secret Service on the D-Bus session bus
//! (Linux, built and tested; other Unix systems should work, untested; Windows and macOS are not
//! supported).
//!
//! It is asked only by a command about to send a request, only for the chosen profile and
//! only for the secrets no environment variable gives. Every keyring call of a run together
//! gets at most two seconds; no keyring, a locked item, a timeout or any error is a miss, and
//! the file is used, silently. Nothing is ever written, except tokens a refresh rotated, back
//! to the items they were read from.

mod secret_service;

use std::time::Duration;

use tokio::time::Instant;

use anyhow::{Result, anyhow, bail};

use crate::config::Profile;
use crate::support::secret::Secret;

/// The one keyring this project reads: the Secret Service (Linux, where it is built and
/// tested; other Unix systems should work, untested).
type Platform = secret_service::SecretService;

/// The time all keyring calls of one run may take together.
pub const BUDGET: Duration = Duration::from_secs(2);

/// The part of the budget reads may not use: what a rotated token needs to be written back.
const WRITE_RESERVE: Duration = Duration::from_millis(500);

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
    state: tokio::sync::Mutex<State<Platform>>,
}

enum State<B> {
    /// Not asked yet.
    Unopened { budget: Duration },
    /// Connected, with what is left of the budget.
    Open { backend: Box<B>, budget: Duration },
    /// No keyring, or it stopped answering: every later call is a miss.
    Gone(Gone),
}

#[derive(Clone, Copy)]
enum Gone {
    /// There is none to ask (no session bus, no keyring service, or none wanted).
    Absent,
    /// It did not answer within the budget.
    TimedOut,
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
        Keyring {
            service: service_name(profile),
            state: tokio::sync::Mutex::new(State::Unopened { budget: BUDGET }),
        }
    }

    /// A keyring that is never asked (for runs and tests that must not touch one).
    pub fn none() -> Keyring {
        Keyring {
            service: String::new(),
            state: tokio::sync::Mutex::new(State::Gone(Gone::Absent)),
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

    /// The values stored for `accounts` now (read again on every call), in their order;
    /// an empty value counts as none.
    pub async fn get_all(&self, accounts: &[&str]) -> Vec<Option<Secret<String>>> {
        let mut state = self.state.lock().await;
        let mut values = state.read(&self.service, accounts).await;
        values.resize_with(accounts.len(), || None);
        values
            .into_iter()
            .map(|value| value.filter(|v| !v.expose().is_empty()))
            .collect()
    }

    /// Writes `value` to the item `account` was read from.
    pub async fn set(&self, account: &str, value: &Secret<String>) -> Result<()> {
        let mut state = self.state.lock().await;
        state.write(&self.service, account, value).await
    }
}

impl<B: Backend> State<B> {
    /// Reads within what is left of the budget but the write reserve; nothing when there is
    /// no keyring. A keyring that does not answer in time is gone for the rest of the run.
    async fn read(&mut self, service: &str, accounts: &[&str]) -> Vec<Option<Secret<String>>> {
        if accounts.is_empty() || !self.opened().await {
            return Vec::new();
        }
        let State::Open { backend, budget } = self else {
            return Vec::new();
        };
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            budget.saturating_sub(WRITE_RESERVE),
            backend.get(service, accounts),
        )
        .await;
        *budget = budget.saturating_sub(started.elapsed());
        outcome.unwrap_or_else(|_| {
            *self = State::Gone(Gone::TimedOut);
            Vec::new()
        })
    }

    /// Writes within what is left of the budget.
    async fn write(&mut self, service: &str, account: &str, value: &Secret<String>) -> Result<()> {
        let State::Open { backend, budget } = self else {
            bail!("{}", self.gone_text());
        };
        let started = Instant::now();
        let outcome = tokio::time::timeout(*budget, backend.set(service, account, value)).await;
        *budget = budget.saturating_sub(started.elapsed());
        outcome.unwrap_or_else(|_| {
            *self = State::Gone(Gone::TimedOut);
            Err(anyhow!("{}", self.gone_text()))
        })
    }

    /// Connects on first use (within the read part of the budget); true when open.
    async fn opened(&mut self) -> bool {
        if let State::Unopened { budget } = *self {
            let started = Instant::now();
            let wait = budget.saturating_sub(WRITE_RESERVE);
            *self = match tokio::time::timeout(wait, B::open()).await {
                Ok(Some(backend)) => State::Open {
                    backend: Box::new(backend),
                    budget: budget.saturating_sub(started.elapsed()),
                },
                Ok(None) => State::Gone(Gone::Absent),
                Err(_) => State::Gone(Gone::TimedOut),
            };
        }
        matches!(self, State::Open { .. })
    }

    fn gone_text(&self) -> &'static str {
        match self {
            State::Gone(Gone::TimedOut) => "the keyring did not answer in time",
            _ => "the keyring is not available",
        }
    }
}

/// The keyring service of a profile, as go-keyring names it: `atlascli_<name, lower-cased>`.
pub fn service_name(profile: &str) -> String {
    format!("atlascli_{}", profile.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// A keyring whose every call takes `DELAY`, holding `value` for every account.
    struct Slow;

    const DELAY: Duration = Duration::from_millis(600);

    impl Backend for Slow {
        async fn open() -> Option<Slow> {
            Some(Slow)
        }
        async fn get(&mut self, _: &str, accounts: &[&str]) -> Vec<Option<Secret<String>>> {
            tokio::time::sleep(DELAY).await;
            accounts
                .iter()
                .map(|a| Some(Secret::new(format!("v-{a}"))))
                .collect()
        }
        async fn set(&mut self, _: &str, _: &str, _: &Secret<String>) -> Result<()> {
            tokio::time::sleep(DELAY).await;
            Ok(())
        }
    }

    #[test]
    fn reads_never_eat_the_write_reserve_and_a_timeout_ends_the_keyring() {
        runtime().block_on(async {
            tokio::time::pause();
            let mut state: State<Slow> = State::Unopened { budget: BUDGET };
            // Two reads fit in the 1.5 s reads may use; the third does not, and the
            // keyring is gone after it.
            for _ in 0..2 {
                let got = state.read("s", &["a"]).await;
                assert_eq!(got.len(), 1);
                assert_eq!(got[0].as_ref().unwrap().expose(), "v-a");
            }
            let State::Open { budget, .. } = &state else {
                panic!("open")
            };
            let spent = BUDGET - *budget;
            assert!(
                spent >= 2 * DELAY && spent < 2 * DELAY + Duration::from_millis(20),
                "{spent:?}"
            );
            // A write may use the reserve: about 800 ms are left, the write takes 600.
            state
                .write("s", "a", &Secret::new("x".into()))
                .await
                .unwrap();
            assert!(state.read("s", &["a"]).await.is_empty(), "200 ms left");
            assert!(matches!(state, State::Gone(Gone::TimedOut)));
            let err = state.write("s", "a", &Secret::new("x".into())).await;
            assert_eq!(
                err.unwrap_err().to_string(),
                "the keyring did not answer in time"
            );
        });
    }

    #[test]
    fn a_write_that_outlasts_the_budget_fails() {
        runtime().block_on(async {
            tokio::time::pause();
            let mut state: State<Slow> = State::Unopened { budget: BUDGET };
            state.read("s", &["a"]).await;
            state.read("s", &["a"]).await;
            let State::Open { budget, .. } = &mut state else {
                panic!("open")
            };
            *budget = Duration::from_millis(300);
            let err = state.write("s", "a", &Secret::new("x".into())).await;
            assert_eq!(
                err.unwrap_err().to_string(),
                "the keyring did not answer in time"
            );
        });
    }

    #[test]
    fn none_is_never_asked() {
        let keyring = Keyring::none();
        runtime().block_on(async {
            assert!(keyring.get_all(&["public_api_key"]).await == [None]);
            let written = keyring.set("access_token", &Secret::new("x".into())).await;
            assert_eq!(
                written.unwrap_err().to_string(),
                "the keyring is not available"
            );
        });
    }

    #[test]
    fn services_are_the_lower_cased_profile() {
        assert_eq!(service_name("Default"), "atlascli_default");
        assert_eq!(service_name("CI-Prod"), "atlascli_ci-prod");
    }
}

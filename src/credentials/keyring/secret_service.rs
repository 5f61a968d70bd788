//! The freedesktop Secret Service over the D-Bus session bus (gnome-keyring, KWallet,
//! KeePassXC), as go-keyring writes to it: items searched by the attributes `service` and
//! `username`. Items are searched in every collection — `login` first, then the `default`
//! alias, then the others by object path — and only unlocked ones are read: nothing here ever
//! unlocks a collection or opens a prompt. Secrets travel in a `plain` session, as go-keyring's
//! do (the bus is the user's own).

use std::collections::HashMap;

use anyhow::{Result, anyhow, bail};
use futures_util::future::join_all;
use zbus::{OwnedObjectPath, OwnedVariant, Variant};

use super::Backend;
use crate::support::secret::Secret;

const DESTINATION: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE: &str = "org.freedesktop.Secret.Service";
const ITEM: &str = "org.freedesktop.Secret.Item";
/// The collection go-keyring writes to.
const LOGIN: &str = "/org/freedesktop/secrets/collection/login";

/// A secret as the Secret Service carries it: session, parameters, value, content type.
type SecretStruct = (OwnedObjectPath, Vec<u8>, Vec<u8>, String);

pub struct SecretService {
    connection: zbus::Connection,
    /// The `plain` session, opened when there is a secret to read.
    session: Option<OwnedObjectPath>,
    /// The item each account was last read from: where a rotated token goes back.
    items: HashMap<String, OwnedObjectPath>,
}

impl Backend for SecretService {
    /// Connects to the session bus and checks that a keyring runs on it: one that does not
    /// is not started (the bus could start one on demand — a side effect, maybe a dialog).
    async fn open() -> Option<SecretService> {
        let address = std::env::var_os("DBUS_SESSION_BUS_ADDRESS");
        if address.is_some_and(|a| !nonce_files_are_small(&a.to_string_lossy())) {
            return None;
        }
        let connection = zbus::Connection::session().await.ok()?;
        let reply = connection
            .call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "NameHasOwner",
                &(DESTINATION,),
            )
            .await
            .ok()?;
        if !reply.body().deserialize::<bool>().ok()? {
            return None;
        }
        Some(SecretService {
            connection,
            session: None,
            items: HashMap::new(),
        })
    }

    /// The searches go out at once; only when one finds something are a session opened (and
    /// the `default` alias read, if an account has several candidates), then every candidate
    /// read in one call.
    async fn get(&mut self, service: &str, accounts: &[&str]) -> Vec<Option<Secret<String>>> {
        let searches = accounts.iter().map(|account| self.search(service, account));
        let candidates: Vec<Vec<OwnedObjectPath>> = join_all(searches).await;
        let mut values: Vec<Option<Secret<String>>> = accounts.iter().map(|_| None).collect();
        if candidates.iter().all(Vec::is_empty) {
            return values;
        }
        let several = candidates.iter().any(|found| found.len() > 1);
        let alias = async {
            match several {
                true => self.default_collection().await,
                false => None,
            }
        };
        let (session, default) = futures_util::future::join(self.session(), alias).await;
        let Some(session) = session else {
            return values;
        };
        let all: Vec<&OwnedObjectPath> = candidates.iter().flatten().collect();
        let secrets = self.secrets(&all, &session).await;
        self.session = Some(session);
        for ((account, found), value) in accounts.iter().zip(candidates).zip(&mut values) {
            let chosen = preferred(found, default.as_deref())
                .into_iter()
                .find_map(|item| {
                    let text = secrets
                        .get(&item)
                        .and_then(|(_, _, bytes, _)| String::from_utf8(bytes.clone()).ok())?;
                    Some((item, text))
                });
            if let Some((item, text)) = chosen {
                self.items.insert(account.to_string(), item);
                *value = Some(Secret::new(text));
            }
        }
        values
    }

    async fn set(&mut self, _service: &str, account: &str, value: &Secret<String>) -> Result<()> {
        let (Some(item), Some(session)) = (self.items.get(account), &self.session) else {
            bail!("no keyring item was read for {account}");
        };
        let secret: SecretStruct = (
            session.clone(),
            Vec::new(),
            value.expose().as_bytes().to_vec(),
            "text/plain; charset=utf8".to_string(),
        );
        self.connection
            .call_method(
                Some(DESTINATION),
                item.as_str(),
                Some(ITEM),
                "SetSecret",
                &(secret,),
            )
            .await
            .map(drop)
            .map_err(|e| anyhow!("the keyring refused the new {account}: {}", shown(&e)))
    }
}

impl SecretService {
    async fn service_call<B>(&self, method: &str, body: &B) -> zbus::Result<zbus::Message>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        self.connection
            .call_method(Some(DESTINATION), SERVICE_PATH, Some(SERVICE), method, body)
            .await
    }

    /// The unlocked items that have go-keyring's two attributes, in any collection.
    async fn search(&self, service: &str, account: &str) -> Vec<OwnedObjectPath> {
        let attributes = HashMap::from([("service", service), ("username", account)]);
        let Ok(reply) = self.service_call("SearchItems", &(attributes,)).await else {
            return Vec::new();
        };
        reply
            .body()
            .deserialize::<(Vec<OwnedObjectPath>, Vec<OwnedObjectPath>)>()
            .map(|(unlocked, _locked)| unlocked)
            .unwrap_or_default()
    }

    /// The session secrets travel in: the one opened before, else a new `plain` one.
    async fn session(&self) -> Option<OwnedObjectPath> {
        if let Some(session) = &self.session {
            return Some(session.clone());
        }
        let reply = self
            .service_call("OpenSession", &("plain", Variant::from("")))
            .await
            .ok()?;
        let (_, session): (OwnedVariant, OwnedObjectPath) = reply.body().deserialize().ok()?;
        Some(session)
    }

    /// The object path of the collection the `default` alias names, if any.
    async fn default_collection(&self) -> Option<String> {
        let reply = self.service_call("ReadAlias", &("default",)).await.ok()?;
        let path: OwnedObjectPath = reply.body().deserialize().ok()?;
        Some(path.as_str().to_string()).filter(|path| path != "/")
    }

    /// The secrets of `items` (those the service gives; locked ones it leaves out).
    async fn secrets(
        &self,
        items: &[&OwnedObjectPath],
        session: &OwnedObjectPath,
    ) -> HashMap<OwnedObjectPath, SecretStruct> {
        let Ok(reply) = self.service_call("GetSecrets", &(items, session)).await else {
            return HashMap::new();
        };
        reply.body().deserialize().unwrap_or_default()
    }
}

/// Items in the order they are tried: those of `login`, then of the `default` alias's
/// collection, then the rest, each group by object path.
/// The nonce files a bus address names (`nonce-tcp:…,noncefile=<path>`) are all regular files
/// of at most 1 KiB: the bus library reads them whole, so `/dev/zero` or a FIFO there would
/// take the memory or hang ("Bounded by design"). Otherwise: no keyring, silently.
fn nonce_files_are_small(address: &str) -> bool {
    const NONCE_MAX_BYTES: u64 = 1024;
    address
        .split(';')
        .filter_map(|entry| entry.trim().strip_prefix("nonce-tcp:"))
        .flat_map(|pairs| pairs.split(','))
        .filter_map(|pair| pair.strip_prefix("noncefile="))
        .all(|path| {
            let path: std::ffi::OsString =
                std::os::unix::ffi::OsStringExt::from_vec(percent_decoded(path));
            std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= NONCE_MAX_BYTES)
        })
}

/// A D-Bus address value with its `%XX` escapes decoded.
fn percent_decoded(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// A keyring's error as this project shows it: each control character replaced by `?` (the
/// text is the keyring's, not ours: it must not move the cursor or start a line), cut at 200
/// characters ("Messages").
fn shown(error: &zbus::Error) -> String {
    let text: String = error
        .to_string()
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    crate::support::quote::shorten(&text).into_owned()
}

fn preferred(mut items: Vec<OwnedObjectPath>, default: Option<&str>) -> Vec<OwnedObjectPath> {
    let inside = |item: &str, collection: &str| {
        item.strip_prefix(collection)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    let rank = |item: &str| {
        if inside(item, LOGIN) {
            0
        } else if default.is_some_and(|d| inside(item, d)) {
            1
        } else {
            2
        }
    };
    items.sort_by(|a, b| (rank(a.as_str()), a.as_str()).cmp(&(rank(b.as_str()), b.as_str())));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Vec<OwnedObjectPath> {
        list.iter()
            .map(|p| OwnedObjectPath::try_from(*p).unwrap())
            .collect()
    }

    #[test]
    fn only_small_regular_nonce_files_are_read() {
        assert!(nonce_files_are_small("unix:path=/run/user/0/bus"));
        assert!(!nonce_files_are_small(
            "nonce-tcp:host=127.0.0.1,port=1,noncefile=/dev/zero"
        ));
        assert!(!nonce_files_are_small(
            "unix:path=/x;nonce-tcp:host=h,port=1,noncefile=%2fdev%2fzero"
        ));
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("nonce");
        std::fs::write(&small, [7u8; 16]).unwrap();
        let address = format!("nonce-tcp:host=h,port=1,noncefile={}", small.display());
        assert!(nonce_files_are_small(&address));
        std::fs::write(&small, [7u8; 1025]).unwrap();
        assert!(!nonce_files_are_small(&address));
    }

    #[test]
    fn keyring_errors_lose_their_control_characters_and_length() {
        let long = format!("a\nb\x1b[31mc{}", "x".repeat(300));
        let shown = shown(&zbus::Error::Failure(long));
        assert!(shown.contains("a?b?[31mc"), "{shown}");
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert!(
            shown.ends_with('…') && shown.chars().count() == 201,
            "{shown}"
        );
    }

    #[test]
    fn login_first_then_the_default_alias_then_by_path() {
        let items = paths(&[
            "/org/freedesktop/secrets/collection/zeta/1",
            "/org/freedesktop/secrets/collection/kdewallet/7",
            "/org/freedesktop/secrets/collection/alpha/3",
            "/org/freedesktop/secrets/collection/login2/1",
            "/org/freedesktop/secrets/collection/login/9",
            "/org/freedesktop/secrets/collection/login/10",
        ]);
        let order = preferred(
            items.clone(),
            Some("/org/freedesktop/secrets/collection/kdewallet"),
        );
        let names: Vec<&str> = order.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "/org/freedesktop/secrets/collection/login/10",
                "/org/freedesktop/secrets/collection/login/9",
                "/org/freedesktop/secrets/collection/kdewallet/7",
                "/org/freedesktop/secrets/collection/alpha/3",
                "/org/freedesktop/secrets/collection/login2/1",
                "/org/freedesktop/secrets/collection/zeta/1",
            ]
        );
        let without_alias = preferred(items, None);
        assert_eq!(
            without_alias[2].as_str(),
            "/org/freedesktop/secrets/collection/alpha/3"
        );
    }
}

//! The freedesktop Secret Service over the D-Bus session bus (gnome-keyring, KWallet,
//! KeePassXC), as go-keyring writes to it: items with exactly the attributes `service` and
//! `username`. Items are searched in every collection — `login` first, then the `default`
//! alias, then the others by object path — and only unlocked ones are read: nothing here ever
//! unlocks a collection or opens a prompt. Secrets travel in a `plain` session, as go-keyring's
//! do (the bus is the user's own).

use std::collections::HashMap;

use anyhow::{Context, Result};
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
    session: OwnedObjectPath,
    /// The collection the `default` alias names, asked once.
    default: Option<Option<String>>,
    /// The item each account was last read from: where a rotated token goes back.
    items: HashMap<String, OwnedObjectPath>,
}

impl Backend for SecretService {
    async fn open() -> Option<SecretService> {
        let connection = zbus::Connection::session().await.ok()?;
        let reply = connection
            .call_method(
                Some(DESTINATION),
                SERVICE_PATH,
                Some(SERVICE),
                "OpenSession",
                &("plain", Variant::from("")),
            )
            .await
            .ok()?;
        let (_, session): (OwnedVariant, OwnedObjectPath) = reply.body().deserialize().ok()?;
        Some(SecretService {
            connection,
            session,
            default: None,
            items: HashMap::new(),
        })
    }

    async fn get(&mut self, service: &str, account: &str) -> Option<Secret<String>> {
        let attributes = HashMap::from([("service", service), ("username", account)]);
        let reply = self
            .service_call("SearchItems", &(attributes,))
            .await
            .ok()?;
        let (unlocked, _locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) =
            reply.body().deserialize().ok()?;
        if unlocked.is_empty() {
            return None;
        }
        let default = self.default_collection().await;
        for item in preferred(unlocked, default.as_deref()) {
            if let Some(value) = self.secret_of(&item).await {
                self.items.insert(account.to_string(), item);
                return Some(value);
            }
        }
        None
    }

    async fn set(&mut self, _service: &str, account: &str, value: &Secret<String>) -> Result<()> {
        let item = self
            .items
            .get(account)
            .with_context(|| format!("no keyring item was read for {account}"))?;
        let secret: SecretStruct = (
            self.session.clone(),
            Vec::new(),
            value.expose().as_bytes().to_vec(),
            "text/plain".to_string(),
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
            .map_err(|e| anyhow::anyhow!("the keyring refused the new {account}: {e}"))
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

    /// The object path of the collection the `default` alias names, if any.
    async fn default_collection(&mut self) -> Option<String> {
        if self.default.is_none() {
            let named = match self.service_call("ReadAlias", &("default",)).await {
                Ok(reply) => reply
                    .body()
                    .deserialize::<OwnedObjectPath>()
                    .ok()
                    .map(|path| path.as_str().to_string())
                    .filter(|path| path != "/"),
                Err(_) => None,
            };
            self.default = Some(named);
        }
        self.default.clone().flatten()
    }

    /// The item's secret, if it is text.
    async fn secret_of(&self, item: &OwnedObjectPath) -> Option<Secret<String>> {
        let reply = self
            .connection
            .call_method(
                Some(DESTINATION),
                item.as_str(),
                Some(ITEM),
                "GetSecret",
                &(&self.session,),
            )
            .await
            .ok()?;
        let (_, _, value, _): SecretStruct = reply.body().deserialize().ok()?;
        String::from_utf8(value).ok().map(Secret::new)
    }
}

/// Items in the order they are tried: those of `login`, then of the `default` alias's
/// collection, then the rest, each group by object path.
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

//! The in-memory Atlas: organization API keys, their access lists and project assignments,
//! and the resources of other routes that a watched command touched.

use std::net::IpAddr;

use serde_json::{Value, json};

use crate::watch::Watches;
use crate::{clock, random};

/// One role of a key: on the organization (`org_id`) or on a project (`group_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub org_id: Option<String>,
    pub group_id: Option<String>,
    pub role_name: String,
}

impl Role {
    pub fn org(org_id: &str, role_name: &str) -> Role {
        Role {
            org_id: Some(org_id.to_string()),
            group_id: None,
            role_name: role_name.to_string(),
        }
    }

    pub fn group(group_id: &str, role_name: &str) -> Role {
        Role {
            org_id: None,
            group_id: Some(group_id.to_string()),
            role_name: role_name.to_string(),
        }
    }

    /// `{"groupId"|"orgId", "roleName"}` (alphabetical, as recorded).
    pub fn to_json(&self) -> Value {
        match (&self.group_id, &self.org_id) {
            (Some(g), _) => json!({"groupId": g, "roleName": self.role_name}),
            (None, Some(o)) => json!({"orgId": o, "roleName": self.role_name}),
            (None, None) => json!({"roleName": self.role_name}),
        }
    }
}

/// One access-list entry: a normalized CIDR block (`ip` set when it is a single address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub cidr_block: String,
    pub ip_address: Option<String>,
    pub created: String,
    pub count: u64,
}

impl AccessEntry {
    /// An entry from an address (`10.0.0.1`) or a block (`10.0.0.0/8`); `None` if invalid.
    pub fn parse(value: &str) -> Option<AccessEntry> {
        let (addr, prefix) = match value.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, Some(p.parse::<u8>().ok()?))
            }
            None => (value, None),
        };
        let ip: IpAddr = addr.parse().ok()?;
        let full = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(full);
        if prefix > full {
            return None;
        }
        Some(AccessEntry {
            cidr_block: format!("{ip}/{prefix}"),
            ip_address: (prefix == full).then(|| ip.to_string()),
            created: clock::now_iso8601(),
            count: 0,
        })
    }

    /// The path segment naming this entry (the address, or the block).
    pub fn key(&self) -> &str {
        self.ip_address.as_deref().unwrap_or(&self.cidr_block)
    }
}

/// One organization API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub desc: String,
    pub public_key: String,
    pub private_key: String,
    pub roles: Vec<Role>,
    pub access_list: Vec<AccessEntry>,
}

impl ApiKey {
    /// `********-****-****-` + the last 12 characters, as Atlas shows it after creation.
    pub fn masked_private_key(&self) -> String {
        let chars: Vec<char> = self.private_key.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(12)..].iter().collect();
        format!("********-****-****-{tail}")
    }

    pub fn in_group(&self, group_id: &str) -> bool {
        self.roles
            .iter()
            .any(|r| r.group_id.as_deref() == Some(group_id))
    }

    /// Replace the roles matching `is_replaced` by `new_roles`, at the position of the first
    /// replaced one (appended when none matched), keeping every other role where it was.
    fn replace_roles(&mut self, is_replaced: impl Fn(&Role) -> bool, new_roles: Vec<Role>) {
        let at = self.roles.iter().position(&is_replaced);
        self.roles.retain(|r| !is_replaced(r));
        let at = at.unwrap_or(self.roles.len()).min(self.roles.len());
        self.roles.splice(at..at, new_roles);
    }
}

/// The whole state of the stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub org_id: String,
    pub group_id: String,
    pub keys: Vec<ApiKey>,
    /// Resources of the other routes that a watched command touched.
    pub watches: Watches,
}

impl State {
    pub fn new(org_id: &str, group_id: &str, seed: bool) -> State {
        let mut state = State {
            org_id: org_id.to_string(),
            group_id: group_id.to_string(),
            keys: Vec::new(),
            watches: Watches::default(),
        };
        if seed {
            state.keys.push(ApiKey {
                id: "698c46bee3bbe1ace0f31aec".to_string(),
                desc: "e2e-test-atlas-org".to_string(),
                public_key: "cbcyceui".to_string(),
                private_key: "e61d0cec-b1e3-4c4d-8384-b6f07815e727".to_string(),
                roles: vec![Role::org(org_id, "ORG_READ_ONLY")],
                access_list: vec![AccessEntry {
                    cidr_block: "192.168.0.200/32".to_string(),
                    ip_address: Some("192.168.0.200".to_string()),
                    created: "2026-02-11T09:06:53Z".to_string(),
                    count: 0,
                }],
            });
            state.keys.push(ApiKey {
                id: "698c46fde3bbe1ace0f337b7".to_string(),
                desc: "e2e-test".to_string(),
                public_key: "hjzmlucm".to_string(),
                private_key: "1cf2c897-bd89-4adc-b15b-7da4bdb52456".to_string(),
                roles: vec![
                    Role::group(group_id, "GROUP_READ_ONLY"),
                    Role::org(org_id, "ORG_MEMBER"),
                ],
                access_list: Vec::new(),
            });
        }
        state
    }

    pub fn key(&self, id: &str) -> Option<&ApiKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn key_mut(&mut self, id: &str) -> Option<&mut ApiKey> {
        self.keys.iter_mut().find(|k| k.id == id)
    }

    /// Create a key with these roles; returns it.
    pub fn create_key(&mut self, desc: &str, roles: Vec<Role>) -> &ApiKey {
        let mut id = random::object_id();
        while self.key(&id).is_some() {
            id = random::object_id();
        }
        self.keys.push(ApiKey {
            id,
            desc: desc.to_string(),
            public_key: random::public_key(),
            private_key: random::private_key(),
            roles,
            access_list: Vec::new(),
        });
        &self.keys[self.keys.len() - 1]
    }

    /// Replace the description and/or the organization roles of a key.
    pub fn update_key(
        &mut self,
        id: &str,
        desc: Option<&str>,
        org_roles: Option<Vec<String>>,
    ) -> Option<&ApiKey> {
        let org_id = self.org_id.clone();
        let key = self.key_mut(id)?;
        if let Some(desc) = desc {
            key.desc = desc.to_string();
        }
        if let Some(names) = org_roles {
            let roles = names.iter().map(|n| Role::org(&org_id, n)).collect();
            key.replace_roles(|r| r.org_id.is_some(), roles);
        }
        Some(key)
    }

    /// Set the roles a key has on a project (assigning it when it was not).
    pub fn set_group_roles(
        &mut self,
        id: &str,
        group_id: &str,
        names: &[String],
    ) -> Option<&ApiKey> {
        let key = self.key_mut(id)?;
        let roles = names.iter().map(|n| Role::group(group_id, n)).collect();
        key.replace_roles(|r| r.group_id.as_deref() == Some(group_id), roles);
        Some(key)
    }

    /// Remove a key from a project; false when it was not assigned.
    pub fn unassign(&mut self, id: &str, group_id: &str) -> bool {
        match self.key_mut(id) {
            Some(key) if key.in_group(group_id) => {
                key.roles
                    .retain(|r| r.group_id.as_deref() != Some(group_id));
                true
            }
            _ => false,
        }
    }

    pub fn delete_key(&mut self, id: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.id != id);
        self.keys.len() != before
    }

    /// Add entries (already present blocks are left as they are).
    pub fn add_access(&mut self, id: &str, entries: Vec<AccessEntry>) -> bool {
        let Some(key) = self.key_mut(id) else {
            return false;
        };
        for entry in entries {
            if !key
                .access_list
                .iter()
                .any(|e| e.cidr_block == entry.cidr_block)
            {
                key.access_list.push(entry);
            }
        }
        true
    }

    pub fn remove_access(&mut self, id: &str, cidr_block: &str) -> bool {
        let Some(key) = self.key_mut(id) else {
            return false;
        };
        let before = key.access_list.len();
        key.access_list.retain(|e| e.cidr_block != cidr_block);
        key.access_list.len() != before
    }

    pub fn keys_in_group(&self, group_id: &str) -> Vec<&ApiKey> {
        self.keys.iter().filter(|k| k.in_group(group_id)).collect()
    }

    /// Everything, unmasked, for lifecycle assertions.
    pub fn snapshot(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                let access: Vec<Value> = k
                    .access_list
                    .iter()
                    .map(|e| {
                        json!({
                            "cidrBlock": e.cidr_block,
                            "count": e.count,
                            "created": e.created,
                            "ipAddress": e.ip_address,
                        })
                    })
                    .collect();
                json!({
                    "accessList": access,
                    "desc": k.desc,
                    "id": k.id,
                    "privateKey": k.private_key,
                    "publicKey": k.public_key,
                    "roles": k.roles.iter().map(Role::to_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        let members: Vec<&str> = self
            .keys_in_group(&self.group_id)
            .iter()
            .map(|k| k.id.as_str())
            .collect();
        let mut group_keys = serde_json::Map::new();
        group_keys.insert(self.group_id.clone(), json!(members));
        json!({
            "apiKeys": keys,
            "groupId": self.group_id,
            "groupKeys": group_keys,
            "orgId": self.org_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_entry_parsing() {
        let cases = [
            ("10.0.0.1", Some(("10.0.0.1/32", Some("10.0.0.1")))),
            ("10.0.0.0/8", Some(("10.0.0.0/8", None))),
            ("10.0.0.1/32", Some(("10.0.0.1/32", Some("10.0.0.1")))),
            (
                "2001:db8::1",
                Some(("2001:db8::1/128", Some("2001:db8::1"))),
            ),
            ("2001:db8::/32", Some(("2001:db8::/32", None))),
            ("10.0.0.0/33", None),
            ("10.0.0.0/", None),
            ("10.0.0.0/-1", None),
            ("10.0.0", None),
            ("", None),
            ("abc", None),
        ];
        for (input, expected) in cases {
            let got = AccessEntry::parse(input);
            let got = got
                .as_ref()
                .map(|e| (e.cidr_block.as_str(), e.ip_address.as_deref()));
            assert_eq!(got, expected, "{input}");
        }
    }

    #[test]
    fn role_replacement_keeps_positions() {
        let mut state = State::new("o", "g", true);
        let id = "698c46fde3bbe1ace0f337b7";
        state.set_group_roles(id, "g", &["GROUP_DATA_ACCESS_READ_ONLY".to_string()]);
        let names: Vec<_> = state
            .key(id)
            .unwrap()
            .roles
            .iter()
            .map(|r| r.role_name.as_str())
            .collect();
        assert_eq!(names, vec!["GROUP_DATA_ACCESS_READ_ONLY", "ORG_MEMBER"]);
        state.update_key(id, Some("d"), Some(vec!["ORG_OWNER".to_string()]));
        let names: Vec<_> = state
            .key(id)
            .unwrap()
            .roles
            .iter()
            .map(|r| r.role_name.as_str())
            .collect();
        assert_eq!(names, vec!["GROUP_DATA_ACCESS_READ_ONLY", "ORG_OWNER"]);
        assert!(state.unassign(id, "g"));
        assert!(!state.unassign(id, "g"));
        assert!(state.keys_in_group("g").is_empty());
    }

    #[test]
    fn masking() {
        let state = State::new("o", "g", true);
        assert_eq!(
            state.keys[0].masked_private_key(),
            "********-****-****-b6f07815e727"
        );
    }
}

//! The 14 Programmatic API Keys operations: matching a request to one, checking its headers,
//! ids and body like Atlas, applying it to the state and rendering the Atlas-shaped answer.
//! Any other path goes to the rest of the catalogue (`generic`).

use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::atlas_error::AtlasError;
use crate::http::{Response, parse_query, path_escape, percent_decode};
use crate::pretty;
use crate::recorded::Recorded;
use crate::state::{AccessEntry, ApiKey, Role, State};
use crate::{ERROR_CONTENT_TYPE, SUCCESS_CONTENT_TYPE, VERSIONED_JSON};

const PREFIX: &str = "/api/atlas/v2";

const ORG_ROLES: &[&str] = &[
    "ORG_OWNER",
    "ORG_MEMBER",
    "ORG_GROUP_CREATOR",
    "ORG_BILLING_ADMIN",
    "ORG_BILLING_READ_ONLY",
    "ORG_STREAM_PROCESSING_ADMIN",
    "ORG_READ_ONLY",
];

const GROUP_ROLES: &[&str] = &[
    "GROUP_BACKUP_MANAGER",
    "GROUP_CLUSTER_MANAGER",
    "GROUP_DATA_ACCESS_ADMIN",
    "GROUP_DATA_ACCESS_READ_ONLY",
    "GROUP_DATA_ACCESS_READ_WRITE",
    "GROUP_DATABASE_ACCESS_ADMIN",
    "GROUP_OBSERVABILITY_VIEWER",
    "GROUP_OWNER",
    "GROUP_READ_ONLY",
    "GROUP_SEARCH_INDEX_EDITOR",
    "GROUP_STREAM_PROCESSING_OWNER",
];

/// What a handler needs besides the request.
pub struct Ctx<'a> {
    /// `http://127.0.0.1:PORT`, for `links`.
    pub base_url: &'a str,
    pub state: &'a Mutex<State>,
}

/// A resource of the tag, with its path parameters (decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    OrgKeys {
        org: String,
    },
    OrgKey {
        org: String,
        key: String,
    },
    AccessList {
        org: String,
        key: String,
    },
    AccessEntry {
        org: String,
        key: String,
        entry: String,
    },
    GroupKeys {
        group: String,
    },
    GroupKey {
        group: String,
        key: String,
    },
}

impl Route {
    fn parse(path: &str) -> Option<Route> {
        let rest = path.strip_prefix(PREFIX)?.strip_prefix('/')?;
        let segs: Vec<String> = rest.split('/').map(|s| percent_decode(s, false)).collect();
        if segs.iter().any(String::is_empty) {
            return None;
        }
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let owned = |v: &str| v.to_string();
        Some(match s.as_slice() {
            ["orgs", org, "apiKeys"] => Route::OrgKeys { org: owned(org) },
            ["orgs", org, "apiKeys", key] => Route::OrgKey {
                org: owned(org),
                key: owned(key),
            },
            ["orgs", org, "apiKeys", key, "accessList"] => Route::AccessList {
                org: owned(org),
                key: owned(key),
            },
            ["orgs", org, "apiKeys", key, "accessList", entry] => Route::AccessEntry {
                org: owned(org),
                key: owned(key),
                entry: owned(entry),
            },
            ["groups", group, "apiKeys"] => Route::GroupKeys {
                group: owned(group),
            },
            ["groups", group, "apiKeys", key] => Route::GroupKey {
                group: owned(group),
                key: owned(key),
            },
            _ => return None,
        })
    }

    fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::OrgKeys { .. } | Route::AccessList { .. } | Route::GroupKeys { .. } => {
                &["GET", "POST"]
            }
            Route::OrgKey { .. } => &["GET", "PATCH", "DELETE"],
            Route::AccessEntry { .. } => &["GET", "DELETE"],
            Route::GroupKey { .. } => &["POST", "PATCH", "DELETE"],
        }
    }
}

/// A successful outcome: status and optional JSON body.
struct Reply {
    status: u16,
    body: Option<Value>,
}

impl Reply {
    fn ok(body: Value) -> Result<Reply, AtlasError> {
        Ok(Reply {
            status: 200,
            body: Some(body),
        })
    }

    fn no_content() -> Result<Reply, AtlasError> {
        Ok(Reply {
            status: 204,
            body: None,
        })
    }
}

/// Query flags that change every answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    pretty: bool,
    envelope: bool,
}

/// Page selection of list operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    include_count: bool,
    page_num: usize,
    items_per_page: usize,
}

fn query_value<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn is_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

impl Page {
    fn from_query(query: &[(String, String)]) -> Result<Page, AtlasError> {
        let number = |name: &str, default: usize, max: usize| match query_value(query, name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| AtlasError::invalid_query_parameter(name, v)),
        };
        Ok(Page {
            include_count: !query_value(query, "includeCount")
                .is_some_and(|v| v.eq_ignore_ascii_case("false")),
            page_num: number("pageNum", 1, usize::MAX)?,
            items_per_page: number("itemsPerPage", 100, 500)?,
        })
    }

    fn href(&self, base: &str, page_num: usize) -> String {
        format!(
            "{base}?includeCount={}&pageNum={page_num}&itemsPerPage={}",
            self.include_count, self.items_per_page
        )
    }

    /// `{"links","results","totalCount"}` for the selected page of `all`.
    fn render(&self, base: &str, all: Vec<Value>) -> Value {
        let total = all.len();
        let start = (self.page_num - 1).saturating_mul(self.items_per_page);
        let results: Vec<Value> = all
            .into_iter()
            .skip(start)
            .take(self.items_per_page)
            .collect();
        let mut links = vec![json!({"href": self.href(base, self.page_num), "rel": "self"})];
        if self.page_num > 1 {
            links.push(json!({"href": self.href(base, self.page_num - 1), "rel": "previous"}));
        }
        if start.saturating_add(self.items_per_page) < total {
            links.push(json!({"href": self.href(base, self.page_num + 1), "rel": "next"}));
        }
        let mut body = Map::new();
        body.insert("links".to_string(), Value::Array(links));
        body.insert("results".to_string(), Value::Array(results));
        if self.include_count {
            body.insert("totalCount".to_string(), json!(total));
        }
        Value::Object(body)
    }
}

fn is_object_id(s: &str) -> bool {
    s.len() == 24
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn has_media_type(header: Option<&str>, wanted: &str) -> bool {
    header.is_some_and(|v| {
        v.split(',').any(|item| {
            item.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(wanted))
        })
    })
}

/// Answer a request that passed authentication.
pub fn handle(ctx: &Ctx<'_>, req: &Recorded) -> Response {
    let query = parse_query(req.query.as_deref().unwrap_or(""));
    let flags = Flags {
        pretty: is_true(query_value(&query, "pretty")),
        envelope: is_true(query_value(&query, "envelope")),
    };
    if Route::parse(&req.path).is_none() {
        return crate::generic::handle(ctx, req, &query, flags);
    }
    match dispatch(ctx, req, &query) {
        Ok(reply) => render(reply.status, reply.body, flags, SUCCESS_CONTENT_TYPE, None),
        Err(error) => render(
            error.status,
            Some(error.to_json()),
            flags,
            ERROR_CONTENT_TYPE,
            Some(error.code),
        ),
    }
}

/// A JSON answer (or none), with `?envelope=true` and `?pretty=true` applied.
pub fn render(
    status: u16,
    body: Option<Value>,
    flags: Flags,
    content_type: &str,
    error_code: Option<&str>,
) -> Response {
    let (status_out, body) = if flags.envelope {
        let wrapped = match body {
            Some(Value::Object(mut map)) if map.contains_key("results") => {
                map.insert("status".to_string(), json!(status));
                Value::Object(map)
            }
            Some(content) => json!({"content": content, "status": status}),
            None => json!({"status": status}),
        };
        (200, Some(wrapped))
    } else {
        (status, body)
    };
    let text = match &body {
        Some(v) if flags.pretty => pretty::jackson(v),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    let mut response = Response::new(status_out, Some(content_type), text);
    if let Some(code) = error_code {
        response = response.with_header("X-Error-Code", code);
    }
    response
}

fn dispatch(
    ctx: &Ctx<'_>,
    req: &Recorded,
    query: &[(String, String)],
) -> Result<Reply, AtlasError> {
    let route = Route::parse(&req.path).ok_or_else(|| AtlasError::resource_not_found(&req.path))?;
    let method = req.method.as_str();
    if !route.methods().contains(&method) {
        return Err(AtlasError::method_not_allowed(method, &req.path));
    }
    if !has_media_type(req.header("accept"), VERSIONED_JSON) {
        return Err(AtlasError::invalid_version());
    }
    let has_body = matches!(method, "POST" | "PATCH");
    if has_body && !has_media_type(req.header("content-type"), VERSIONED_JSON) {
        return Err(AtlasError::unsupported_media_type(
            req.header("content-type").unwrap_or(""),
        ));
    }
    let mut state = ctx.state.lock().unwrap_or_else(|e| e.into_inner());
    let ops = Ops {
        base: ctx.base_url,
        state: &mut state,
    };
    ops.run(route, method, req, query)
}

/// The operations, over a locked state.
struct Ops<'a> {
    base: &'a str,
    state: &'a mut State,
}

fn parse_body(body: &[u8]) -> Result<Value, AtlasError> {
    serde_json::from_slice(body).map_err(|_| AtlasError::invalid_json())
}

fn as_object(value: &Value) -> Result<&Map<String, Value>, AtlasError> {
    value.as_object().ok_or_else(AtlasError::invalid_json)
}

fn desc_field(obj: &Map<String, Value>, required: bool) -> Result<Option<String>, AtlasError> {
    match obj.get("desc") {
        None | Some(Value::Null) if required => Err(AtlasError::missing_attribute("desc")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 250 => {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(AtlasError::invalid_attribute("desc")),
    }
}

/// `roles` as validated names (deduplicated, order kept), each in `allowed`.
/// A role this stand-in does not list but Atlas may have added since: same prefix as the
/// set (`ORG_`/`GROUP_`), upper-case letters and underscores. Lets tests show that unknown
/// enum values are sent anyway (README "Checks before anything is sent").
fn is_newer_role(name: &str, set: &[&str]) -> bool {
    let prefix = if set.first().is_some_and(|r| r.starts_with("ORG_")) {
        "ORG_"
    } else {
        "GROUP_"
    };
    name.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
    })
}

fn roles_field(
    obj: &Map<String, Value>,
    required: bool,
    allowed: &[&[&str]],
) -> Result<Option<Vec<String>>, AtlasError> {
    let items = match obj.get("roles") {
        None | Some(Value::Null) if required => return Err(AtlasError::missing_attribute("roles")),
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(_) => return Err(AtlasError::invalid_attribute("roles")),
    };
    let mut names: Vec<String> = Vec::new();
    for item in items {
        let name = item
            .as_str()
            .ok_or_else(|| AtlasError::invalid_attribute("roles"))?;
        if !allowed
            .iter()
            .any(|set| set.contains(&name) || is_newer_role(name, set))
        {
            return Err(AtlasError::invalid_enum_value(name));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(Some(names))
}

impl Ops<'_> {
    fn run(
        self,
        route: Route,
        method: &str,
        req: &Recorded,
        query: &[(String, String)],
    ) -> Result<Reply, AtlasError> {
        match (route, method) {
            (Route::OrgKeys { org }, "GET") => {
                self.check_org(&org)?;
                self.list_org_keys(&Page::from_query(query)?)
            }
            (Route::OrgKeys { org }, _) => {
                self.check_org(&org)?;
                self.create_org_key(&req.body)
            }
            (Route::OrgKey { org, key }, m) => {
                self.check_org(&org)?;
                self.check_key(&key)?;
                match m {
                    "GET" => self.get_org_key(&key),
                    "PATCH" => self.update_org_key(&key, &req.body),
                    _ => self.delete_org_key(&key),
                }
            }
            (Route::AccessList { org, key }, m) => {
                self.check_org(&org)?;
                self.check_key(&key)?;
                let page = Page::from_query(query)?;
                if m == "POST" {
                    self.create_access_entries(&key, &req.body, &page)
                } else {
                    self.list_access_entries(&key, &page)
                }
            }
            (Route::AccessEntry { org, key, entry }, m) => {
                self.check_org(&org)?;
                self.check_key(&key)?;
                if m == "GET" {
                    self.get_access_entry(&key, &entry)
                } else {
                    self.delete_access_entry(&key, &entry)
                }
            }
            (Route::GroupKeys { group }, m) => {
                self.check_group(&group)?;
                if m == "GET" {
                    self.list_group_keys(&group, &Page::from_query(query)?)
                } else {
                    self.create_group_key(&group, &req.body)
                }
            }
            (Route::GroupKey { group, key }, m) => {
                self.check_group(&group)?;
                self.check_key(&key)?;
                match m {
                    "POST" => self.add_group_key(&group, &key, &req.body),
                    "PATCH" => self.update_group_key_roles(&group, &key, &req.body),
                    _ => self.remove_group_key(&group, &key),
                }
            }
        }
    }

    fn check_org(&self, org: &str) -> Result<(), AtlasError> {
        if !is_object_id(org) {
            return Err(AtlasError::invalid_org_id(org));
        }
        if org != self.state.org_id {
            return Err(AtlasError::org_not_found(org));
        }
        Ok(())
    }

    fn check_group(&self, group: &str) -> Result<(), AtlasError> {
        if !is_object_id(group) {
            return Err(AtlasError::invalid_group_id(group));
        }
        if group != self.state.group_id {
            return Err(AtlasError::group_not_found(group));
        }
        Ok(())
    }

    fn check_key(&self, key: &str) -> Result<(), AtlasError> {
        match self.state.key(key) {
            Some(_) => Ok(()),
            None => Err(AtlasError::api_key_not_found(key)),
        }
    }

    fn key_href(&self, id: &str) -> String {
        format!(
            "{}{PREFIX}/orgs/{}/apiKeys/{id}",
            self.base, self.state.org_id
        )
    }

    fn key_json(&self, key: &ApiKey, reveal: bool) -> Value {
        let private_key = if reveal {
            key.private_key.clone()
        } else {
            key.masked_private_key()
        };
        json!({
            "desc": key.desc,
            "id": key.id,
            "links": [{"href": self.key_href(&key.id), "rel": "self"}],
            "privateKey": private_key,
            "publicKey": key.public_key,
            "roles": key.roles.iter().map(Role::to_json).collect::<Vec<_>>(),
        })
    }

    fn stored_key_json(&self, id: &str) -> Result<Value, AtlasError> {
        let key = self
            .state
            .key(id)
            .ok_or_else(|| AtlasError::api_key_not_found(id))?;
        Ok(self.key_json(key, false))
    }

    fn entry_json(&self, key_id: &str, entry: &AccessEntry) -> Value {
        let href = format!(
            "{}/accessList/{}",
            self.key_href(key_id),
            path_escape(entry.key())
        );
        let mut obj = Map::new();
        obj.insert("cidrBlock".to_string(), json!(entry.cidr_block));
        obj.insert("count".to_string(), json!(entry.count));
        obj.insert("created".to_string(), json!(entry.created));
        if let Some(ip) = &entry.ip_address {
            obj.insert("ipAddress".to_string(), json!(ip));
        }
        obj.insert("links".to_string(), json!([{"href": href, "rel": "self"}]));
        Value::Object(obj)
    }

    // listOrgApiKeys
    fn list_org_keys(&self, page: &Page) -> Result<Reply, AtlasError> {
        let all = self
            .state
            .keys
            .iter()
            .map(|k| self.key_json(k, false))
            .collect();
        let base = format!("{}{PREFIX}/orgs/{}/apiKeys", self.base, self.state.org_id);
        Reply::ok(page.render(&base, all))
    }

    // createOrgApiKey
    fn create_org_key(self, body: &[u8]) -> Result<Reply, AtlasError> {
        let value = parse_body(body)?;
        let obj = as_object(&value)?;
        let desc = desc_field(obj, true)?.unwrap_or_default();
        let names = roles_field(obj, true, &[ORG_ROLES])?.unwrap_or_default();
        let org_id = self.state.org_id.clone();
        let roles = names.iter().map(|n| Role::org(&org_id, n)).collect();
        let key = self.state.create_key(&desc, roles).clone();
        Reply::ok(self.key_json(&key, true))
    }

    // getOrgApiKey
    fn get_org_key(&self, id: &str) -> Result<Reply, AtlasError> {
        Reply::ok(self.stored_key_json(id)?)
    }

    // updateOrgApiKey
    fn update_org_key(self, id: &str, body: &[u8]) -> Result<Reply, AtlasError> {
        let value = parse_body(body)?;
        let obj = as_object(&value)?;
        let desc = desc_field(obj, false)?;
        let roles = roles_field(obj, false, &[ORG_ROLES])?;
        self.state.update_key(id, desc.as_deref(), roles);
        Reply::ok(self.stored_key_json(id)?)
    }

    // deleteOrgApiKey
    fn delete_org_key(self, id: &str) -> Result<Reply, AtlasError> {
        self.state.delete_key(id);
        Reply::no_content()
    }

    fn access_page(&self, id: &str, page: &Page) -> Result<Reply, AtlasError> {
        let key = self
            .state
            .key(id)
            .ok_or_else(|| AtlasError::api_key_not_found(id))?;
        let all = key
            .access_list
            .iter()
            .map(|e| self.entry_json(id, e))
            .collect();
        let base = format!("{}/accessList", self.key_href(id));
        Reply::ok(page.render(&base, all))
    }

    // listOrgApiKeyAccessListEntries
    fn list_access_entries(&self, id: &str, page: &Page) -> Result<Reply, AtlasError> {
        self.access_page(id, page)
    }

    // createOrgApiKeyAccessListEntry
    fn create_access_entries(
        self,
        id: &str,
        body: &[u8],
        page: &Page,
    ) -> Result<Reply, AtlasError> {
        let value = parse_body(body)?;
        let items = value.as_array().ok_or_else(AtlasError::invalid_json)?;
        let mut entries = Vec::new();
        for item in items {
            let obj = as_object(item)?;
            let field = |name: &str| -> Result<Option<&str>, AtlasError> {
                match obj.get(name) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.as_str())),
                    Some(_) => Err(AtlasError::invalid_attribute(name)),
                }
            };
            let raw = match (field("cidrBlock")?, field("ipAddress")?) {
                (Some(cidr), _) => cidr,
                (None, Some(ip)) if !ip.contains('/') => ip,
                (None, Some(ip)) => return Err(AtlasError::invalid_ip(ip)),
                (None, None) => return Err(AtlasError::missing_attribute("ipAddress")),
            };
            let decoded = percent_decode(raw, false);
            entries.push(AccessEntry::parse(&decoded).ok_or_else(|| AtlasError::invalid_ip(raw))?);
        }
        self.state.add_access(id, entries);
        self.access_page(id, page)
    }

    fn find_entry(&self, id: &str, entry: &str) -> Result<AccessEntry, AtlasError> {
        let wanted = AccessEntry::parse(entry).ok_or_else(|| AtlasError::invalid_ip(entry))?;
        self.state
            .key(id)
            .and_then(|k| {
                k.access_list
                    .iter()
                    .find(|e| e.cidr_block == wanted.cidr_block)
            })
            .cloned()
            .ok_or_else(|| AtlasError::access_list_entry_not_found(id, entry))
    }

    // getOrgApiKeyAccessListEntry
    fn get_access_entry(&self, id: &str, entry: &str) -> Result<Reply, AtlasError> {
        let found = self.find_entry(id, entry)?;
        Reply::ok(self.entry_json(id, &found))
    }

    // deleteOrgApiKeyAccessListEntry
    fn delete_access_entry(self, id: &str, entry: &str) -> Result<Reply, AtlasError> {
        let found = self.find_entry(id, entry)?;
        self.state.remove_access(id, &found.cidr_block);
        Reply::no_content()
    }

    // listGroupApiKeys
    fn list_group_keys(&self, group: &str, page: &Page) -> Result<Reply, AtlasError> {
        let all = self
            .state
            .keys_in_group(group)
            .into_iter()
            .map(|k| self.key_json(k, false))
            .collect();
        let base = format!("{}{PREFIX}/groups/{group}/apiKeys", self.base);
        Reply::ok(page.render(&base, all))
    }

    // createGroupApiKey
    fn create_group_key(self, group: &str, body: &[u8]) -> Result<Reply, AtlasError> {
        let value = parse_body(body)?;
        let obj = as_object(&value)?;
        let desc = desc_field(obj, true)?.unwrap_or_default();
        let names = roles_field(obj, true, &[ORG_ROLES, GROUP_ROLES])?.unwrap_or_default();
        let org_id = self.state.org_id.clone();
        let mut roles: Vec<Role> = names
            .iter()
            .filter(|n| n.starts_with("GROUP_"))
            .map(|n| Role::group(group, n))
            .collect();
        let org_roles: Vec<Role> = names
            .iter()
            .filter(|n| n.starts_with("ORG_"))
            .map(|n| Role::org(&org_id, n))
            .collect();
        if org_roles.is_empty() {
            roles.push(Role::org(&org_id, "ORG_MEMBER"));
        }
        roles.extend(org_roles);
        let key = self.state.create_key(&desc, roles).clone();
        Reply::ok(self.key_json(&key, true))
    }

    // addGroupApiKey
    fn add_group_key(self, group: &str, id: &str, body: &[u8]) -> Result<Reply, AtlasError> {
        let value = parse_body(body)?;
        let items = value.as_array().ok_or_else(AtlasError::invalid_json)?;
        let mut names: Vec<String> = Vec::new();
        for item in items {
            let obj = as_object(item)?;
            for name in roles_field(obj, false, &[GROUP_ROLES])?.unwrap_or_default() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        if names.is_empty() {
            return Err(AtlasError::missing_attribute("roles"));
        }
        self.state.set_group_roles(id, group, &names);
        Reply::no_content()
    }

    // updateGroupApiKeyRoles
    fn update_group_key_roles(
        self,
        group: &str,
        id: &str,
        body: &[u8],
    ) -> Result<Reply, AtlasError> {
        let value = parse_body(body)?;
        let obj = as_object(&value)?;
        let desc = desc_field(obj, false)?;
        let roles = roles_field(obj, false, &[GROUP_ROLES])?;
        if !self.state.key(id).is_some_and(|k| k.in_group(group)) {
            return Err(AtlasError::api_key_not_found(id));
        }
        self.state.update_key(id, desc.as_deref(), None);
        if let Some(names) = roles {
            self.state.set_group_roles(id, group, &names);
        }
        Reply::ok(self.stored_key_json(id)?)
    }

    // removeGroupApiKey
    fn remove_group_key(self, group: &str, id: &str) -> Result<Reply, AtlasError> {
        if !self.state.unassign(id, group) {
            return Err(AtlasError::api_key_not_found(id));
        }
        Reply::no_content()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_table() {
        let org = "a0123456789abcdef012345a";
        let cases = [
            (format!("/api/atlas/v2/orgs/{org}/apiKeys"), true),
            (format!("/api/atlas/v2/orgs/{org}/apiKeys/x"), true),
            (
                format!("/api/atlas/v2/orgs/{org}/apiKeys/x/accessList"),
                true,
            ),
            (
                format!("/api/atlas/v2/orgs/{org}/apiKeys/x/accessList/10.0.0.0%2F8"),
                true,
            ),
            ("/api/atlas/v2/groups/g/apiKeys".to_string(), true),
            ("/api/atlas/v2/groups/g/apiKeys/k".to_string(), true),
            ("/api/atlas/v2/groups/g/apiKeys/".to_string(), false),
            ("/api/atlas/v2/groups/g".to_string(), false),
            ("/api/atlas/v2".to_string(), false),
            ("/".to_string(), false),
            ("/api/atlas/v2/orgs//apiKeys".to_string(), false),
        ];
        for (path, matches) in cases {
            assert_eq!(Route::parse(&path).is_some(), matches, "{path}");
        }
        assert_eq!(
            Route::parse("/api/atlas/v2/orgs/o/apiKeys/k/accessList/10.0.0.0%2F8"),
            Some(Route::AccessEntry {
                org: "o".into(),
                key: "k".into(),
                entry: "10.0.0.0/8".into()
            })
        );
    }

    #[test]
    fn pages() {
        let q = |s: &str| parse_query(s);
        let cases = [
            ("", Some((true, 1, 100))),
            (
                "includeCount=false&pageNum=2&itemsPerPage=5",
                Some((false, 2, 5)),
            ),
            ("itemsPerPage=500", Some((true, 1, 500))),
            ("itemsPerPage=501", None),
            ("itemsPerPage=0", None),
            ("pageNum=0", None),
            ("pageNum=x", None),
        ];
        for (query, expected) in cases {
            let got = Page::from_query(&q(query))
                .ok()
                .map(|p| (p.include_count, p.page_num, p.items_per_page));
            assert_eq!(got, expected, "{query}");
        }
        let page = Page::from_query(&q("pageNum=2&itemsPerPage=2")).unwrap();
        let body = page.render("B", (0..5).map(|i| json!(i)).collect());
        assert_eq!(
            body.to_string(),
            r#"{"links":[{"href":"B?includeCount=true&pageNum=2&itemsPerPage=2","rel":"self"},{"href":"B?includeCount=true&pageNum=1&itemsPerPage=2","rel":"previous"},{"href":"B?includeCount=true&pageNum=3&itemsPerPage=2","rel":"next"}],"results":[2,3],"totalCount":5}"#
        );
    }

    #[test]
    fn media_types() {
        let cases = [
            (Some("application/vnd.atlas.2023-01-01+json"), true),
            (
                Some("application/vnd.atlas.2023-01-01+json;charset=utf-8"),
                true,
            ),
            (
                Some("text/plain, application/vnd.atlas.2023-01-01+json"),
                true,
            ),
            (Some("application/vnd.atlas.2023-01-01+csv"), false),
            (Some("application/vnd.atlas.2024-08-05+json"), false),
            (Some("application/json"), false),
            (None, false),
        ];
        for (header, ok) in cases {
            assert_eq!(has_media_type(header, VERSIONED_JSON), ok, "{header:?}");
        }
    }
}

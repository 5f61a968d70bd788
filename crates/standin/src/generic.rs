//! Every route of the catalogue besides the 14 of the keys: a plausible answer in the format
//! and version the request's `Accept` asks for (JSON, CSV or gzip), the path parameters and
//! an `id` echoed with a written body's fields, and the resources that watched commands touch
//! going through "in progress" to the state their watcher expects.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Map, Value, json};

use crate::atlas_error::AtlasError;
use crate::http::{Response, percent_decode};
use crate::random;
use crate::recorded::Recorded;
use crate::routes::{Ctx, Flags, render};
use crate::state::State;
use crate::table::{Entry, Lookup, table};
use crate::watch::{Outcome, Seen, pending_value};

/// A successful answer before rendering.
enum Answer {
    Json(u16, Option<Value>),
    Bytes(Vec<u8>),
}

/// Answer a request that passed authentication and is not one of the keys' routes.
pub fn handle(ctx: &Ctx<'_>, req: &Recorded, query: &[(String, String)], flags: Flags) -> Response {
    match answer(ctx, req, query) {
        Ok((Answer::Json(status, body), content_type)) => {
            render(status, body, flags, &content_type, None)
        }
        Ok((Answer::Bytes(bytes), content_type)) => Response::new(200, Some(&content_type), bytes),
        Err(e) => render(
            e.status,
            Some(e.to_json()),
            flags,
            crate::ERROR_CONTENT_TYPE,
            Some(e.code),
        ),
    }
}

fn answer(
    ctx: &Ctx<'_>,
    req: &Recorded,
    query: &[(String, String)],
) -> Result<(Answer, String), AtlasError> {
    let segments: Vec<String> = req
        .path
        .split('/')
        .map(|s| percent_decode(s, false))
        .collect();
    let not_found = || AtlasError::resource_not_found(&req.path);
    if segments.iter().skip(1).any(String::is_empty) {
        return Err(not_found());
    }
    let method = req.method.as_str();
    let (entry, params) = match table().find(method, &segments) {
        Lookup::Route(entry, params) => (entry, params),
        Lookup::WrongMethod => return Err(AtlasError::method_not_allowed(method, &req.path)),
        Lookup::NotFound => return Err(not_found()),
    };
    let (version, format) =
        negotiate(entry, req.header("accept")).ok_or_else(AtlasError::invalid_version)?;
    let body = match req.body.is_empty() || method == "GET" || method == "DELETE" {
        true => Value::Null,
        false => serde_json::from_slice(&req.body).map_err(|_| AtlasError::invalid_json())?,
    };
    let path = segments.join("/");
    let mut object = match body {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    for (name, value) in &params {
        object.insert(name.clone(), json!(value));
    }
    if !object.contains_key("id") {
        // A resource named by an id (its path ends with `{…Id}`) has that id.
        let named_by_id = params
            .last()
            .filter(|(name, value)| name.ends_with("Id") && segments.last() == Some(value));
        let id = match (method, named_by_id) {
            ("POST", _) => random::object_id(),
            (_, Some((_, value))) => value.clone(),
            _ => stable_id(&path),
        };
        object.insert("id".into(), json!(id));
    }
    let mut state = ctx.state.lock().unwrap_or_else(|e| e.into_inner());
    if entry.watcher.is_some() {
        start_watch(&mut state, entry, &params, query, &mut object);
    }
    if method == "GET" {
        match state.watches.poll(&path) {
            Some(Seen::Gone) => return Err(not_found()),
            Some(Seen::Field(at, value)) => set_path(&mut object, &at, json!(value)),
            Some(Seen::Present) | None => {}
        }
    }
    drop(state);
    let answer = match (method, format.as_str()) {
        ("DELETE", _) => Answer::Json(204, None),
        (_, "gzip") => Answer::Bytes(crate::gzip::stored(
            format!("{}\n", Value::Object(object)).as_bytes(),
        )),
        (_, "csv") => Answer::Bytes(csv(&object).into_bytes()),
        _ if entry.is_list() => Answer::Json(200, Some(json!({"results": [], "totalCount": 0}))),
        _ => Answer::Json(200, Some(Value::Object(object))),
    };
    let content_type = match format.as_str() {
        "gzip" => format!("application/vnd.atlas.{version}+gzip"),
        _ => format!("application/vnd.atlas.{version}+{format};charset=utf-8"),
    };
    Ok((answer, content_type))
}

/// The first `application/vnd.atlas.<version>+<format>` of `Accept` that the route answers.
fn negotiate(entry: &Entry, accept: Option<&str>) -> Option<(String, String)> {
    accept?.split(',').find_map(|item| {
        let media = item.split(';').next()?.trim();
        let (version, format) = media
            .strip_prefix("application/vnd.atlas.")?
            .rsplit_once('+')?;
        entry
            .versions
            .iter()
            .any(|(v, formats)| v == version && formats.iter().any(|f| f == format))
            .then(|| (version.to_string(), format.to_string()))
    })
}

/// Remember the resource the route's watcher will poll, and show its pending state in the
/// answer. The watcher's parameters come from the request's (`input:`) or from the answer
/// (`body:$.x`: a field the answer lacks is made up, as Atlas would have filled it in); a
/// DELETE has no answer to take them from.
fn start_watch(
    state: &mut State,
    entry: &Entry,
    params: &[(String, String)],
    query: &[(String, String)],
    object: &mut Map<String, Value>,
) {
    let Some(watcher) = &entry.watcher else {
        return;
    };
    let Some(get) = table().by_operation(&watcher.operation_id) else {
        return;
    };
    let answered = entry.verb != "DELETE";
    let outcome = if watcher.http_code == 404 {
        Outcome::Gone
    } else if let (Some(at), Some(done)) = (&watcher.match_path, watcher.match_values.first()) {
        let pending = pending_value(at, done);
        if answered {
            set_path(object, at, json!(pending));
        }
        Outcome::Field {
            path: at.clone(),
            pending,
            value: done.clone(),
        }
    } else {
        return;
    };
    let mut value = |name: &str| -> Option<String> {
        let source = &watcher.params.iter().find(|(n, _)| n == name)?.1;
        if let Some(flag) = source.strip_prefix("input:") {
            return params
                .iter()
                .chain(query)
                .find(|(n, _)| n == flag)
                .map(|(_, v)| v.clone());
        }
        let field = source.strip_prefix("body:$.").filter(|_| answered)?;
        if !object.contains_key(field) {
            let made_up = match field.ends_with("Id") {
                true => random::object_id(),
                false => format!("{field}1"),
            };
            object.insert(field.to_string(), json!(made_up));
        }
        match object.get(field)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let names: Vec<String> = watcher.params.iter().map(|(n, _)| n.clone()).collect();
    let values: Vec<(String, Option<String>)> =
        names.iter().map(|n| (n.clone(), value(n))).collect();
    let filled = get.fill(|name| values.iter().find(|(n, _)| n == name)?.1.clone());
    if let Some(path) = filled {
        state.watches.touch(path, outcome);
    }
}

/// Set the field at a JSON path such as `$.stateName` or `$.a.b`, making objects on the way.
fn set_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    let mut names = path
        .trim_start_matches('$')
        .trim_start_matches('.')
        .split('.');
    let Some(mut last) = names.next() else {
        return;
    };
    let mut here = object;
    for next in names {
        let slot = here.entry(last).or_insert_with(|| json!({}));
        if !slot.is_object() {
            *slot = json!({});
        }
        let Value::Object(inner) = slot else {
            return;
        };
        here = inner;
        last = next;
    }
    here.insert(last.to_string(), value);
}

/// The same 24-hex id every time for the same resource path.
fn stable_id(path: &str) -> String {
    let half = |seed: u8| {
        let mut hasher = DefaultHasher::new();
        (seed, path).hash(&mut hasher);
        hasher.finish()
    };
    format!("{:016x}{:08x}", half(0), half(1) as u32)
}

/// The object's top-level fields as a CSV header and one row (RFC 4180 quoting).
fn csv(object: &Map<String, Value>) -> String {
    let quote = |text: &str| match text.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", text.replace('"', "\"\"")),
        false => text.to_string(),
    };
    let cell = |v: &Value| match v {
        Value::String(s) => quote(s),
        Value::Null => String::new(),
        other => quote(&other.to_string()),
    };
    let header: Vec<String> = object.keys().map(|k| quote(k)).collect();
    let row: Vec<String> = object.values().map(cell).collect();
    format!("{}\r\n{}\r\n", header.join(","), row.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_set_at_any_depth() {
        let mut object = Map::new();
        set_path(&mut object, "$.stateName", json!("IDLE"));
        set_path(&mut object, "$.a.b", json!(1));
        assert_eq!(
            Value::Object(object),
            json!({"stateName": "IDLE", "a": {"b": 1}})
        );
    }

    #[test]
    fn ids_are_stable_object_ids() {
        let id = stable_id("/x");
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(id, stable_id("/x"));
        assert_ne!(id, stable_id("/y"));
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let object = json!({"a": "x,y", "b": 2, "c": "say \"hi\""});
        let Value::Object(object) = object else {
            unreachable!()
        };
        assert_eq!(csv(&object), "a,b,c\r\n\"x,y\",2,\"say \"\"hi\"\"\"\r\n");
    }
}

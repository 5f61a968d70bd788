//! `--watch`: the request polled until an operation's work is done, and when an answer says
//! it is, as the Go CLI's watcher decides (`internal/api/watcher.go`), with no I/O.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, anyhow};
use serde_json::Value;

use crate::api::operations::{self, Watcher};
use crate::api::request::CommandRequest;

/// The request a watcher polls: its GET operation at its version, each parameter taken from
/// the command's own input (`input:<flag>`), the command's answer (`body:<JSON path>`) or a
/// constant (`const:<value>`). Fails with Go's error chain.
pub fn poll_request(
    watcher: &Watcher,
    command: &CommandRequest,
    answer: &[u8],
) -> Result<CommandRequest> {
    let failed = |cause: String| anyhow!("failed to build watcher request\n{cause}");
    let operation = operations::by_id(watcher.operation_id).ok_or_else(|| {
        failed(format!(
            "watcher get command not found (OperationID={})",
            watcher.operation_id
        ))
    })?;
    let version = operation
        .version(watcher.version)
        .unwrap_or(operation.default_version());
    let body: Option<Value> = serde_json::from_slice(answer).ok();
    let mut parameters = BTreeMap::new();
    let mut arrays = BTreeMap::new();
    for &(name, source) in watcher.params {
        let Some(target) = operation.parameters().find(|p| p.name == name) else {
            continue;
        };
        let params_failed = |cause: String| {
            failed(format!(
                "failed to build watcher request parameters\n{cause}"
            ))
        };
        let (function, argument) = source
            .split_once(':')
            .ok_or_else(|| params_failed(format!("invalid parameter: {source}")))?;
        match function {
            "body" => {
                let value = json_path(body.as_ref(), argument).map_err(|e| {
                    params_failed(format!("request parameter failed to apply jsonpath\n{e}"))
                })?;
                parameters.insert(target.name, value);
            }
            "input" => {
                if let Some(value) = command.parameters.get(argument) {
                    parameters.insert(target.name, value.clone());
                } else if let Some(values) = command.arrays.get(argument) {
                    arrays.insert(target.name, values.clone());
                } else {
                    return Err(params_failed(format!("input parameter not found: {name}")));
                }
            }
            "const" => {
                parameters.insert(target.name, argument.to_string());
            }
            other => {
                return Err(params_failed(format!(
                    "parameter operation not found: '{other}'"
                )));
            }
        }
    }
    Ok(CommandRequest {
        operation,
        parameters,
        arrays,
        version,
        output: "json".to_string(),
        output_file: None,
        file: None,
        watch: false,
        watch_timeout: 0,
    })
}

/// Whether a poll's answer says the work is done: the expected status (200 when the table says
/// 0), then, if the watcher names a JSON path, its value among the expected ones. A 2xx answer
/// whose body has no such path is Go's error.
pub fn is_done(watcher: &Watcher, status: u16, body: &[u8]) -> Result<bool> {
    let expected = if watcher.http_code == 0 {
        200
    } else {
        watcher.http_code
    };
    if status != expected {
        return Ok(false);
    }
    let Some(path) = watcher.match_path else {
        return Ok(true);
    };
    if watcher.match_values.is_empty() {
        return Ok(true);
    }
    let decoded: Option<Value> = serde_json::from_slice(body).ok();
    let value = json_path(decoded.as_ref(), path)
        .map_err(|e| anyhow!("failed to apply json path to watcher response\n{e}"))?;
    Ok(watcher.match_values.contains(&value.as_str()))
}

/// The value at a JSON path of the forms the table uses (`$`, then `.key` or `[index]` steps)
/// as Go's watcher prints it: a string as is, `null` as nothing, a list as its first element.
fn json_path(document: Option<&Value>, path: &str) -> Result<String, String> {
    let mut at = document.ok_or("invalid character: not JSON")?;
    let mut rest = path
        .strip_prefix('$')
        .ok_or_else(|| format!("unsupported json path {path:?}"))?;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let key = &after[..end];
            at = at
                .as_object()
                .and_then(|object| object.get(key))
                .ok_or_else(|| format!("unknown key {key}"))?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or("unterminated index")?;
            let index: usize = after[..end].parse().map_err(|_| "invalid index")?;
            at = at
                .as_array()
                .and_then(|list| list.get(index))
                .ok_or_else(|| format!("index out of range: {index}"))?;
            rest = &after[end + 1..];
        } else {
            return Err(format!("unsupported json path {path:?}"));
        }
    }
    if let Value::Array(list) = at {
        at = match list.first() {
            Some(first) => first,
            None => return Ok(String::new()),
        };
    }
    Ok(match at {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// A number of seconds as Go's `time.Duration` prints it: `45s`, `10m0s`, `1h30m0s`.
pub fn go_duration(timeout: Duration) -> String {
    let secs = timeout.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        let d = |s| go_duration(Duration::from_secs(s));
        assert_eq!(
            [d(0), d(1), d(59), d(60), d(600), d(3600), d(5430)],
            ["0s", "1s", "59s", "1m0s", "10m0s", "1h0m0s", "1h30m30s"]
        );
    }

    #[test]
    fn json_paths_read_what_the_watchers_use() {
        let doc: Value = serde_json::from_str(
            r#"{"id":"abc","stateName":"IDLE","n":3,"nested":{"list":["x","y"]},"none":null}"#,
        )
        .unwrap();
        let at = |path| json_path(Some(&doc), path);
        assert_eq!(at("$.id").unwrap(), "abc");
        assert_eq!(at("$.n").unwrap(), "3");
        assert_eq!(at("$.nested.list").unwrap(), "x");
        assert_eq!(at("$.nested.list[1]").unwrap(), "y");
        assert_eq!(at("$.none").unwrap(), "");
        assert_eq!(at("$.missing").unwrap_err(), "unknown key missing");
        assert!(json_path(None, "$.id").is_err());
    }

    #[test]
    fn every_watcher_polls_a_get_that_exists_with_what_it_needs() {
        for op in operations::all() {
            let Some(watcher) = op.watcher else { continue };
            let target = operations::by_id(watcher.operation_id).unwrap();
            assert_eq!(
                target.method,
                operations::Method::Get,
                "{}",
                op.operation_id
            );
            assert!(
                target.version(watcher.version).is_some(),
                "{}",
                op.operation_id
            );
            for (name, source) in watcher.params {
                assert!(
                    target.parameters().any(|p| p.name == *name),
                    "{} {name}",
                    op.operation_id
                );
                if let Some(flag) = source.strip_prefix("input:") {
                    assert!(
                        op.parameters().any(|p| p.name == flag),
                        "{} {flag}",
                        op.operation_id
                    );
                }
            }
        }
    }
}

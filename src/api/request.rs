//! From a `CommandRequest` (what the user asked for) to the HTTP request, with no I/O:
//! URL join and path escaping, the query string, and the versioned Accept / Content-Type.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};
use gocompat::url::{path_escape, query_escape};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};

use crate::api::operations::{Method, Operation, Version};

/// Everything needed to build the request and handle its answer.
#[derive(Debug)]
pub struct CommandRequest {
    pub operation: &'static Operation,
    /// The parameters the user set (or the profile filled), by name, as normalised strings.
    pub parameters: BTreeMap<&'static str, String>,
    /// The array parameters the user set, each value in the order given.
    pub arrays: BTreeMap<&'static str, Vec<String>>,
    pub version: &'static Version,
    /// The `-o` value: a format (`json`, `csv`, `gzip`) or a Go template.
    pub output: String,
    pub output_file: Option<String>,
    /// The `--file` value (operations with a body only).
    pub file: Option<String>,
    /// `--watch`, and `--watchTimeout` in seconds (0 or less: no limit).
    pub watch: bool,
    pub watch_timeout: i64,
}

/// The first lines of every request-building error.
const BUILD_FAILED: &str = "failed to build http request";

/// Builds the request: method, URL, Accept, Content-Type (for operations with a body) and body.
pub fn convert_to_http_request(
    base_url: &str,
    command: &CommandRequest,
    response_format: &str,
    body: Option<Vec<u8>>,
) -> Result<reqwest::Request> {
    let accept = accept_header(command.version, response_format)?;
    let url = build_url(base_url, command)?;
    let method = match command.operation.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Patch => reqwest::Method::PATCH,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut request = reqwest::Request::new(method, url);
    let headers = request.headers_mut();
    headers.insert(ACCEPT, header_value(&accept)?);
    if let Some(format) = command.version.request_content_type {
        let content_type = format!("application/vnd.atlas.{}+{format}", command.version.version);
        headers.insert(CONTENT_TYPE, header_value(&content_type)?);
        *request.body_mut() = Some(body.unwrap_or_default().into());
    }
    Ok(request)
}

fn header_value(value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|_| anyhow!("{BUILD_FAILED}\ninvalid header value"))
}

/// `application/vnd.atlas.<version>+<format>`, if the version answers in that format.
pub fn accept_header(version: &Version, format: &str) -> Result<String> {
    if !version.response_content_types.contains(&format) {
        bail!(
            "{BUILD_FAILED}\nunsupported content type\nexpected one of the following values: [{}], but got '{format}' instead",
            version.response_content_types.join(",")
        );
    }
    Ok(format!(
        "application/vnd.atlas.{}+{format}",
        version.version
    ))
}

/// The base URL joined with the operation's path (Go `URL.JoinPath`) plus the query.
pub fn build_url(base_url: &str, command: &CommandRequest) -> Result<reqwest::Url> {
    // Shown without its password ("Messages"), cut at 200 characters.
    let shown = || {
        let stripped = crate::support::url_text::without_password(base_url);
        crate::support::quote::shorten(&stripped).into_owned()
    };
    let mut url = reqwest::Url::parse(base_url)
        .map_err(|e| anyhow!("{BUILD_FAILED}\ninvalid base url {:?}: {e}", shown()))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        bail!(
            "{BUILD_FAILED}\ninvalid base url {:?}: the scheme must be http or https",
            shown()
        );
    }
    let path = build_path(command.operation, &command.parameters);
    url.set_path(&join_path(url.path(), &path));
    let query = build_query_parameters(command.operation, &command.parameters, &command.arrays);
    url.set_query((!query.is_empty()).then_some(query.as_str()));
    url.set_fragment(None);
    Ok(url)
}

/// The URL template with every `{name}` replaced by its path-escaped value.
pub fn build_path(operation: &Operation, parameters: &BTreeMap<&'static str, String>) -> String {
    let mut path = operation.url_template.to_string();
    for param in operation.url_parameters {
        let value = parameters.get(param.name).map_or("", String::as_str);
        path = path.replace(&format!("{{{}}}", param.name), &path_escape(value));
    }
    path
}

/// Go's `url.Values.Encode` of the query parameters that are set: keys sorted, an array's
/// values in the order given (one `k=v` each), keys and values query-escaped.
pub fn build_query_parameters(
    operation: &Operation,
    parameters: &BTreeMap<&'static str, String>,
    arrays: &BTreeMap<&'static str, Vec<String>>,
) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for p in operation.query_parameters {
        if let Some(value) = parameters.get(p.name) {
            pairs.push((p.name, value));
        }
        for value in arrays.get(p.name).into_iter().flatten() {
            pairs.push((p.name, value));
        }
    }
    // A stable sort: an array's values keep their order.
    pairs.sort_by_key(|(k, _)| *k);
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Go `URL.JoinPath` on an already-escaped base path: `path.Join`, keeping a trailing slash.
fn join_path(base: &str, path: &str) -> String {
    let joined = clean_path(&format!("/{base}/{path}"));
    if path.ends_with('/') && !joined.ends_with('/') {
        format!("{joined}/")
    } else {
        joined
    }
}

/// Go `path.Clean` for a rooted path: collapses `//`, drops `.`, resolves `..`.
fn clean_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    format!("/{}", segments.join("/"))
}

#[cfg(test)]
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;
    use crate::api::operations::find;

    fn command(op: &str, params: &[(&'static str, &str)]) -> CommandRequest {
        let operation = find("programmaticApiKeys", op).unwrap();
        CommandRequest {
            operation,
            parameters: params.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            arrays: BTreeMap::new(),
            version: operation.default_version(),
            output: "json".into(),
            output_file: None,
            file: None,
            watch: false,
            watch_timeout: 0,
        }
    }

    const A: &str = "a0123456789abcdef012345a";

    #[test]
    fn builds_urls_like_go() {
        let cases: &[(&str, &str, &[(&'static str, &str)], &str)] = &[
            (
                "http://h/",
                "createOrgApiKey",
                &[("orgId", A)],
                "http://h/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys",
            ),
            (
                "http://h",
                "createOrgApiKey",
                &[("orgId", A)],
                "http://h/api/atlas/v2/orgs/a0123456789abcdef012345a/apiKeys",
            ),
            (
                "http://h/prefix/",
                "createOrgApiKey",
                &[("orgId", "x")],
                "http://h/prefix/api/atlas/v2/orgs/x/apiKeys",
            ),
            (
                "http://h//p/../q?x=1#f",
                "createOrgApiKey",
                &[("orgId", "x")],
                "http://h/q/api/atlas/v2/orgs/x/apiKeys",
            ),
            (
                "http://h/",
                "createOrgApiKey",
                &[("orgId", "")],
                "http://h/api/atlas/v2/orgs/apiKeys",
            ),
            (
                "http://h/",
                "createOrgApiKey",
                &[("orgId", "x"), ("pretty", "true"), ("envelope", "false")],
                "http://h/api/atlas/v2/orgs/x/apiKeys?envelope=false&pretty=true",
            ),
            (
                "http://h/",
                "getOrgAccessEntry",
                &[
                    ("orgId", "o"),
                    ("apiUserId", "k"),
                    ("ipAddress", "10.0.0.0/8"),
                ],
                "http://h/api/atlas/v2/orgs/o/apiKeys/k/accessList/10.0.0.0%2F8",
            ),
            (
                "http://h/",
                "getOrgAccessEntry",
                &[
                    ("orgId", "o"),
                    ("apiUserId", "k"),
                    ("ipAddress", "192.0.2.0%2F24"),
                ],
                "http://h/api/atlas/v2/orgs/o/apiKeys/k/accessList/192.0.2.0%252F24",
            ),
            (
                "http://h/",
                "getOrgAccessEntry",
                &[("orgId", "o"), ("apiUserId", "k"), ("ipAddress", "")],
                "http://h/api/atlas/v2/orgs/o/apiKeys/k/accessList/",
            ),
            (
                "http://h/",
                "listGroupApiKeys",
                &[
                    ("groupId", "p"),
                    ("itemsPerPage", "5"),
                    ("pageNum", "2"),
                    ("includeCount", "true"),
                ],
                "http://h/api/atlas/v2/groups/p/apiKeys?includeCount=true&itemsPerPage=5&pageNum=2",
            ),
            (
                "http://h/",
                "getOrgApiKey",
                &[("orgId", "a b/c?d"), ("apiUserId", "$&+:=@!*")],
                "http://h/api/atlas/v2/orgs/a%20b%2Fc%3Fd/apiKeys/$&+:=@%21%2A",
            ),
            (
                "http://h/",
                "getOrgApiKey",
                &[("orgId", "o"), ("apiUserId", "..")],
                "http://h/api/atlas/v2/orgs/o",
            ),
        ];
        for (base, op, params, want) in cases {
            let url = build_url(base, &command(op, params)).unwrap();
            assert_eq!(url.as_str(), *want, "{base} {op} {params:?}");
        }
    }

    #[test]
    fn rejects_unusable_base_urls() {
        for base in ["localhost:8080", "ftp://h/", "not a url", "mailto:x@y"] {
            let err = build_url(base, &command("createOrgApiKey", &[("orgId", A)])).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("failed to build http request\ninvalid base url"),
                "{base}: {err}"
            );
        }
    }

    #[test]
    fn invalid_base_urls_never_show_a_password() {
        let cmd = command("createOrgApiKey", &[("orgId", A)]);
        let cases = [
            (
                "http://user:PASSWORD@h:99999/",
                "invalid base url \"http://user@h:99999/\": invalid port number",
            ),
            (
                "ftp://user:PASSWORD@h/",
                "invalid base url \"ftp://user@h/\": the scheme must be http or https",
            ),
            (
                "http://user:PASS/WORD@h/",
                "invalid base url \"http://user@h/\": invalid port number",
            ),
        ];
        for (base, want) in cases {
            let err = build_url(base, &cmd).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("failed to build http request\n{want}"),
                "{base}"
            );
        }
        let long = format!("ftp://h/{}", "x".repeat(300));
        let err = build_url(&long, &cmd).unwrap_err().to_string();
        assert!(
            err.contains(&format!("\"ftp://h/{}…\"", "x".repeat(192))),
            "{err}"
        );
    }

    #[test]
    fn sets_versioned_headers_and_body() {
        let cmd = command("createOrgApiKey", &[("orgId", A)]);
        let request =
            convert_to_http_request("http://h/", &cmd, "json", Some(b"{}".to_vec())).unwrap();
        assert_eq!(request.method(), reqwest::Method::POST);
        assert_eq!(
            request.headers()[ACCEPT],
            "application/vnd.atlas.2023-01-01+json"
        );
        assert_eq!(
            request.headers()[CONTENT_TYPE],
            "application/vnd.atlas.2023-01-01+json"
        );
        assert_eq!(request.body().and_then(|b| b.as_bytes()), Some(&b"{}"[..]));

        let cmd = command("getOrgApiKey", &[("orgId", A), ("apiUserId", A)]);
        let request = convert_to_http_request("http://h/", &cmd, "json", None).unwrap();
        assert_eq!(request.method(), reqwest::Method::GET);
        assert!(request.headers().get(CONTENT_TYPE).is_none());
        assert!(request.body().is_none());
    }

    #[test]
    fn unsupported_formats_fail_before_anything_is_built() {
        let cmd = command("createOrgApiKey", &[("orgId", A)]);
        for format in ["csv", "", "}}{{"] {
            let err = convert_to_http_request("http://h/", &cmd, format, None).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "failed to build http request\nunsupported content type\nexpected one of the following values: [json], but got '{format}' instead"
                )
            );
        }
    }
}

//! The operations of `atlas api`: the types of the catalogue (`api::catalogue`, generated from
//! the Go CLI's own command table) and how a command is found in it.
//!
//! Everything the engine knows about an operation lives in the catalogue — its tag, command
//! name and aliases, method and URL template, URL and query parameters, API versions and
//! content types, watcher, deprecation and help text. No other file names an operation,
//! except the rules this project adds (body schemas, keyed by operation id).

/// A tag: the `atlas api <tag>` level.
#[derive(Debug)]
pub struct Tag {
    /// The command name (`strcase.ToLowerCamel` of the table's name).
    pub name: &'static str,
    pub short: &'static str,
    pub long: &'static str,
    /// In the table's order.
    pub operations: &'static [Operation],
}

impl Tag {
    /// cobra's `IsAvailableCommand` for a group: it has a command that is not deprecated.
    pub fn is_available(&self) -> bool {
        self.operations.iter().any(|op| op.deprecated.is_none())
    }
}

/// HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// The type of a parameter, which is also the type of its flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Int,
    Bool,
}

/// A URL-path or query parameter, exposed as a flag of the same name.
#[derive(Debug)]
pub struct Parameter {
    pub name: &'static str,
    /// Other flag names accepted for this parameter (not shown in help).
    pub aliases: &'static [&'static str],
    pub shorthand: Option<char>,
    pub kind: ParamType,
    /// Given as many times as wanted (`--eventType A --eventType B`), sent once per value.
    pub array: bool,
    pub required: bool,
    /// The flag's one-line usage, as the reference prints it.
    pub usage: &'static str,
    /// The description says it is a 24-hexadecimal id: its value is checked before sending.
    pub hex_id: bool,
}

/// How stable an API version is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stability {
    Stable,
    Upcoming,
    Preview,
}

/// One API version of an operation and the content types it speaks.
#[derive(Debug)]
pub struct Version {
    /// `YYYY-MM-DD`, `YYYY-MM-DD.upcoming` or `preview`.
    pub version: &'static str,
    pub stability: Stability,
    /// `YYYY-MM-DD`: the version stops working at 00:00 UTC that day.
    pub sunset: Option<&'static str>,
    pub public_preview: bool,
    pub deprecated: bool,
    /// `Some("json")` when the operation takes a request body in this version.
    pub request_content_type: Option<&'static str>,
    pub response_content_types: &'static [&'static str],
}

/// How `--watch` polls until the operation's work is done.
#[derive(Debug)]
pub struct Watcher {
    /// The operation polled (a GET), and at which version.
    pub operation_id: &'static str,
    pub version: &'static str,
    /// Its parameters: `input:<flag>` (the command's own value) or `body:<JSON path>` (from
    /// the command's answer).
    pub params: &'static [(&'static str, &'static str)],
    /// The HTTP status that means done (0: any), and/or a JSON path whose value must be one
    /// of `match_values`.
    pub http_code: u16,
    pub match_path: Option<&'static str>,
    pub match_values: &'static [&'static str],
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// The name of its tag.
    pub tag: &'static str,
    pub operation_id: &'static str,
    /// The command name; the short operation id where the table has one.
    pub command_name: &'static str,
    /// Other accepted command names (the full operation id for short-named operations).
    pub aliases: &'static [&'static str],
    /// The first sentence of the description.
    pub short: &'static str,
    /// The rest of the description.
    pub long: &'static str,
    pub method: Method,
    pub url_template: &'static str,
    pub url_parameters: &'static [&'static Parameter],
    pub query_parameters: &'static [&'static Parameter],
    /// Oldest first; the last one is the default.
    pub versions: &'static [Version],
    /// Every response content type of every version, once each, sorted (`-o`'s formats).
    pub formats: &'static [&'static str],
    pub watcher: Option<&'static Watcher>,
    /// cobra's deprecation text, when every version is deprecated or has a sunset date.
    pub deprecated: Option<&'static str>,
}

/// Operations are identified by their operationId.
impl PartialEq for Operation {
    fn eq(&self, other: &Operation) -> bool {
        self.operation_id == other.operation_id
    }
}

impl Eq for Operation {}

impl Operation {
    /// The version used when none (or an unsupported one) is asked for: the last.
    pub fn default_version(&self) -> &'static Version {
        self.versions.last().expect("every operation has a version")
    }

    /// Finds the version with this exact name.
    pub fn version(&self, name: &str) -> Option<&'static Version> {
        self.versions.iter().find(|v| v.version == name)
    }

    /// True when some version of the operation takes a request body (and so has `--file`).
    pub fn has_body(&self) -> bool {
        self.versions
            .iter()
            .any(|v| v.request_content_type.is_some())
    }

    /// URL parameters then query parameters.
    pub fn parameters(&self) -> impl Iterator<Item = &'static Parameter> {
        self.url_parameters
            .iter()
            .chain(self.query_parameters)
            .copied()
    }

    /// The `-o` default: the one format, when there is only one (else `-o` is required).
    pub fn default_format(&self) -> Option<&'static str> {
        match self.formats {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// Every tag, in the table's order.
pub fn tags() -> &'static [Tag] {
    crate::api::catalogue::TAGS
}

/// The tag called `name` (exact and case-sensitive, as cobra matches).
pub fn tag(name: &str) -> Option<&'static Tag> {
    tags().iter().find(|t| t.name == name)
}

/// Every operation of every tag.
pub fn all() -> impl Iterator<Item = &'static Operation> {
    tags().iter().flat_map(|t| t.operations)
}

/// The operation with this operation id.
pub fn by_id(operation_id: &str) -> Option<&'static Operation> {
    all().find(|op| op.operation_id == operation_id)
}

/// Finds an operation by tag and command name or alias (exact, case-sensitive).
#[cfg(test)]
pub fn find(tag_name: &str, name: &str) -> Option<&'static Operation> {
    tag(tag_name)?
        .operations
        .iter()
        .find(|op| op.command_name == name || op.aliases.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn placeholders(template: &str) -> Vec<&str> {
        template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn the_catalogue_has_every_tag_and_command() {
        assert_eq!(tags().len(), 57);
        assert_eq!(all().count(), 527);
        let verbs = |m: Method| all().filter(|op| op.method == m).count();
        assert_eq!(
            [
                Method::Get,
                Method::Post,
                Method::Delete,
                Method::Patch,
                Method::Put
            ]
            .map(verbs),
            [261, 111, 79, 66, 10]
        );
        assert_eq!(all().filter(|op| op.watcher.is_some()).count(), 25);
    }

    #[test]
    fn every_placeholder_has_a_url_parameter_and_back() {
        for op in all() {
            let holes: HashSet<&str> = placeholders(op.url_template).into_iter().collect();
            let params: HashSet<&str> = op.url_parameters.iter().map(|p| p.name).collect();
            assert_eq!(holes, params, "{}", op.operation_id);
        }
    }

    #[test]
    fn every_operation_has_versions_and_formats() {
        for op in all() {
            assert!(!op.versions.is_empty(), "{}", op.operation_id);
            assert!(!op.formats.is_empty(), "{}", op.operation_id);
            for v in op.versions {
                assert!(!v.response_content_types.is_empty(), "{}", op.operation_id);
            }
        }
    }

    #[test]
    fn command_names_and_aliases_are_unique_within_a_tag() {
        let mut tag_names = HashSet::new();
        for tag in tags() {
            assert!(tag_names.insert(tag.name), "duplicate tag {}", tag.name);
            let mut seen = HashSet::new();
            for op in tag.operations {
                assert_eq!(op.tag, tag.name);
                // An alias may repeat the command's own name (a short id equal to the id).
                let aliases = op.aliases.iter().filter(|a| **a != op.command_name);
                for name in std::iter::once(&op.command_name).chain(aliases) {
                    assert!(
                        seen.insert(*name),
                        "{}: duplicate command name {name}",
                        tag.name
                    );
                }
            }
        }
    }

    #[test]
    fn flag_names_do_not_collide_within_an_operation() {
        let fixed = [
            "file",
            "output",
            "outputFile",
            "version",
            "help",
            "profile",
            "debug",
            "watch",
            "watchTimeout",
        ];
        for op in all() {
            let mut seen: HashSet<&str> = fixed.into_iter().collect();
            for p in op.parameters() {
                for name in std::iter::once(&p.name).chain(p.aliases) {
                    assert!(seen.insert(name), "{}: flag {name}", op.operation_id);
                }
            }
        }
    }

    #[test]
    fn body_schemas_belong_to_operations_with_a_body() {
        let with_schema: Vec<&str> = all()
            .filter(|op| crate::api::validate::body_schema(op.operation_id).is_some())
            .map(|op| {
                assert!(op.has_body(), "{}", op.operation_id);
                op.operation_id
            })
            .collect();
        assert_eq!(with_schema.len(), 6, "{with_schema:?}");
    }

    #[test]
    fn short_names_keep_the_operation_id_as_alias() {
        let op = find("programmaticApiKeys", "createOrgAccessEntry").unwrap();
        assert_eq!(op.operation_id, "createOrgApiKeyAccessListEntry");
        assert_eq!(op.aliases, ["createOrgApiKeyAccessListEntry"]);
        assert!(find("programmaticApiKeys", "createOrgApiKeyAccessListEntry").is_some());
        assert!(find("programmaticApiKeys", "createorgapikey").is_none());
        assert_eq!(tag("programmaticApiKeys").unwrap().operations.len(), 14);
        assert_eq!(by_id("listGroupClusters").unwrap().tag, "clusters");
    }

    #[test]
    fn hex_ids_are_the_parameters_described_as_such() {
        let mut names: Vec<&str> = all()
            .flat_map(|op| op.parameters())
            .filter(|p| p.hex_id)
            .map(|p| p.name)
            .collect();
        names.sort();
        names.dedup();
        for name in ["groupId", "orgId", "apiUserId"] {
            assert!(names.contains(&name), "{names:?}");
        }
        assert!(!names.contains(&"clusterName"));
    }
}

//! What the Go CLI derives from its table when it builds its commands
//! (`internal/cli/api/api.go`, `flags.go`, `strings.go`), computed here once.

use crate::model::{Command, Version};

/// `strcase.ToLowerCamel` of iancoleman/strcase v0.3.0 (no acronyms configured): words split
/// at `_`, ` `, `-` and `.`, a digit ends a word, and the second of two capitals in a row is
/// lowered (`AI Model API Keys` → `aiModelApiKeys`, `MongoDB` → `mongoDb`).
pub fn lower_camel(s: &str) -> String {
    let s = s.trim();
    let mut out = String::with_capacity(s.len());
    let mut cap_next = false;
    let mut prev_is_cap = false;
    for (i, &byte) in s.as_bytes().iter().enumerate() {
        let mut v = byte;
        let is_cap = v.is_ascii_uppercase();
        let is_low = v.is_ascii_lowercase();
        if cap_next {
            if is_low {
                v = v.to_ascii_uppercase();
            }
        } else if (i == 0 || prev_is_cap) && is_cap {
            v = v.to_ascii_lowercase();
        }
        prev_is_cap = is_cap;
        if is_cap || is_low {
            out.push(char::from(v));
            cap_next = false;
        } else if v.is_ascii_digit() {
            out.push(char::from(v));
            cap_next = true;
        } else {
            cap_next = matches!(v, b'_' | b' ' | b'-' | b'.');
        }
    }
    out
}

/// `splitShortAndLongDescription`: split at the first `.` followed by white space (`\s`:
/// tab, newline, form feed, carriage return, space) or the end; the short part gets its `.`
/// back; the long part is the rest with white space trimmed.
pub fn split_description(description: &str) -> (String, String) {
    let bytes = description.as_bytes();
    let mut split = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'.' {
            continue;
        }
        let spaces = bytes[i + 1..]
            .iter()
            .take_while(|c| matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' '))
            .count();
        if spaces > 0 || i + 1 == bytes.len() {
            split = Some((i, i + 1 + spaces));
            break;
        }
    }
    let (mut short, long) = match split {
        Some((dot, rest)) => (
            description[..dot].to_string(),
            description[rest..].trim().to_string(),
        ),
        None => (description.to_string(), String::new()),
    };
    if !short.is_empty() && !short.ends_with('.') && !short.ends_with(". ") {
        short.push('.');
    }
    (short, long)
}

/// `flagDescription`: the short part of a parameter's description, its first byte lowered and
/// one trailing `.` removed.
pub fn flag_description(description: &str) -> String {
    let (mut short, _) = split_description(description);
    if let Some(first) = short.get(..1) {
        short = first.to_lowercase() + &short[1..];
    }
    match short.strip_suffix('.') {
        Some(trimmed) => trimmed.to_string(),
        None => short,
    }
}

/// A parameter this project checks as a 24-hexadecimal id: its description says so at once.
pub fn is_hex_id(description: &str) -> bool {
    description.starts_with("Unique 24-hexadecimal digit string")
        || description.starts_with("Unique 24-hexadecimal character string")
}

/// The command's name and aliases: the short operation id, if any, is the name and the
/// operation id becomes an alias.
pub fn names(command: &Command) -> (String, Vec<String>) {
    let mut aliases = command.aliases.clone();
    let mut name = lower_camel(&command.operation_id);
    if !command.short_operation_id.is_empty() {
        aliases.push(name);
        name = lower_camel(&command.short_operation_id);
    }
    (name, aliases)
}

/// `allVersionsDeprecated`: every version has a sunset date or is deprecated.
pub fn all_versions_deprecated(versions: &[Version]) -> bool {
    versions.iter().all(|v| v.sunset.is_some() || v.deprecated)
}

/// cobra's `Deprecated` text for a command whose versions are all deprecated
/// (`addDeprecationMessageIfNeeded`), else `None`.
pub fn deprecation(versions: &[Version]) -> Option<String> {
    if !all_versions_deprecated(versions) {
        return None;
    }
    let mut text = String::from("all of the available endpoint versions have been deprecated.");
    if let [only] = versions
        && let Some(sunset) = &only.sunset
    {
        text.push_str(&format!(
            " The API endpoint version {} will no longer be available after the sunset date of {sunset}.\n",
            only.version
        ));
        return Some(text);
    }
    if let Some(v) = versions.iter().find(|v| v.sunset.is_some()) {
        text.push_str(&format!(
            " The API endpoint version {} will no longer be available after the sunset date of {}.",
            v.version,
            v.sunset.as_deref().unwrap_or_default()
        ));
    }
    text.push('\n');
    Some(text)
}

/// `getContentTypes`: every response content type of every version, once each, sorted.
pub fn content_types(versions: &[Version]) -> Vec<String> {
    let mut types: Vec<String> = versions
        .iter()
        .flat_map(|v| v.response_content_types.iter().cloned())
        .collect();
    types.sort();
    types.dedup();
    types
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_camel_is_strcase_v0_3_0() {
        for (input, want) in [
            ("AI Model API Keys", "aiModelApiKeys"),
            ("AWS Clusters DNS", "awsClustersDns"),
            ("MongoDB Cloud Users", "mongoDbCloudUsers"),
            ("X.509 Authentication", "x509Authentication"),
            (
                "Encryption at Rest using Customer Key Management",
                "encryptionAtRestUsingCustomerKeyManagement",
            ),
            ("createGroupAiModelApiKey", "createGroupAiModelApiKey"),
            ("getGroupClusterProcessArgs", "getGroupClusterProcessArgs"),
            ("Programmatic API Keys", "programmaticApiKeys"),
            ("  Root ", "root"),
            ("a_b-c.d e", "aBCDE"),
            ("v2x", "v2X"),
            ("", ""),
        ] {
            assert_eq!(lower_camel(input), want, "{input:?}");
        }
    }

    #[test]
    fn descriptions_split_at_the_first_sentence_end() {
        let split = |s: &str| split_description(s);
        assert_eq!(
            split("Returns one key. To use it, ask.\n\nMore."),
            ("Returns one key.".into(), "To use it, ask.\n\nMore.".into())
        );
        // A dot inside a version number is no sentence end.
        assert_eq!(
            split("Needs MongoDB 8.0 or later. Then."),
            ("Needs MongoDB 8.0 or later.".into(), "Then.".into())
        );
        assert_eq!(split("No end"), ("No end.".into(), String::new()));
        assert_eq!(split("Ends."), ("Ends.".into(), String::new()));
        assert_eq!(split(""), (String::new(), String::new()));
        assert_eq!(
            flag_description(
                "Unique 24-hexadecimal digit string that identifies your project. Use the /groups endpoint."
            ),
            "unique 24-hexadecimal digit string that identifies your project"
        );
        assert_eq!(flag_description("Number of items."), "number of items");
    }
}

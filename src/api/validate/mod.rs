//! Request-body validation (README "Checks before anything is sent"): the body must be JSON, then
//! match its operation's schema.
//!
//! The check is a UTF-8 scan and one pass of serde_json over the bytes, without building a
//! `serde_json::Value` or copying the body, so memory stays small whatever the body's size.

mod address;
mod schema;
mod validator;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;

use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny};

pub use address::{is_cidr_block, is_ip_address};
pub use schema::{Schema, body_schema};

use validator::{Findings, Node};

/// Checks a request body. `Ok(warnings)` (each a complete line such as `warning: request body:
/// roles[0]: unknown value "X", sending it anyway`, in document order) or `Err` with the
/// complete error text (without `Error: `), e.g. `invalid request body: desc: must be at most
/// 250 characters` or `invalid JSON in request body at line 1, column 9: expected value`.
///
/// With `schema: None` only the JSON syntax is checked. A JSON syntax error anywhere in the
/// body wins over a schema failure; among schema failures the first in document order wins
/// (a missing required property is found at the end of its object).
/// `text` with every unpaired `\uD800`–`\uDFFF` escape replaced by `\ufffd`, or `None` when
/// it has none (the common case: no copy is made).
fn replace_lone_surrogates(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let unit = |at: usize| -> Option<u16> {
        let digits = text.get(at + 2..at + 6)?;
        (bytes.get(at + 1) == Some(&b'u')).then(|| u16::from_str_radix(digits, 16).ok())?
    };
    let mut lone = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Jump to the next backslash (`str::find` searches a word at a time: a body of 100 MB
        // without escapes is crossed in milliseconds, not a byte at a time). `i` may land
        // inside a character after a backslash that escapes nothing valid: step to the next.
        match text.get(i..).map(|rest| rest.find('\\')) {
            Some(Some(offset)) => i += offset,
            Some(None) => break,
            None => {
                i += 1;
                continue;
            }
        }
        match unit(i) {
            Some(0xD800..=0xDBFF) => {
                let paired = bytes.get(i + 6) == Some(&b'\\')
                    && matches!(unit(i + 6), Some(0xDC00..=0xDFFF));
                if paired {
                    i += 12;
                    continue;
                }
                lone.push(i);
                i += 6;
            }
            Some(0xDC00..=0xDFFF) => {
                lone.push(i);
                i += 6;
            }
            Some(_) => i += 6,
            None => i += 2,
        }
    }
    if lone.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for at in lone {
        out[at..at + 6].copy_from_slice(b"\\ufffd");
    }
    String::from_utf8(out).ok()
}

pub fn validate_body(body: &[u8], schema: Option<&Schema>) -> Result<Vec<String>, String> {
    // JSON text is UTF-8 (RFC 8259). serde_json checks it only inside the strings it decodes,
    // not in the ones it skips, so the whole body is checked first (no copy is made).
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(error) => {
            let at = error.valid_up_to();
            let line_start = body[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line = 1 + body[..line_start].iter().filter(|&&b| b == b'\n').count();
            let column = 1 + char_count(&body[line_start..at]);
            return Err(format!(
                "invalid JSON in request body at line {line}, column {column}: invalid UTF-8"
            ));
        }
    };
    // Go decodes a lone UTF-16 surrogate escape as U+FFFD; serde_json refuses it. The rare body
    // that has one is checked as a same-length copy with `\ufffd` in its place.
    let without_lone_surrogates = replace_lone_surrogates(text);
    let text = without_lone_surrogates.as_deref().unwrap_or(text);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut findings = Findings::default();
    let parsed = match schema {
        Some(schema) => Node {
            schema,
            findings: &mut findings,
        }
        .deserialize(&mut deserializer),
        None => IgnoredAny::deserialize(&mut deserializer).map(|_| ()),
    }
    .and_then(|()| deserializer.end());
    if let Err(error) = parsed {
        return Err(json_error_text(body, &error));
    }
    match findings.failure {
        Some(failure) => Err(format!("invalid request body: {failure}")),
        None => Ok(findings.warnings),
    }
}

/// `invalid JSON in request body at line L, column C: <reason>`. serde_json counts columns in
/// bytes; here C counts characters of line L up to and including the one where the error was
/// found (at least 1, so an empty body is at line 1, column 1).
fn json_error_text(body: &[u8], error: &serde_json::Error) -> String {
    let full = error.to_string();
    let line = error.line();
    let suffix = format!(" at line {line} column {}", error.column());
    let reason = full.strip_suffix(&suffix).unwrap_or(&full);
    let line_bytes = body
        .split(|&b| b == b'\n')
        .nth(line.saturating_sub(1))
        .unwrap_or(&[]);
    let column = char_count(&line_bytes[..error.column().min(line_bytes.len())]).max(1);
    format!(
        "invalid JSON in request body at line {}, column {column}: {reason}",
        line.max(1)
    )
}

/// How many characters start in `bytes`: every byte that is not a UTF-8 continuation byte.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count()
}

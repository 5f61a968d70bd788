//! A byte-faithful clone of Go's `text/template` as the Atlas CLI uses it for
//! `-o '<go template>'`: the response body's first JSON value is decoded like Go's
//! `encoding/json` into generic values and the template is executed over it.

mod exec;
mod ftoa;
mod funcs;
mod json;
mod lex;
mod number;
mod parse;
mod printf;
mod quote;
mod stack;
mod value;

use std::fmt;

/// The name Go gives the template (it appears in every error message).
const TEMPLATE_NAME: &str = "formatter-template";

/// Stack reserved for one execution; recursion beyond the guard reports an error instead.
const STACK_SIZE: usize = 512 << 20;
const STACK_MARGIN: usize = 1 << 20;
/// Guard budget when no worker thread can be spawned (assumes a 2 MiB caller stack).
const FALLBACK_BUDGET: usize = 1 << 20;

/// Which step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The template did not parse.
    Parse,
    /// The body is not a JSON document Go can decode.
    Json,
    /// Execution failed (output may have been written before the failure).
    Exec,
}

/// A failure of [`format`], displayed exactly as the Go CLI prints it after
/// `Error: error formatting output\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    kind: ErrorKind,
    message: String,
    partial: Vec<u8>,
}

impl FormatError {
    /// Which step failed.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The output Go had already written when execution failed (empty for other kinds).
    pub fn partial_output(&self) -> &[u8] {
        &self.partial
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ErrorKind::Parse {
            f.write_str("failed to parse format string\n")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormatError {}

/// Go's template detection rule: true iff `s` contains "{{" and "}}" and the first "{{" comes
/// before the first "}}".
pub fn is_template(s: &str) -> bool {
    match (s.find("{{"), s.find("}}")) {
        (Some(open), Some(close)) => open < close,
        _ => false,
    }
}

/// Executes a Go template over a JSON response body, exactly as the Go CLI does:
/// the body's FIRST JSON value is decoded like Go's `json.NewDecoder(r).Decode(&v)` into
/// generic values (objects → maps, arrays → slices, every number → float64), then the template
/// named "formatter-template" is parsed and executed over it.
pub fn format(template: &str, body: &[u8]) -> Result<Vec<u8>, FormatError> {
    let (t, b) = (template.to_string(), body.to_vec());
    let worker = std::thread::Builder::new()
        .name("gotmpl".into())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            stack::set_budget(STACK_SIZE - STACK_MARGIN);
            run(&t, &b)
        });
    match worker {
        Ok(handle) => handle.join().unwrap_or_else(|_| {
            Err(FormatError {
                kind: ErrorKind::Exec,
                message: "template: internal error".into(),
                partial: Vec::new(),
            })
        }),
        Err(_) => {
            stack::set_budget(FALLBACK_BUDGET);
            run(template, body)
        }
    }
}

/// Parses the template only — the first step of [`format`] — so that a template that can
/// never work is reported before anything else happens.
pub fn check(template: &str) -> Result<(), FormatError> {
    match format(template, b"") {
        Err(e) if e.kind == ErrorKind::Parse => Err(e),
        _ => Ok(()),
    }
}

fn run(template: &str, body: &[u8]) -> Result<Vec<u8>, FormatError> {
    let error = |kind, message| FormatError {
        kind,
        message,
        partial: Vec::new(),
    };
    let trees = parse::parse(TEMPLATE_NAME, template).map_err(|m| error(ErrorKind::Parse, m))?;
    let data = json::decode(body).map_err(|m| error(ErrorKind::Json, m))?;
    exec::execute(&trees, template, TEMPLATE_NAME, data, exec::MAX_STEPS).map_err(|(e, partial)| {
        FormatError {
            kind: ErrorKind::Exec,
            message: e.0,
            partial,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        let cases = [
            ("{{.id}}", true),
            ("json", false),
            ("}} {{", false),
            ("{{", false),
            ("a {{ b }} c", true),
        ];
        for (s, want) in cases {
            assert_eq!(is_template(s), want, "{s}");
        }
    }

    #[test]
    fn end_to_end() {
        let out = format(
            "{{.id}} {{.n}} {{.missing}}",
            br#"{"id":"abc","n":1000000}"#,
        )
        .unwrap();
        assert_eq!(out, b"abc 1e+06 <no value>");
        let e = format("{{.x", b"{}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to parse format string\ntemplate: formatter-template:1: unclosed action"
        );
        assert_eq!(format("{{.}}", b"").unwrap_err().to_string(), "EOF");
    }
}

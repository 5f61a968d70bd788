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

/// Stack wanted for one execution: enough for Go's depth limit (100000 nested template calls).
/// Where the address space cannot spare it, a smaller one is taken (down to `MIN_STACK`), and
/// failing any, the caller's own; the guard then stops recursion earlier, with the same error.
const STACK_SIZE: usize = 512 << 20;
const MIN_STACK: usize = 1 << 20;
/// Stack kept free below the guard's limit: more than any frames between two checks take.
const MAX_MARGIN: usize = 1 << 20;

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

/// What [`format_with_report`] produced: Go's output, and the field chains that looked up a
/// key the data did not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formatted {
    /// The output, byte for byte Go's (`<no value>` where a key was missing).
    pub output: Vec<u8>,
    /// Each field chain (`.x`, `.x.y`, `$.x`, `$v.x`, `(pipe).x`) as the template writes it
    /// whose look-up found no such key in an object while the template ran, once each, in
    /// order of first evaluation. A key present with `null` is not missing; `index` never
    /// counts; a field of a non-object is Go's error, not a missing key.
    pub missing: Vec<String>,
}

/// Executes a Go template over a JSON response body, exactly as the Go CLI does:
/// the body's FIRST JSON value is decoded like Go's `json.NewDecoder(r).Decode(&v)` into
/// generic values (objects → maps, arrays → slices, every number → float64), then the template
/// named "formatter-template" is parsed and executed over it.
pub fn format(template: &str, body: &[u8]) -> Result<Vec<u8>, FormatError> {
    format_with_report(template, body).map(|formatted| formatted.output)
}

/// [`format`], also saying which field chains found no key (see [`Formatted::missing`]).
pub fn format_with_report(template: &str, body: &[u8]) -> Result<Formatted, FormatError> {
    let mut size = STACK_SIZE.min(stack::affordable());
    while size >= MIN_STACK {
        let (t, b) = (template.to_string(), body.to_vec());
        let worker = std::thread::Builder::new()
            .name("gotmpl".into())
            .stack_size(size)
            .spawn(move || {
                stack::set_budget(size - margin(size));
                run(&t, &b)
            });
        if let Ok(handle) = worker {
            return handle.join().unwrap_or_else(|_| {
                Err(FormatError {
                    kind: ErrorKind::Exec,
                    message: "template: internal error".into(),
                    partial: Vec::new(),
                })
            });
        }
        size /= 2;
    }
    // No thread can be had: on the caller's stack, within what is left of it.
    let left = stack::remaining();
    stack::set_budget(left - margin(left));
    run(template, body)
}

/// Stack kept free below the guard's limit on a stack of `size` bytes.
fn margin(size: usize) -> usize {
    (size / 4).min(MAX_MARGIN)
}

/// Parses the template only — the first step of [`format`] — so that a template that can
/// never work is reported before anything else happens.
pub fn check(template: &str) -> Result<(), FormatError> {
    match format(template, b"") {
        Err(e) if e.kind == ErrorKind::Parse => Err(e),
        _ => Ok(()),
    }
}

fn run(template: &str, body: &[u8]) -> Result<Formatted, FormatError> {
    let error = |kind, message| FormatError {
        kind,
        message,
        partial: Vec::new(),
    };
    let trees = parse::parse(TEMPLATE_NAME, template).map_err(|m| error(ErrorKind::Parse, m))?;
    let data = json::decode(body).map_err(|m| error(ErrorKind::Json, m))?;
    exec::execute(&trees, template, TEMPLATE_NAME, data, exec::MAX_STEPS)
        .map(|executed| Formatted {
            output: executed.output,
            missing: executed.missing,
        })
        .map_err(|(e, partial)| FormatError {
            kind: ErrorKind::Exec,
            message: e.0,
            partial,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursion_on_a_small_callers_stack_is_the_depth_error() {
        // What runs when no thread can be had: the caller's own stack, here a small one.
        let on_small_stack = std::thread::Builder::new()
            .stack_size(512 << 10)
            .spawn(|| {
                let left = stack::remaining();
                assert!(left > 64 << 10 && left < 512 << 10, "{left}");
                stack::set_budget(left - margin(left));
                let template = r#"{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}"#;
                run(template, b"{}").unwrap_err().message
            })
            .unwrap();
        assert!(
            on_small_stack
                .join()
                .unwrap()
                .ends_with("exceeded maximum template depth (100000)")
        );
    }

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

    /// The output and the missing chains of a template over `body`.
    fn report(template: &str, body: &str) -> (String, Vec<String>) {
        let formatted = format_with_report(template, body.as_bytes()).unwrap();
        let output = String::from_utf8(formatted.output).unwrap();
        (output, formatted.missing)
    }

    fn missing(template: &str, body: &str) -> Vec<String> {
        report(template, body).1
    }

    #[test]
    fn a_missing_key_is_reported_and_the_output_stays_gos() {
        let (output, missing) = report("{{.privatekey}}", r#"{"privateKey":"fake"}"#);
        assert_eq!(output, "<no value>");
        assert_eq!(missing, [".privatekey"]);
        assert_eq!(
            report(
                "{{.id}} {{.privateKey}}",
                r#"{"id":"a","privateKey":"fake"}"#
            ),
            ("a fake".to_string(), vec![])
        );
    }

    #[test]
    fn chains_are_named_whole_as_written() {
        let body = r#"{"a":{"b":1},"m":{"name":"n"}}"#;
        assert_eq!(missing("{{.a.c}}", body), [".a.c"]);
        assert_eq!(missing("{{.x.y.z}}", body), [".x.y.z"]);
        assert_eq!(missing("{{$.x}} {{$.a.b}}", body), ["$.x"]);
        assert_eq!(
            missing("{{$v := .m}}{{$v.name}}{{$v.nom}}", body),
            ["$v.nom"]
        );
        assert_eq!(missing("{{(.a).c}}", body), ["(.a).c"]);
        assert_eq!(missing("{{(.m).name}}", body), Vec::<String>::new());
    }

    #[test]
    fn look_ups_in_conditions_loops_and_arguments_count() {
        let body = r#"{"l":[{"w":1},{"v":2}],"s":"x"}"#;
        assert_eq!(missing("{{if .x}}{{end}}", body), [".x"]);
        assert_eq!(missing("{{with .y}}{{end}}", body), [".y"]);
        assert_eq!(missing("{{range .z}}{{end}}", body), [".z"]);
        assert_eq!(missing("{{range .l}}{{.w}}{{end}}", body), [".w"]);
        assert_eq!(missing(r#"{{printf "%s" .x}}"#, body), [".x"]);
        assert_eq!(missing("{{.s | printf \"%s\"}}{{eq .q 1}}", body), [".q"]);
        assert_eq!(
            missing(r#"{{define "t"}}{{.d}}{{end}}{{template "t" .}}"#, body),
            [".d"]
        );
    }

    #[test]
    fn index_and_null_values_do_not_count() {
        assert_eq!(
            report(r#"{{index . "x"}}"#, "{}"),
            ("<no value>".to_string(), vec![])
        );
        assert_eq!(
            report("{{.n}} {{.o.n}}", r#"{"n":null,"o":{"n":null}}"#),
            ("<no value> <no value>".to_string(), vec![])
        );
    }

    #[test]
    fn each_chain_is_named_once_in_order_of_first_evaluation() {
        let body = r#"{"l":[{},{}]}"#;
        assert_eq!(
            missing("{{.b}}{{.a}}{{.b}}{{range .l}}{{.c}}{{end}}{{.a}}", body),
            [".b", ".a", ".c"]
        );
        assert_eq!(
            missing("{{if false}}{{.never}}{{end}}", body),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_field_of_a_non_object_stays_gos_error() {
        let e = format_with_report("{{.s.x}}", br#"{"s":"str"}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Exec);
        assert!(
            e.to_string()
                .ends_with("can't evaluate field x in type interface {}"),
            "{e}"
        );
    }
}

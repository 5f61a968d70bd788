//! Pathological inputs: deep nesting and runaway recursion end in Go's answer or a clean error,
//! never a crash.

use gotmpl::format;

fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{}{}", open.repeat(n), inner, close.repeat(n))
}

#[test]
fn infinite_template_recursion_stops_at_go_depth() {
    let e = format(
        r#"{{define "a"}}{{template "a"}}{{end}}{{template "a"}}"#,
        b"{}",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "template: formatter-template:1:25: executing \"a\" at <{{template \"a\"}}>: \
         exceeded maximum template depth (100000)"
    );
}

#[test]
fn deep_control_nesting_executes() {
    let t = nested("{{if 1}}{{with 1}}", "deep", "{{end}}{{end}}", 5_000);
    assert_eq!(format(&t, b"{}").unwrap(), b"deep");
}

#[test]
fn parenthesis_depth_limit_matches_go() {
    let ok = format!("{{{{{}}}}}", nested("(", "1", ")", 9_999));
    assert_eq!(format(&ok, b"{}").unwrap(), b"1");
    let deep = format!("{{{{{}}}}}", nested("(", "1", ")", 10_001));
    assert_eq!(
        format(&deep, b"{}").unwrap_err().to_string(),
        "failed to parse format string\ntemplate: formatter-template:1: max expression depth exceeded"
    );
}

#[test]
fn very_deep_nesting_errors_cleanly() {
    for t in [
        nested("{{if 1}}", "x", "{{end}}", 400_000),
        nested("{{", "", "", 200_000),
        nested("{{range .}}", "", "", 300_000),
    ] {
        let error = format(&t, b"[1]").expect_err("so deep a template is refused");
        assert!(
            error
                .to_string()
                .starts_with("failed to parse format string\n"),
            "{error}"
        );
    }
}

#[test]
fn json_nesting_limit_matches_go() {
    let ok = nested("[", "", "]", 10_000);
    assert!(format("{{len .}}", ok.as_bytes()).is_ok());
    let deep = nested("[", "", "]", 10_001);
    assert_eq!(
        format("{{.}}", deep.as_bytes()).unwrap_err().to_string(),
        "invalid character '[' exceeded max depth"
    );
    let huge = nested("[", "", "", 1_000_000);
    assert_eq!(
        format("{{.}}", huge.as_bytes()).unwrap_err().to_string(),
        "invalid character '[' exceeded max depth"
    );
}

#[test]
fn output_past_64_mib_stops_with_an_error() {
    let body = br#"{"results":[1,2,3,4,5,6,7,8,9,10]}"#;
    // 100 iterations of a 1,000,000-wide number: 100 MB if unbounded.
    let template = r#"{{range $i := 100}}{{range $.results}}{{printf "%999999d" 1}}{{end}}{{end}}"#;
    let err = gotmpl::format(template, body).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: formatter-template: output larger than 64 MiB"
    );
    // Just under the bound is fine.
    let ok = gotmpl::format(r#"{{range $i := 60}}{{printf "%999999d" 1}}{{end}}"#, body).unwrap();
    assert_eq!(ok.len(), 60 * 999_999);
}

#[test]
fn documents_of_more_than_two_million_values_are_refused() {
    let items = gotmpl_max_values() + 1;
    let body = format!("[{}[]]", "[],".repeat(items - 1));
    let err = gotmpl::format("{{len .}}", body.as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the response holds more than 2000000 JSON values"),
        "{err}"
    );
    let fine = format!("[{}0]", "0,".repeat(99_999));
    assert_eq!(
        gotmpl::format("{{len .}}", fine.as_bytes()).unwrap(),
        b"100000"
    );
}

fn gotmpl_max_values() -> usize {
    2_000_000
}

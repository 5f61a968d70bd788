//! Differential test: every case in tests/golden/cases.jsonl (outputs of Go's own
//! text/template, see tests/golden/generate.py) must be reproduced byte for byte.

use std::collections::BTreeMap;

use gotmpl::{ErrorKind, format};
use serde_json::Value;

fn bytes(case: &Value, key: &str) -> Vec<u8> {
    if let Some(s) = case.get(key).and_then(Value::as_str) {
        return s.as_bytes().to_vec();
    }
    let hex = case[format!("{key}_hex")].as_str().unwrap_or_default();
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect()
}

/// What a run produced, in the corpus' terms: (kind, stdout, error text).
fn observe(template: &str, input: &[u8]) -> (String, Vec<u8>, String) {
    match format(template, input) {
        Ok(out) => ("ok".into(), out, String::new()),
        Err(e) => {
            let shown = e.to_string();
            let (kind, msg) = match e.kind() {
                ErrorKind::Parse => (
                    "parse",
                    shown
                        .strip_prefix("failed to parse format string\n")
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("<missing prefix> {shown}")),
                ),
                ErrorKind::Json => ("json", shown),
                ErrorKind::Exec => ("exec", shown),
            };
            (kind.into(), e.partial_output().to_vec(), msg)
        }
    }
}

#[test]
fn golden_corpus_is_byte_identical() {
    // GOTMPL_CASES=path runs another corpus in the same format (for exploratory runs).
    let text = match std::env::var("GOTMPL_CASES") {
        Ok(path) => std::fs::read_to_string(path).expect("readable GOTMPL_CASES"),
        Err(_) => include_str!("golden/cases.jsonl").to_string(),
    };
    let mut total = 0;
    let mut same = 0;
    let mut failures_by_category: BTreeMap<String, usize> = BTreeMap::new();
    let mut report = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("valid case line");
        total += 1;
        let template = case["template"].as_str().unwrap_or_default();
        let input = bytes(&case, "input");
        let want = (
            case["kind"].as_str().unwrap_or_default().to_string(),
            bytes(&case, "stdout"),
            case["error"].as_str().unwrap_or_default().to_string(),
        );
        let got = observe(template, &input);
        if got == want {
            same += 1;
            continue;
        }
        let name = case["name"].as_str().unwrap_or_default();
        let category = name.split('/').next().unwrap_or_default().to_string();
        *failures_by_category.entry(category).or_default() += 1;
        if report.len() < 60 {
            report.push(format!(
                "--- {name}\n  template: {template:?}\n  want: {} {:?} {:?}\n  got:  {} {:?} {:?}",
                want.0,
                String::from_utf8_lossy(&want.1),
                want.2,
                got.0,
                String::from_utf8_lossy(&got.1),
                got.2
            ));
        }
    }
    let share = 100.0 * same as f64 / total as f64;
    println!("golden corpus: {same}/{total} byte-identical ({share:.2}%)");
    if same != total {
        println!("mismatches by category: {failures_by_category:?}");
        for r in &report {
            println!("{r}");
        }
    }
    assert!(total >= 400, "corpus too small: {total}");
    assert_eq!(same, total, "{} cases differ", total - same);
}

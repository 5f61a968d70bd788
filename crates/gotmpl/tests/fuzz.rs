//! Property test: random templates (token soup and grammar-shaped) over random JSON never
//! panic and always finish. Deterministic (seeded xorshift) and time-bounded for CI.

use std::time::{Duration, Instant};

use gotmpl::format;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{- ",
    " -}}",
    " ",
    " ",
    ".",
    ".a",
    ".b.c",
    "$",
    "$x",
    ":=",
    "=",
    "|",
    "(",
    ")",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "nil",
    "true",
    "1",
    "-2.5",
    "0x1F",
    "'a'",
    "\"s\"",
    "`r`",
    "1i",
    "printf",
    "index",
    "slice",
    "len",
    "eq",
    "lt",
    "le",
    "and",
    "or",
    "not",
    "html",
    "js",
    "urlquery",
    "print",
    "println",
    "call",
    ",",
    "/*",
    "*/",
    "\n",
    "é",
    "😀",
    "x",
    "\"%v %d %s %q %x %5.2f %-3s %[2]d %*d %!\"",
    "\"t\"",
    "9223372036854775808",
    "'\\u00e9'",
    "\"\\xff\"",
    "1e400",
    "0o17",
    "1_0",
];

const OPERANDS: &[&str] = &[
    ".",
    ".a",
    ".b",
    ".b.c",
    ".n",
    ".l",
    ".missing",
    "$",
    "1",
    "0",
    "-1",
    "2.5",
    "\"s\"",
    "\"%v\"",
    "\"%d|%s|%q|%x|%6.2f|%T\"",
    "'x'",
    "true",
    "false",
    "nil",
    "1e3",
    "0x10",
    "`raw`",
    "3",
    "1i",
];

const FUNCS: &[&str] = &[
    "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "eq", "ne", "lt",
    "le", "gt", "ge", "html", "js", "urlquery", "call",
];

fn soup(rng: &mut Rng) -> String {
    let n = 1 + rng.below(24);
    (0..n).map(|_| rng.pick(TOKENS)).collect()
}

fn operand(rng: &mut Rng, depth: usize, vars: &[String]) -> String {
    match rng.below(10) {
        0 if depth < 3 => format!("({})", pipeline(rng, depth + 1, vars)),
        1 if !vars.is_empty() => vars[rng.below(vars.len())].clone(),
        _ => rng.pick(OPERANDS).to_string(),
    }
}

fn pipeline(rng: &mut Rng, depth: usize, vars: &[String]) -> String {
    let mut cmds = Vec::new();
    loop {
        let cmd = if rng.chance(55) {
            let mut parts = vec![rng.pick(FUNCS).to_string()];
            for _ in 0..rng.below(4) {
                parts.push(operand(rng, depth, vars));
            }
            parts.join(" ")
        } else {
            operand(rng, depth, vars)
        };
        cmds.push(cmd);
        if !rng.chance(25) {
            return cmds.join(" | ");
        }
    }
}

fn body(rng: &mut Rng, depth: usize, vars: &mut Vec<String>) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(3) {
        match rng.below(10) {
            0 => out.push_str(rng.pick(&["a", " ", "\n", "{{/* c */}}", "{{- \" \" -}}"])),
            1 => {
                let v = format!("$v{}", vars.len());
                out.push_str(&format!("{{{{{v} := {}}}}}", pipeline(rng, 0, vars)));
                vars.push(v);
            }
            2 | 3 if depth < 4 => {
                let kw = rng.pick(&["if", "range", "with", "range"]);
                let mut inner_vars = vars.clone();
                let mut decl = String::new();
                if kw == "range" && rng.chance(40) {
                    decl = format!("$i{depth}, $e{depth} := ");
                    inner_vars.push(format!("$i{depth}"));
                    inner_vars.push(format!("$e{depth}"));
                }
                let mut inner = body(rng, depth + 1, &mut inner_vars);
                if kw == "range" && rng.chance(20) {
                    inner.push_str(rng.pick(&["{{break}}", "{{continue}}"]));
                }
                let els = if rng.chance(30) {
                    format!("{{{{else}}}}{}", body(rng, depth + 1, &mut vars.clone()))
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "{{{{{kw} {decl}{}}}}}{inner}{els}{{{{end}}}}",
                    pipeline(rng, 0, vars)
                ));
            }
            4 if depth == 0 => out.push_str(&format!(
                "{{{{define \"t\"}}}}{}{{{{end}}}}{{{{template \"t\" {}}}}}",
                body(rng, depth + 1, &mut Vec::new()),
                operand(rng, 0, vars)
            )),
            _ => out.push_str(&format!("{{{{{}}}}}", pipeline(rng, 0, vars))),
        }
    }
    out
}

fn json_value(rng: &mut Rng, depth: usize) -> String {
    match rng.below(if depth > 3 { 6 } else { 9 }) {
        0 => "null".into(),
        1 => rng.pick(&["true", "false"]).into(),
        2 => rng
            .pick(&[
                "0",
                "-0",
                "1",
                "2.5",
                "1e21",
                "1e-7",
                "123456789",
                "-1.5e300",
                "5e-324",
                "1e400",
            ])
            .into(),
        3 | 4 => rng
            .pick(&[
                "\"\"",
                "\"s\"",
                "\"%d\"",
                "\"a\\nb\\u00e9\\ud83d\\ude00\"",
                "\"<&>'\\\"\"",
                "\"\\ud800\"",
            ])
            .into(),
        5 => format!("{}", rng.next() % 1000),
        6 => {
            let items: Vec<String> = (0..rng.below(4))
                .map(|_| json_value(rng, depth + 1))
                .collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let items: Vec<String> = (0..rng.below(4))
                .map(|_| {
                    let k = rng.pick(&["a", "b", "c", "n", "l", "", "x y"]);
                    format!("\"{k}\":{}", json_value(rng, depth + 1))
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

fn json_body(rng: &mut Rng) -> Vec<u8> {
    let mut doc = json_value(rng, 0).into_bytes();
    match rng.below(20) {
        0 => doc.truncate(rng.below(doc.len() + 1)),
        1 => doc.push(0xFF),
        2 => doc = (0..rng.below(8)).map(|_| rng.next() as u8).collect(),
        _ => {}
    }
    doc
}

#[test]
fn random_templates_never_panic() {
    // GOTMPL_FUZZ_RUNS / GOTMPL_FUZZ_SECS raise the bounds for a long run by hand.
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seed = env("GOTMPL_FUZZ_SEED", 0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(env("GOTMPL_FUZZ_SECS", 8));
    let max_runs = env("GOTMPL_FUZZ_RUNS", 20_000);
    let mut runs = 0u64;
    let mut outcomes = [0u64; 2];
    while runs < max_runs && Instant::now() < deadline {
        let template = if rng.chance(30) {
            soup(&mut rng)
        } else {
            body(&mut rng, 0, &mut Vec::new())
        };
        let input = json_body(&mut rng);
        match format(&template, &input) {
            Ok(_) => outcomes[0] += 1,
            Err(e) => {
                outcomes[1] += 1;
                let shown = e.to_string();
                assert!(
                    !shown.contains("internal error"),
                    "panic for template {template:?} input {:?}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
        runs += 1;
    }
    println!(
        "fuzz: {runs} runs, {} ok, {} errors",
        outcomes[0], outcomes[1]
    );
    assert!(runs >= 200, "too few runs: {runs}");
}

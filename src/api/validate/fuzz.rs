//! Fuzzing: a bounded, deterministic property test that no input panics and every outcome is well formed.

use super::schema::{BODY_SCHEMAS, Schema};
use super::validate_body;

/// A small deterministic PRNG (xorshift64*), so failures reproduce without extra crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Every schema option: syntax only, then the six bodies.
fn all_schemas() -> Vec<Option<&'static Schema>> {
    std::iter::once(None)
        .chain(BODY_SCHEMAS.iter().map(|(_, s)| Some(*s)))
        .collect()
}

/// How many outcomes of each kind the fuzzing saw, to show that it reaches every kind.
#[derive(Debug, Default)]
struct Tally {
    clean: usize,
    warned: usize,
    schema_failures: usize,
    syntax_errors: usize,
}

/// Validates `body` against every schema and checks the outcome's shape. Returns whether the
/// syntax-only check accepted it.
fn check(body: &[u8], tally: &mut Tally) -> bool {
    let mut syntax_ok = true;
    for schema in all_schemas() {
        let outcome = validate_body(body, schema);
        match &outcome {
            Ok(warnings) if warnings.is_empty() => tally.clean += 1,
            Ok(_) => tally.warned += 1,
            Err(e) if e.starts_with("invalid JSON") => tally.syntax_errors += 1,
            Err(_) => tally.schema_failures += 1,
        }
        match &outcome {
            Ok(warnings) => {
                assert!(
                    syntax_ok,
                    "schema check accepted what the syntax check refused: {body:?}"
                );
                for w in warnings {
                    assert!(w.starts_with("warning: request body: "), "{w}");
                    assert!(w.ends_with("\", sending it anyway"), "{w}");
                    assert!(!w.contains(['\n', '\r']), "{w:?}");
                }
            }
            Err(e) => {
                assert!(!e.contains(['\n', '\r']), "{e:?}");
                if let Some(rest) = e.strip_prefix("invalid JSON in request body at line ") {
                    let (line, rest) = rest.split_once(", column ").expect(e);
                    let (column, reason) = rest.split_once(": ").expect(e);
                    assert!(line.parse::<usize>().expect(e) >= 1, "{e}");
                    assert!(column.parse::<usize>().expect(e) >= 1, "{e}");
                    assert!(!reason.is_empty() && !reason.contains(" at line "), "{e}");
                } else {
                    assert!(e.starts_with("invalid request body: "), "{e}");
                    assert!(schema.is_some(), "schema error without a schema: {e}");
                }
            }
        }
        if schema.is_none() {
            syntax_ok = outcome.is_ok();
        }
    }
    syntax_ok
}

/// Valid bodies of the six operations to mutate.
const SEEDS: &[&str] = &[
    r#"{"desc":"my key","roles":["ORG_MEMBER","GROUP_OWNER"]}"#,
    r#"{"desc":"é😀","roles":["ORG_OWNER"],"extra":{"a":[1,-2.5e3,null,true]}}"#,
    r#"[{"roles":["GROUP_OWNER"],"userId":"5f1d2c3b4a5f6e7d8c9b0a1f"},{"roles":[]}]"#,
    r#"[{"ipAddress":"192.0.2.1","comment":"x"},{"cidrBlock":"2001:db8::/32"}]"#,
    r#"{"roles":["GROUP_READ_ONLY"]}"#,
    "{\n  \"desc\": \"a\\u00e9\\n\",\n  \"roles\": []\n}\n",
];

/// Fragments inserted by mutations: JSON punctuation, literals, tricky strings and bytes.
const FRAGMENTS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b" ",
    b"\n",
    b"\\",
    b"null",
    b"true",
    b"0",
    b"-",
    b"1e400",
    b"-0.0e-0",
    b"123456789012345678901234567890",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"\\udc00\\ud800\"",
    b"\"\\uD83D\\uDE00\"",
    b"\\u",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    "é".as_bytes(),
    "😀".as_bytes(),
    b"\x00",
    b"\x1f",
    b"\"ORG_OWNER\"",
    b"\"desc\":",
    b"\"roles\":",
    b"\"ipAddress\":",
    b"\"cidrBlock\":",
    b"\"192.0.2.0/24\"",
    b"\"::1\"",
    b"{\"ipAddress\":\"::1\"}",
    b"[[[[",
    b"]]]]",
    b"\xef\xbb\xbf",
];

/// One random mutation of `body`.
fn mutate(rng: &mut Rng, body: &mut Vec<u8>) {
    let at = rng.below(body.len() + 1);
    match rng.below(6) {
        0 if !body.is_empty() => {
            let end = (at + 1 + rng.below(4)).min(body.len());
            body.drain(at.min(end)..end);
        }
        1 => {
            let fragment = rng.pick(FRAGMENTS);
            body.splice(at..at, fragment.iter().copied());
        }
        2 if !body.is_empty() => {
            let i = rng.below(body.len());
            body[i] = rng.next() as u8;
        }
        3 => {
            let end = (at + rng.below(16)).min(body.len());
            let copy = body[at..end].to_vec();
            let to = rng.below(body.len() + 1);
            body.splice(to..to, copy);
        }
        4 => body.truncate(at),
        _ => {
            let fragment = rng.pick(FRAGMENTS);
            body.splice(at..at, fragment.iter().copied());
        }
    }
}

/// Strings that random JSON values are made of.
const STRINGS: &[&str] = &[
    "",
    "k",
    "ORG_OWNER",
    "GROUP_OWNER",
    "NEW_ROLE",
    "192.0.2.1",
    "192.0.2.0/24",
    "::1/129",
    "2001:db8::/32",
    "\\\"q\\\"",
    "\\n\\t",
    "\\u00a0",
    "\\ud83d\\ude00",
    "é😀日本",
];

/// Keys that random objects use: known properties of the schemas and a few unknown ones.
const KEYS: &[&str] = &[
    "desc",
    "roles",
    "ipAddress",
    "cidrBlock",
    "userId",
    "comment",
    "x",
];

/// A random valid JSON value, at most `depth` levels deep.
fn random_json(rng: &mut Rng, depth: usize, out: &mut String) {
    let kind = if depth == 0 {
        rng.below(4)
    } else {
        rng.below(7)
    };
    match kind {
        0 => out.push_str(rng.pick(&["null", "true", "false"])),
        1 => out.push_str(rng.pick(&["0", "-1", "2.5e3", "1e400", "18446744073709551616"])),
        2 | 3 => {
            out.push('"');
            if kind == 3 && rng.below(4) == 0 {
                for _ in 0..rng.below(300) {
                    out.push(rng.pick(&['a', 'é', '😀']));
                }
            } else {
                out.push_str(rng.pick(STRINGS));
            }
            out.push('"');
        }
        4 | 5 => {
            out.push('{');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(rng.pick(KEYS));
                out.push_str("\":");
                random_json(rng, depth - 1, out);
            }
            out.push('}');
        }
        _ => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                }
                random_json(rng, depth - 1, out);
            }
            out.push(']');
        }
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tally = Tally::default();
    // ATLAS_FUZZ_ITERS scales the rounds for a long run by hand.
    let scale = crate::support::fuzzing::iterations(1);

    // Random bytes, half of them drawn from JSON's alphabet.
    let alphabet = b"{}[]\",:0123456789.eE+- \n\\nultrfase";
    for _ in 0..3000 * scale {
        let len = rng.below(48);
        let json_ish = rng.below(2) == 0;
        let body: Vec<u8> = (0..len)
            .map(|_| {
                if json_ish {
                    rng.pick(alphabet)
                } else {
                    rng.next() as u8
                }
            })
            .collect();
        check(&body, &mut tally);
    }

    // Mutations of valid bodies.
    for _ in 0..6000 * scale {
        let mut body = rng.pick(SEEDS).as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut body);
        }
        check(&body, &mut tally);
    }

    // Random valid JSON: never a syntax error, only schema failures and warnings.
    for _ in 0..3000 * scale {
        let mut body = String::new();
        random_json(&mut rng, 4, &mut body);
        assert!(
            check(body.as_bytes(), &mut tally),
            "valid JSON refused: {body}"
        );
        for schema in all_schemas() {
            if let Err(e) = validate_body(body.as_bytes(), schema) {
                // serde_json refuses a number beyond f64 only where it decodes the value.
                assert!(
                    !e.starts_with("invalid JSON") || e.ends_with("number out of range"),
                    "{e}: {body}"
                );
            }
        }
    }

    eprintln!("{tally:?}");
    assert!(tally.clean > 0 && tally.warned > 0, "{tally:?}");
    assert!(
        tally.schema_failures > 0 && tally.syntax_errors > 0,
        "{tally:?}"
    );
}

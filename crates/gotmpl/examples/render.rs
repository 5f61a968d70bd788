//! Runs a template over stdin like the Go oracle: `render TEMPLATE < body.json`.
//! Exit codes: 0 ok, 3 parse error, 4 bad JSON, 5 execution error (message on stderr,
//! prefixed PARSE-ERROR / JSON-ERROR / EXEC-ERROR).

use std::io::{Read, Write};

use gotmpl::{ErrorKind, format};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: render TEMPLATE < input.json");
        std::process::exit(2);
    }
    let mut body = Vec::new();
    if std::io::stdin().read_to_end(&mut body).is_err() {
        std::process::exit(2);
    }
    let mut out = std::io::stdout();
    match format(&args[1], &body) {
        Ok(bytes) => {
            let _ = out.write_all(&bytes);
        }
        Err(e) => {
            let _ = out.write_all(e.partial_output());
            let _ = out.flush();
            let (prefix, code, text) = match e.kind() {
                ErrorKind::Parse => {
                    let shown = e.to_string();
                    let msg = shown
                        .strip_prefix("failed to parse format string\n")
                        .unwrap_or(&shown)
                        .to_string();
                    ("PARSE-ERROR", 3, msg)
                }
                ErrorKind::Json => ("JSON-ERROR", 4, e.to_string()),
                ErrorKind::Exec => ("EXEC-ERROR", 5, e.to_string()),
            };
            eprintln!("{prefix}: {text}");
            std::process::exit(code);
        }
    }
}

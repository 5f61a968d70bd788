//! The library's layers hold: no module imports a layer above its own (ARCHITECTURE.md).
//! Read from the sources, so a new edge pointing up fails here before review: every path to
//! the crate's root counts, grouped imports and `super::` paths that climb to it included.

use std::path::Path;

/// Bottom to top.
const LAYERS: [&str; 7] = [
    "support",
    "config",
    "api",
    "transport",
    "credentials",
    "output",
    "cli",
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate's top-level modules that `code` names: every `crate::x` path anywhere (a `use`,
/// `pub use`, `use … as …` or a path in an expression), every item of a grouped import
/// `crate::{a, b::c, d::{e, f}}`, and `super::…::x` paths that climb to the crate's root from
/// the module at `module` (its path below `src/`, e.g. `["api", "validate", "fuzz"]`; inline
/// `mod` blocks are not counted).
fn crate_modules(code: &str, module: &[&str]) -> Vec<String> {
    let ident = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    // What follows a path to the crate's root: one name, or a group of them.
    let roots = |rest: &str, out: &mut Vec<String>| {
        let rest = rest.trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && !c.is_whitespace() => {
                        item_start = false;
                        let name = ident(&group[i..]);
                        if !name.is_empty() && name != "self" {
                            out.push(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.push(name);
            }
        }
    };
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        roots(&code[at + "crate::".len()..], &mut out);
    }
    // `super::` climbs one module; a file's module is its path (`mod.rs` is its folder).
    let depth = module.len();
    let mut at = 0;
    while let Some(found) = code[at..].find("super::") {
        let start = at + found;
        let before = code[..start].chars().next_back();
        let mut rest = &code[start..];
        let mut climbs = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = r.trim_start();
        }
        if !before.is_some_and(|c| c == ':' || c.is_ascii_alphanumeric() || c == '_')
            && climbs >= depth
        {
            roots(rest, &mut out);
        }
        at = start + "super::".len() * climbs.max(1);
    }
    out
}

/// A source file's module path below `src/`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_string());
    }
    parts
}

#[test]
fn no_layer_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in LAYERS {
        sources(&src.join(layer), &mut files);
    }
    assert!(files.len() > 30, "{files:?}");
    let mut up = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let layer = relative.iter().next().unwrap();
        let rank = LAYERS.iter().position(|l| *l == layer).unwrap();
        let module = module_path(relative);
        let module: Vec<&str> = module.iter().map(String::as_str).collect();
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may reach anywhere.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for name in crate_modules(code, &module) {
            if let Some(target) = LAYERS.iter().position(|l| *l == name)
                && target > rank
            {
                up.push(format!("{} -> {name}", file.display()));
            }
        }
    }
    assert!(up.is_empty(), "edges pointing up:\n{}", up.join("\n"));
}

#[test]
fn every_form_of_a_path_is_seen() {
    let seen = |code: &str| crate_modules(code, &["config"]);
    assert_eq!(seen("use crate::cli::Command;"), ["cli"]);
    assert_eq!(seen("pub use crate::output as out;"), ["output"]);
    assert_eq!(seen("let x = crate::transport::send(y);"), ["transport"]);
    assert_eq!(
        seen("use crate::{support::quote, cli, config::{self, Profile}};"),
        ["support", "cli", "config"]
    );
    assert_eq!(
        seen("use crate::{\n    api::{a, b::{c, d}},\n    output::{self as o},\n};"),
        ["api", "output"]
    );
    assert_eq!(seen("use crate::{self, support};"), ["support"]);
    // From src/api/validate/fuzz.rs, three `super::` reach the crate's root; two do not.
    let fuzz = ["api", "validate", "fuzz"];
    assert_eq!(
        crate_modules("use super::super::super::cli;", &fuzz),
        ["cli"]
    );
    assert_eq!(
        crate_modules("use super::super::super::{cli, output};", &fuzz),
        ["cli", "output"]
    );
    assert!(crate_modules("use super::super::operations;", &fuzz).is_empty());
    assert!(crate_modules("use super::schema;", &fuzz).is_empty());
}

#[test]
fn a_grouped_import_pointing_up_is_caught() {
    // `config` sits below `cli`: this edge points up, written as a group.
    let names = crate_modules("use crate::{cli, support::quote};\n", &["config"]);
    let rank = |n: &str| LAYERS.iter().position(|l| *l == n).unwrap();
    assert!(names.iter().any(|n| rank(n) > rank("config")), "{names:?}");
}

#[test]
fn module_paths_follow_the_files() {
    assert_eq!(
        module_path(Path::new("api/validate/mod.rs")),
        ["api", "validate"]
    );
    assert_eq!(
        module_path(Path::new("api/validate/fuzz.rs")),
        ["api", "validate", "fuzz"]
    );
    assert_eq!(module_path(Path::new("config/mod.rs")), ["config"]);
}

//! The library's layers hold: no module imports a layer above its own (ARCHITECTURE.md).
//! Read from the sources, so a new edge pointing up fails here before review.

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
        let layer = file.strip_prefix(&src).unwrap().iter().next().unwrap();
        let rank = LAYERS.iter().position(|l| *l == layer).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may reach anywhere.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if let Some(target) = LAYERS.iter().position(|l| *l == name)
                && target > rank
            {
                up.push(format!("{} -> {name}", file.display()));
            }
        }
    }
    assert!(up.is_empty(), "edges pointing up:\n{}", up.join("\n"));
}

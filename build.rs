//! Records the git commit and the compiler version for `atlas --version`.

use std::process::Command;

fn main() {
    let output = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    if let Some(commit) = output("git", &["rev-parse", "--short=10", "HEAD"]) {
        println!("cargo:rustc-env=ATLAS_GIT_COMMIT={commit}");
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    if let Some(version) = output(&rustc, &["--version"]) {
        let number = version
            .split_whitespace()
            .nth(1)
            .unwrap_or(&version)
            .to_string();
        println!("cargo:rustc-env=ATLAS_RUSTC_VERSION={number}");
    }
    // Where git keeps HEAD and the branches: `.git/…` in a clone, elsewhere in a worktree
    // (whose `.git` is a file). Naming a path that does not exist would rebuild every time.
    let watched: Vec<String> = ["HEAD", "refs", "packed-refs"]
        .iter()
        .filter_map(|name| output("git", &["rev-parse", "--git-path", name]))
        .filter(|path| std::path::Path::new(path).exists())
        .collect();
    for path in &watched {
        println!("cargo:rerun-if-changed={path}");
    }
    if watched.is_empty() {
        println!("cargo:rerun-if-changed=build.rs");
    }
}

//! Records the git commit and the compiler version for `atlas --version`, and which tools the
//! tests that need them will not find, so that those tests show as ignored with the reason.

use std::process::Command;

fn main() {
    let output = |program: &str, args: &[&str]| -> Option<String> {
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
    tool_cfgs(&output);
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

/// One `cfg` per missing tool of the tests in `tests/` (README "A few tests need more than
/// Rust"): a test that needs it carries `#[cfg_attr(<cfg>, ignore = "needs …")]`, so
/// `cargo test` lists it as ignored with the reason instead of passing without running.
/// Decided when this script runs: after installing a tool, `touch build.rs` (or change PATH).
fn tool_cfgs(output: &dyn Fn(&str, &[&str]) -> Option<String>) {
    let on_path = |program: &str| {
        std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| {
                std::fs::metadata(dir.join(program)).is_ok_and(|m| {
                    std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
                })
            })
        })
    };
    let root = output("id", &["-u"]).as_deref() == Some("0");
    let netns = root
        && on_path("ip")
        && std::process::Command::new("unshare")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success());
    // Mounting a small tmpfs (a full disk on demand) needs CAP_SYS_ADMIN, which a container's
    // root may lack.
    let can_mount =
        root && std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("CapEff:"))
                .and_then(|caps| u64::from_str_radix(caps.trim(), 16).ok())
                .is_some_and(|caps| caps & (1 << 21) != 0)
        }) && on_path("mount")
            && on_path("umount");
    let keyring_tools = [
        "dbus-daemon",
        "dbus-send",
        "dbus-monitor",
        "gnome-keyring-daemon",
        "secret-tool",
    ];
    let missing = [
        (
            "no_apache2",
            !std::path::Path::new("/usr/sbin/apache2").exists(),
        ),
        ("no_zsh", !on_path("zsh")),
        ("no_fish", !on_path("fish")),
        ("not_root", !root),
        ("no_netns", !netns),
        ("no_setpriv", !root || !on_path("setpriv")),
        ("no_mount", !can_mount),
        ("no_dbus_daemon", !on_path("dbus-daemon")),
        (
            "no_keyring_tools",
            !keyring_tools.iter().all(|t| on_path(t)),
        ),
        ("no_dev_shm", !std::path::Path::new("/dev/shm").is_dir()),
        ("no_faketime", !on_path("faketime")),
    ];
    let names: Vec<&str> = missing.iter().map(|(name, _)| *name).collect();
    println!("cargo::rustc-check-cfg=cfg({})", names.join(", "));
    for (name, is_missing) in missing {
        if is_missing {
            println!("cargo:rustc-cfg={name}");
        }
    }
    println!("cargo:rerun-if-env-changed=PATH");
}

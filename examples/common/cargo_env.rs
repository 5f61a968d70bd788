//! What cargo sets for a running target and a child `cargo` must not inherit: shared by the
//! quickstart example and the test that runs the README's command lines.

use std::process::Command;

/// Removes from `command` the variables cargo sets for the target it runs (this example), so
/// that the inner `cargo build` sees the environment the user's own cargo commands see. Left
/// in, they reach the compiler and build scripts of every crate and change their fingerprints:
/// ring, rustls, reqwest and `atlas` would recompile each time one switches between this
/// example and another cargo command. `CARGO`, `CARGO_HOME`, `CARGO_TARGET_DIR` and cargo's
/// own settings (`CARGO_BUILD_*`, `CARGO_PROFILE_*`, …) are kept.
pub fn without_target_env(command: &mut Command) {
    const SET_FOR_A_RUNNING_TARGET: &[&str] = &[
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if SET_FOR_A_RUNNING_TARGET.contains(&name)
            || name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
        {
            command.env_remove(name);
        }
    }
}

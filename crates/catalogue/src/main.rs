//! `cargo run -p atlas-catalogue`: writes `src/api/catalogue.rs` from
//! `crates/catalogue/data/api-commands.json`; with `--check`, only says whether it is stale.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(_) => {
            eprintln!("usage: atlas-catalogue [--check]");
            return ExitCode::from(2);
        }
    };
    let json = match std::fs::read_to_string(root.join(atlas_catalogue::DATA_PATH)) {
        Ok(json) => json,
        Err(e) => {
            eprintln!("atlas-catalogue: {}: {e}", atlas_catalogue::DATA_PATH);
            return ExitCode::FAILURE;
        }
    };
    let generated = match atlas_catalogue::generate(&json) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("atlas-catalogue: {}: {e}", atlas_catalogue::DATA_PATH);
            return ExitCode::FAILURE;
        }
    };
    let target = root.join(atlas_catalogue::GENERATED_PATH);
    let current = std::fs::read_to_string(&target).unwrap_or_default();
    if check {
        if current == generated {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "atlas-catalogue: {} is stale: run `cargo run -p atlas-catalogue`",
            atlas_catalogue::GENERATED_PATH
        );
        return ExitCode::FAILURE;
    }
    if current != generated
        && let Err(e) = std::fs::write(&target, generated)
    {
        eprintln!("atlas-catalogue: {}: {e}", atlas_catalogue::GENERATED_PATH);
        return ExitCode::FAILURE;
    }
    println!("{} is up to date", atlas_catalogue::GENERATED_PATH);
    ExitCode::SUCCESS
}

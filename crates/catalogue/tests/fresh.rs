//! The catalogue the binary embeds is the one the data gives: a change to the data without
//! running the generator fails here (and so in CI).

use std::path::Path;

#[test]
fn the_embedded_catalogue_is_generated_from_the_data() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let json = std::fs::read_to_string(root.join(atlas_catalogue::DATA_PATH)).unwrap();
    let generated = atlas_catalogue::generate(&json).unwrap();
    let embedded = std::fs::read_to_string(root.join(atlas_catalogue::GENERATED_PATH)).unwrap();
    assert!(
        generated == embedded,
        "{} is stale: run `cargo run -p atlas-catalogue`",
        atlas_catalogue::GENERATED_PATH
    );
}

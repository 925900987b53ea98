//! Writes the app encoder's golden vectors for the firmware's protocol core
//! (assets/firmware/circuitpython/vectors/app.json): samples packets and
//! control point commands as the app makes them. `tests/posture/firmware_core.rs`
//! checks the committed file is what this writes; the core's `CPython` tests
//! decode it.
//!
//! `cargo run --example firmware_vectors`

fn main() -> std::io::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/firmware/circuitpython/vectors/app.json");
    std::fs::write(
        &path,
        sitless::sources::ble::model::sitless::golden_vectors_json(),
    )?;
    println!("wrote {}", path.display());
    Ok(())
}

//! Writes a realistic day as a phone app would export it, to try the
//! import (and to time it): `cargo run --release --example phone_recording
//! -- OUT.csv [hours] [rate_hz] [seed]`, Sensor Logger's `TotalAcceleration`
//! layout. The day is the posture corpus's generator, with its mishaps.

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).map_or("TotalAcceleration.csv", String::as_str);
    let hours: f32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16.0);
    let rate: f32 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100.0);
    let seed: u64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(0);
    // 2026-03-02 07:00 UTC.
    let start_s = 1_772_434_800;
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    let w =
        sitless::sources::synth::phone::write_sensor_logger(&mut f, seed, hours, rate, start_s)?;
    std::io::Write::flush(&mut f)?;
    println!(
        "wrote {} samples ({hours} h at {rate} Hz; {} s truly sitting) to {out}",
        w.samples, w.true_sitting_s
    );
    Ok(())
}

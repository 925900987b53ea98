//! Writes a realistic day as a phone app would export it, to try the
//! import (and to time it): `cargo run --release --example phone_recording
//! -- OUT.csv [hours] [rate_hz] [seed]`, Sensor Logger's `TotalAcceleration`
//! layout (epoch nanoseconds, seconds elapsed, z, y, x in m/s²). The day
//! is the posture corpus's generator, with its mishaps.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).map_or("TotalAcceleration.csv", String::as_str);
    let hours: f32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16.0);
    let rate: f32 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100.0);
    let seed: u64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(0);
    // 2026-03-02 07:00 UTC.
    let start_s = 1_772_434_800;
    let mut plan = sitless::sources::synth::plan::realistic_day(seed, hours, start_s);
    plan.sensor.rate_hz = rate;
    let mut r = sitless::sources::synth::body::Renderer::new(plan);
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    writeln!(f, "time,seconds_elapsed,z,y,x")?;
    let mut samples = Vec::new();
    let mut n = 0_u64;
    let g = 9.806_65;
    while r.next_second(&mut samples).is_some() {
        for s in &samples {
            let t = (s.t_ms - start_s * 1000) as f64 / 1000.0;
            writeln!(
                f,
                "{},{t:.6},{:.5},{:.5},{:.5}",
                i128::from(s.t_ms) * 1_000_000,
                s.accel_g.z * g,
                s.accel_g.y * g,
                s.accel_g.x * g
            )?;
            n += 1;
        }
    }
    f.flush()?;
    println!("wrote {n} samples ({hours} h at {rate} Hz) to {out}");
    Ok(())
}

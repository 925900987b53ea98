//! A realistic day as a phone app exports it, for the import's tests, its
//! benchmark and `examples/phone_recording` (to try the import and time it).

use std::io::Write;

use super::body::Renderer;
use super::plan::realistic_day;
use crate::domain::posture::Posture;

/// Standard gravity, m/s² per g.
const G: f32 = 9.806_65;

/// Renders day `seed` (`hours` from `start_s`) at `rate_hz`; `sample` gets
/// each sample's seconds from the start and acceleration in g. Returns the
/// true sitting seconds.
pub fn render_day(
    seed: u64,
    hours: f32,
    rate_hz: f32,
    start_s: i64,
    mut sample: impl FnMut(f64, [f32; 3]),
) -> u64 {
    let mut plan = realistic_day(seed, hours, start_s);
    plan.sensor.rate_hz = rate_hz;
    let mut r = Renderer::new(plan);
    let mut samples = Vec::new();
    let mut sitting = 0;
    while let Some(truth) = r.next_second(&mut samples) {
        sitting += u64::from(truth == Posture::Sitting);
        for s in &samples {
            let t = (s.t_ms - start_s * 1000) as f64 / 1000.0;
            sample(t, [s.accel_g.x, s.accel_g.y, s.accel_g.z]);
        }
    }
    sitting
}

/// What a day written by `write_sensor_logger` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub samples: u64,
    pub true_sitting_s: u64,
}

/// Writes the day as Sensor Logger's TotalAcceleration.csv: epoch
/// nanoseconds, seconds elapsed, then z, y, x in m/s² (its column order).
pub fn write_sensor_logger(
    out: &mut impl Write,
    seed: u64,
    hours: f32,
    rate_hz: f32,
    start_s: i64,
) -> std::io::Result<Written> {
    writeln!(out, "time,seconds_elapsed,z,y,x")?;
    let mut samples = 0;
    let mut failed = None;
    let true_sitting_s = render_day(seed, hours, rate_hz, start_s, |t, [x, y, z]| {
        if failed.is_some() {
            return;
        }
        let ns = i128::from(start_s) * 1_000_000_000 + (t * 1e9).round() as i128;
        let r = writeln!(out, "{ns},{t:.6},{:.5},{:.5},{:.5}", z * G, y * G, x * G);
        failed = r.err();
        samples += 1;
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(Written {
            samples,
            true_sitting_s,
        }),
    }
}

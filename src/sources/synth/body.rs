//! Rendering a day plan as a thigh sensor's raw acceleration.
//!
//! World axes: x forward, y left, z up. The thigh's own axes when standing
//! are the same (long axis z, from knee to hip; anterior x). Hip flexion
//! `phi` turns the thigh about y (90° seated: the long axis points back,
//! the front of the thigh up); roll turns it about its long axis. The
//! sensor sits in the thigh at a random rotation (`mount`), 0.2 m below
//! the hip, and measures gravity plus the linear acceleration of that
//! point: the swing of the thigh about the hip, the body's bounce, heel
//! strikes, a vehicle's vibration and braking. Each sample averages the
//! signal over its own period, as a sensor's anti-alias filter does.

use std::f32::consts::TAU;

use super::{Act, DayPlan, Gait, Segment, Vehicle};
use crate::domain::posture::Posture;
use crate::domain::sample::RawSample;
use crate::domain::vector::{Mat3, Vec3};
use crate::sources::demo::wearer::{gauss, landing_jolt, random_mounting};

/// Acti-Motus's thigh convention: x along the thigh towards the hip, z
/// into the thigh (front of the thigh along -z), y to the wearer's left.
pub const ACTI_MOTUS_MOUNT: Mat3 = Mat3 {
    rows: [
        Vec3::new(0.0, 0.0, -1.0),
        Vec3::new(0.0, 1.0, 0.0),
        Vec3::new(1.0, 0.0, 0.0),
    ],
};

const Y: Vec3 = Vec3::new(0.0, 1.0, 0.0);
const Z: Vec3 = Vec3::new(0.0, 0.0, 1.0);
/// Distance of the sensor from the hip joint, m.
const SENSOR_R_M: f32 = 0.2;
const G_MS2: f32 = 9.81;

fn rot(axis: Vec3, deg: f32) -> Mat3 {
    Mat3::from_axis_angle(axis, deg.to_radians())
}

/// A damped ring (heel strike, a pothole), `since_s` after it began.
fn ring(since_s: f32, hz: f32, decay_s: f32) -> f32 {
    if (0.0..decay_s * 6.0).contains(&since_s) {
        (TAU * hz * since_s).sin() * (-since_s / decay_s).exp()
    } else {
        0.0
    }
}

/// Slow random state carried from second to second.
#[derive(Clone, Debug, Default)]
struct Slow {
    /// Drift of a seated or lying thigh, deg (pitch, roll).
    drift: (f32, f32),
    /// A fidget in progress: seconds left, and its jolt direction.
    fidget_s: u32,
    fidget_dir: Vec3,
    /// A jiggling knee: seconds left.
    jiggle_s: u32,
    /// Standing weight shift: current and target (pitch, roll), deg.
    shift: (f32, f32),
    shift_target: (f32, f32),
    /// Vehicle: a braking or accelerating push (g, seconds left, length).
    push: (Vec3, f32, f32),
    /// Time of the last bump, s.
    bump_at: f32,
    bump_g: f32,
    /// Filtered vibration.
    vib: Vec3,
}

/// Per-walk parameters.
#[derive(Clone, Copy, Debug, Default)]
struct Stride {
    hz: f32,
    mean_deg: f32,
    swing_deg: f32,
    strike_g: f32,
    bounce_g: f32,
    ring_hz: f32,
}

/// Plays a day plan second by second.
#[derive(Clone, Debug)]
pub struct Renderer {
    plan: DayPlan,
    rng: fastrand::Rng,
    mount: Mat3,
    /// Where the sensor lies when it is off.
    off: Mat3,
    seg: usize,
    sec_in_seg: u32,
    second: u32,
    next_sample: u64,
    slow: Slow,
    stride: Stride,
    vib_g: f32,
    /// The reading at the end of the previous stretch, for transitions.
    last_reading: Vec3,
    transition_s: f32,
    from_reading: Vec3,
}

impl Renderer {
    pub fn new(plan: DayPlan) -> Self {
        let mut rng = fastrand::Rng::with_seed(plan.seed ^ 0xB0D1);
        let mount = random_mounting(&mut rng);
        let off = random_mounting(&mut rng);
        Self {
            plan,
            rng,
            mount,
            off,
            seg: 0,
            sec_in_seg: 0,
            second: 0,
            next_sample: 0,
            slow: Slow::default(),
            stride: Stride::default(),
            vib_g: 0.0,
            last_reading: Z,
            transition_s: 0.0,
            from_reading: Z,
        }
    }

    /// The same day with the sensor mounted at `mount` (sensor → thigh
    /// axes) and never slipping: a peer's axis convention.
    pub fn with_mounting(mut plan: DayPlan, mount: Mat3) -> Self {
        for s in &mut plan.segments {
            s.slip = false;
        }
        Self {
            mount,
            ..Self::new(plan)
        }
    }

    pub fn plan(&self) -> &DayPlan {
        &self.plan
    }

    /// The reading of standing upright in the current mounting: the
    /// reference a classifier should have learned.
    pub(crate) fn true_upright(&self) -> Vec3 {
        self.mount.transpose().apply(Z)
    }

    /// The next second: its truth and its samples (none in a data gap).
    /// `None` at the end of the day.
    pub fn next_second(&mut self, out: &mut Vec<RawSample>) -> Option<Posture> {
        out.clear();
        let seg = *self.plan.segments.get(self.seg)?;
        if self.sec_in_seg == 0 {
            self.start_segment(seg);
        }
        self.per_second(seg);
        let spec = self.plan.sensor;
        let period_s = 1.0 / spec.rate_hz;
        let end_s = f64::from(self.second + 1);
        let gap = self.plan.in_gap(self.second);
        loop {
            let nominal = self.next_sample as f64 / f64::from(spec.rate_hz);
            if nominal >= end_s {
                break;
            }
            self.next_sample += 1;
            let jitter = (self.rng.f32() - 0.5) * spec.jitter * period_s;
            let t = (nominal as f32 + jitter).max(0.0);
            // Every sample is rendered, kept or not, so the random state
            // (and so the day) does not depend on what was dropped.
            let subs = if spec.rate_hz < 20.0 { 4 } else { 2 };
            let mut sum = Vec3::default();
            for k in 0..subs {
                let dt = (k as f32 + 0.5) / subs as f32 * period_s - period_s / 2.0;
                sum = sum + self.reading(seg, t + dt);
            }
            let mut a = sum * (1.0 / subs as f32);
            self.last_reading = a;
            a = a + Vec3::new(
                gauss(&mut self.rng),
                gauss(&mut self.rng),
                gauss(&mut self.rng),
            ) * spec.noise_g;
            if gap || self.rng.f32() < spec.drop_p {
                continue;
            }
            out.push(RawSample {
                t_ms: self.plan.start_s * 1000 + (f64::from(t) * 1000.0).round() as i64,
                accel_g: a,
            });
        }
        self.second += 1;
        self.sec_in_seg += 1;
        if self.sec_in_seg >= seg.duration_s {
            self.seg += 1;
            self.sec_in_seg = 0;
        }
        Some(seg.act.truth())
    }

    fn start_segment(&mut self, seg: Segment) {
        if seg.slip {
            let axis = random_mounting(&mut self.rng).apply(Z);
            let by = 40.0 + self.rng.f32() * 80.0;
            self.mount = self.mount.mul(&rot(axis, by));
        }
        if seg.act == Act::Off {
            self.off = random_mounting(&mut self.rng);
        }
        let rng = &mut self.rng;
        self.stride = match seg.act {
            Act::Walk { gait } => {
                let (hz, mean_deg, swing_deg, strike_g, bounce_g) = match gait {
                    Gait::Level => (0.8 + rng.f32() * 0.25, 7.0, 20.0, 0.9, 0.25),
                    Gait::Stairs => (0.7 + rng.f32() * 0.2, 30.0, 25.0, 0.5, 0.3),
                    Gait::Run => (1.3 + rng.f32() * 0.2, 15.0, 35.0, 2.5, 0.8),
                    Gait::Shuffle => (0.6 + rng.f32() * 0.3, 5.0, 12.0, 0.4, 0.12),
                };
                let vary = |rng: &mut fastrand::Rng, x: f32| x * (0.85 + rng.f32() * 0.3);
                Stride {
                    hz,
                    mean_deg: mean_deg + rng.f32() * 6.0 - 3.0,
                    swing_deg: vary(rng, swing_deg),
                    strike_g: vary(rng, strike_g),
                    bounce_g: vary(rng, bounce_g),
                    ring_hz: 6.0 + rng.f32() * 6.0,
                }
            }
            Act::Cycle => Stride {
                hz: 1.0 + rng.f32() * 0.4,
                mean_deg: 55.0 + rng.f32() * 8.0,
                swing_deg: 25.0 + rng.f32() * 6.0,
                ..Stride::default()
            },
            _ => self.stride,
        };
        self.vib_g = match seg.act {
            Act::Ride {
                vehicle: Vehicle::Car,
                ..
            } => 0.03 + rng.f32() * 0.09,
            Act::Ride {
                vehicle: Vehicle::Bus,
                ..
            }
            | Act::StandRide => 0.05 + rng.f32() * 0.1,
            Act::Cycle => 0.03 + rng.f32() * 0.05,
            _ => 0.0,
        };
        self.from_reading = self.last_reading;
        // Getting there takes a moment: sitting down, lying down, taking
        // the sensor off. Walking on from standing needs none.
        self.transition_s = match seg.act {
            Act::Off => 4.0 + rng.f32() * 4.0,
            Act::Walk { .. } | Act::Stand => 0.8 + rng.f32() * 0.8,
            _ => 1.5 + rng.f32() * 1.5,
        };
        self.slow.drift = (0.0, 0.0);
        self.slow.shift = (0.0, 0.0);
        self.slow.shift_target = (0.0, 0.0);
    }

    /// Events drawn once a second.
    fn per_second(&mut self, seg: Segment) {
        let rng = &mut self.rng;
        let s = &mut self.slow;
        let seated = matches!(seg.act, Act::Sit { .. } | Act::Ride { .. });
        if seated || matches!(seg.act, Act::Lie { .. }) {
            // A body is never quite still.
            s.drift.0 = s.drift.0 * 0.998 + gauss(rng) * 0.06;
            s.drift.1 = s.drift.1 * 0.998 + gauss(rng) * 0.06;
            let every_s = if seated { 240 } else { 420 };
            if s.fidget_s == 0 && rng.u32(0..every_s) == 0 {
                s.fidget_s = rng.u32(1..=4);
                s.fidget_dir = Vec3::new(gauss(rng), gauss(rng), gauss(rng)) * 0.12;
                s.drift.0 += gauss(rng) * 3.0;
                s.drift.1 += gauss(rng) * 3.0;
            }
            if seated && s.jiggle_s == 0 && rng.u32(0..1800) == 0 {
                s.jiggle_s = rng.u32(10..=60);
            }
        }
        if matches!(seg.act, Act::Stand | Act::StandRide) && rng.u32(0..25) == 0 {
            s.shift_target = (gauss(rng) * 4.0, gauss(rng) * 3.0);
        }
        if self.vib_g > 0.0 && s.push.1 <= 0.0 && rng.u32(0..30) == 0 {
            // Braking, speeding up, a bend.
            let len = 2.0 + rng.f32() * 5.0;
            let g = 0.08 + rng.f32() * 0.25;
            let dir = if rng.bool() {
                Vec3::new(if rng.bool() { g } else { -g }, 0.0, 0.0)
            } else {
                Vec3::new(0.0, if rng.bool() { g } else { -g }, 0.0)
            };
            s.push = (dir, len, len);
        }
        if self.vib_g > 0.0 && rng.u32(0..20) == 0 {
            s.bump_at = self.second as f32 + rng.f32();
            s.bump_g = 0.2 + rng.f32() * 0.6;
        }
        s.fidget_s = s.fidget_s.saturating_sub(1);
        s.jiggle_s = s.jiggle_s.saturating_sub(1);
        s.push.1 -= 1.0;
    }

    /// The sensor's reading at day time `t` (s), without noise.
    fn reading(&mut self, seg: Segment, t: f32) -> Vec3 {
        let (thigh, accel) = self.body(seg, t);
        let f = Z + accel;
        let target = match seg.act {
            Act::Off => self.off.transpose().apply(Z),
            _ => thigh.mul(&self.mount).transpose().apply(f),
        };
        let into = t - (self.second - self.sec_in_seg) as f32;
        if into < self.transition_s {
            // Moving from the last stretch's reading to this one's, with a
            // lurch of the body on the way.
            let u = (into / self.transition_s).clamp(0.0, 1.0);
            let u = u * u * (3.0 - 2.0 * u);
            let lurch = (TAU * 1.3 * into).sin() * 0.25;
            let blend = self.from_reading * (1.0 - u) + target * u;
            let dir = blend.normalized().unwrap_or(target);
            return dir * (1.0 + lurch) + Vec3::new(lurch, -lurch * 0.5, 0.0);
        }
        target
    }

    /// Thigh orientation (thigh → world) and the sensor point's linear
    /// acceleration in world axes, g.
    fn body(&mut self, seg: Segment, t: f32) -> (Mat3, Vec3) {
        let s = &mut self.slow;
        let mut accel = Vec3::default();
        if self.vib_g > 0.0 {
            let n = Vec3::new(
                gauss(&mut self.rng),
                gauss(&mut self.rng),
                gauss(&mut self.rng),
            ) * self.vib_g;
            s.vib = s.vib * 0.6 + n * 0.8;
            accel = accel + s.vib + Z * (0.02 * (TAU * 31.0 * t).sin());
            accel = accel + Z * (s.bump_g * ring(t - s.bump_at, 9.0, 0.05));
            if s.push.1 > 0.0 {
                let u = 1.0 - s.push.1 / s.push.2;
                accel = accel + s.push.0 * (std::f32::consts::PI * u).sin();
            }
        }
        if s.fidget_s > 0 {
            accel = accel + s.fidget_dir * (TAU * 2.3 * t).sin();
        }
        if s.jiggle_s > 0 {
            accel = accel + Z * (0.1 * (TAU * 5.0 * t).sin());
        }
        let flex = |phi: f32, roll: f32| rot(Y, -phi).mul(&rot(Z, roll));
        match seg.act {
            Act::Sit {
                pitch_deg,
                roll_deg,
            } => (flex(pitch_deg + s.drift.0, roll_deg + s.drift.1), accel),
            Act::Ride { pitch_deg, .. } => (flex(pitch_deg + s.drift.0, s.drift.1), accel),
            Act::Stand | Act::StandRide => {
                s.shift.0 += (s.shift_target.0 - s.shift.0) * 0.002;
                s.shift.1 += (s.shift_target.1 - s.shift.1) * 0.002;
                let sway = (TAU * 0.1 * t).sin() * 1.5;
                (flex(s.shift.0 + sway, s.shift.1), accel)
            }
            Act::Lie { roll_deg, hip_deg } => {
                let body = rot(Y, -90.0).mul(&rot(Z, roll_deg + s.drift.1));
                (body.mul(&rot(Y, -(hip_deg + s.drift.0))), accel)
            }
            Act::Walk { .. } | Act::Cycle => {
                let st = self.stride;
                // The stride phase, from the walk's start (cycles).
                let into = t - (self.second - self.sec_in_seg) as f32;
                let cycles = into * st.hz;
                let th = TAU * cycles;
                let w = TAU * st.hz;
                let a = st.swing_deg.to_radians();
                let a2 = if seg.act == Act::Cycle { 0.0 } else { a * 0.15 };
                let phi = st.mean_deg.to_radians() + a * th.sin() + a2 * (2.0 * th + 0.7).sin();
                let rate = a * w * th.cos() + 2.0 * a2 * w * (2.0 * th + 0.7).cos();
                let accel_rad = -a * w * w * th.sin() - 4.0 * a2 * w * w * (2.0 * th + 0.7).sin();
                // The sensor point swings about the hip.
                let r = SENSOR_R_M / G_MS2;
                let (sp, cp) = phi.sin_cos();
                accel = accel
                    + Vec3::new(
                        r * (accel_rad * cp - rate * rate * sp),
                        0.0,
                        r * (accel_rad * sp + rate * rate * cp),
                    );
                if seg.act != Act::Cycle {
                    let own = (cycles - 0.25).rem_euclid(1.0) / st.hz;
                    let other = (cycles - 0.75).rem_euclid(1.0) / st.hz;
                    // Each landing: the jolt, then the tissue rings.
                    let land = |since: f32| ring(since, st.ring_hz, 0.04) + landing_jolt(since);
                    let strike = st.strike_g * land(own) + 0.5 * st.strike_g * land(other);
                    accel = accel
                        + Vec3::new(0.1 * (2.0 * th).cos(), 0.0, st.bounce_g * (2.0 * th).sin())
                        + Vec3::new(0.3, 0.0, 1.0) * strike;
                }
                (flex(phi.to_degrees(), 0.0), accel)
            }
            Act::Off => (Mat3::IDENTITY, Vec3::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::plan::realistic_day;
    use super::*;

    #[test]
    fn a_day_renders_at_its_rate_with_gaps_and_one_g_at_rest() {
        let plan = realistic_day(4, 1.0, 1_700_000_000);
        let rate = plan.sensor.rate_hz;
        let gaps = plan.gaps.clone();
        let mut r = Renderer::new(plan);
        let mut out = Vec::new();
        let mut n = 0_usize;
        let mut seconds = 0_u32;
        while let Some(_truth) = r.next_second(&mut out) {
            if gaps.iter().any(|&(a, b)| (a..b).contains(&seconds)) {
                assert!(out.is_empty());
            }
            for s in &out {
                assert!(s.accel_g.is_finite());
                assert!(s.t_ms / 1000 - 1_700_000_000 <= i64::from(seconds) + 1);
            }
            n += out.len();
            seconds += 1;
        }
        assert_eq!(seconds, 3600);
        let per_s = n as f32 / 3600.0;
        assert!(
            per_s > rate * 0.9 && per_s <= rate * 1.01,
            "{per_s} of {rate}"
        );
    }
}

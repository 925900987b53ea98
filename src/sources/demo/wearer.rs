//! The demo sensor: a simulated wearer whose day follows a seeded script.
//! It produces raw 3-axis acceleration in g at 25 Hz for a thigh sensor and
//! an upper-back sensor, each mounted at an arbitrary rotation, and knows the
//! true posture of every second so tests can check the pipeline against it.

use std::f32::consts::{PI, TAU};

use crate::domain::posture::Posture;
use crate::domain::sample::{Placement, RawSample};
use crate::domain::vector::{Mat3, Vec3};

pub(crate) const RATE_HZ: u32 = 25;
const SAMPLE_MS: i64 = 1000 / RATE_HZ as i64;
/// Seconds of visible movement when the wearer changes posture.
const TRANSITION_S: u32 = 2;
const NOISE_G: f32 = 0.012;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    Sit,
    Stand,
    Walk,
    Lie,
    /// The sensors taken off and left on a table.
    Off,
}

impl Activity {
    pub fn posture(self) -> Posture {
        match self {
            Self::Sit => Posture::Sitting,
            Self::Stand => Posture::Standing,
            Self::Walk => Posture::Moving,
            Self::Lie => Posture::Lying,
            Self::Off => Posture::NotWorn,
        }
    }
}

/// One stretch of the script.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub activity: Activity,
    pub duration_s: u32,
    /// Forward trunk lean gained per minute of sitting (slouch drift).
    pub slouch_deg_per_min: f32,
    pub slouch_max_deg: f32,
    /// How far the thigh is from horizontal when sitting (leg position).
    pub thigh_offset_deg: f32,
}

impl Segment {
    pub fn new(activity: Activity, duration_s: u32) -> Self {
        Self {
            activity,
            duration_s,
            slouch_deg_per_min: 0.5,
            slouch_max_deg: 25.0,
            thigh_offset_deg: 0.0,
        }
    }
}

/// A day's script. `truth()` gives the true posture of each second.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoScript {
    pub segments: Vec<Segment>,
}

/// Seconds of the calibration prelude (stand still, then sit upright) at
/// the start of every generated workday: what the wizard asks a user to do.
pub(crate) const CALIBRATION_STAND: std::ops::Range<u32> = 2..9;
pub(crate) const CALIBRATION_SIT: std::ops::Range<u32> = 12..19;

impl DemoScript {
    pub fn from_segments(segments: Vec<Segment>) -> Self {
        Self { segments }
    }

    /// A desk worker's day from a seed: sitting bouts of 20–100 min split by
    /// short stand-ups, 2–10 min walks, a lunch break, and slouch drift.
    pub fn workday(seed: u64, hours: f64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let total_s = (hours * 3600.0).round().max(0.0) as u32;
        let still = |a, d| Segment {
            slouch_deg_per_min: 0.0,
            ..Segment::new(a, d)
        };
        let mut segs = vec![still(Activity::Stand, 10), still(Activity::Sit, 10)];
        segs.push(Segment::new(Activity::Walk, rng.u32(180..=480)));
        let mut lunch_done = false;
        let mut elapsed: u32 = segs.iter().map(|s| s.duration_s).sum();
        while elapsed < total_s {
            if !lunch_done && elapsed > 4 * 3600 {
                lunch_done = true;
                segs.push(Segment::new(Activity::Walk, rng.u32(240..=420)));
                let lunch_s = rng.u32(20 * 60..=30 * 60);
                segs.push(sit(&mut rng, lunch_s));
                segs.push(Segment::new(Activity::Walk, rng.u32(240..=420)));
            } else {
                let bout_s = rng.u32(20 * 60..=100 * 60);
                segs.push(sit(&mut rng, bout_s));
                let pause = match rng.u8(0..100) {
                    0..45 => Segment::new(Activity::Stand, rng.u32(20..=90)),
                    45..80 => Segment::new(Activity::Walk, rng.u32(120..=600)),
                    _ => Segment::new(Activity::Stand, rng.u32(150..=300)),
                };
                segs.push(pause);
            }
            elapsed = segs.iter().map(|s| s.duration_s).sum();
        }
        // Cut the last segment so the script lasts exactly `hours`.
        let mut over = elapsed.saturating_sub(total_s);
        while over > 0 {
            let Some(last) = segs.last_mut() else { break };
            if last.duration_s > over {
                last.duration_s -= over;
                over = 0;
            } else {
                over -= last.duration_s;
                segs.pop();
            }
        }
        Self { segments: segs }
    }

    pub fn duration_s(&self) -> u32 {
        self.segments.iter().map(|s| s.duration_s).sum()
    }

    /// The true posture of every second, from the start.
    pub fn truth(&self) -> Vec<Posture> {
        self.segments
            .iter()
            .flat_map(|s| std::iter::repeat_n(s.activity.posture(), s.duration_s as usize))
            .collect()
    }
}

fn sit(rng: &mut fastrand::Rng, duration_s: u32) -> Segment {
    Segment {
        activity: Activity::Sit,
        duration_s,
        slouch_deg_per_min: 0.8 + rng.f32() * 1.2,
        slouch_max_deg: 30.0 + rng.f32() * 15.0,
        thigh_offset_deg: rng.f32() * 20.0 - 10.0,
    }
}

/// A uniformly random rotation: how the sensor sits in a pocket or on a strap.
pub(crate) fn random_mounting(rng: &mut fastrand::Rng) -> Mat3 {
    let z = rng.f32() * 2.0 - 1.0;
    let phi = rng.f32() * TAU;
    let r = (1.0 - z * z).max(0.0).sqrt();
    let axis = Vec3::new(r * phi.cos(), r * phi.sin(), z);
    Mat3::from_axis_angle(axis, rng.f32() * PI)
}

/// Standard normal deviate (Box–Muller), enough for sensor noise.
pub(crate) fn gauss(rng: &mut fastrand::Rng) -> f32 {
    let u1 = rng.f32().max(1e-7);
    let u2 = rng.f32();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// The jolt of the heel strikes at `cycles` strides into a walk: the
/// landing and a damped ring of the soft tissue when this leg lands (the
/// thigh forward), and weaker ones when the other leg does half a stride
/// later, in g.
pub(crate) fn heel_strikes(cycles: f32, stride_hz: f32) -> f32 {
    let ring = |since_s: f32| {
        if since_s < 0.2 {
            (TAU * 8.0 * since_s).sin() * (-since_s / 0.05).exp()
        } else {
            0.0
        }
    };
    let land = |since_s: f32| ring(since_s) + landing_jolt(since_s);
    let own = (cycles - 0.25).rem_euclid(1.0) / stride_hz;
    let other = (cycles - 0.75).rem_euclid(1.0) / stride_hz;
    0.9 * land(own) + 0.5 * land(other)
}

/// The jolt of a foot landing, `since_s` after it: one-signed, some 25 ms
/// (the heel stops), before the tissue rings. Real walking at 25–90 Hz
/// keeps its jag in 100 ms means (`docs/posture.md`, "Gait"); a ring
/// alone averages away.
pub(crate) fn landing_jolt(since_s: f32) -> f32 {
    if (0.0..0.15).contains(&since_s) {
        (-since_s / 0.025).exp()
    } else {
        0.0
    }
}

/// World axes: x forward, y left, z up. Pitch is about y, forward positive.
const Y_AXIS: Vec3 = Vec3::new(0.0, 1.0, 0.0);
const X_AXIS: Vec3 = Vec3::new(1.0, 0.0, 0.0);

/// Samples of one simulated second.
#[derive(Debug, Default, Clone)]
pub struct DemoSecond {
    pub t_s: i64,
    pub truth: Option<Posture>,
    pub thigh: Vec<RawSample>,
    pub back: Vec<RawSample>,
}

/// Plays a script as raw samples, second by second.
#[derive(Debug, Clone)]
pub struct DemoWearer {
    script: DemoScript,
    start_s: i64,
    seg: usize,
    sec_in_seg: u32,
    second: i64,
    rng: fastrand::Rng,
    mount_thigh: Mat3,
    mount_back: Mat3,
    slouch_deg: f32,
    stride_hz: f32,
    fidget_s: u32,
    /// A seated thigh is never quite still: it drifts and shifts, deg.
    thigh_drift_deg: f32,
    prev_activity: Option<Activity>,
}

impl DemoWearer {
    pub fn new(script: DemoScript, seed: u64, start_s: i64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5EED_5E45);
        let mount_thigh = random_mounting(&mut rng);
        let mount_back = random_mounting(&mut rng);
        Self {
            script,
            start_s,
            seg: 0,
            sec_in_seg: 0,
            second: 0,
            rng,
            mount_thigh,
            mount_back,
            slouch_deg: 0.0,
            stride_hz: 0.95,
            fidget_s: 0,
            thigh_drift_deg: 0.0,
            prev_activity: None,
        }
    }

    pub fn mounting(&self, p: Placement) -> Mat3 {
        match p {
            Placement::Thigh => self.mount_thigh,
            Placement::Back => self.mount_back,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.seg >= self.script.segments.len()
    }

    /// Unix second of the next second to be produced.
    pub(crate) fn next_t_s(&self) -> i64 {
        self.start_s + self.second
    }

    /// Appends a script to play after the current one (endless demo).
    pub fn extend(&mut self, more: DemoScript) {
        self.script.segments.extend(more.segments);
    }

    /// Produces the next second of samples into `out` (cleared first).
    /// Returns false when the script is over.
    pub fn next_second(&mut self, out: &mut DemoSecond) -> bool {
        out.thigh.clear();
        out.back.clear();
        let Some(&seg) = self.script.segments.get(self.seg) else {
            out.truth = None;
            return false;
        };
        if self.sec_in_seg == 0 {
            self.on_segment_start(seg);
        }
        let t_s = self.start_s + self.second;
        out.t_s = t_s;
        out.truth = Some(seg.activity.posture());
        let in_transition =
            self.sec_in_seg < TRANSITION_S && self.prev_activity.is_some_and(|p| p != seg.activity);
        if seg.activity == Activity::Sit
            && self.sec_in_seg > 0
            && self.sec_in_seg.is_multiple_of(60)
        {
            self.slouch_deg = (self.slouch_deg + seg.slouch_deg_per_min).min(seg.slouch_max_deg);
            // Now and then the wearer notices and sits up again.
            if self.rng.u32(0..100) == 0 {
                self.slouch_deg = 0.0;
            }
        }
        if seg.activity == Activity::Sit && self.fidget_s == 0 && self.rng.u32(0..400) == 0 {
            self.fidget_s = 2;
            self.thigh_drift_deg += gauss(&mut self.rng) * 3.0;
        }
        if matches!(seg.activity, Activity::Sit | Activity::Lie) {
            self.thigh_drift_deg =
                (self.thigh_drift_deg + gauss(&mut self.rng) * 0.08).clamp(-6.0, 6.0);
        }
        for i in 0..RATE_HZ {
            let sample_t_ms = t_s * 1000 + i64::from(i) * SAMPLE_MS;
            let phase = (self.sec_in_seg as f32 + i as f32 / RATE_HZ as f32) * TAU;
            let (thigh_rot, back_rot, dyn_g) = self.body(seg, phase, in_transition);
            let f = Vec3::new(0.0, 0.0, 1.0) + dyn_g;
            for (placement, rot) in [(Placement::Thigh, thigh_rot), (Placement::Back, back_rot)] {
                let sensor = rot.mul(&self.mounting(placement));
                let mut a = sensor.transpose().apply(f);
                a = a + Vec3::new(
                    gauss(&mut self.rng),
                    gauss(&mut self.rng),
                    gauss(&mut self.rng),
                ) * NOISE_G;
                let s = RawSample {
                    t_ms: sample_t_ms,
                    accel_g: a,
                };
                match placement {
                    Placement::Thigh => out.thigh.push(s),
                    Placement::Back => out.back.push(s),
                }
            }
        }
        self.fidget_s = self.fidget_s.saturating_sub(1);
        self.second += 1;
        self.sec_in_seg += 1;
        if self.sec_in_seg >= seg.duration_s {
            self.prev_activity = Some(seg.activity);
            self.seg += 1;
            self.sec_in_seg = 0;
        }
        true
    }

    fn on_segment_start(&mut self, seg: Segment) {
        if seg.activity == Activity::Sit {
            self.slouch_deg = 0.0;
        }
        if seg.activity == Activity::Walk {
            self.stride_hz = 0.85 + self.rng.f32() * 0.15;
        }
    }

    /// Segment orientations (segment → world) for thigh and trunk, and the
    /// dynamic acceleration in world axes, at one instant.
    fn body(&mut self, seg: Segment, phase: f32, in_transition: bool) -> (Mat3, Mat3, Vec3) {
        let pitch = |deg: f32| Mat3::from_axis_angle(Y_AXIS, deg.to_radians());
        let sway = (phase * 0.05).sin() * 1.5;
        let (mut thigh, mut trunk, mut dyn_g) = match seg.activity {
            Activity::Stand => (pitch(sway), pitch(sway + 2.0), Vec3::default()),
            Activity::Sit => {
                let fidget = if self.fidget_s > 0 {
                    Vec3::new((phase * 3.0).sin() * 0.05, 0.0, 0.0)
                } else {
                    Vec3::default()
                };
                (
                    pitch(90.0 + seg.thigh_offset_deg + self.thigh_drift_deg),
                    pitch(-8.0 + self.slouch_deg + sway * 0.3),
                    fidget,
                )
            }
            Activity::Walk => {
                let stride = phase * self.stride_hz;
                let swing = stride.sin() * 22.0;
                let bounce = (2.0 * stride).sin() * 0.25;
                (
                    pitch(swing),
                    pitch(4.0 + swing * 0.1),
                    Vec3::new(
                        (2.0 * stride).cos() * 0.08,
                        0.0,
                        bounce + heel_strikes(stride / TAU, self.stride_hz),
                    ),
                )
            }
            // On a table: still, at whatever angle it was put down.
            Activity::Off => (
                pitch(37.0).mul(&Mat3::from_axis_angle(X_AXIS, 1.1)),
                pitch(-61.0),
                Vec3::default(),
            ),
            Activity::Lie => (
                pitch(-90.0 + self.thigh_drift_deg).mul(&Mat3::from_axis_angle(X_AXIS, 0.1)),
                pitch(-90.0),
                Vec3::default(),
            ),
        };
        if in_transition {
            // Getting up or sitting down: a brief lurch through the body.
            let lurch = (phase * 1.5).sin();
            dyn_g = dyn_g + Vec3::new(lurch * 0.3, 0.0, lurch * 0.2);
            thigh = thigh.mul(&pitch(lurch * 15.0));
            trunk = trunk.mul(&pitch(lurch.abs() * 20.0));
        }
        (thigh, trunk, dyn_g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workday_is_deterministic_and_exactly_as_long_as_asked() {
        let a = DemoScript::workday(7, 8.0);
        let b = DemoScript::workday(7, 8.0);
        assert_eq!(a, b);
        assert_eq!(a.duration_s(), 8 * 3600);
        assert_ne!(a, DemoScript::workday(8, 8.0));
        let sits: Vec<_> = a
            .segments
            .iter()
            .filter(|s| s.activity == Activity::Sit && s.duration_s > 60)
            .collect();
        assert!(sits.iter().all(|s| s.duration_s <= 100 * 60));
        assert!(sits.len() >= 3);
    }

    #[test]
    fn samples_are_one_g_at_rest_in_any_mounting() {
        let script = DemoScript::from_segments(vec![Segment::new(Activity::Stand, 3)]);
        let mut w = DemoWearer::new(script, 1, 1_700_000_000);
        let mut s = DemoSecond::default();
        assert!(w.next_second(&mut s));
        assert_eq!(s.thigh.len(), RATE_HZ as usize);
        assert_eq!(s.truth, Some(Posture::Standing));
        for x in s.thigh.iter().chain(&s.back) {
            assert!((x.accel_g.norm() - 1.0).abs() < 0.1, "{x:?}");
        }
        assert_eq!(s.thigh[1].t_ms - s.thigh[0].t_ms, 40);
    }

    #[test]
    fn stops_at_the_end_of_the_script() {
        let script = DemoScript::from_segments(vec![Segment::new(Activity::Walk, 2)]);
        let mut w = DemoWearer::new(script, 1, 0);
        let mut s = DemoSecond::default();
        assert!(w.next_second(&mut s));
        assert!(w.next_second(&mut s));
        assert!(!w.next_second(&mut s));
        assert!(w.is_done());
    }
}

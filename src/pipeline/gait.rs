//! Recognising gait from what gait is, before anything is known about how
//! the sensor sits: a periodic stride (about 0.6–1.6 strides a second) with
//! impacts at each step. Car and bus vibration (not periodic), fidgeting
//! (irregular), a jiggling knee (too fast) and pedalling (periodic but
//! smooth) are not gait. Everything here is orientation-free: the
//! autocorrelation of the three axes summed does not change when the
//! sensor is rotated. Method: `docs/posture.md`, "Gait".

use std::collections::VecDeque;

use super::window::{BINS, Window};
use crate::domain::vector::Vec3;

/// What the stretch of signal around one second looks like.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Motion {
    /// Periodic stride with impacts: walking, running, stairs.
    pub gait: bool,
    /// Periodic swing without impacts: pedalling.
    pub cyclic: bool,
    /// The scatter (3×3, per bin) of the slow signal around its mean: for
    /// a thigh in gait, once the vertical is taken out, its main axis is
    /// the forward-backward direction.
    pub scatter: [[f32; 3]; 3],
    /// Stride period when periodic, seconds.
    pub period_s: Option<f32>,
}

/// Thresholds of the detector; defaults in `docs/posture.md`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GaitConfig {
    /// Shortest and longest stride period looked for, in 100 ms bins.
    pub min_period_bins: usize,
    pub max_period_bins: usize,
    /// Autocorrelation at the stride period at least this (1 = identical).
    pub min_periodicity: f32,
    /// RMS of the slow (≤ 5 Hz) signal at least this, g.
    pub min_swing_g: f32,
    /// The second itself at least this intensive, g: the seconds just
    /// before and after a walk are not walking.
    pub min_intensity_g: f32,
    /// Steps: the size of the acceleration repeats every half stride (each
    /// foot lands) at least this much (autocorrelation); a pedalling
    /// thigh's repeats once a turn and is opposite at half a turn.
    pub min_step_repeat: f32,
    /// Roughness of the 10 Hz signal (what a straight line through its
    /// neighbours does not explain) relative to its swing, at least this:
    /// a foot landing leaves a jag, a pedal stroke does not.
    pub min_roughness: f32,
    /// ...and a signal this rough is gait whatever its steps look like.
    pub rough_enough: f32,
}

impl Default for GaitConfig {
    fn default() -> Self {
        Self {
            min_period_bins: 6,
            max_period_bins: 18,
            min_periodicity: 0.4,
            min_swing_g: 0.1,
            min_intensity_g: 0.08,
            min_step_repeat: -0.35,
            min_roughness: 0.5,
            rough_enough: 0.85,
        }
    }
}

/// Seconds of signal judged together.
const SPAN_S: usize = 4;
/// Seconds judged together for slow strokes (rowing, 2–4 s a stroke).
const SLOW_SPAN_S: usize = 8;

/// Judges each second over the four seconds around it (two before, one
/// after), so output lags input by one second.
#[derive(Clone, Debug, Default)]
pub(crate) struct GaitDetector {
    cfg: GaitConfig,
    recent: VecDeque<Window>,
    /// Index in `recent` of the next second to judge.
    next: usize,
}

impl GaitDetector {
    pub(crate) fn new(cfg: GaitConfig) -> Self {
        Self {
            cfg,
            recent: VecDeque::new(),
            next: 0,
        }
    }

    /// Feeds the next window; returns the windows now judged (usually the
    /// one before this; after a gap, the ones left before it too).
    pub(crate) fn push(&mut self, w: Window, out: &mut Vec<(Window, Motion)>) {
        if self.recent.back().is_some_and(|b| w.t_s != b.t_s + 1) {
            self.flush(out);
        }
        self.recent.push_back(w);
        // Judge every second that now has one second after it.
        while self.next + 1 < self.recent.len() {
            out.push(self.judge_at(self.next));
            self.next += 1;
        }
        while self.recent.len() > SLOW_SPAN_S {
            self.recent.pop_front();
            self.next -= 1;
        }
    }

    /// Judges what is left (end of the data, or a gap).
    pub(crate) fn flush(&mut self, out: &mut Vec<(Window, Motion)>) {
        while self.next < self.recent.len() {
            out.push(self.judge_at(self.next));
            self.next += 1;
        }
        self.recent.clear();
        self.next = 0;
    }

    fn judge_at(&self, i: usize) -> (Window, Motion) {
        let end = (i + 2).min(self.recent.len());
        let start = end.saturating_sub(SPAN_S);
        let span: Vec<Window> = self.recent.range(start..end).copied().collect();
        let centre = self.recent[i];
        let mut m = judge(&self.cfg, &span, &centre);
        if !m.gait && !m.cyclic && centre.intensity_g >= self.cfg.min_intensity_g {
            let slow_start = end.saturating_sub(SLOW_SPAN_S);
            let bins: Vec<Vec3> = self
                .recent
                .range(slow_start..end)
                .flat_map(|w| w.bins)
                .collect();
            m.cyclic = slow_strokes(&self.cfg, &bins);
        }
        (centre, m)
    }
}

/// The motion of `centre` from the windows around it.
pub(crate) fn judge(cfg: &GaitConfig, span: &[Window], centre: &Window) -> Motion {
    let bins: Vec<Vec3> = span.iter().flat_map(|w| w.bins).collect();
    let n = bins.len();
    if n < 2 * BINS {
        return Motion::default();
    }
    let mean = bins.iter().fold(Vec3::default(), |a, &b| a + b) * (1.0 / n as f32);
    let d: Vec<Vec3> = bins.iter().map(|&b| b - mean).collect();
    let r0 = d.iter().map(|v| v.dot(*v)).sum::<f32>() / n as f32;
    let swing_g = r0.sqrt();
    if swing_g < cfg.min_swing_g {
        return Motion::default();
    }
    let max_k = cfg.max_period_bins.min(n - BINS);
    let r: Vec<f32> = (0..=max_k + 1)
        .map(|k| {
            let m = n - k;
            let s: f32 = (0..m).map(|i| d[i].dot(d[i + k])).sum();
            s / m as f32 / r0
        })
        .collect();
    let period = stride_period(cfg, &r);
    let scatter = scatter_of(&d);
    let Some(period_bins) = period else {
        return Motion {
            scatter,
            ..Motion::default()
        };
    };
    // Everything below is on the 10 Hz signal (100 ms means), so it is
    // the same at 10 Hz and at 200 Hz, with regular or irregular
    // timestamps: measured on real thigh sensors at 25 Hz and phones at
    // about 90 Hz (`docs/posture.md`, "Gait").
    let rough = (1..n - 1)
        .map(|i| {
            let e = d[i] - (d[i - 1] + d[i + 1]) * 0.5;
            e.dot(e)
        })
        .sum::<f32>()
        / (n - 2) as f32;
    let roughness = rough.sqrt() / swing_g;
    let steps = step_repeat(&bins, period_bins);
    let impacts = roughness >= cfg.rough_enough
        || (roughness >= cfg.min_roughness && steps >= cfg.min_step_repeat);
    let gait = impacts && centre.intensity_g >= cfg.min_intensity_g;
    Motion {
        gait,
        cyclic: !impacts,
        scatter,
        period_s: Some(period_bins as f32 / BINS as f32),
    }
}

/// Strokes of 2–4 s that repeat (a rowing machine): the thigh swings far
/// and regularly, slower than any stride. Judged over eight seconds, so
/// a stand-up or a shift in the chair (once, not again) is not one.
fn slow_strokes(cfg: &GaitConfig, bins: &[Vec3]) -> bool {
    const MIN_LAG: usize = 20;
    const MAX_LAG: usize = 40;
    let n = bins.len();
    if n < MAX_LAG + 2 * BINS {
        return false;
    }
    let mean = bins.iter().fold(Vec3::default(), |a, &b| a + b) * (1.0 / n as f32);
    let d: Vec<Vec3> = bins.iter().map(|&b| b - mean).collect();
    let r0 = d.iter().map(|v| v.dot(*v)).sum::<f32>() / n as f32;
    if r0.sqrt() < cfg.min_swing_g {
        return false;
    }
    let r = |k: usize| (0..n - k).map(|i| d[i].dot(d[i + k])).sum::<f32>() / (n - k) as f32 / r0;
    // A stroke does not reverse from one bin to the next; a jiggling knee
    // alternates bin to bin
    // (and its beat would pass for a slow period).
    if r(1) < 0.0 {
        return false;
    }
    let dip = (MIN_LAG / 2..MIN_LAG).map(r).fold(f32::INFINITY, f32::min);
    let peak = (MIN_LAG..=MAX_LAG).map(r).fold(f32::NEG_INFINITY, f32::max);
    peak >= cfg.min_periodicity && peak - dip >= 0.5
}

/// The autocorrelation of the acceleration's size at half the stride:
/// walking, stairs and running land a foot every half stride, so the size
/// repeats (positive); a pedalling thigh's size rises and falls once a
/// turn, so at half a turn it is opposite (about −0.6 to −0.9 on real
/// exercise bikes).
fn step_repeat(bins: &[Vec3], period_bins: usize) -> f32 {
    let n = bins.len();
    let half = period_bins / 2;
    if half == 0 || half >= n {
        return 0.0;
    }
    let size: Vec<f32> = bins.iter().map(|b| b.norm()).collect();
    let mean = size.iter().sum::<f32>() / n as f32;
    let e: Vec<f32> = size.iter().map(|x| x - mean).collect();
    let e0 = e.iter().map(|x| x * x).sum::<f32>() / n as f32;
    if e0 <= f32::EPSILON {
        return 0.0;
    }
    let at = |k: usize| (0..n - k).map(|i| e[i] * e[i + k]).sum::<f32>() / (n - k) as f32 / e0;
    // An odd stride falls between two lags: take the better.
    if period_bins % 2 == 1 {
        at(half).max(at(half + 1))
    } else {
        at(half)
    }
}

/// The stride period in bins: the highest autocorrelation within the
/// stride range, provided the signal first fell away (a dip) and its first
/// repeat is not faster than 2.5 Hz (a jiggling knee repeats every few
/// bins; a step repeats at 4 bins or more).
fn stride_period(cfg: &GaitConfig, r: &[f32]) -> Option<usize> {
    let last = r.len().checked_sub(2)?;
    let dip = (1..last).find(|&k| r[k] <= r[k - 1] && r[k] <= r[k + 1])?;
    let first_peak = (dip + 1..=last).find(|&k| r[k] >= r[k - 1] && r[k] >= r[k + 1])?;
    if first_peak < 4 {
        return None;
    }
    let lo = cfg.min_period_bins;
    let hi = cfg.max_period_bins.min(last);
    let (k, rk) = (lo..=hi)
        .map(|k| (k, r[k]))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let dip_value = r[1..=k].iter().copied().fold(f32::INFINITY, f32::min);
    (rk >= cfg.min_periodicity && rk - dip_value >= 0.5).then_some(k)
}

/// The deviations' scatter matrix, per bin.
fn scatter_of(d: &[Vec3]) -> [[f32; 3]; 3] {
    let mut c = [[0.0_f32; 3]; 3];
    for v in d {
        let a = [v.x, v.y, v.z];
        for (i, row) in c.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x += a[i] * a[j] / d.len() as f32;
            }
        }
    }
    c
}

/// Main eigenvector of a symmetric 3×3 matrix (power iteration).
pub(crate) fn principal(c: &[[f32; 3]; 3]) -> Option<Vec3> {
    let start = (0..3).max_by(|&a, &b| c[a][a].total_cmp(&c[b][b]))?;
    let mut v = Vec3::new(c[start][0], c[start][1], c[start][2]).normalized()?;
    for _ in 0..30 {
        let next = Vec3::new(
            c[0][0] * v.x + c[0][1] * v.y + c[0][2] * v.z,
            c[1][0] * v.x + c[1][1] * v.y + c[1][2] * v.z,
            c[2][0] * v.x + c[2][1] * v.y + c[2][2] * v.z,
        );
        v = next.normalized()?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sample::RawSample;
    use crate::pipeline::window::Windower;

    /// Windows of a signal `f(t_s) -> accel` sampled at `rate_hz`.
    fn windows(seconds: i64, rate_hz: i64, f: impl Fn(f32) -> Vec3) -> Vec<Window> {
        let mut w = Windower::new();
        let mut out = Vec::new();
        for i in 0..seconds * rate_hz {
            let t_ms = i * 1000 / rate_hz;
            out.extend(w.push(RawSample {
                t_ms,
                accel_g: f(t_ms as f32 / 1000.0),
            }));
        }
        out.extend(w.flush());
        out
    }

    fn motions(ws: Vec<Window>) -> Vec<Motion> {
        let mut g = GaitDetector::new(GaitConfig::default());
        let mut out = Vec::new();
        for w in ws {
            g.push(w, &mut out);
        }
        g.flush(&mut out);
        out.into_iter().map(|(_, m)| m).collect()
    }

    /// A thigh swinging ±20° at `stride_hz` in the x–z plane, bouncing at
    /// each step, with a foot landing every half stride.
    fn walk(stride_hz: f32) -> impl Fn(f32) -> Vec3 {
        move |t| {
            let phase = std::f32::consts::TAU * stride_hz * t;
            let a = 20_f32.to_radians() * phase.sin();
            // The body bounces at every step, twice a stride.
            let mut v = Vec3::new(a.sin(), 0.0, a.cos() + 0.25 * (2.0 * phase).sin());
            // Each foot lands: a short jolt every half stride (the size of
            // the acceleration repeats per step), ringing the tissue.
            let since_s = (2.0 * stride_hz * t).fract() / (2.0 * stride_hz);
            if since_s < 0.15 {
                let ring = (std::f32::consts::TAU * 8.0 * since_s).cos();
                v.z += 1.5 * ring * (-since_s / 0.05).exp();
            }
            v
        }
    }

    /// A thigh on a bicycle: about 55° from vertical, swinging ±20° once a
    /// turn, smooth, its size a little larger on the down stroke.
    fn pedal(turn_hz: f32) -> impl Fn(f32) -> Vec3 {
        move |t| {
            let phase = std::f32::consts::TAU * turn_hz * t;
            let a = (55.0 + 20.0 * phase.sin()).to_radians();
            Vec3::new(a.sin(), 0.0, a.cos()) * (1.0 + 0.15 * phase.sin())
        }
    }

    #[test]
    fn a_walk_is_gait_with_its_stride_and_swing_axis() {
        for rate in [10, 25, 50, 100] {
            let m = motions(windows(12, rate, walk(0.9)));
            let inner = &m[3..m.len() - 2];
            // At 10 Hz a landing is one sample or none: most seconds.
            let need = if rate == 10 {
                inner.len() - 1
            } else {
                inner.len()
            };
            let gait = inner.iter().filter(|m| m.gait).count();
            assert!(gait >= need, "{rate} Hz: {inner:?}");
            let p = inner[2].period_s.unwrap();
            assert!((p - 1.0 / 0.9).abs() < 0.15, "{p}");
            // The swing, once the vertical (bounce, landings) is taken
            // out as the reference learner does, is along x.
            let mut c = inner[2].scatter;
            c[2] = [0.0; 3];
            for row in &mut c {
                row[2] = 0.0;
            }
            let axis = principal(&c).unwrap();
            assert!(axis.x.abs() > 0.9, "{axis:?}");
        }
    }

    #[test]
    fn smooth_pedalling_is_cyclic_not_gait_at_any_rate() {
        for rate in [10, 25, 50, 100] {
            let m = motions(windows(12, rate, pedal(1.2)));
            let inner = &m[3..m.len() - 2];
            assert!(
                inner.iter().all(|m| !m.gait && m.cyclic),
                "{rate} Hz: {inner:?}"
            );
        }
    }

    #[test]
    fn slow_strokes_are_cyclic_and_a_stand_up_is_not() {
        // A rowing machine: the thigh from 20° to 90° and back every 2.5 s.
        let row = |t: f32| {
            let a = (55.0 + 35.0 * (std::f32::consts::TAU * t / 2.5).sin()).to_radians();
            Vec3::new(a.sin(), 0.0, a.cos())
        };
        let m = motions(windows(16, 50, row));
        assert!(
            m[9..m.len() - 2].iter().all(|m| m.cyclic && !m.gait),
            "{m:?}"
        );
        // Standing up once: a single swing, not repeated.
        let stand_up = |t: f32| {
            let a = if t < 6.0 {
                90_f32
            } else {
                (90.0 - 45.0 * (t - 6.0)).max(0.0)
            };
            Vec3::new(a.to_radians().sin(), 0.0, a.to_radians().cos())
        };
        assert!(
            motions(windows(16, 50, stand_up))
                .iter()
                .all(|m| !m.cyclic && !m.gait)
        );
    }

    #[test]
    fn vibration_a_jiggling_knee_and_stillness_are_not_gait() {
        let mut rng = fastrand::Rng::with_seed(3);
        let noise: Vec<Vec3> = (0..1200)
            .map(|_| Vec3::new(rng.f32() - 0.5, rng.f32() - 0.5, rng.f32() - 0.5) * 0.6)
            .collect();
        let car = windows(12, 100, |t| {
            Vec3::new(0.0, 0.0, 1.0) + noise[(t * 100.0) as usize % noise.len()]
        });
        assert!(motions(car).iter().all(|m| !m.gait && !m.cyclic));
        let knee = windows(12, 50, |t| {
            Vec3::new(0.3 * (std::f32::consts::TAU * 4.5 * t).sin(), 0.0, 1.0)
        });
        assert!(motions(knee).iter().all(|m| !m.gait && !m.cyclic));
        let still = windows(12, 25, |_| Vec3::new(0.0, 1.0, 0.0));
        assert!(motions(still).iter().all(|m| *m == Motion::default()));
    }

    #[test]
    fn output_lags_one_second_and_a_gap_flushes() {
        let ws = windows(6, 25, walk(0.9));
        let mut g = GaitDetector::new(GaitConfig::default());
        let mut out = Vec::new();
        g.push(ws[0], &mut out);
        assert!(out.is_empty());
        g.push(ws[1], &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0.t_s, ws[0].t_s);
        let mut later = ws[2];
        later.t_s += 10;
        g.push(later, &mut out);
        assert_eq!(out.len(), 2, "the second before the gap is judged at once");
        g.flush(&mut out);
        assert_eq!(out.iter().map(|(w, _)| w.t_s).collect::<Vec<_>>().len(), 3);
    }
}

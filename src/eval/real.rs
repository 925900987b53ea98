//! Real labelled recordings through the posture pipeline: the measure of
//! truth. The readers take the public data sets the project develops
//! against (DSADS thigh units, `MobiFall` phones in a trouser pocket,
//! `HuGaDB` thigh units; see `docs/posture.md` for the sources), turn them
//! into one stream of samples in g with a label per stretch, optionally
//! rotated (a random mounting) and resampled (another rate, irregular
//! timestamps), run them through the same `Pipeline` as live data and
//! score every second. The recordings themselves are test data: they are
//! read from a folder given at run time and never shipped.

use std::collections::BTreeMap;
use std::path::Path;

use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::posture::Posture;
use crate::domain::sample::{Placement, RawSample};
use crate::domain::vector::{Mat3, Vec3};
use crate::pipeline::history::FinalSeconds;
use crate::pipeline::{Pipeline, PipelineOutput, SensorInput};
use crate::sources::demo::wearer::random_mounting;

#[path = "real_datasets.rs"]
mod datasets;
pub use datasets::*;

/// What a person was doing, as the data sets label it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Activity {
    Sitting,
    Standing,
    /// Lying on the back: to a thigh it looks like sitting (sedentary
    /// either way).
    LyingBack,
    LyingSide,
    Walking,
    Stairs,
    Running,
    /// Standing still in a lift.
    LiftStill,
    /// Moving about in a lift, a stepper, a cross trainer, jumping, ball
    /// games: upright and moving, not gait as such.
    UprightMoving,
    /// Pedalling an exercise bike (seated, moving).
    Cycling,
    Rowing,
    /// Sitting down, standing up, a fall, stepping into a car: not scored.
    Transition,
}

impl Activity {
    /// Sitting or lying: what the sedentary figure compares.
    pub fn is_sedentary(self) -> bool {
        matches!(self, Self::Sitting | Self::LyingBack | Self::LyingSide)
    }

    /// Standing or moving on the feet.
    pub fn is_upright(self) -> bool {
        matches!(
            self,
            Self::Standing
                | Self::Walking
                | Self::Stairs
                | Self::Running
                | Self::LiftStill
                | Self::UprightMoving
        )
    }

    /// Walking, stairs, running: should be recognised as moving.
    pub(crate) fn is_gait(self) -> bool {
        matches!(self, Self::Walking | Self::Stairs | Self::Running)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sitting => "sitting",
            Self::Standing => "standing",
            Self::LyingBack => "lying (back)",
            Self::LyingSide => "lying (side)",
            Self::Walking => "walking",
            Self::Stairs => "stairs",
            Self::Running => "running",
            Self::LiftStill => "lift (still)",
            Self::UprightMoving => "upright moving",
            Self::Cycling => "cycling",
            Self::Rowing => "rowing",
            Self::Transition => "transition",
        }
    }
}

/// A labelled stretch, `[start_ms, end_ms)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stretch {
    pub start_ms: i64,
    pub end_ms: i64,
    pub activity: Activity,
}

/// One labelled recording: samples in g and time order, and its labels.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    pub name: String,
    /// What a source knows of how it is worn (a phone in a pocket).
    pub wearing_prior: Option<crate::domain::sample::WearingPrior>,
    pub samples: Vec<RawSample>,
    pub stretches: Vec<Stretch>,
    /// Seconds either side of a join left out of the score (the joined
    /// pieces end abruptly; a real transition takes a second or two).
    pub margin_s: i64,
}

/// The data sets could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RealError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {what}")]
    Format {
        path: String,
        line: usize,
        what: String,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> RealError + '_ {
    move |source| RealError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn format_err(path: &Path, line: usize, what: impl Into<String>) -> RealError {
    RealError::Format {
        path: path.display().to_string(),
        line,
        what: what.into(),
    }
}

/// Where every recording starts: a Tuesday morning, so local-time rules
/// see an ordinary working day.
pub const START_MS: i64 = 1_780_041_600_000;

impl Recording {
    /// Appends `samples` (times relative to their first sample) after what
    /// is there, one sample period on, labelled `activity`.
    fn append(&mut self, mut part: Vec<(i64, Vec3)>, activity: Activity) {
        if part.is_empty() {
            return;
        }
        part.sort_by_key(|p| p.0);
        let first = part[0].0;
        let step = if part.len() > 1 {
            ((part[part.len() - 1].0 - first) / (part.len() as i64 - 1)).max(1)
        } else {
            20
        };
        let start = self.samples.last().map_or(START_MS, |s| s.t_ms + step);
        let mut end = start;
        for (t, a) in part {
            end = start + (t - first);
            self.samples.push(RawSample {
                t_ms: end,
                accel_g: a,
            });
        }
        self.stretches.push(Stretch {
            start_ms: start,
            end_ms: end + step,
            activity,
        });
    }

    /// The same recording turned by a mounting rotation.
    #[must_use]
    pub(crate) fn rotated(mut self, m: &Mat3, tag: &str) -> Self {
        for s in &mut self.samples {
            s.accel_g = m.apply(s.accel_g);
        }
        self.name = format!("{} {tag}", self.name);
        self
    }

    /// The recording in Acti-Motus's thigh axes (x along the thigh towards
    /// the hip, z into the thigh), for the peer side by side: DSADS units
    /// point x down the thigh; a phone in a pocket has its long (y) axis
    /// up the thigh.
    #[must_use]
    pub fn in_acti_motus_axes(self) -> Self {
        let m = if self.wearing_prior.is_some() {
            Mat3 {
                rows: [
                    Vec3::new(0.0, 1.0, 0.0),
                    Vec3::new(-1.0, 0.0, 0.0),
                    Vec3::new(0.0, 0.0, 1.0),
                ],
            }
        } else {
            Mat3 {
                rows: [
                    Vec3::new(-1.0, 0.0, 0.0),
                    Vec3::new(0.0, 1.0, 0.0),
                    Vec3::new(0.0, 0.0, -1.0),
                ],
            }
        };
        let mut r = self.rotated(&m, "acti-motus axes");
        // The phone's prior names its own y axis, which is x now.
        r.wearing_prior = None;
        r
    }

    /// The same recording turned by a random rotation from `seed`.
    #[must_use]
    pub fn randomly_rotated(self, seed: u64) -> Self {
        let m = random_mounting(&mut fastrand::Rng::with_seed(seed));
        // A phone's prior no longer holds once it is turned at random.
        let mut r = self.rotated(&m, &format!("rot{seed}"));
        r.wearing_prior = None;
        r
    }

    /// The same recording at `rate_hz`: each new sample the mean of the old
    /// ones within its period (an anti-aliasing box), or interpolated
    /// between its neighbours when there are none; with `jitter` (0–0.5)
    /// each time is moved by up to that share of a period, as a phone's
    /// irregular timestamps are.
    #[must_use]
    pub fn resampled(mut self, rate_hz: f32, jitter: f32, seed: u64) -> Self {
        let Some((first, last)) = self.samples.first().zip(self.samples.last()) else {
            return self;
        };
        let (t0, t1) = (first.t_ms as f64, last.t_ms as f64);
        let period_ms = 1000.0 / f64::from(rate_hz);
        let mut rng = fastrand::Rng::with_seed(seed);
        let old = std::mem::take(&mut self.samples);
        let mut out = Vec::with_capacity(((t1 - t0) / period_ms) as usize + 1);
        let mut j = 0_usize;
        let mut k = 0_usize;
        let mut t = t0;
        let mut last_ms = i64::MIN;
        while t <= t1 {
            // Samples within [t - p/2, t + p/2).
            while j < old.len() && (old[j].t_ms as f64) < t - period_ms / 2.0 {
                j += 1;
            }
            k = k.max(j);
            while k < old.len() && (old[k].t_ms as f64) < t + period_ms / 2.0 {
                k += 1;
            }
            let a = if k > j {
                old[j..k].iter().fold(Vec3::default(), |a, s| a + s.accel_g)
                    * (1.0 / (k - j) as f32)
            } else {
                let i = old
                    .partition_point(|s| (s.t_ms as f64) < t)
                    .clamp(1, old.len() - 1);
                let (p, q) = (old[i - 1], old[i]);
                let span = (q.t_ms - p.t_ms).max(1) as f64;
                let u = ((t - p.t_ms as f64) / span).clamp(0.0, 1.0) as f32;
                p.accel_g * (1.0 - u) + q.accel_g * u
            };
            let shift = (f64::from(rng.f32()) * 2.0 - 1.0) * f64::from(jitter) * period_ms;
            let t_ms = ((t + shift).round() as i64).max(last_ms + 1);
            last_ms = t_ms;
            out.push(RawSample { t_ms, accel_g: a });
            t += period_ms;
        }
        self.samples = out;
        self.name = format!("{} {rate_hz}Hz", self.name);
        self
    }

    /// The activity at second `t_s`, when one stretch covers all of it
    /// with `margin_s` to spare on both sides (the seconds around a join
    /// belong to neither side).
    pub fn truth_at(&self, t_s: i64, margin_s: i64) -> Option<Activity> {
        let i = self.stretches.partition_point(|s| s.end_ms <= t_s * 1000);
        let s = self.stretches.get(i)?;
        let inside =
            s.start_ms <= (t_s - margin_s) * 1000 && (t_s + 1 + margin_s) * 1000 <= s.end_ms;
        inside.then_some(s.activity)
    }
}

/// What one recording scored, second by second.
#[derive(Clone, Debug, Default)]
pub struct RealScore {
    pub name: String,
    /// Seconds with a truth (joins and transitions left out) and a result.
    pub scored_s: u64,
    pub sedentary_agree_s: u64,
    pub upright_truth_s: u64,
    pub upright_called_upright_s: u64,
    pub gait_truth_s: u64,
    pub gait_called_moving_s: u64,
    /// Scored seconds called unknown in the end.
    pub unknown_s: u64,
    /// Scored seconds the live view showed as unknown...
    pub live_unknown_s: u64,
    /// ...of them after the first 10 s of gait (about 20 steps).
    pub live_unknown_after_steps_s: u64,
    /// Truth → result, seconds.
    pub confusion: BTreeMap<(Activity, Posture), u64>,
}

impl RealScore {
    pub fn sedentary(&self) -> f64 {
        super::ratio(self.sedentary_agree_s, self.scored_s)
    }
    pub fn upright(&self) -> f64 {
        super::ratio(self.upright_called_upright_s, self.upright_truth_s)
    }
    pub fn gait(&self) -> f64 {
        super::ratio(self.gait_called_moving_s, self.gait_truth_s)
    }

    /// The largest confusions, in words.
    pub fn worst(&self, n: usize) -> String {
        let mut v: Vec<_> = self
            .confusion
            .iter()
            .filter(|((a, p), _)| !agrees(*a, *p))
            .collect();
        v.sort_by_key(|(_, s)| std::cmp::Reverse(**s));
        v.iter()
            .take(n)
            .map(|((a, p), s)| format!("{} as {} {s} s", a.name(), p.label()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Whether a result is right for an activity, by the figures' rules.
fn agrees(a: Activity, p: Posture) -> bool {
    match a {
        Activity::Sitting | Activity::LyingBack => p.is_sedentary(),
        Activity::LyingSide => p == Posture::Lying,
        x if x.is_gait() => p == Posture::Moving,
        x if x.is_upright() => p.is_upright(),
        Activity::Cycling | Activity::Rowing => p == Posture::Moving,
        _ => true,
    }
}

/// The seconds a thigh pipeline (no calibration, as out of the box, or
/// with the recording's wearing prior) makes of a recording, relabels
/// applied.
pub fn classify(rec: &Recording) -> FinalSeconds {
    classify_traced(rec).done
}

/// Everything a run of a recording gave.
#[derive(Debug, Default)]
pub struct Traced {
    /// The seconds as stored, relabels applied.
    pub done: FinalSeconds,
    /// Each second's features as the channel last judged them.
    pub features: BTreeMap<i64, crate::domain::features::SecondFeatures>,
    /// The references in use after each batch (one second).
    pub refs: BTreeMap<i64, crate::pipeline::reference::Refs>,
    /// Seconds first handed on as unknown (what the live view showed).
    pub live_unknown: std::collections::BTreeSet<i64>,
}

/// Runs a recording through a thigh pipeline, keeping what it did.
pub fn classify_traced(rec: &Recording) -> Traced {
    let mut t = Traced::default();
    let cfg = Config::default().consistent();
    let input = SensorInput {
        placement: Placement::Thigh,
        device_id: 1,
        calibration: Calibration::default(),
    };
    let mut p = Pipeline::new(&[input], cfg.posture, cfg.streak, cfg.reminder);
    if let Some(prior) = rec.wearing_prior {
        p.set_wearing_prior(Placement::Thigh, prior);
    }
    let mut out = PipelineOutput::default();
    let take = |out: &mut PipelineOutput, t: &mut Traced| {
        t.features
            .extend(out.features.drain(..).map(|(_, f)| (f.t_s, f)));
        t.live_unknown.extend(
            out.seconds
                .iter()
                .filter(|s| s.state == Posture::Unknown)
                .map(|s| s.t_s),
        );
        t.done.take(out);
    };
    for chunk in rec.samples.chunk_by(|a, b| a.t_ms / 1000 == b.t_ms / 1000) {
        p.push(Placement::Thigh, chunk, &mut out);
        if let Some(r) = p.refs(Placement::Thigh) {
            t.refs.insert(chunk[0].t_ms.div_euclid(1000), r);
        }
        take(&mut out, &mut t);
    }
    p.flush(&mut out);
    take(&mut out, &mut t);
    t
}

/// Runs a recording through the pipeline and scores it (3 s either side
/// of a join are left out).
pub fn score(rec: &Recording) -> RealScore {
    score_traced(rec, &classify_traced(rec))
}

/// Scores what a run gave against the recording's labels.
pub fn score_traced(rec: &Recording, traced: &Traced) -> RealScore {
    let done = &traced.done;
    let mut s = RealScore {
        name: rec.name.clone(),
        ..RealScore::default()
    };
    let (Some(first), Some(last)) = (rec.samples.first(), rec.samples.last()) else {
        return s;
    };
    let mut gait_seen_s = 0;
    for t_s in first.t_ms.div_euclid(1000)..=last.t_ms.div_euclid(1000) {
        let Some(a) = rec.truth_at(t_s, rec.margin_s) else {
            continue;
        };
        gait_seen_s += i64::from(a.is_gait());
        let Some(got) = done.get(t_s).map(|g| g.state) else {
            continue;
        };
        if a == Activity::Transition {
            continue;
        }
        s.scored_s += 1;
        *s.confusion.entry((a, got)).or_default() += 1;
        let sedentary_truth = a.is_sedentary();
        s.sedentary_agree_s += u64::from(sedentary_truth == got.is_sedentary());
        if a.is_upright() {
            s.upright_truth_s += 1;
            s.upright_called_upright_s += u64::from(got.is_upright());
        }
        if a.is_gait() {
            s.gait_truth_s += 1;
            s.gait_called_moving_s += u64::from(got == Posture::Moving);
        }
        if got == Posture::Unknown {
            s.unknown_s += 1;
        }
        if traced.live_unknown.contains(&t_s) {
            s.live_unknown_s += 1;
            s.live_unknown_after_steps_s += u64::from(gait_seen_s > 10);
        }
    }
    s
}

/// Writes a recording and Sitless's result for the peer script:
/// `NAME.csv` (`t_ms,ax,ay,az`, g), `NAME.truth.csv` (`t_s,truth`) and
/// `NAME.sitless.csv` (`t_s,state`).
pub fn write_peer_csv(dir: &Path, rec: &Recording, done: &FinalSeconds) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let base: String = rec
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut raw = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{base}.csv")))?);
    writeln!(raw, "t_ms,ax,ay,az")?;
    for s in &rec.samples {
        writeln!(
            raw,
            "{},{},{},{}",
            s.t_ms, s.accel_g.x, s.accel_g.y, s.accel_g.z
        )?;
    }
    let mut truth = std::io::BufWriter::new(std::fs::File::create(
        dir.join(format!("{base}.truth.csv")),
    )?);
    let mut ours = std::io::BufWriter::new(std::fs::File::create(
        dir.join(format!("{base}.sitless.csv")),
    )?);
    writeln!(truth, "t_s,truth")?;
    writeln!(ours, "t_s,state")?;
    let (Some(first), Some(last)) = (rec.samples.first(), rec.samples.last()) else {
        return Ok(());
    };
    for t_s in first.t_ms.div_euclid(1000)..=last.t_ms.div_euclid(1000) {
        if let Some(a) = rec
            .truth_at(t_s, rec.margin_s)
            .filter(|a| *a != Activity::Transition)
        {
            let word = match a {
                Activity::Sitting => "Sitting",
                Activity::LyingBack | Activity::LyingSide => "Lying",
                Activity::Standing | Activity::LiftStill => "Standing",
                // Moving, but named: the peer's figure is also given
                // without them (Acti-Motus calls pedalling "sit" here).
                Activity::Cycling | Activity::Rowing => "Cycling",
                _ => "Moving",
            };
            writeln!(truth, "{t_s},{word}")?;
        }
        if let Some(s) = done.get(t_s) {
            writeln!(ours, "{t_s},{}", s.state.label())?;
        }
    }
    Ok(())
}

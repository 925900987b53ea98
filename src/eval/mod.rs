//! Measuring the posture pipeline against truth on realistic days: the
//! figures `docs/posture.md` reports and the short days CI checks. A day
//! plan is rendered (`sources::synth`), fed through the same `Pipeline` as
//! live data, with its relabels applied, and scored second by second.

pub mod real;

use crate::domain::config::Config;
use crate::domain::posture::Posture;
use crate::domain::sample::{Placement, RawSample};
use crate::pipeline::history::FinalSeconds;
use crate::pipeline::{Pipeline, PipelineOutput, SensorInput};
use crate::sources::synth::body::Renderer;
use crate::sources::synth::{Act, DayPlan};

/// What one day scored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayScore {
    pub name: String,
    /// Seconds with both truth and a classified second (gaps excluded).
    pub scored_s: u64,
    /// Sedentary (sitting, lying) vs not agrees.
    pub sedentary_agree_s: u64,
    /// Exactly the same posture.
    pub exact_s: u64,
    pub not_worn_truth_s: u64,
    /// Not-worn seconds not called sitting or lying.
    pub not_worn_not_sedentary_s: u64,
    pub sitting_truth_s: u64,
    pub sitting_called_not_worn_s: u64,
    pub sitting_called_lying_s: u64,
    /// Lying on a side or the front.
    pub side_front_lying_s: u64,
    pub side_front_called_lying_s: u64,
    /// Walking seconds from the start (or a slip) until the reference was
    /// right: one entry per start or slip that was recovered.
    pub walk_to_reference_s: Vec<u32>,
    /// Starts or slips never recovered in the day.
    pub unrecovered: u32,
    /// Per kind of stretch: seconds recognised as gait, and seconds.
    pub gait_by_act: std::collections::BTreeMap<&'static str, (u64, u64)>,
    /// Truth → classified, seconds.
    pub confusion: std::collections::BTreeMap<(Posture, Posture), u64>,
}

impl DayScore {
    pub fn sedentary_agreement(&self) -> f64 {
        ratio(self.sedentary_agree_s, self.scored_s)
    }
}

pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Runs a day through a thigh-only pipeline (no calibration, as a sensor
/// fresh out of the box) and scores it.
pub fn run_day(plan: DayPlan) -> DayScore {
    run_rendered(Renderer::new(plan))
}

pub fn run_rendered(r: Renderer) -> DayScore {
    run_rendered_seconds(r).0
}

/// The score and the classified seconds themselves.
pub fn run_rendered_seconds(
    mut r: Renderer,
) -> (DayScore, Vec<crate::domain::posture::PostureSecond>) {
    let cfg = Config::default().consistent();
    let input = SensorInput {
        placement: Placement::Thigh,
        device_id: 1,
        calibration: crate::domain::calibration::Calibration::default(),
    };
    let mut p = Pipeline::new(&[input], cfg.posture, cfg.streak, cfg.reminder);
    let mut out = PipelineOutput::default();
    let mut done = FinalSeconds::default();
    let mut samples: Vec<RawSample> = Vec::new();
    let plan = r.plan().clone();
    let mut truth = Vec::with_capacity(plan.duration_s() as usize);
    // When the reference was right, second by second: within 25° of the
    // true upright of the current mounting (a slip changes that).
    let mut slips: Vec<u32> = vec![0];
    let mut seg_start = 0_u32;
    for s in &plan.segments {
        if s.slip {
            slips.push(seg_start);
        }
        seg_start += s.duration_s;
    }
    let mut recovered_at: Vec<Option<u32>> = vec![None; slips.len()];
    let mut i = 0_u32;
    let mut gait_at: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
    while let Some(t) = r.next_second(&mut samples) {
        truth.push(t);
        p.push(Placement::Thigh, &samples, &mut out);
        for (_, f) in &out.features {
            gait_at.insert(f.t_s, f.gait);
        }
        done.take(&mut out);
        let k = slips.iter().rposition(|&s| s <= i).unwrap_or(0);
        if recovered_at[k].is_none() {
            let right = p
                .calibrations()
                .next()
                .and_then(|(_, c)| c.upright)
                .is_some_and(|u| u.angle_deg(r.true_upright()) < 25.0);
            if right {
                recovered_at[k] = Some(i);
            }
        }
        i += 1;
    }
    p.flush(&mut out);
    for (_, f) in &out.features {
        gait_at.insert(f.t_s, f.gait);
    }
    done.take(&mut out);
    let mut score = score_day(&plan, &truth, &done);
    let acts: Vec<Act> = plan
        .segments
        .iter()
        .flat_map(|g| std::iter::repeat_n(g.act, g.duration_s as usize))
        .collect();
    let mut t_s = plan.start_s;
    for seg in &plan.segments {
        let e = score.gait_by_act.entry(act_name(seg.act)).or_default();
        for _ in 0..seg.duration_s {
            e.0 += u64::from(gait_at.get(&t_s).copied().unwrap_or(false));
            e.1 += 1;
            t_s += 1;
        }
    }
    let seconds = done.into_vec();
    for (k, &start) in slips.iter().enumerate() {
        let end = slips.get(k + 1).copied().unwrap_or(i);
        match recovered_at[k] {
            Some(at) if at < end => {
                let walked = acts[start as usize..at as usize]
                    .iter()
                    .filter(|a| matches!(a, Act::Walk { .. }))
                    .count();
                score.walk_to_reference_s.push(walked as u32);
            }
            _ => score.unrecovered += 1,
        }
    }
    (score, seconds)
}

/// Scores the classified seconds of a day against its truth.
pub(crate) fn score_day(plan: &DayPlan, truth: &[Posture], done: &FinalSeconds) -> DayScore {
    let mut s = DayScore {
        name: plan.name.clone(),
        ..DayScore::default()
    };
    let acts: Vec<Act> = plan
        .segments
        .iter()
        .flat_map(|g| std::iter::repeat_n(g.act, g.duration_s as usize))
        .collect();
    for (i, (&t, act)) in truth.iter().zip(&acts).enumerate() {
        let Some(got) = done.get(plan.start_s + i as i64).map(|g| g.state) else {
            continue;
        };
        s.scored_s += 1;
        *s.confusion.entry((t, got)).or_default() += 1;
        s.exact_s += u64::from(t == got);
        s.sedentary_agree_s += u64::from(t.is_sedentary() == got.is_sedentary());
        match t {
            Posture::NotWorn => {
                s.not_worn_truth_s += 1;
                s.not_worn_not_sedentary_s += u64::from(!got.is_sedentary());
            }
            Posture::Sitting => {
                s.sitting_truth_s += 1;
                s.sitting_called_not_worn_s += u64::from(got == Posture::NotWorn);
                s.sitting_called_lying_s += u64::from(got == Posture::Lying);
            }
            Posture::Lying => {
                if let Act::Lie { roll_deg, .. } = act
                    && roll_deg.abs() > 45.0
                {
                    s.side_front_lying_s += 1;
                    s.side_front_called_lying_s += u64::from(got == Posture::Lying);
                }
            }
            _ => {}
        }
    }
    s
}

/// A short name for a kind of stretch.
pub(crate) fn act_name(a: Act) -> &'static str {
    use crate::sources::synth::{Gait, Vehicle};
    match a {
        Act::Sit { pitch_deg, .. } if pitch_deg < 70.0 => "perch",
        Act::Sit { roll_deg, .. } if roll_deg.abs() > 20.0 => "cross-legged",
        Act::Sit { .. } => "sit",
        Act::Ride {
            vehicle: Vehicle::Car,
            ..
        } => "car",
        Act::Ride {
            vehicle: Vehicle::Bus,
            ..
        } => "bus",
        Act::Stand => "stand",
        Act::StandRide => "stand in bus",
        Act::Walk { gait: Gait::Level } => "walk",
        Act::Walk { gait: Gait::Stairs } => "stairs",
        Act::Walk { gait: Gait::Run } => "run",
        Act::Walk {
            gait: Gait::Shuffle,
        } => "shuffle",
        Act::Cycle => "cycle",
        Act::Lie { .. } => "lie",
        Act::Off => "off",
    }
}

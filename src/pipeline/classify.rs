//! Per-sensor classification of one-second windows.
//!
//! Each window goes through the gait detector (one second of look-ahead)
//! and the non-wear detector, becomes `SecondFeatures`, teaches the
//! reference learner when it is gait, and is classified with the
//! references in use. The classification itself is a pure function of the
//! features and the references, so stored seconds can be classified again
//! when the references change (`history.rs`).
//!
//! Thigh: the thigh's inclination from upright separates sitting (thigh
//! horizontal) from standing, the way thigh-worn research monitors (activPAL,
//! Acti4) do; its roll about its own axis separates lying on the side or
//! front from sitting; gait and movement intensity make moving.
//! Back: tilt from the upright reference; sitting vs standing only with a
//! sitting calibration, and only across a movement (see `docs/posture.md`).

use super::gait::{GaitConfig, GaitDetector, Motion};
use super::nonwear::{NonWear, NonWearConfig, WearStatus};
use super::reference::{RefChange, ReferenceLearner, Refs};
use super::window::Window;
use crate::domain::calibration::Calibration;
use crate::domain::features::SecondFeatures;
use crate::domain::posture::{Posture, PostureConfig};
use crate::domain::sample::Placement;
use crate::domain::vector::Vec3;

/// One window classified by one sensor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Classified {
    pub t_s: i64,
    pub state: Posture,
    pub tilt_deg: Option<f32>,
}

/// Everything one second of one sensor produced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Judged {
    pub features: SecondFeatures,
    pub classified: Classified,
    /// The references changed with this second.
    pub change: Option<RefChange>,
    pub wear: WearStatus,
}

/// Thigh roll (from forward, about the thigh's long axis) from which a
/// horizontal thigh is lying on its side or front: crossed legs roll the
/// thigh 30–40° (more with the forward axis's error of 10–15°), lying on
/// the side 90° (the lower leg of real people lying on their side
/// measured 68–118°, the upper leg, resting forward on the lower one,
/// 47–59°), on the front 180°. Crossed legs are common for hours at a
/// desk, and calling them lying would end the streak, so the line stays
/// above them; an upper leg at 47–54° reads as sitting, sedentary either
/// way.
const LYING_ROLL_DEG: f32 = 55.0;

/// What the back classifier holds between seconds: the static posture is
/// decided once after each movement (a slouch drifts through the upright
/// angle) and held.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BackHold {
    posture: Option<Posture>,
    settled: bool,
}

/// Classifies one second from its features and the references: the one
/// rule, live and when classifying again.
pub(crate) fn classify_second(
    placement: Placement,
    cfg: &PostureConfig,
    refs: &Refs,
    sitting_ref: Option<Vec3>,
    f: &SecondFeatures,
    hold: &mut BackHold,
) -> Classified {
    let incline_deg = refs.upright.map(|u| u.angle_deg(f.gravity));
    let (state, tilt_deg) = if f.not_worn {
        (Posture::NotWorn, None)
    } else {
        match placement {
            Placement::Thigh => (thigh_state(cfg, refs, f, incline_deg), None),
            Placement::Back => (
                back_state(cfg, refs, sitting_ref, f, incline_deg, hold),
                incline_deg,
            ),
        }
    };
    Classified {
        t_s: f.t_s,
        state,
        tilt_deg,
    }
}

fn thigh_state(
    cfg: &PostureConfig,
    refs: &Refs,
    f: &SecondFeatures,
    incline_deg: Option<f32>,
) -> Posture {
    let energetic = f.intensity_g >= cfg.moving_intensity_g;
    // Gait, pedalling and rowing are moving however the sensor sits: no
    // reference is needed to see a stride or a stroke (both need a swing
    // of 0.1 g and an intensive second).
    if f.gait || f.cyclic {
        return Posture::Moving;
    }
    let (Some(incline), Some(upright)) = (incline_deg, refs.upright) else {
        // Only a resting direction is known, taken as sitting (people sit
        // most): what rests near it is probably sitting, the rest unknown.
        return match refs.seat {
            Some(seat) if seat.angle_deg(f.gravity) < cfg.thigh_sitting_deg => Posture::Sitting,
            _ => Posture::Unknown,
        };
    };
    if incline < cfg.thigh_sitting_deg {
        return if energetic {
            Posture::Moving
        } else {
            Posture::Standing
        };
    }
    match roll_deg(refs, upright, f.gravity) {
        Some(r) if r >= LYING_ROLL_DEG => Posture::Lying,
        _ => Posture::Sitting,
    }
}

/// The thigh's roll about its long axis, from forward (0: sitting or on the
/// back, 90: on the side, 180: on the front). Without the forward sign only
/// 0–90 is known, so front lying reads as sitting until sitting has shown
/// which way forward is.
fn roll_deg(refs: &Refs, upright: Vec3, gravity: Vec3) -> Option<f32> {
    let fwd = refs.forward?;
    let across = (gravity - upright * gravity.dot(upright)).normalized()?;
    let r = across.angle_deg(fwd);
    Some(if refs.forward_signed {
        r
    } else {
        r.min(180.0 - r)
    })
}

fn back_state(
    cfg: &PostureConfig,
    refs: &Refs,
    sitting_ref: Option<Vec3>,
    f: &SecondFeatures,
    tilt_deg: Option<f32>,
    hold: &mut BackHold,
) -> Posture {
    let (Some(tilt), Some(upright)) = (tilt_deg, refs.upright) else {
        return Posture::Unknown;
    };
    if tilt >= cfg.back_lying_deg {
        hold.settled = false;
        return Posture::Lying;
    }
    if f.gait || f.intensity_g >= cfg.moving_intensity_g {
        hold.settled = false;
        return Posture::Moving;
    }
    let Some(sit) = sitting_ref else {
        // Without a sitting reference the trunk angle cannot tell sitting
        // from standing; say so rather than guess.
        return Posture::Unknown;
    };
    if !hold.settled || hold.posture.is_none() {
        let s = if f.gravity.angle_deg(sit) < f.gravity.angle_deg(upright) {
            Posture::Sitting
        } else {
            Posture::Standing
        };
        hold.posture = Some(s);
        hold.settled = true;
    }
    hold.posture.unwrap_or(Posture::Unknown)
}

#[derive(Debug, Clone)]
pub(crate) struct SensorClassifier {
    placement: Placement,
    cfg: PostureConfig,
    sitting_ref: Option<Vec3>,
    learner: ReferenceLearner,
    gait: GaitDetector,
    nonwear: NonWear,
    hold: BackHold,
    /// The posture of the last run of at least a minute: what the wearer
    /// was doing before a still run (a sensor put down after a walk, or a
    /// sleeper lying still).
    settled: Posture,
    run: (Posture, u32),
    judged: Vec<(Window, Motion)>,
}

impl SensorClassifier {
    pub(crate) fn new(placement: Placement, cfg: PostureConfig, cal: Calibration) -> Self {
        Self {
            placement,
            cfg,
            sitting_ref: cal.sitting,
            learner: ReferenceLearner::new(cal.upright).with_standing_fade(
                if placement == Placement::Thigh {
                    super::reference::THIGH_STAND_FADE
                } else {
                    1.0
                },
            ),
            gait: GaitDetector::new(GaitConfig::default()),
            nonwear: NonWear::new(NonWearConfig::default()),
            hold: BackHold::default(),
            settled: Posture::Unknown,
            run: (Posture::Unknown, 0),
            judged: Vec::new(),
        }
    }

    /// What the source knows of how the sensor is worn.
    pub(crate) fn set_wearing_prior(&mut self, prior: crate::domain::sample::WearingPrior) {
        self.learner.set_prior(prior);
    }

    /// The references in use now, to be stored with the device.
    pub(crate) fn calibration(&self) -> Calibration {
        Calibration {
            upright: self.upright(),
            sitting: self.sitting_ref,
        }
    }

    /// The upright reference confirmed, calibrated or learned from gait
    /// (not the hypothesis used until then).
    pub(crate) fn upright(&self) -> Option<Vec3> {
        self.learner.confirmed().upright
    }

    pub(crate) fn refs(&self) -> Refs {
        self.learner.refs()
    }

    /// Classifies a stored second again with the references in use now.
    pub(crate) fn reclassify(&self, f: &SecondFeatures, hold: &mut BackHold) -> Classified {
        let refs = self.learner.refs();
        classify_second(self.placement, &self.cfg, &refs, self.sitting_ref, f, hold)
    }

    /// Feeds one window; the seconds judged so far are appended to `out`
    /// (one second behind: gait is judged around each second).
    pub(crate) fn push(&mut self, w: Window, out: &mut Vec<Judged>) {
        let mut judged = std::mem::take(&mut self.judged);
        self.gait.push(w, &mut judged);
        self.finish(&mut judged, out);
        self.judged = judged;
    }

    /// Judges the last window held back (end of the data).
    pub(crate) fn flush(&mut self, out: &mut Vec<Judged>) {
        let mut judged = std::mem::take(&mut self.judged);
        self.gait.flush(&mut judged);
        self.finish(&mut judged, out);
        self.judged = judged;
    }

    fn finish(&mut self, judged: &mut Vec<(Window, Motion)>, out: &mut Vec<Judged>) {
        for (w, m) in judged.drain(..) {
            let gravity = w.gravity_g.normalized().unwrap_or(Vec3::new(0.0, 0.0, 1.0));
            let wear = self.nonwear.push(
                w.t_s,
                w.gravity_g,
                w.intensity_g,
                self.settled == Posture::Lying,
            );
            let features = SecondFeatures {
                t_s: w.t_s,
                gravity,
                intensity_g: w.intensity_g,
                gait: m.gait,
                cyclic: m.cyclic,
                not_worn: matches!(wear, WearStatus::NotWorn | WearStatus::NowNotWorn { .. }),
            };
            let change = self.learner.push(&features, &m);
            let refs = self.learner.refs();
            let classified = classify_second(
                self.placement,
                &self.cfg,
                &refs,
                self.sitting_ref,
                &features,
                &mut self.hold,
            );
            if classified.state == self.run.0 {
                self.run.1 += 1;
            } else {
                self.run = (classified.state, 1);
            }
            // What a still run turns out to be does not count: only what
            // the wearer did while the sensor still moved.
            if self.run.1 >= 60 && self.run.0 != Posture::NotWorn && wear == WearStatus::Worn {
                self.settled = self.run.0;
            }
            out.push(Judged {
                features,
                classified,
                change,
                wear,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UP: Vec3 = Vec3::new(0.0, 0.0, 1.0);
    const FWD: Vec3 = Vec3::new(1.0, 0.0, 0.0);
    const LEFT: Vec3 = Vec3::new(0.0, 1.0, 0.0);

    fn f(g: Vec3, intensity_g: f32) -> SecondFeatures {
        SecondFeatures {
            t_s: 0,
            gravity: g.normalized().unwrap(),
            intensity_g,
            gait: false,
            cyclic: false,
            not_worn: false,
        }
    }

    fn thigh(refs: &Refs, s: &SecondFeatures) -> Posture {
        let cfg = PostureConfig::default();
        classify_second(
            Placement::Thigh,
            &cfg,
            refs,
            None,
            s,
            &mut BackHold::default(),
        )
        .state
    }

    #[test]
    fn thigh_postures_from_incline_roll_gait_and_wear() {
        let none = Refs::default();
        assert_eq!(thigh(&none, &f(FWD, 0.01)), Posture::Unknown);
        let refs = Refs {
            upright: Some(UP),
            forward: Some(FWD),
            forward_signed: true,
            ..Refs::default()
        };
        assert_eq!(thigh(&refs, &f(UP, 0.01)), Posture::Standing);
        assert_eq!(thigh(&refs, &f(UP, 0.3)), Posture::Moving);
        assert_eq!(thigh(&refs, &f(FWD, 0.01)), Posture::Sitting);
        // A car ride: vibration while seated is sitting.
        assert_eq!(thigh(&refs, &f(FWD, 0.3)), Posture::Sitting);
        // Perched on a high stool, 55° from vertical.
        let perch = UP.rotate_about(LEFT, 55_f32.to_radians());
        assert_eq!(thigh(&refs, &f(perch, 0.02)), Posture::Sitting);
        // Cross-legged: rolled 35°.
        let crossed = FWD.rotate_about(UP, 35_f32.to_radians());
        assert_eq!(thigh(&refs, &f(crossed, 0.02)), Posture::Sitting);
        assert_eq!(thigh(&refs, &f(LEFT, 0.02)), Posture::Lying);
        let front = Vec3::new(-1.0, 0.0, 0.0);
        assert_eq!(thigh(&refs, &f(front, 0.02)), Posture::Lying);
        let unsigned = Refs {
            forward_signed: false,
            ..refs
        };
        assert_eq!(thigh(&unsigned, &f(front, 0.02)), Posture::Sitting);
        assert_eq!(thigh(&unsigned, &f(LEFT, 0.02)), Posture::Lying);
        let pedal = SecondFeatures {
            cyclic: true,
            ..f(UP.rotate_about(LEFT, 55_f32.to_radians()), 0.3)
        };
        assert_eq!(thigh(&refs, &pedal), Posture::Moving);
        let walking = SecondFeatures {
            gait: true,
            ..f(UP, 0.3)
        };
        assert_eq!(thigh(&refs, &walking), Posture::Moving);
        let off = SecondFeatures {
            not_worn: true,
            ..f(FWD, 0.01)
        };
        assert_eq!(thigh(&refs, &off), Posture::NotWorn);
    }

    #[test]
    fn back_measures_tilt_and_holds_sitting_through_a_slouch() {
        let sit = Vec3::new(-0.2, 0.0, 0.98).normalized().unwrap();
        let refs = Refs {
            upright: Some(UP),
            ..Refs::default()
        };
        let cfg = PostureConfig::default();
        let mut hold = BackHold::default();
        let mut back = |g: Vec3, i: f32| {
            classify_second(Placement::Back, &cfg, &refs, Some(sit), &f(g, i), &mut hold)
        };
        let first = back(sit, 0.01);
        assert_eq!(first.state, Posture::Sitting);
        assert!((first.tilt_deg.unwrap() - 11.5).abs() < 0.5);
        // Slouching forward passes through upright and beyond: still sitting.
        assert_eq!(back(UP, 0.01).state, Posture::Sitting);
        assert_eq!(
            back(Vec3::new(0.4, 0.0, 0.92), 0.01).state,
            Posture::Sitting
        );
        // A movement, then upright: standing.
        assert_eq!(back(UP, 0.3).state, Posture::Moving);
        assert_eq!(back(UP, 0.01).state, Posture::Standing);
        assert_eq!(back(FWD, 0.01).state, Posture::Lying);
    }

    #[test]
    fn back_without_sitting_calibration_reports_unknown_but_tilt() {
        let refs = Refs {
            upright: Some(UP),
            ..Refs::default()
        };
        let cfg = PostureConfig::default();
        let r = classify_second(
            Placement::Back,
            &cfg,
            &refs,
            None,
            &f(Vec3::new(0.3, 0.0, 0.95), 0.01),
            &mut BackHold::default(),
        );
        assert_eq!(r.state, Posture::Unknown);
        assert!(r.tilt_deg.unwrap() > 15.0);
    }
}

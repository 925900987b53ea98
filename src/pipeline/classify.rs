//! Per-sensor classification of one-second windows.
//!
//! Thigh: the thigh's inclination from upright separates sitting (thigh
//! horizontal) from standing, the way thigh-worn research monitors (activPAL,
//! Acti4) do; movement intensity separates walking from standing still.
//! Back: tilt from the upright reference; sitting vs standing only with a
//! sitting calibration, and only across a movement (see `docs/posture.md`).

use super::calibration::UprightLearner;
use super::window::Window;
use crate::domain::calibration::Calibration;
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

#[derive(Debug, Clone)]
pub struct SensorClassifier {
    placement: Placement,
    cfg: PostureConfig,
    sitting_ref: Option<Vec3>,
    learner: UprightLearner,
    /// Back only: the last static posture, held until the wearer moves.
    back_static: Option<Posture>,
    back_moved: bool,
}

impl SensorClassifier {
    pub fn new(placement: Placement, cfg: PostureConfig, cal: Calibration) -> Self {
        Self {
            placement,
            cfg,
            sitting_ref: cal.sitting,
            learner: UprightLearner::new(cal.upright),
            back_static: None,
            back_moved: true,
        }
    }

    /// The references in use now, to be stored with the device.
    pub fn calibration(&self) -> Calibration {
        Calibration {
            upright: self.upright(),
            sitting: self.sitting_ref,
        }
    }

    /// The upright reference in use, calibrated or learned from walking.
    pub fn upright(&self) -> Option<Vec3> {
        self.learner.upright()
    }

    pub fn classify(&mut self, w: &Window) -> Classified {
        let energetic = w.intensity_g >= self.cfg.moving_intensity_g;
        let incline_deg = self.upright().map(|u| u.angle_deg(w.gravity_g));
        // Only energetic seconds close to upright (or before any reference
        // exists) can teach the upright direction.
        let walking_like = energetic && incline_deg.is_none_or(|a| a < self.cfg.thigh_sitting_deg);
        self.learner.push(w, walking_like);
        let incline_deg = self.upright().map(|u| u.angle_deg(w.gravity_g));

        let (state, tilt_deg) = match self.placement {
            Placement::Thigh => (self.thigh_state(incline_deg, energetic), None),
            Placement::Back => (self.back_state(w, incline_deg, energetic), incline_deg),
        };
        Classified {
            t_s: w.t_s,
            state,
            tilt_deg,
        }
    }

    fn thigh_state(&self, incline_deg: Option<f32>, energetic: bool) -> Posture {
        match incline_deg {
            None => Posture::Unknown,
            Some(a) if a >= self.cfg.thigh_sitting_deg => Posture::Sitting,
            Some(_) if energetic => Posture::Moving,
            Some(_) => Posture::Standing,
        }
    }

    fn back_state(&mut self, w: &Window, tilt_deg: Option<f32>, energetic: bool) -> Posture {
        let (Some(tilt), Some(upright)) = (tilt_deg, self.upright()) else {
            return Posture::Unknown;
        };
        if tilt >= self.cfg.back_lying_deg {
            self.back_moved = true;
            return Posture::Lying;
        }
        if energetic {
            self.back_moved = true;
            return Posture::Moving;
        }
        let Some(sit) = self.sitting_ref else {
            // Without a sitting reference the trunk angle cannot tell sitting
            // from standing; say so rather than guess.
            return Posture::Unknown;
        };
        // A slouch drifts through the upright angle, so the static posture is
        // decided once after each movement and then held.
        if self.back_moved || self.back_static.is_none() {
            let s = if w.gravity_g.angle_deg(sit) < w.gravity_g.angle_deg(upright) {
                Posture::Sitting
            } else {
                Posture::Standing
            };
            self.back_static = Some(s);
            self.back_moved = false;
        }
        self.back_static.unwrap_or(Posture::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(t_s: i64, g: Vec3, intensity_g: f32) -> Window {
        Window {
            t_s,
            gravity_g: g,
            intensity_g,
            samples: 25,
        }
    }

    const UP: Vec3 = Vec3::new(0.0, 0.0, 1.0);
    const FLAT: Vec3 = Vec3::new(1.0, 0.0, 0.0);

    #[test]
    fn thigh_is_unknown_until_it_learns_upright_from_walking() {
        let mut c = SensorClassifier::new(
            Placement::Thigh,
            PostureConfig::default(),
            Calibration::default(),
        );
        assert_eq!(c.classify(&win(0, FLAT, 0.01)).state, Posture::Unknown);
        for t in 1..=12 {
            c.classify(&win(t, UP, 0.3));
        }
        assert_eq!(c.classify(&win(13, UP, 0.01)).state, Posture::Standing);
        assert_eq!(c.classify(&win(14, FLAT, 0.01)).state, Posture::Sitting);
        assert_eq!(c.classify(&win(15, FLAT, 0.3)).state, Posture::Sitting);
        assert_eq!(c.classify(&win(16, UP, 0.3)).state, Posture::Moving);
        assert_eq!(c.classify(&win(16, UP, 0.3)).tilt_deg, None);
    }

    #[test]
    fn back_measures_tilt_and_holds_sitting_through_a_slouch() {
        let sit = Vec3::new(-0.2, 0.0, 0.98).normalized().unwrap();
        let cal = Calibration {
            upright: Some(UP),
            sitting: Some(sit),
        };
        let mut c = SensorClassifier::new(Placement::Back, PostureConfig::default(), cal);
        let first = c.classify(&win(0, sit, 0.01));
        assert_eq!(first.state, Posture::Sitting);
        assert!((first.tilt_deg.unwrap() - 11.5).abs() < 0.5);
        // Slouching forward passes through upright and beyond: still sitting.
        let slouch = Vec3::new(0.4, 0.0, 0.92);
        assert_eq!(c.classify(&win(1, UP, 0.01)).state, Posture::Sitting);
        assert_eq!(c.classify(&win(2, slouch, 0.01)).state, Posture::Sitting);
        // A movement, then upright: standing.
        assert_eq!(c.classify(&win(3, UP, 0.3)).state, Posture::Moving);
        assert_eq!(c.classify(&win(4, UP, 0.01)).state, Posture::Standing);
        assert_eq!(c.classify(&win(5, FLAT, 0.01)).state, Posture::Lying);
    }

    #[test]
    fn back_without_sitting_calibration_reports_unknown_but_tilt() {
        let cal = Calibration {
            upright: Some(UP),
            sitting: None,
        };
        let mut c = SensorClassifier::new(Placement::Back, PostureConfig::default(), cal);
        let r = c.classify(&win(0, Vec3::new(0.3, 0.0, 0.95), 0.01));
        assert_eq!(r.state, Posture::Unknown);
        assert!(r.tilt_deg.unwrap() > 15.0);
    }
}

//! Computing the upright and sitting references: the wizard's two poses,
//! and the upright direction learned from walking.

use super::window::Window;
use crate::domain::calibration::Calibration;
use crate::domain::vector::Vec3;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalibrationError {
    #[error("hold still: the sensor moved too much while {0}")]
    NotStill(&'static str),
    #[error("no sensor data was received while {0}")]
    NoData(&'static str),
    #[error(
        "standing and sitting looked the same ({angle_deg:.0}° apart, at least {min_deg:.0}° needed); check the sensor is firmly attached"
    )]
    TooSimilar { angle_deg: f32, min_deg: f32 },
}

/// Intensity below which a window counts as "still" for calibration, in g.
const STILL_INTENSITY_G: f32 = 0.06;

fn still_mean(windows: &[Window], what: &'static str) -> Result<Vec3, CalibrationError> {
    if windows.is_empty() {
        return Err(CalibrationError::NoData(what));
    }
    if windows.iter().any(|w| w.intensity_g > STILL_INTENSITY_G) {
        return Err(CalibrationError::NotStill(what));
    }
    let sum = windows
        .iter()
        .filter_map(|w| w.gravity_g.normalized())
        .fold(Vec3::default(), |a, b| a + b);
    sum.normalized().ok_or(CalibrationError::NoData(what))
}

/// The wizard: windows recorded while standing still, then while sitting
/// upright. The two must differ by `min_deg` or the sitting reference would
/// be useless.
pub fn calibrate(
    standing: &[Window],
    sitting: &[Window],
    min_deg: f32,
) -> Result<Calibration, CalibrationError> {
    let upright = still_mean(standing, "standing")?;
    let sit = still_mean(sitting, "sitting")?;
    let angle_deg = upright.angle_deg(sit);
    if angle_deg < min_deg {
        return Err(CalibrationError::TooSimilar { angle_deg, min_deg });
    }
    Ok(Calibration {
        upright: Some(upright),
        sitting: Some(sit),
    })
}

/// Learns the upright direction from walking. While walking, the thigh and
/// trunk swing around vertical, so the mean gravity direction over a run of
/// walking seconds is a good upright reference (the approach of Acti4 and
/// thigh-worn monitors that need no calibration posture).
#[derive(Clone, Debug, Default)]
pub struct UprightLearner {
    run: Vec<Vec3>,
    learned: Option<Vec3>,
    /// A rejected run, kept to see whether the next one agrees with it.
    rejected: Option<Vec3>,
}

impl UprightLearner {
    /// Seconds of continuous walking before a run is trusted.
    const MIN_RUN_S: usize = 10;
    /// Weight of a new run against what was learned before.
    const BLEND: f32 = 0.3;
    /// A walking run whose direction differs more than this from the learned
    /// reference is not walking upright (e.g. cycling, a bumpy car ride)...
    const MAX_CHANGE_DEG: f32 = 35.0;
    /// ...unless two such runs in a row agree this closely: then the sensor
    /// was put on differently, and the new direction replaces the old.
    const REMOUNT_AGREE_DEG: f32 = 15.0;

    pub fn new(initial: Option<Vec3>) -> Self {
        Self {
            run: Vec::new(),
            learned: initial,
            rejected: None,
        }
    }

    pub fn upright(&self) -> Option<Vec3> {
        self.learned
    }

    /// Feeds one window with whether it looked like walking by intensity.
    /// Returns true when the reference changed.
    pub fn push(&mut self, w: &Window, walking: bool) -> bool {
        if walking {
            if let Some(d) = w.gravity_g.normalized() {
                self.run.push(d);
            }
            // Learn mid-run too, so a long first walk is used straight away.
            if self.run.len() >= Self::MIN_RUN_S * 3 {
                return self.finish_run();
            }
            false
        } else {
            self.finish_run()
        }
    }

    fn finish_run(&mut self) -> bool {
        if self.run.len() < Self::MIN_RUN_S {
            self.run.clear();
            return false;
        }
        let mean = self.run.iter().fold(Vec3::default(), |a, &b| a + b);
        self.run.clear();
        let Some(mean) = mean.normalized() else {
            return false;
        };
        let next = match self.learned {
            None => mean,
            Some(prev) if prev.angle_deg(mean) > Self::MAX_CHANGE_DEG => {
                match self.rejected.replace(mean) {
                    Some(r) if r.angle_deg(mean) <= Self::REMOUNT_AGREE_DEG => {
                        self.rejected = None;
                        mean
                    }
                    _ => return false,
                }
            }
            Some(prev) => match (prev * (1.0 - Self::BLEND) + mean * Self::BLEND).normalized() {
                Some(v) => v,
                None => return false,
            },
        };
        self.learned = Some(next);
        self.rejected = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(g: Vec3, intensity_g: f32) -> Window {
        Window {
            t_s: 0,
            gravity_g: g,
            intensity_g,
            samples: 25,
        }
    }

    #[test]
    fn calibration_needs_two_distinct_still_postures() {
        let up = vec![win(Vec3::new(0.0, 0.0, 1.0), 0.01); 5];
        let same = vec![win(Vec3::new(0.0, 0.05, 1.0), 0.01); 5];
        let sit = vec![win(Vec3::new(0.0, 0.3, 0.95), 0.01); 5];
        assert!(matches!(
            calibrate(&up, &same, 8.0),
            Err(CalibrationError::TooSimilar { .. })
        ));
        let cal = calibrate(&up, &sit, 8.0).expect("17° apart is enough");
        assert!(cal.upright.unwrap().angle_deg(Vec3::new(0.0, 0.0, 1.0)) < 0.1);
        let moving = vec![win(Vec3::new(0.0, 0.0, 1.0), 0.3); 5];
        assert_eq!(
            calibrate(&moving, &sit, 8.0),
            Err(CalibrationError::NotStill("standing"))
        );
        assert_eq!(
            calibrate(&[], &sit, 8.0),
            Err(CalibrationError::NoData("standing"))
        );
    }

    #[test]
    fn learner_needs_a_long_enough_walk_and_rejects_outliers() {
        let mut l = UprightLearner::new(None);
        let x = Vec3::new(1.0, 0.0, 0.0);
        for _ in 0..5 {
            l.push(&win(x, 0.3), true);
        }
        l.push(&win(x, 0.01), false);
        assert_eq!(l.upright(), None, "5 s of walking is not enough");
        for _ in 0..12 {
            l.push(&win(x, 0.3), true);
        }
        assert!(l.push(&win(x, 0.01), false));
        assert_eq!(l.upright(), Some(x));
        // A "walk" at 90° from upright is rejected...
        let z = Vec3::new(0.0, 0.0, 1.0);
        for _ in 0..12 {
            l.push(&win(z, 0.3), true);
        }
        assert!(!l.push(&win(x, 0.01), false));
        assert_eq!(l.upright(), Some(x));
        // ...but a second one agreeing with it means the sensor was
        // re-mounted: the new direction is adopted.
        for _ in 0..12 {
            l.push(&win(z, 0.3), true);
        }
        assert!(l.push(&win(x, 0.01), false));
        assert_eq!(l.upright(), Some(z));
    }
}

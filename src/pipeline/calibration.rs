//! The calibration wizard's two poses: the upright and sitting references
//! (learning them from gait is `reference.rs`).

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

/// How far apart the wizard's two poses must be, by where the sensor is
/// worn: a thigh turns about 90° from standing to sitting, a back sensor
/// only as far as the trunk leans.
pub(crate) fn min_separation_deg(placement: crate::domain::sample::Placement) -> f32 {
    match placement {
        crate::domain::sample::Placement::Thigh => 45.0,
        crate::domain::sample::Placement::Back => 8.0,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn win(g: Vec3, intensity_g: f32) -> Window {
        Window::still(0, g, intensity_g)
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
}

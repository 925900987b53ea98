//! Upright and sitting references. A reference is a unit gravity direction
//! in sensor axes; it absorbs however the sensor happens to be mounted.

use super::vector::Vec3;

/// References for one sensor.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Calibration {
    /// Gravity direction when standing upright.
    pub upright: Option<Vec3>,
    /// Gravity direction when sitting upright (needed to tell sitting from
    /// standing with a back sensor alone).
    pub sitting: Option<Vec3>,
}

//! What every sensor is reduced to: timestamped acceleration in g, and
//! where the sensor is worn. Decoding is per sensor model (`sources`);
//! everything after it is shared.

use crate::domain::vector::Vec3;

/// One accelerometer reading: time and acceleration in g, in sensor axes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawSample {
    /// Unix epoch milliseconds (UTC).
    pub t_ms: i64,
    pub accel_g: Vec3,
}

/// What a source knows of how it is worn, before any clue from the
/// wearer: a phone in a trouser pocket lies along the thigh, its long (y)
/// axis up or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WearingPrior {
    PhoneInPocket,
}

/// Where the sensor is worn. It decides what can be measured: the thigh
/// tells sitting from standing, the back measures trunk tilt.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    Thigh,
    Back,
}

impl Placement {
    /// The stored and exported name back to a placement; `None` for
    /// anything else (never a silent default).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "thigh" => Some(Self::Thigh),
            "back" => Some(Self::Back),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thigh => "thigh",
            Self::Back => "back",
        }
    }
}

impl std::fmt::Display for Placement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The paired phone's device row: its address and model (one phone at a
/// time; a phone in a trouser pocket is worn on the thigh).
pub const PHONE_ADDRESS: &str = "phone";
pub const PHONE_MODEL: &str = "phone";

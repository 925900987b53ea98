//! Postures: what one second is, as stored, and the classifier's thresholds.
//! Method and sources: `docs/posture.md`.

/// The posture of one second. The discriminants are stored in `SQLite`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Posture {
    /// No data, not worn, or not enough calibration to decide.
    Unknown = 0,
    Sitting = 1,
    Standing = 2,
    /// Walking or other whole-body movement.
    Moving = 3,
    Lying = 4,
}

impl Posture {
    pub const ALL: [Self; 5] = [
        Self::Sitting,
        Self::Standing,
        Self::Moving,
        Self::Lying,
        Self::Unknown,
    ];

    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::Unknown,
            1 => Self::Sitting,
            2 => Self::Standing,
            3 => Self::Moving,
            4 => Self::Lying,
            _ => return None,
        })
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    /// Upright postures: a sitting → upright transition is a break.
    pub fn is_upright(self) -> bool {
        matches!(self, Self::Standing | Self::Moving)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::Sitting => "Sitting",
            Self::Standing => "Standing",
            Self::Moving => "Walking",
            Self::Lying => "Lying",
        }
    }
}

/// One classified second, ready to be stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PostureSecond {
    pub t_s: i64,
    pub state: Posture,
    /// Trunk tilt from the upright reference; only a back sensor measures it.
    pub tilt_deg: Option<f32>,
    /// The stored device that decided `state`.
    pub device_id: i64,
}

/// Thresholds of the classifier; defaults documented in `docs/posture.md`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PostureConfig {
    /// Movement intensity above which a second counts as moving, in g.
    pub moving_intensity_g: f32,
    /// Thigh inclination from upright above which the thigh is "horizontal".
    pub thigh_sitting_deg: f32,
    /// Trunk tilt above which the wearer is lying (back placement).
    pub back_lying_deg: f32,
    /// Minimum bout: shorter runs are merged into the run before them.
    pub min_bout_s: u32,
    /// Sitting seconds with tilt at or above this count as slouched.
    pub slouch_deg: f32,
}

impl Default for PostureConfig {
    fn default() -> Self {
        Self {
            moving_intensity_g: 0.12,
            thigh_sitting_deg: 45.0,
            back_lying_deg: 65.0,
            min_bout_s: 10,
            slouch_deg: 20.0,
        }
    }
}

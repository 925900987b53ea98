//! Postures: what one second is, as stored, and the classifier's thresholds.
//! Method and sources: `docs/posture.md`.

/// The posture of one second. The discriminants are stored in `SQLite`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Posture {
    /// Worn, but not enough known about the sensor to decide (no upright
    /// reference yet, or a back sensor without a sitting reference).
    Unknown = 0,
    Sitting = 1,
    Standing = 2,
    /// Walking or other whole-body movement.
    Moving = 3,
    Lying = 4,
    /// The sensor shows only its own noise: it lies somewhere, not on a
    /// person (activPAL's non-wear). Ends a streak, never reminds.
    NotWorn = 5,
    /// At the computer, posture not measured: desk time, counted from the
    /// session's idle state while no sensor or phone is paired. Never
    /// sitting; its streaks remind like sitting streaks do.
    AtDesk = 6,
}

impl Posture {
    pub const ALL: [Self; 7] = [
        Self::Sitting,
        Self::Standing,
        Self::Moving,
        Self::Lying,
        Self::NotWorn,
        Self::Unknown,
        Self::AtDesk,
    ];

    pub(crate) fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::Unknown,
            1 => Self::Sitting,
            2 => Self::Standing,
            3 => Self::Moving,
            4 => Self::Lying,
            5 => Self::NotWorn,
            6 => Self::AtDesk,
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

    /// Sedentary in the research sense: sitting or lying.
    pub fn is_sedentary(self) -> bool {
        matches!(self, Self::Sitting | Self::Lying)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::Sitting => "Sitting",
            Self::Standing => "Standing",
            Self::Moving => "Walking",
            Self::Lying => "Lying",
            Self::NotWorn => "Not worn",
            Self::AtDesk => "At the computer",
        }
    }
}

/// What the live display should say besides the posture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveNote {
    /// No upright reference yet: the thigh's postures cannot be told.
    LearningReference,
    /// The sensor lies still like a sensor on a table, or is not worn.
    SeemsNotWorn,
    /// Desk time: nobody has touched the computer for a while.
    AwayFromDesk,
}

impl LiveNote {
    pub fn words(self) -> &'static str {
        match self {
            Self::LearningReference => {
                "Not sure yet: walk a few steps so Sitless can learn how the sensor sits."
            }
            Self::SeemsNotWorn => "The sensor seems not to be worn.",
            Self::AwayFromDesk => "Away from the computer.",
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

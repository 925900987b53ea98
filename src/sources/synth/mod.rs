//! Realistic days for measuring the posture pipeline against truth: the
//! days people have, not the days a classifier likes. A day starts where
//! it starts (in bed, seated at breakfast, in a car), has rides, pedalling,
//! stairs, perching, crossed legs, fidgeting, lying on every side, the
//! sensor taken off and left on a desk, a pocket that slips, and a sensor
//! with its own rate, noise, timing jitter, dropped samples and gaps.
//! Every second has its true posture. `plan.rs` writes the day's script,
//! `body.rs` renders it as raw acceleration.

pub mod body;
pub mod phone;
pub mod plan;

use crate::domain::posture::Posture;

/// What the wearer does during one stretch of the day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    /// Seated: thigh pitch from vertical (90 on a chair, 50–65 perched on
    /// a high stool) and roll about the thigh (30–40 cross-legged).
    Sit {
        pitch_deg: f32,
        roll_deg: f32,
    },
    /// Seated in a moving vehicle.
    Ride {
        vehicle: Vehicle,
        pitch_deg: f32,
    },
    /// Standing, shifting weight now and then.
    Stand,
    /// Standing in a moving bus or train, holding on.
    StandRide,
    Walk {
        gait: Gait,
    },
    /// Pedalling a bicycle.
    Cycle,
    /// Lying; `roll_deg` is the body's roll (0 on the back, ±90 on a side,
    /// 180 on the front), `hip_deg` how far the hip is bent.
    Lie {
        roll_deg: f32,
        hip_deg: f32,
    },
    /// The sensor is off the wearer, lying still somewhere.
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vehicle {
    Car,
    Bus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gait {
    Level,
    Stairs,
    Run,
    /// A few steps at a time: kitchen, office, shop.
    Shuffle,
}

impl Act {
    /// The true posture, as a research monitor's log would give it.
    pub fn truth(self) -> Posture {
        match self {
            Self::Sit { .. } | Self::Ride { .. } => Posture::Sitting,
            Self::Stand | Self::StandRide => Posture::Standing,
            Self::Walk { .. } | Self::Cycle => Posture::Moving,
            Self::Lie { .. } => Posture::Lying,
            Self::Off => Posture::NotWorn,
        }
    }
}

/// One stretch of the day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub act: Act,
    pub duration_s: u32,
    /// The sensor shifts in the pocket at the start of this stretch.
    pub slip: bool,
}

/// How the sensor samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorSpec {
    pub rate_hz: f32,
    /// Timing jitter of each sample, as a share of the sample period.
    pub jitter: f32,
    /// Probability that a sample is lost.
    pub drop_p: f32,
    /// Noise per axis, g.
    pub noise_g: f32,
}

/// A whole day: its script, its sensor, where its data gaps fall.
#[derive(Clone, Debug, PartialEq)]
pub struct DayPlan {
    pub name: String,
    pub seed: u64,
    pub start_s: i64,
    pub segments: Vec<Segment>,
    pub sensor: SensorSpec,
    /// `[start, end)` seconds from the day's start with no samples
    /// (the link dropped).
    pub gaps: Vec<(u32, u32)>,
}

impl DayPlan {
    pub fn duration_s(&self) -> u32 {
        self.segments.iter().map(|s| s.duration_s).sum()
    }

    /// The true posture of every second from the start.
    pub fn truth(&self) -> Vec<Posture> {
        self.segments
            .iter()
            .flat_map(|s| std::iter::repeat_n(s.act.truth(), s.duration_s as usize))
            .collect()
    }

    /// Whether second `i` of the day falls in a data gap.
    pub(crate) fn in_gap(&self, i: u32) -> bool {
        self.gaps.iter().any(|&(a, b)| (a..b).contains(&i))
    }
}

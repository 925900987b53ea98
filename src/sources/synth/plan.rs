//! Scripts of realistic days, drawn from a seed. The shapes follow what
//! thigh-worn monitors log of real days: long seated stretches broken by
//! short walks and stand-ups, commutes by car, bus or bicycle, evenings on
//! a sofa, nights in bed with turns, the sensor taken off for a shower or
//! left on a desk. The first energetic stretch of a day is often not a walk.

use super::{Act, DayPlan, Gait, Segment, SensorSpec, Vehicle};

/// Kinds of day; `DayKind::ALL` cycles through them by seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DayKind {
    /// Put on while seated at breakfast, a few steps, then a car ride.
    CarCommute,
    /// Seated start, a short walk, a bus ride (seated and standing).
    BusCommute,
    /// A few steps and then a bicycle to work.
    BikeCommute,
    /// Worn through the night: the day starts lying in bed.
    Night,
    /// An office day with a standing desk: perching, crossed legs.
    Office,
    /// At home: sofa, lying on the side, fidgeting, the sensor taken off.
    Home,
}

impl DayKind {
    pub(crate) const ALL: [Self; 6] = [
        Self::CarCommute,
        Self::BusCommute,
        Self::BikeCommute,
        Self::Night,
        Self::Office,
        Self::Home,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::CarCommute => "car commute",
            Self::BusCommute => "bus commute",
            Self::BikeCommute => "bike commute",
            Self::Night => "night in bed",
            Self::Office => "standing desk",
            Self::Home => "home",
        }
    }
}

/// Sensors people wear: rates from 10 to 100 Hz, their noise.
const SENSORS: [(f32, f32); 6] = [
    (10.0, 0.012),
    (12.5, 0.010),
    (25.0, 0.012),
    (50.0, 0.008),
    (52.0, 0.006),
    (100.0, 0.010),
];

struct Builder {
    rng: fastrand::Rng,
    segs: Vec<Segment>,
}

impl Builder {
    fn add(&mut self, act: Act, duration_s: u32) {
        if duration_s > 0 {
            self.segs.push(Segment {
                act,
                duration_s,
                slip: false,
            });
        }
    }

    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        self.rng.u32(lo..=hi)
    }

    fn chair(&mut self) -> Act {
        let pitch_deg = 80.0 + self.rng.f32() * 20.0;
        let roll_deg = match self.rng.u8(0..10) {
            // Legs crossed one way or the other.
            0..=1 => (30.0 + self.rng.f32() * 10.0) * if self.rng.bool() { 1.0 } else { -1.0 },
            _ => self.rng.f32() * 16.0 - 8.0,
        };
        Act::Sit {
            pitch_deg,
            roll_deg,
        }
    }

    fn perch(&mut self) -> Act {
        Act::Sit {
            pitch_deg: 50.0 + self.rng.f32() * 15.0,
            roll_deg: self.rng.f32() * 10.0 - 5.0,
        }
    }

    fn walk(&mut self, lo: u32, hi: u32) {
        let d = self.range(lo, hi);
        self.add(Act::Walk { gait: Gait::Level }, d);
    }

    fn shuffle(&mut self) {
        // Kitchen or office: a few steps, a pause, a few steps.
        for _ in 0..self.range(1, 4) {
            let d = self.range(3, 12);
            self.add(
                Act::Walk {
                    gait: Gait::Shuffle,
                },
                d,
            );
            let d = self.range(5, 40);
            self.add(Act::Stand, d);
        }
    }

    fn lie(&mut self, lo: u32, hi: u32) {
        let roll_deg = match self.rng.u8(0..20) {
            0..=6 => self.rng.f32() * 20.0 - 10.0,
            7..=16 => (80.0 + self.rng.f32() * 20.0) * if self.rng.bool() { 1.0 } else { -1.0 },
            _ => 170.0 + self.rng.f32() * 20.0,
        };
        let hip_deg = if roll_deg.abs() > 45.0 && roll_deg.abs() < 135.0 {
            20.0 + self.rng.f32() * 50.0
        } else {
            self.rng.f32() * 20.0
        };
        let d = self.range(lo, hi);
        self.add(Act::Lie { roll_deg, hip_deg }, d);
    }

    /// Desk work until `until_s`: seated stretches, stand-ups, short walks.
    fn desk(&mut self, until_s: u32, standing_desk: bool) {
        while self.elapsed() < until_s {
            let sit = if standing_desk && self.rng.u8(0..3) == 0 {
                self.perch()
            } else {
                self.chair()
            };
            let d = self.range(10 * 60, 80 * 60);
            self.add(sit, d);
            if self.rng.u8(0..4) == 0 {
                // Fidgeting and shuffling on the chair is still sitting.
                let d = self.range(30, 240);
                self.add(sit, d);
            }
            match self.rng.u8(0..10) {
                0..=3 => {
                    let d = self.range(15, 120);
                    self.add(Act::Stand, d);
                }
                4..=5 => self.shuffle(),
                6 => {
                    self.walk(20, 60);
                    let d = self.range(20, 60);
                    self.add(Act::Walk { gait: Gait::Stairs }, d);
                    self.walk(10, 40);
                }
                7 if standing_desk => {
                    let d = self.range(10 * 60, 40 * 60);
                    self.add(Act::Stand, d);
                }
                _ => self.walk(60, 400),
            }
        }
    }

    fn elapsed(&self) -> u32 {
        self.segs.iter().map(|s| s.duration_s).sum()
    }
}

/// A day of `hours` from `seed`. The kind, the sensor, the mounting and
/// the mishaps (a pocket slip, the sensor taken off, link gaps) all follow
/// from the seed.
#[allow(
    clippy::too_many_lines,
    reason = "one script per kind of day, read top to bottom"
)]
pub fn realistic_day(seed: u64, hours: f32, start_s: i64) -> DayPlan {
    let mut b = Builder {
        rng: fastrand::Rng::with_seed(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDA75),
        segs: Vec::new(),
    };
    let kind = DayKind::ALL[(seed % DayKind::ALL.len() as u64) as usize];
    let total_s = (hours * 3600.0) as u32;
    match kind {
        DayKind::CarCommute => {
            let c = b.chair();
            let d = b.range(5 * 60, 25 * 60);
            b.add(c, d);
            // Too few steps to the car to learn anything from.
            b.walk(4, 12);
            let d = b.range(15, 60);
            b.add(Act::Stand, d);
            let pitch_deg = 70.0 + b.rng.f32() * 20.0;
            let d = b.range(20 * 60, 60 * 60);
            b.add(
                Act::Ride {
                    vehicle: Vehicle::Car,
                    pitch_deg,
                },
                d,
            );
            b.walk(60, 300);
        }
        DayKind::BusCommute => {
            let c = b.chair();
            let d = b.range(10 * 60, 30 * 60);
            b.add(c, d);
            b.walk(15, 40);
            let d = b.range(60, 300);
            b.add(Act::Stand, d);
            let pitch_deg = 80.0 + b.rng.f32() * 15.0;
            let d = b.range(10 * 60, 30 * 60);
            b.add(
                Act::Ride {
                    vehicle: Vehicle::Bus,
                    pitch_deg,
                },
                d,
            );
            let d = b.range(3 * 60, 10 * 60);
            b.add(Act::StandRide, d);
            b.walk(120, 500);
        }
        DayKind::BikeCommute => {
            b.walk(5, 15);
            let d = b.range(15 * 60, 35 * 60);
            b.add(Act::Cycle, d);
            let d = b.range(20, 90);
            b.add(Act::Stand, d);
            b.walk(30, 200);
        }
        DayKind::Night => {
            for _ in 0..b.range(3, 6) {
                b.lie(15 * 60, 80 * 60);
            }
            let c = b.chair();
            let d = b.range(60, 300);
            b.add(c, d);
            b.shuffle();
            // Shower: the sensor off on the bathroom shelf.
            let d = b.range(12 * 60, 25 * 60);
            b.add(Act::Off, d);
            b.shuffle();
            let c = b.chair();
            let d = b.range(10 * 60, 25 * 60);
            b.add(c, d);
            b.walk(200, 900);
        }
        DayKind::Office => {
            b.walk(300, 900);
        }
        DayKind::Home => {
            let c = b.chair();
            let d = b.range(20 * 60, 50 * 60);
            b.add(c, d);
            b.shuffle();
        }
    }
    let work_end = total_s.saturating_sub(match kind {
        DayKind::Home => 3 * 3600,
        _ => 2 * 3600,
    });
    b.desk(work_end / 2, kind == DayKind::Office);
    // Lunch: walk out, sit, walk back; at home the sensor may stay on the
    // table meanwhile.
    b.walk(120, 600);
    if kind == DayKind::Home || b.rng.u8(0..4) == 0 {
        let d = b.range(15 * 60, 60 * 60);
        b.add(Act::Off, d);
        b.shuffle();
    } else {
        let c = b.chair();
        let d = b.range(20 * 60, 40 * 60);
        b.add(c, d);
    }
    b.walk(120, 600);
    b.desk(work_end, kind == DayKind::Office);
    if kind == DayKind::BikeCommute {
        let d = b.range(15 * 60, 35 * 60);
        b.add(Act::Cycle, d);
    } else {
        b.walk(120, 600);
    }
    // Evening: the sofa, lying on it, a film without moving much.
    while b.elapsed() < total_s {
        let c = b.chair();
        let d = b.range(20 * 60, 120 * 60);
        b.add(c, d);
        if b.rng.bool() {
            b.lie(10 * 60, 45 * 60);
        }
        b.shuffle();
    }
    cut_to(&mut b.segs, total_s);
    // A pocket slip during the day, on half of the days.
    if b.rng.bool() && b.segs.len() > 4 {
        let i = b.rng.usize(b.segs.len() / 3..b.segs.len() - 1);
        b.segs[i].slip = true;
    }
    let (rate_hz, noise_g) = SENSORS[b.rng.usize(0..SENSORS.len())];
    let sensor = SensorSpec {
        rate_hz,
        jitter: b.rng.f32() * 0.3,
        drop_p: b.rng.f32() * 0.02,
        noise_g,
    };
    let duration: u32 = b.segs.iter().map(|s| s.duration_s).sum();
    let gaps = (0..b.rng.u32(0..4))
        .map(|_| {
            let at = b.rng.u32(0..duration.max(1));
            (at, at + b.rng.u32(2..20))
        })
        .collect();
    DayPlan {
        name: format!("{} (seed {seed}, {rate_hz} Hz)", kind.name()),
        seed,
        start_s,
        segments: b.segs,
        sensor,
        gaps,
    }
}

fn cut_to(segs: &mut Vec<Segment>, total_s: u32) {
    let mut over = segs
        .iter()
        .map(|s| s.duration_s)
        .sum::<u32>()
        .saturating_sub(total_s);
    while over > 0 {
        let Some(last) = segs.last_mut() else { break };
        if last.duration_s > over {
            last.duration_s -= over;
            over = 0;
        } else {
            over -= last.duration_s;
            segs.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_deterministic_as_long_as_asked_and_varied() {
        let a = realistic_day(3, 10.0, 0);
        assert_eq!(a, realistic_day(3, 10.0, 0));
        assert_eq!(a.duration_s(), 36_000);
        let kinds: std::collections::BTreeSet<String> = (0..12)
            .map(|s| {
                realistic_day(s, 10.0, 0)
                    .name
                    .split(" (")
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(kinds.len(), DayKind::ALL.len());
        // The car day's first energetic stretch is not a walk long enough
        // to learn from.
        let car = realistic_day(0, 10.0, 0);
        let first_walk = car
            .segments
            .iter()
            .find(|s| matches!(s.act, Act::Walk { .. }))
            .unwrap();
        assert!(first_walk.duration_s <= 12);
        assert!(matches!(car.segments[0].act, Act::Sit { .. }));
    }
}

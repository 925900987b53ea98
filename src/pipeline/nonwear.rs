//! Not worn: a sensor that shows nothing but its own noise. A person, even
//! asleep or absorbed in a film, moves a little: the thigh's direction
//! drifts and small movements come and go. A sensor on a desk does not.
//! So a run of quiet seconds whose direction stays within a fraction of a
//! degree is non-wear once it lasts long enough (activPAL's non-wear
//! code; `docs/posture.md`, "Not worn").

use std::collections::VecDeque;

use crate::domain::vector::Vec3;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NonWearConfig {
    /// A second at most this intensive is quiet, g (sensor noise is about
    /// 0.01–0.02 g).
    pub quiet_g: f32,
    /// The direction (5 s means) stays within this of where the run began.
    pub drift_deg: f32,
    /// A quiet run this long is non-wear...
    pub min_s: i64,
    /// ...or this long when the wearer was lying just before (a sleeper
    /// can lie very still; a sensor on a night table waits longer).
    pub after_lying_s: i64,
    /// From this long on, a still run holds reminders (it may turn out to
    /// be a sensor on a desk).
    pub suspect_s: i64,
}

impl Default for NonWearConfig {
    fn default() -> Self {
        Self {
            quiet_g: 0.035,
            drift_deg: 0.5,
            min_s: 600,
            after_lying_s: 3600,
            suspect_s: 120,
        }
    }
}

/// What a second is to the detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WearStatus {
    /// Movement, or a quiet run too short to mean anything.
    Worn,
    /// Part of a quiet run that may be non-wear (it is `run_s` long).
    Still { run_s: i64 },
    /// The run just became non-wear: every second from `from_s` on.
    NowNotWorn { from_s: i64 },
    /// Part of a run already found to be non-wear.
    NotWorn,
}

#[derive(Clone, Debug)]
pub(crate) struct NonWear {
    cfg: NonWearConfig,
    run_start_s: Option<i64>,
    last_t_s: Option<i64>,
    anchor: Option<Vec3>,
    /// The run's first seconds, until the anchor is set from them.
    first: Vec<Vec3>,
    recent: VecDeque<Vec3>,
    need_s: i64,
    confirmed: bool,
}

const MEAN_S: usize = 5;
/// The longest link gap a still run survives, s.
const MAX_GAP_S: i64 = 60;

impl NonWear {
    pub(crate) fn new(cfg: NonWearConfig) -> Self {
        Self {
            cfg,
            run_start_s: None,
            last_t_s: None,
            anchor: None,
            first: Vec::new(),
            recent: VecDeque::new(),
            need_s: cfg.min_s,
            confirmed: false,
        }
    }

    /// Feeds one second; `lying_before` says whether the wearer was lying
    /// when a new run starts.
    pub(crate) fn push(
        &mut self,
        t_s: i64,
        gravity: Vec3,
        intensity_g: f32,
        lying_before: bool,
    ) -> WearStatus {
        // A link drop of up to a minute keeps a run going if the sensor
        // still points exactly where it did (checked from the first seconds
        // after it: the recent window starts afresh). A longer gap starts
        // the run again: what the sensor did meanwhile is unknown.
        let gap_s = self.last_t_s.map(|l| t_s - l - 1);
        let contiguous = gap_s == Some(0);
        let bridged = gap_s.is_some_and(|g| (1..=MAX_GAP_S).contains(&g));
        self.last_t_s = Some(t_s);
        let Some(dir) = gravity.normalized() else {
            self.reset();
            return WearStatus::Worn;
        };
        if intensity_g > self.cfg.quiet_g || !contiguous && !bridged && !self.confirmed {
            self.reset();
            if intensity_g > self.cfg.quiet_g {
                return WearStatus::Worn;
            }
        }
        if bridged && self.anchor.is_some() {
            self.recent.clear();
        }
        if self.run_start_s.is_none() {
            self.run_start_s = Some(t_s);
            self.need_s = if lying_before {
                self.cfg.after_lying_s
            } else {
                self.cfg.min_s
            };
        }
        if self.recent.len() == MEAN_S {
            self.recent.pop_front();
        }
        self.recent.push_back(dir);
        match self.anchor {
            None => {
                self.first.push(dir);
                if self.first.len() == MEAN_S {
                    self.anchor = mean(self.first.iter().copied());
                }
            }
            Some(a) => {
                let now = mean(self.recent.iter().copied()).unwrap_or(dir);
                if now.angle_deg(a) > self.cfg.drift_deg {
                    // It moved: a person. A new run may start from here.
                    self.reset();
                    return WearStatus::Worn;
                }
            }
        }
        let start = self.run_start_s.unwrap_or(t_s);
        let run_s = t_s - start + 1;
        if self.confirmed {
            WearStatus::NotWorn
        } else if run_s >= self.need_s {
            self.confirmed = true;
            WearStatus::NowNotWorn { from_s: start }
        } else if run_s >= self.cfg.suspect_s {
            WearStatus::Still { run_s }
        } else {
            WearStatus::Worn
        }
    }

    fn reset(&mut self) {
        self.run_start_s = None;
        self.anchor = None;
        self.first.clear();
        self.recent.clear();
        self.confirmed = false;
    }
}

fn mean(v: impl Iterator<Item = Vec3>) -> Option<Vec3> {
    v.fold(Vec3::default(), |a, b| a + b).normalized()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        nw: &mut NonWear,
        t: std::ops::Range<i64>,
        dir: impl Fn(i64) -> Vec3,
        intensity_g: f32,
    ) -> Vec<WearStatus> {
        t.map(|t| nw.push(t, dir(t), intensity_g, false)).collect()
    }

    #[test]
    fn a_sensor_left_still_is_not_worn_after_ten_minutes_from_its_start() {
        let mut nw = NonWear::new(NonWearConfig::default());
        let up = |_| Vec3::new(0.1, 0.2, 0.97);
        let s = run(&mut nw, 0..700, up, 0.015);
        assert_eq!(s[100], WearStatus::Worn);
        assert_eq!(s[200], WearStatus::Still { run_s: 201 });
        assert_eq!(s[599], WearStatus::NowNotWorn { from_s: 0 });
        assert_eq!(s[650], WearStatus::NotWorn);
        // Picked up: worn again at once.
        assert_eq!(
            nw.push(700, Vec3::new(1.0, 0.0, 0.0), 0.3, false),
            WearStatus::Worn
        );
    }

    #[test]
    fn a_person_sitting_still_drifts_and_is_never_not_worn() {
        let mut nw = NonWear::new(NonWearConfig::default());
        // 0.2° a minute of drift, quieter than the noise threshold.
        let drift = |t: i64| {
            let a = (t as f32 / 60.0 * 0.2).to_radians();
            Vec3::new(a.sin(), 0.0, a.cos())
        };
        let s = run(&mut nw, 0..3600, drift, 0.02);
        assert!(
            s.iter()
                .all(|x| !matches!(x, WearStatus::NowNotWorn { .. } | WearStatus::NotWorn)),
            "an hour of film is not non-wear"
        );
    }

    #[test]
    fn short_link_gaps_keep_a_run_long_ones_and_a_moved_sensor_restart_it() {
        let desk = Vec3::new(0.1, 0.2, 0.97);
        // A 5 s gap every 100 s (a flaky link): not worn, from the start.
        let mut nw = NonWear::new(NonWearConfig::default());
        let mut last = WearStatus::Worn;
        for t in (0..700).filter(|t| t % 100 >= 5 || *t < 100) {
            last = nw.push(t, desk, 0.015, false);
            if let WearStatus::NowNotWorn { from_s } = last {
                assert_eq!(from_s, 0);
            }
        }
        assert_eq!(last, WearStatus::NotWorn);
        // A two-minute gap: the run starts again after it.
        let mut nw = NonWear::new(NonWearConfig::default());
        run(&mut nw, 0..300, |_| desk, 0.015);
        let s = run(&mut nw, 420..1100, |_| desk, 0.015);
        let at = |t: i64| s[(t - 420) as usize];
        assert_eq!(at(599), WearStatus::Still { run_s: 180 });
        assert_eq!(at(1019), WearStatus::NowNotWorn { from_s: 420 });
        // Moved during a short gap (picked up and put down 1.5° off: a mean with the seconds before the gap would hide it): a
        // person touched it, so the run starts again.
        let mut nw = NonWear::new(NonWearConfig::default());
        run(&mut nw, 0..300, |_| desk, 0.015);
        let a = 1.5f32.to_radians();
        let moved = Vec3::new(0.1 + a.sin(), 0.2, 0.97).normalized().unwrap();
        assert_eq!(nw.push(310, moved, 0.015, false), WearStatus::Worn);
    }

    #[test]
    fn after_lying_it_takes_an_hour() {
        let mut nw = NonWear::new(NonWearConfig::default());
        let flat = Vec3::new(0.0, 1.0, 0.0);
        assert_eq!(nw.push(0, flat, 0.01, true), WearStatus::Worn);
        let s = run(&mut nw, 1..3700, |_| flat, 0.01);
        assert!(matches!(s[1000], WearStatus::Still { .. }));
        assert_eq!(s[3598], WearStatus::NowNotWorn { from_s: 0 });
    }
}

//! The routine player: a state machine over the routine's phases (a step,
//! per side where it has sides). Time is injected (`now` in seconds on any
//! monotonic clock), so tests drive it without waiting.

use super::catalog::{Check, Routine};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Self::Left => "left side",
            Self::Right => "right side",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Phase {
    pub step: usize,
    pub exercise: String,
    pub side: Option<Side>,
    pub duration_s: Option<u32>,
    pub reps: Option<u32>,
    pub check: Option<Check>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PhaseOutcome {
    Pending,
    Done,
    Skipped,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Clock {
    Running { since: f64, before_s: f64 },
    Paused { elapsed_s: f64 },
}

/// What the player tells the view to announce.
#[derive(Clone, Debug, PartialEq)]
pub enum Announcement {
    /// Same step, other side.
    SwitchSides(Side),
    NextStep(usize),
    Finished,
    /// Stopped before its last step (the steps left stay not done).
    Stopped,
}

#[derive(Clone, Debug)]
pub struct Player {
    pub routine_id: String,
    phases: Vec<Phase>,
    outcomes: Vec<PhaseOutcome>,
    index: usize,
    clock: Clock,
    finished: bool,
    /// Sensor seconds of walking during a checked phase.
    walked_s: i64,
    /// The sensor's running walking total when the phase began.
    walk_baseline_s: Option<i64>,
    active_s: f64,
}

impl Player {
    pub fn new(routine: &Routine, now: f64) -> Self {
        let mut phases = Vec::new();
        for (i, s) in routine.steps.iter().enumerate() {
            let sides: &[Option<Side>] = if s.sides {
                &[Some(Side::Left), Some(Side::Right)]
            } else {
                &[None]
            };
            for &side in sides {
                phases.push(Phase {
                    step: i,
                    exercise: s.exercise.clone(),
                    side,
                    duration_s: s.duration_s,
                    reps: s.reps,
                    check: s.check,
                });
            }
        }
        Self {
            routine_id: routine.id.clone(),
            outcomes: vec![PhaseOutcome::Pending; phases.len()],
            phases,
            index: 0,
            clock: Clock::Running {
                since: now,
                before_s: 0.0,
            },
            finished: false,
            walked_s: 0,
            walk_baseline_s: None,
            active_s: 0.0,
        }
    }

    pub(crate) fn phase(&self) -> &Phase {
        &self.phases[self.index.min(self.phases.len() - 1)]
    }

    pub(crate) fn phase_index(&self) -> usize {
        self.index
    }

    pub(crate) fn phase_count(&self) -> usize {
        self.phases.len()
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    pub(crate) fn is_paused(&self) -> bool {
        matches!(self.clock, Clock::Paused { .. })
    }

    fn elapsed_s(&self, now: f64) -> f64 {
        match self.clock {
            Clock::Running { since, before_s } => before_s + (now - since).max(0.0),
            Clock::Paused { elapsed_s } => elapsed_s,
        }
    }

    /// Seconds left in a timed phase; `None` for reps and sensor-checked phases.
    pub(crate) fn remaining_s(&self, now: f64) -> Option<f64> {
        let p = self.phase();
        match (p.duration_s, p.check) {
            (Some(d), None) => Some((f64::from(d) - self.elapsed_s(now)).max(0.0)),
            _ => None,
        }
    }

    /// Walking seconds still needed in a sensor-checked phase.
    pub(crate) fn walk_remaining_s(&self) -> Option<i64> {
        let p = self.phase();
        match (p.check, p.duration_s) {
            (Some(Check::Walking), Some(d)) => Some((i64::from(d) - self.walked_s).max(0)),
            _ => None,
        }
    }

    /// Advances timed phases whose time is up.
    pub fn tick(&mut self, now: f64) -> Option<Announcement> {
        if self.finished || self.is_paused() {
            return None;
        }
        if self.remaining_s(now).is_some_and(|r| r <= 0.0) {
            return Some(self.complete(now, PhaseOutcome::Done));
        }
        None
    }

    /// The sensor's running total of walking seconds (in sensor time, so
    /// it is exact at any demo speed): walking since the checked phase began
    /// completes it once it adds up to the phase's duration.
    pub(crate) fn on_walking_total(&mut self, now: f64, total_s: i64) -> Option<Announcement> {
        if self.finished || self.phase().check != Some(Check::Walking) {
            return None;
        }
        let base = *self.walk_baseline_s.get_or_insert(total_s);
        if self.is_paused() {
            // Walking while paused does not count: move the baseline along.
            self.walk_baseline_s = Some(total_s - self.walked_s);
            return None;
        }
        self.walked_s = (total_s - base).max(0);
        if self.walk_remaining_s() == Some(0) {
            return Some(self.complete(now, PhaseOutcome::Done));
        }
        None
    }

    /// The user finished the reps (or a checked step by hand).
    pub fn done(&mut self, now: f64) -> Option<Announcement> {
        (!self.finished).then(|| self.complete(now, PhaseOutcome::Done))
    }

    pub fn skip(&mut self, now: f64) -> Option<Announcement> {
        (!self.finished).then(|| self.complete(now, PhaseOutcome::Skipped))
    }

    /// Stops the routine here: what was done stays done, the rest is not.
    pub fn stop(&mut self, now: f64) -> Option<Announcement> {
        if self.finished {
            return None;
        }
        self.bank_active(now);
        self.finished = true;
        Some(Announcement::Stopped)
    }

    /// Back to the previous phase, undone (on the first phase: its start).
    pub fn back(&mut self, now: f64) {
        if self.finished {
            return;
        }
        self.bank_active(now);
        self.index = self.index.saturating_sub(1);
        self.outcomes[self.index] = PhaseOutcome::Pending;
        self.restart_phase(now);
    }

    /// This phase again from its start (its countdown or walk).
    pub fn restart(&mut self, now: f64) {
        if self.finished {
            return;
        }
        self.bank_active(now);
        self.restart_phase(now);
    }

    pub(crate) fn can_go_back(&self) -> bool {
        !self.finished && self.index > 0
    }

    pub(crate) fn toggle_pause(&mut self, now: f64) {
        if self.finished {
            return;
        }
        self.clock = match self.clock {
            Clock::Running { .. } => {
                self.bank_active(now);
                Clock::Paused {
                    elapsed_s: self.elapsed_s(now),
                }
            }
            Clock::Paused { elapsed_s } => Clock::Running {
                since: now,
                before_s: elapsed_s,
            },
        };
    }

    fn bank_active(&mut self, now: f64) {
        if let Clock::Running { since, before_s } = self.clock {
            self.active_s += (now - since).max(0.0);
            self.clock = Clock::Running {
                since: now,
                before_s: before_s + (now - since).max(0.0),
            };
        }
    }

    fn restart_phase(&mut self, now: f64) {
        self.clock = Clock::Running {
            since: now,
            before_s: 0.0,
        };
        self.walked_s = 0;
        self.walk_baseline_s = None;
    }

    fn complete(&mut self, now: f64, outcome: PhaseOutcome) -> Announcement {
        self.bank_active(now);
        self.outcomes[self.index] = outcome;
        let prev = self.phases[self.index].clone();
        if self.index + 1 >= self.phases.len() {
            self.finished = true;
            return Announcement::Finished;
        }
        self.index += 1;
        self.restart_phase(now);
        let next = &self.phases[self.index];
        match next.side {
            Some(side) if next.step == prev.step => Announcement::SwitchSides(side),
            _ => Announcement::NextStep(next.step),
        }
    }

    /// Each phase and what became of it: `exercise[:side]=outcome`.
    pub(crate) fn steps_record(&self) -> String {
        self.phases
            .iter()
            .zip(&self.outcomes)
            .map(|(p, o)| {
                let side = match p.side {
                    Some(Side::Left) => ":left",
                    Some(Side::Right) => ":right",
                    None => "",
                };
                let outcome = match o {
                    PhaseOutcome::Done => "done",
                    PhaseOutcome::Skipped => "skipped",
                    PhaseOutcome::Pending => "pending",
                };
                format!("{}{side}={outcome}", p.exercise)
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// What to record: phases done and in total, whether the routine counts
    /// as done (`counts_as_done`), and the active (unpaused) time. A routine
    /// stopped early counts by the same rule.
    pub fn summary(&self) -> Summary {
        let done = self
            .outcomes
            .iter()
            .filter(|o| **o == PhaseOutcome::Done)
            .count() as u32;
        let total = self.phases.len() as u32;
        Summary {
            phases_done: done,
            phases_total: total,
            completed: counts_as_done(done, total),
            active_s: self.active_s.round() as i64,
        }
    }
}

/// The rule for a routine done: at least two thirds of its phases (each
/// side counts) were done, not skipped. Fewer is a partial routine, shown
/// as such in History and `report` and not counted in "routines done".
pub(crate) fn counts_as_done(phases_done: u32, phases_total: u32) -> bool {
    phases_total > 0 && phases_done * 3 >= phases_total * 2
}

/// How a recorded routine went, in words: "all 4 steps", "3 of 4 steps,
/// counts as done", "partial: 1 of 4 steps".
pub(crate) fn outcome_words(phases_done: u32, phases_total: u32) -> String {
    if phases_total > 0 && phases_done == phases_total {
        format!("all {phases_total} steps done")
    } else if counts_as_done(phases_done, phases_total) {
        format!("{phases_done} of {phases_total} steps, counts as done")
    } else {
        format!("partial: {phases_done} of {phases_total} steps")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub phases_done: u32,
    pub phases_total: u32,
    pub completed: bool,
    pub active_s: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routines::catalog::Catalog;

    fn player(id: &str) -> Player {
        Player::new(Catalog::builtin().routine(id).unwrap(), 0.0)
    }

    #[test]
    fn per_side_holds_count_down_and_announce_the_switch() {
        let mut p = player("hip-flexor-stretch");
        assert_eq!(p.phase_count(), 4);
        assert_eq!(p.phase().side, Some(Side::Left));
        assert_eq!(p.remaining_s(10.0), Some(35.0));
        assert_eq!(p.tick(44.9), None);
        assert_eq!(p.tick(45.0), Some(Announcement::SwitchSides(Side::Right)));
        assert_eq!(p.remaining_s(45.0), Some(45.0));
        assert_eq!(p.tick(90.0), Some(Announcement::NextStep(1)));
        assert_eq!(p.phase().exercise, "half-kneeling-reach");
        p.tick(120.0);
        assert_eq!(p.tick(150.0), Some(Announcement::Finished));
        assert!(p.is_finished());
        let s = p.summary();
        assert!(s.completed);
        assert_eq!((s.phases_done, s.phases_total, s.active_s), (4, 4, 150));
    }

    #[test]
    fn pause_stops_the_countdown() {
        let mut p = player("hip-flexor-stretch");
        p.toggle_pause(10.0);
        assert!(p.is_paused());
        assert_eq!(p.tick(100.0), None, "no progress while paused");
        assert_eq!(p.remaining_s(100.0), Some(35.0));
        p.toggle_pause(100.0);
        assert_eq!(p.tick(134.9), None);
        assert_eq!(p.tick(135.0), Some(Announcement::SwitchSides(Side::Right)));
        assert_eq!(p.summary().active_s, 45, "paused time is not active time");
    }

    #[test]
    fn stop_keeps_what_was_done_and_ends_the_routine() {
        let mut p = player("core-reset");
        assert_eq!(p.done(10.0), Some(Announcement::SwitchSides(Side::Right)));
        assert_eq!(p.stop(25.0), Some(Announcement::Stopped));
        assert!(p.is_finished());
        let s = p.summary();
        assert_eq!((s.phases_done, s.completed, s.active_s), (1, false, 25));
        assert!(p.steps_record().contains("bird-dog:right=pending"));
        assert_eq!(p.stop(30.0), None, "stopped once");
        assert_eq!(p.done(30.0), None);
    }

    #[test]
    fn skip_and_back() {
        let mut p = player("core-reset");
        assert_eq!(p.remaining_s(0.0), None, "reps have no countdown");
        assert!(!p.can_go_back());
        assert_eq!(p.skip(1.0), Some(Announcement::SwitchSides(Side::Right)));
        assert!(p.can_go_back());
        p.back(20.0); // however long into the phase: the previous one
        assert_eq!(p.phase_index(), 0);
        assert_eq!(p.done(25.0), Some(Announcement::SwitchSides(Side::Right)));
        p.restart(40.0); // restart stays on this phase
        assert_eq!(p.phase_index(), 1);
        assert_eq!(p.done(45.0), Some(Announcement::NextStep(1)));
        assert_eq!(p.skip(46.0), Some(Announcement::Finished));
        let s = p.summary();
        assert!(s.completed, "two of three phases done counts as done");
        assert_eq!(
            p.steps_record(),
            "bird-dog:left=done,bird-dog:right=done,glute-bridge=skipped"
        );
        assert_eq!((s.phases_done, s.phases_total), (2, 3));
    }

    #[test]
    fn a_routine_counts_as_done_from_two_thirds_of_its_phases() {
        assert!(!counts_as_done(0, 1));
        assert!(counts_as_done(1, 1));
        assert!(!counts_as_done(1, 3));
        assert!(counts_as_done(2, 3));
        assert!(!counts_as_done(2, 4));
        assert!(counts_as_done(3, 4));
        assert!(!counts_as_done(0, 0));
        assert_eq!(outcome_words(4, 4), "all 4 steps done");
        assert_eq!(outcome_words(3, 4), "3 of 4 steps, counts as done");
        assert_eq!(outcome_words(0, 1), "partial: 0 of 1 steps");
        // Skipping the only step: nothing done, not counted.
        let mut p = player("movement-break");
        assert_eq!(p.skip(1.0), Some(Announcement::Finished));
        assert!(!p.summary().completed);
    }

    #[test]
    fn the_walk_is_completed_by_the_sensor_in_sensor_time() {
        let mut p = player("movement-break");
        assert_eq!(p.tick(1_000.0), None, "a checked step does not time out");
        assert_eq!(p.walk_remaining_s(), Some(120));
        // The sensor had counted 500 s of walking before the routine began.
        assert_eq!(p.on_walking_total(1.0, 500), None);
        assert_eq!(p.on_walking_total(2.0, 560), None);
        assert_eq!(p.walk_remaining_s(), Some(60));
        // Walking while paused does not count.
        p.toggle_pause(3.0);
        assert_eq!(p.on_walking_total(4.0, 600), None);
        p.toggle_pause(5.0);
        assert_eq!(p.on_walking_total(6.0, 619), None);
        assert_eq!(p.walk_remaining_s(), Some(41));
        assert_eq!(p.on_walking_total(7.0, 660), Some(Announcement::Finished));
        assert!(p.summary().completed);
    }
}

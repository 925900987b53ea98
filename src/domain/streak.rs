//! Sitting streaks and breaks, exactly as the product defines them:
//! - a sitting bout is a run of seconds classified sitting;
//! - bouts separated by upright time shorter than the break length (120 s)
//!   belong to one streak; upright time of the break length ends it;
//! - a data gap (unknown or missing seconds) longer than 5 min ends it;
//! - a second the sensor was not worn ends it at once;
//! - a streak lasts from its first to its last sitting second;
//! - a break is a sitting → upright transition whose upright bout lasts at
//!   least the minimum bout.
//!
//! Desk time (no sensor: seconds at the computer, from the session's idle
//! state) makes streaks by the same rules, with one difference: nothing is
//! known between two desk seconds but that the person was away from the
//! computer, so missing seconds after a desk second are time away, not a
//! data gap, and away for the break length is a break (it ends the streak).

use crate::domain::posture::Posture;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreakRules {
    pub break_s: i64,
    pub max_gap_s: i64,
    pub threshold_s: i64,
    pub min_bout_s: i64,
}

impl Default for StreakRules {
    fn default() -> Self {
        Self {
            break_s: 120,
            max_gap_s: 300,
            threshold_s: 3600,
            min_bout_s: 10,
        }
    }
}

/// A streak: from its first to its last sitting second, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Streak {
    pub start_s: i64,
    pub last_sitting_s: i64,
}

impl Streak {
    pub fn duration_s(&self) -> i64 {
        self.last_sitting_s - self.start_s + 1
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreakEvent {
    Started(Streak),
    /// The streak's duration reached the threshold (once per streak).
    ReachedThreshold(Streak),
    Ended(Streak),
    /// A counted break: sitting → upright for at least the minimum bout.
    Break {
        at_s: i64,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct StreakTracker {
    rules: StreakRules,
    current: Option<Streak>,
    reached: bool,
    last_t_s: Option<i64>,
    away_since_sitting_s: i64,
    gap_run_s: i64,
    last_known: Option<Posture>,
    /// Upright seconds since a sitting → upright transition, while it may
    /// still become a break.
    break_candidate: Option<(i64, i64)>,
    /// The first second away from the computer after a desk second.
    desk_away_from_s: Option<i64>,
}

impl StreakTracker {
    pub(crate) fn new(rules: StreakRules) -> Self {
        Self {
            rules,
            current: None,
            reached: false,
            last_t_s: None,
            away_since_sitting_s: 0,
            gap_run_s: 0,
            last_known: None,
            break_candidate: None,
            desk_away_from_s: None,
        }
    }

    /// New rules apply from the next second on.
    pub(crate) fn set_rules(&mut self, rules: StreakRules) {
        self.rules = rules;
    }

    pub(crate) fn rules(&self) -> StreakRules {
        self.rules
    }

    /// The streak in progress, if any.
    pub(crate) fn current(&self) -> Option<Streak> {
        self.current
    }

    /// Feeds one second. Seconds must be increasing; missing seconds between
    /// two calls count as a data gap.
    pub(crate) fn push(&mut self, t_s: i64, state: Posture, out: &mut Vec<StreakEvent>) {
        if let Some(last) = self.last_t_s {
            if t_s <= last {
                return; // a duplicate or older second changes nothing
            }
            self.add_missing(last + 1, t_s - last - 1, out);
        }
        self.last_t_s = Some(t_s);
        if state != Posture::AtDesk {
            self.desk_away_from_s = None;
        }
        match state {
            Posture::Unknown => self.add_gap(1, out),
            Posture::NotWorn => {
                // Taken off: whatever the wearer does now is not measured,
                // so the streak stops at its last sitting second.
                self.end(out);
                self.gap_run_s = 0;
                self.last_known = None;
                self.break_candidate = None;
            }
            Posture::Sitting | Posture::AtDesk => {
                self.gap_run_s = 0;
                self.desk_away_from_s = None;
                self.away_since_sitting_s = 0;
                self.break_candidate = None;
                self.last_known = Some(state);
                let streak = self.current.get_or_insert_with(|| {
                    out.push(StreakEvent::Started(Streak {
                        start_s: t_s,
                        last_sitting_s: t_s,
                    }));
                    Streak {
                        start_s: t_s,
                        last_sitting_s: t_s,
                    }
                });
                streak.last_sitting_s = t_s;
                if !self.reached && streak.duration_s() >= self.rules.threshold_s {
                    self.reached = true;
                    out.push(StreakEvent::ReachedThreshold(*streak));
                }
            }
            upright_or_lying => {
                self.gap_run_s = 0;
                if upright_or_lying.is_upright() {
                    if self.last_known == Some(Posture::Sitting) {
                        self.break_candidate = Some((t_s, 0));
                    }
                    if let Some((at_s, n)) = self.break_candidate.as_mut() {
                        *n += 1;
                        if *n == self.rules.min_bout_s {
                            out.push(StreakEvent::Break { at_s: *at_s });
                            self.break_candidate = None;
                        }
                    }
                } else {
                    self.break_candidate = None;
                }
                self.last_known = Some(upright_or_lying);
                if self.current.is_some() {
                    self.away_since_sitting_s += 1;
                    if self.away_since_sitting_s >= self.rules.break_s {
                        self.end(out);
                    }
                }
            }
        }
    }

    /// The seconds up to `now_s` passed without data: for desk time that
    /// is time away from the computer, which ends a streak once it reaches
    /// the break length (no later second is needed to say so). After
    /// other data nothing changes until the next second arrives.
    pub(crate) fn advance_to(&mut self, now_s: i64, out: &mut Vec<StreakEvent>) {
        let Some(last) = self.last_t_s else { return };
        if now_s > last && self.last_known == Some(Posture::AtDesk) {
            self.add_missing(last + 1, now_s - last, out);
            self.last_t_s = Some(now_s);
        }
    }

    /// `n` seconds without data from `from_s` on.
    fn add_missing(&mut self, from_s: i64, n: i64, out: &mut Vec<StreakEvent>) {
        if n <= 0 {
            return;
        }
        if self.last_known != Some(Posture::AtDesk) {
            self.add_gap(n, out);
            return;
        }
        let away_from_s = *self.desk_away_from_s.get_or_insert(from_s);
        self.away_since_sitting_s += n;
        if self.away_since_sitting_s >= self.rules.break_s {
            out.push(StreakEvent::Break { at_s: away_from_s });
            self.end(out);
            self.last_known = None;
            self.desk_away_from_s = None;
        }
    }

    fn add_gap(&mut self, seconds: i64, out: &mut Vec<StreakEvent>) {
        if seconds <= 0 {
            return;
        }
        self.gap_run_s += seconds;
        if self.gap_run_s > self.rules.max_gap_s {
            self.end(out);
            self.last_known = None;
            self.break_candidate = None;
        }
    }

    fn end(&mut self, out: &mut Vec<StreakEvent>) {
        if let Some(s) = self.current.take() {
            out.push(StreakEvent::Ended(s));
        }
        self.reached = false;
        self.away_since_sitting_s = 0;
    }

    /// End of the data: closes the streak in progress.
    pub(crate) fn finish(&mut self, out: &mut Vec<StreakEvent>) {
        self.end(out);
    }
}

/// All streaks of a sequence of seconds (used by reports and tests).
pub fn streaks_of(
    rules: StreakRules,
    seconds: impl IntoIterator<Item = (i64, Posture)>,
) -> (Vec<Streak>, u32) {
    let mut tracker = StreakTracker::new(rules);
    let mut events = Vec::new();
    for (t, p) in seconds {
        tracker.push(t, p, &mut events);
    }
    tracker.finish(&mut events);
    let mut streaks = Vec::new();
    let mut breaks = 0;
    for e in events {
        match e {
            StreakEvent::Ended(s) => streaks.push(s),
            StreakEvent::Break { .. } => breaks += 1,
            _ => {}
        }
    }
    (streaks, breaks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Posture::{Moving, Sitting, Standing, Unknown};

    /// Builds a timeline of (state, seconds) runs starting at t = 0.
    /// `None` as state means missing seconds (no rows at all).
    fn timeline(runs: &[(Option<Posture>, i64)]) -> Vec<(i64, Posture)> {
        let mut t = 0;
        let mut v = Vec::new();
        for &(p, n) in runs {
            for _ in 0..n {
                if let Some(p) = p {
                    v.push((t, p));
                }
                t += 1;
            }
        }
        v
    }

    fn events(runs: &[(Option<Posture>, i64)]) -> Vec<StreakEvent> {
        let mut tr = StreakTracker::new(StreakRules::default());
        let mut out = Vec::new();
        for (t, p) in timeline(runs) {
            tr.push(t, p, &mut out);
        }
        tr.finish(&mut out);
        out
    }

    fn reached(runs: &[(Option<Posture>, i64)]) -> bool {
        events(runs)
            .iter()
            .any(|e| matches!(e, StreakEvent::ReachedThreshold(_)))
    }

    fn streaks(runs: &[(Option<Posture>, i64)]) -> Vec<Streak> {
        streaks_of(StreakRules::default(), timeline(runs)).0
    }

    const MIN: i64 = 60;

    #[test]
    fn desk_time_away_is_a_break_not_a_data_gap() {
        use Posture::AtDesk;
        // Away 100 s (under the break length): one streak over both runs.
        let s = streaks(&[
            (Some(AtDesk), 40 * MIN),
            (None, 100),
            (Some(AtDesk), 30 * MIN),
        ]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].duration_s(), 70 * MIN + 100);
        assert!(reached(&[
            (Some(AtDesk), 50 * MIN),
            (None, 100),
            (Some(AtDesk), 10 * MIN)
        ]));
        // Away for the break length: a break, two streaks (a sensor's
        // data gap would need over 5 minutes).
        let ev = events(&[
            (Some(AtDesk), 40 * MIN),
            (None, 2 * MIN),
            (Some(AtDesk), 30 * MIN),
        ]);
        let breaks: Vec<i64> = ev
            .iter()
            .filter_map(|e| match e {
                StreakEvent::Break { at_s } => Some(*at_s),
                _ => None,
            })
            .collect();
        assert_eq!(breaks, vec![40 * MIN]);
        assert_eq!(
            streaks(&[
                (Some(AtDesk), 40 * MIN),
                (None, 2 * MIN),
                (Some(AtDesk), 30 * MIN)
            ])
            .len(),
            2
        );
        // Live: the streak ends while away, before any later second.
        let mut tr = StreakTracker::new(StreakRules::default());
        let mut out = Vec::new();
        for t in 0..10 * MIN {
            tr.push(t, AtDesk, &mut out);
        }
        tr.advance_to(10 * MIN + 60, &mut out);
        assert!(tr.current().is_some(), "a minute away is no break");
        tr.advance_to(10 * MIN + 120, &mut out);
        assert!(tr.current().is_none());
        assert!(out.contains(&StreakEvent::Break { at_s: 10 * MIN }));
        // After a sensor's second, advancing changes nothing.
        let mut tr = StreakTracker::new(StreakRules::default());
        tr.push(0, Sitting, &mut out);
        tr.advance_to(10 * MIN, &mut out);
        assert!(tr.current().is_some());
    }

    #[test]
    fn threshold_at_59_60_61_minutes() {
        assert!(!reached(&[(Some(Sitting), 59 * MIN)]));
        assert!(reached(&[(Some(Sitting), 60 * MIN)]));
        assert!(reached(&[(Some(Sitting), 61 * MIN)]));
        assert!(!reached(&[(Some(Sitting), 60 * MIN - 1)]));
    }

    #[test]
    fn threshold_fires_at_the_exact_second_and_only_once() {
        let ev = events(&[(Some(Sitting), 90 * MIN)]);
        let hits: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                StreakEvent::ReachedThreshold(s) => Some(s.last_sitting_s),
                _ => None,
            })
            .collect();
        assert_eq!(hits, vec![60 * MIN - 1]);
    }

    #[test]
    fn interruption_of_119_s_continues_121_s_ends() {
        let s = streaks(&[
            (Some(Sitting), 30 * MIN),
            (Some(Standing), 119),
            (Some(Sitting), 30 * MIN),
        ]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].duration_s(), 60 * MIN + 119);
        let s = streaks(&[
            (Some(Sitting), 30 * MIN),
            (Some(Moving), 121),
            (Some(Sitting), 30 * MIN),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].duration_s(), 30 * MIN);
        assert_eq!(s[1].start_s, 30 * MIN + 121);
    }

    #[test]
    fn interruption_of_exactly_the_break_length_ends_the_streak() {
        let s = streaks(&[
            (Some(Sitting), 10 * MIN),
            (Some(Standing), 120),
            (Some(Sitting), 10 * MIN),
        ]);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn gaps_of_4_min_continue_6_min_end() {
        for gap in [None, Some(Unknown)] {
            let s = streaks(&[
                (Some(Sitting), 40 * MIN),
                (gap, 4 * MIN),
                (Some(Sitting), 30 * MIN),
            ]);
            assert_eq!(s.len(), 1, "{gap:?}");
            assert!(reached(&[
                (Some(Sitting), 40 * MIN),
                (gap, 4 * MIN),
                (Some(Sitting), 30 * MIN),
            ]));
            let s = streaks(&[
                (Some(Sitting), 40 * MIN),
                (gap, 6 * MIN),
                (Some(Sitting), 30 * MIN),
            ]);
            assert_eq!(s.len(), 2, "{gap:?}");
            assert_eq!(s[0].duration_s(), 40 * MIN);
        }
    }

    #[test]
    fn a_gap_of_exactly_5_min_does_not_end_the_streak() {
        let s = streaks(&[
            (Some(Sitting), 10 * MIN),
            (None, 5 * MIN),
            (Some(Sitting), 10 * MIN),
        ]);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn breaks_need_an_upright_bout_of_the_minimum_length() {
        let (_, breaks) = streaks_of(
            StreakRules::default(),
            timeline(&[
                (Some(Sitting), 100),
                (Some(Standing), 9),
                (Some(Sitting), 100),
                (Some(Standing), 10),
                (Some(Sitting), 100),
                (Some(Moving), 300),
            ]),
        );
        assert_eq!(breaks, 2);
    }

    #[test]
    fn duplicate_seconds_change_nothing() {
        let mut tr = StreakTracker::new(StreakRules::default());
        let mut out = Vec::new();
        tr.push(10, Sitting, &mut out);
        tr.push(10, Standing, &mut out);
        tr.push(9, Standing, &mut out);
        assert_eq!(tr.current().map(|s| s.duration_s()), Some(1));
    }

    #[test]
    fn taking_the_sensor_off_ends_the_streak_at_once() {
        use Posture::{NotWorn, Sitting};
        let s = streaks(&[(Some(Sitting), 50 * MIN), (Some(NotWorn), 30)]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].duration_s(), 50 * MIN);
        // Sitting again after a minute off is a new streak, although a
        // minute of standing would not have ended the first one.
        let s = streaks(&[
            (Some(Sitting), 10 * MIN),
            (Some(NotWorn), 60),
            (Some(Sitting), 10 * MIN),
        ]);
        assert_eq!(s.len(), 2);
        assert!(!reached(&[
            (Some(Sitting), 40 * MIN),
            (Some(NotWorn), 60),
            (Some(Sitting), 40 * MIN),
        ]));
    }
}

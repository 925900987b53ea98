//! When to recommend a break: once the current streak reaches the threshold,
//! then again every repeat interval while it goes on. Snooze and Dismiss move
//! the next reminder. Pure state, driven by the seconds of data, so a demo at
//! 60× and a test with a fake clock behave exactly like real time.

use crate::domain::streak::{Streak, StreakEvent};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReminderRules {
    pub threshold_s: i64,
    pub repeat_s: i64,
}

impl Default for ReminderRules {
    fn default() -> Self {
        Self {
            threshold_s: 3600,
            repeat_s: 1800,
        }
    }
}

/// The routine a reminder names until the recommender (in the pipeline)
/// picks one for the moment.
pub(crate) const MOVEMENT_BREAK: &str = "movement-break";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderDue {
    pub at_s: i64,
    pub streak: Streak,
    pub routine: String,
    /// One sentence the user sees: why now.
    pub reason: String,
}

/// Why a due reminder waits: it is held, not dropped, and fires on the
/// first sitting second after the hold ends if the streak still goes on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Holds {
    /// A routine is playing: the person is already moving.
    pub routine_playing: bool,
    /// The screen is locked: nobody is there to read it.
    pub screen_locked: bool,
    /// Paused from the tray until this second (sensor time).
    pub paused_until_s: Option<i64>,
}

impl Holds {
    pub fn holding(&self, t_s: i64) -> bool {
        self.routine_playing || self.screen_locked || self.paused_until_s.is_some_and(|u| t_s < u)
    }
}

#[derive(Clone, Debug)]
pub struct Reminder {
    rules: ReminderRules,
    next_due_s: Option<i64>,
    pub holds: Holds,
}

impl Reminder {
    pub fn new(rules: ReminderRules) -> Self {
        Self {
            rules,
            next_due_s: None,
            holds: Holds::default(),
        }
    }

    /// New rules while `current` may be running: a changed threshold
    /// measures the streak against it again; anything else (the sound, the
    /// repeat) keeps the next reminder where it was, snoozed or not.
    pub(crate) fn change_rules(&mut self, rules: ReminderRules, current: Option<Streak>) {
        let threshold_changed = rules.threshold_s != self.rules.threshold_s;
        self.rules = rules;
        if let (true, Some(s)) = (threshold_changed, current) {
            self.resume(s);
        }
    }

    pub(crate) fn on_streak_event(&mut self, e: &StreakEvent) {
        match e {
            StreakEvent::Started(s) => self.resume(*s),
            StreakEvent::Ended(_) => self.next_due_s = None,
            _ => {}
        }
    }

    /// Picks up a streak that was already running (after a restart).
    pub(crate) fn resume(&mut self, s: Streak) {
        self.next_due_s = Some(s.start_s + self.rules.threshold_s - 1);
    }

    /// Called for every stored second; returns a reminder when one is due.
    /// Reminders only fire while the wearer is actually sitting.
    pub(crate) fn poll(&mut self, t_s: i64, current: Option<Streak>) -> Option<ReminderDue> {
        let (due, streak) = (self.next_due_s?, current?);
        if t_s < due
            || streak.last_sitting_s != t_s
            || streak.duration_s() < self.rules.threshold_s
            || self.holds.holding(t_s)
        {
            return None;
        }
        self.next_due_s = Some(t_s + self.rules.repeat_s);
        let minutes = streak.duration_s() / 60;
        Some(ReminderDue {
            at_s: t_s,
            streak,
            routine: MOVEMENT_BREAK.to_owned(),
            reason: format!(
                "You have been sitting for {minutes} min: stand up and walk for at least 2 minutes."
            ),
        })
    }

    pub fn snooze(&mut self, now_s: i64, for_s: i64) {
        if self.next_due_s.is_some() {
            self.next_due_s = Some(now_s + for_s);
        }
    }

    pub(crate) fn dismiss(&mut self, now_s: i64) {
        if self.next_due_s.is_some() {
            self.next_due_s = Some(now_s + self.rules.repeat_s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::posture::Posture;
    use crate::domain::streak::{StreakRules, StreakTracker};

    /// Sits for `minutes`, polling every second; returns the reminder times
    /// (in minutes from the start, rounded down).
    fn sit_and_poll(minutes: i64, act: impl Fn(&mut Reminder, i64)) -> Vec<i64> {
        let mut tr = StreakTracker::new(StreakRules::default());
        let mut r = Reminder::new(ReminderRules::default());
        let mut ev = Vec::new();
        let mut fired = Vec::new();
        for t in 0..minutes * 60 {
            ev.clear();
            tr.push(t, Posture::Sitting, &mut ev);
            for e in &ev {
                r.on_streak_event(e);
            }
            if let Some(d) = r.poll(t, tr.current()) {
                fired.push(d.at_s / 60);
                act(&mut r, t);
            }
        }
        fired
    }

    #[test]
    fn fires_at_threshold_then_every_30_minutes() {
        assert_eq!(sit_and_poll(125, |_, _| {}), vec![59, 89, 119]);
    }

    #[test]
    fn snooze_brings_it_back_sooner_dismiss_waits_the_repeat() {
        assert_eq!(
            sit_and_poll(100, |r, t| r.snooze(t, 15 * 60)),
            vec![59, 74, 89]
        );
        assert_eq!(sit_and_poll(100, super::Reminder::dismiss), vec![59, 89]);
    }

    #[test]
    fn saving_settings_keeps_a_snooze_unless_the_threshold_changes() {
        let rules = ReminderRules::default();
        let fired = sit_and_poll(100, |r, t| {
            if t / 60 == 59 {
                r.snooze(t, 15 * 60);
                // Saved right after (the sound, say): still snoozed.
                r.change_rules(
                    rules,
                    Some(Streak {
                        start_s: 0,
                        last_sitting_s: t,
                    }),
                );
            }
        });
        // (A save that re-measured the streak would fire again at 60.)
        assert_eq!(fired, vec![59, 74]);
        let mut r = Reminder::new(rules);
        let s = Streak {
            start_s: 0,
            last_sitting_s: 40 * 60,
        };
        r.resume(s);
        r.change_rules(
            ReminderRules {
                threshold_s: 30 * 60,
                ..rules
            },
            Some(s),
        );
        assert!(
            r.poll(40 * 60, Some(s)).is_some(),
            "a lower threshold is due at once"
        );
    }

    #[test]
    fn a_held_reminder_waits_and_fires_when_the_hold_ends() {
        // Locked from minute 50 to 70: the minute-59 reminder comes at 70.
        let mut tr = StreakTracker::new(StreakRules::default());
        let mut r = Reminder::new(ReminderRules::default());
        let mut ev = Vec::new();
        let mut fired = Vec::new();
        for t in 0..100 * 60 {
            r.holds.screen_locked = (50 * 60..70 * 60).contains(&t);
            r.holds.paused_until_s = (t >= 80 * 60).then_some(95 * 60);
            ev.clear();
            tr.push(t, Posture::Sitting, &mut ev);
            for e in &ev {
                r.on_streak_event(e);
            }
            if let Some(d) = r.poll(t, tr.current()) {
                fired.push(d.at_s / 60);
            }
        }
        // 70, then 100 would be next; the pause 80–95 holds nothing due.
        assert_eq!(fired, vec![70]);
        let mut h = Holds::default();
        assert!(!h.holding(0));
        h.routine_playing = true;
        assert!(h.holding(0));
    }

    #[test]
    fn the_reason_says_how_long() {
        let mut r = Reminder::new(ReminderRules::default());
        let s = Streak {
            start_s: 0,
            last_sitting_s: 3659,
        };
        r.resume(s);
        let due = r.poll(3659, Some(s)).unwrap();
        assert!(due.reason.starts_with("You have been sitting for 61 min"));
        assert_eq!(r.poll(3660, Some(s)), None, "not sitting at 3660");
    }
}

//! Desk time: which seconds a person spent at the computer, from the
//! session's idle time (how long since the last key press or pointer
//! move) and whether the screen is locked. Used only while no sensor or
//! phone is paired: it says nothing about posture, so it is never stored
//! as sitting (`Posture::AtDesk`).
//!
//! The rule: a second is at the computer when the screen is not locked and
//! the last input came less than `AWAY_AFTER_IDLE_S` before it. Reading a
//! page without touching anything for longer counts as away; so does
//! standing at a standing desk not at all — that is what a sensor is for.

/// Idle seconds after which the person counts as away. Short enough that
/// getting up for a coffee shows, long enough that reading a screen for
/// a minute does not.
pub const AWAY_AFTER_IDLE_S: i64 = 60;

/// Readings further apart than this (the machine slept, the thread was
/// held up) decide only the last `MAX_STEP_S` seconds: what happened
/// before is not known, and counts as away.
pub const MAX_STEP_S: i64 = 30;

/// What the session said at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdleReading {
    pub now_s: i64,
    /// Seconds since the last keyboard or pointer input.
    pub idle_s: i64,
    /// The screen is locked or the screensaver runs.
    pub locked: bool,
}

/// Turns readings into the seconds at the computer.
#[derive(Clone, Debug, Default)]
pub struct DeskClock {
    last_now_s: Option<i64>,
}

impl DeskClock {
    /// The seconds of `(previous reading, now]` at the computer, in order.
    /// The first reading decides only its own second.
    pub fn read(&mut self, r: IdleReading) -> Vec<i64> {
        let from_s = match self.last_now_s {
            Some(prev) if r.now_s <= prev => return Vec::new(),
            Some(prev) => (prev + 1).max(r.now_s - MAX_STEP_S + 1),
            None => r.now_s,
        };
        self.last_now_s = Some(r.now_s);
        if r.locked {
            return Vec::new();
        }
        let last_input_s = r.now_s - r.idle_s.max(0);
        // Seconds before the last input had input at or after them within
        // the reading: present. After it, present while the idle run is
        // shorter than the away time.
        (from_s..=r.now_s)
            .filter(|&t| t - last_input_s < AWAY_AFTER_IDLE_S)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(now_s: i64, idle_s: i64) -> IdleReading {
        IdleReading {
            now_s,
            idle_s,
            locked: false,
        }
    }

    #[test]
    fn typing_is_at_the_computer_and_a_long_idle_is_away() {
        let mut c = DeskClock::default();
        assert_eq!(c.read(at(100, 0)), vec![100]);
        assert_eq!(c.read(at(105, 2)), vec![101, 102, 103, 104, 105]);
        // The last input at 80: 80..139 at the computer, then away.
        let mut c = DeskClock::default();
        c.read(at(130, 50));
        assert_eq!(c.read(at(135, 55)), vec![131, 132, 133, 134, 135]);
        assert_eq!(c.read(at(145, 65)), vec![136, 137, 138, 139]);
        assert!(c.read(at(150, 70)).is_empty());
        // Back at the keyboard.
        assert_eq!(c.read(at(155, 1)), vec![151, 152, 153, 154, 155]);
    }

    #[test]
    fn a_locked_screen_is_away_and_a_sleep_is_not_counted() {
        let mut c = DeskClock::default();
        c.read(at(0, 0));
        let locked = IdleReading {
            now_s: 5,
            idle_s: 0,
            locked: true,
        };
        assert!(c.read(locked).is_empty());
        // Woken after an hour and typing at once: only the last 30 s count.
        let got = c.read(at(3605, 0));
        assert_eq!(got.len(), MAX_STEP_S as usize);
        assert_eq!(got.first(), Some(&(3605 - MAX_STEP_S + 1)));
        // A clock that went back decides nothing.
        assert!(c.read(at(3000, 0)).is_empty());
    }
}

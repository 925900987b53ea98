//! The user's reminder settings, stored in the database so they survive a
//! restart and travel with the data.

use chrono::{Datelike, Timelike};

use crate::domain::config::Config;
use crate::domain::days::local_datetime;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent switches, stored as JSON by name"
)]
pub struct Settings {
    /// Sitting streak that triggers a reminder, minutes.
    pub threshold_min: u32,
    /// Upright time that ends a streak, minutes.
    pub break_min: u32,
    /// Reminder repeat while the streak goes on, minutes.
    pub repeat_min: u32,
    /// Monday first.
    pub active_days: [bool; 7],
    /// Active hours, minutes after local midnight, `[from, to)`.
    pub active_from_min: u32,
    pub active_to_min: u32,
    /// Quiet hours `[from, to)` (may wrap midnight); no reminders then.
    pub quiet: Option<(u32, u32)>,
    pub notifications: bool,
    pub sound: bool,
    /// Days of second-by-second detail to keep; `None` keeps everything.
    /// Minute rollups, bouts and streaks are kept for ever either way.
    pub detail_keep_days: Option<u32>,
    /// Closing the window keeps recording in the tray (else it quits).
    pub keep_running: bool,
    /// The one-line "still running in the tray" notice was shown once.
    pub tray_notice_shown: bool,
    /// Where the paired phone's pushes are received: the address to
    /// listen on (all of this computer's, or one such as 127.0.0.1) and
    /// the port.
    pub phone_bind: std::net::IpAddr,
    pub phone_port: u16,
    /// Count desk time (from the keyboard and mouse) while no sensor or
    /// phone is paired.
    pub desk_time: bool,
}

/// The port a phone pushes to unless Settings say otherwise.
pub const DEFAULT_PHONE_PORT: u16 = 8642;

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold_min: 60,
            break_min: 2,
            repeat_min: 30,
            active_days: [true, true, true, true, true, false, false],
            active_from_min: 8 * 60,
            active_to_min: 19 * 60,
            quiet: None,
            notifications: true,
            sound: true,
            detail_keep_days: None,
            keep_running: true,
            desk_time: true,
            tray_notice_shown: false,
            phone_bind: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            phone_port: DEFAULT_PHONE_PORT,
        }
    }
}

pub(crate) const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn in_range(minute: u32, (from, to): (u32, u32)) -> bool {
    if from <= to {
        (from..to).contains(&minute)
    } else {
        minute >= from || minute < to
    }
}

impl Settings {
    /// Defaults, but reminders on every day at every hour.
    #[must_use]
    pub fn any_time() -> Self {
        Self {
            active_days: [true; 7],
            active_from_min: 0,
            active_to_min: 24 * 60,
            ..Self::default()
        }
    }

    /// Keeps values in ranges that make sense (a hand-edited database, an
    /// older version): nothing from storage is trusted blindly.
    #[must_use]
    pub(crate) fn sanitized(mut self) -> Self {
        self.threshold_min = self.threshold_min.clamp(10, 240);
        self.break_min = self.break_min.clamp(1, 30);
        self.repeat_min = self.repeat_min.clamp(5, 240);
        self.active_from_min = self.active_from_min.min(24 * 60);
        self.active_to_min = self.active_to_min.min(24 * 60);
        self.quiet = self.quiet.map(|(a, b)| (a.min(24 * 60), b.min(24 * 60)));
        self.detail_keep_days = self.detail_keep_days.map(|d| d.clamp(7, 36_600));
        // Port 0 would listen somewhere the phone cannot be told.
        if self.phone_port == 0 {
            self.phone_port = DEFAULT_PHONE_PORT;
        }
        self
    }

    /// Where the phone's listener binds.
    pub fn phone_addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::new(self.phone_bind, self.phone_port)
    }

    /// The streak threshold these settings set.
    pub fn threshold_s(&self) -> i64 {
        i64::from(self.threshold_min) * 60
    }

    /// The pipeline's rules with these settings applied.
    pub fn apply(&self, base: Config) -> Config {
        let mut c = base;
        c.streak.threshold_s = self.threshold_s();
        c.streak.break_s = i64::from(self.break_min) * 60;
        c.reminder.repeat_s = i64::from(self.repeat_min) * 60;
        c.consistent()
    }

    /// Whether a reminder may fire at `t_s` (local time): an active day,
    /// within active hours, outside quiet hours.
    pub(crate) fn reminders_allowed(&self, t_s: i64) -> bool {
        let local = local_datetime(t_s);
        let day = local.weekday().num_days_from_monday() as usize;
        let minute = local.hour() * 60 + local.minute();
        self.active_days[day]
            && in_range(minute, (self.active_from_min, self.active_to_min))
            && !self.quiet.is_some_and(|q| in_range(minute, q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::days::local_to_unix;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        local_to_unix(
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, min, 0)
                .unwrap(),
        )
    }

    #[test]
    fn active_hours_days_and_quiet_hours() {
        let mut s = Settings::default();
        // 2026-03-02 is a Monday, 2026-03-07 a Saturday.
        assert!(s.reminders_allowed(at(2026, 3, 2, 10, 0)));
        assert!(!s.reminders_allowed(at(2026, 3, 2, 7, 59)));
        assert!(s.reminders_allowed(at(2026, 3, 2, 8, 0)));
        assert!(!s.reminders_allowed(at(2026, 3, 2, 19, 0)));
        assert!(!s.reminders_allowed(at(2026, 3, 7, 10, 0)), "weekend");
        s.quiet = Some((12 * 60, 13 * 60));
        assert!(!s.reminders_allowed(at(2026, 3, 2, 12, 30)));
        assert!(s.reminders_allowed(at(2026, 3, 2, 13, 0)));
        // Quiet hours that wrap midnight.
        s.active_from_min = 0;
        s.active_to_min = 24 * 60;
        s.quiet = Some((22 * 60, 7 * 60));
        assert!(!s.reminders_allowed(at(2026, 3, 2, 23, 0)));
        assert!(!s.reminders_allowed(at(2026, 3, 2, 6, 0)));
        assert!(s.reminders_allowed(at(2026, 3, 2, 7, 0)));
    }

    #[test]
    fn settings_become_rules_and_bad_values_are_clamped() {
        let s = Settings {
            threshold_min: 45,
            break_min: 3,
            repeat_min: 20,
            ..Settings::default()
        };
        let c = s.apply(Config::default());
        assert_eq!((c.streak.threshold_s, c.streak.break_s), (2700, 180));
        assert_eq!((c.reminder.threshold_s, c.reminder.repeat_s), (2700, 1200));
        let wild = Settings {
            threshold_min: 0,
            repeat_min: 100_000,
            ..Settings::default()
        }
        .sanitized();
        assert_eq!((wild.threshold_min, wild.repeat_min), (10, 240));
    }
}

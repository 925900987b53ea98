//! Tunable settings with their defaults in one place.

use crate::domain::posture::PostureConfig;
use crate::domain::reminder::ReminderRules;
use crate::domain::streak::StreakRules;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Config {
    pub posture: PostureConfig,
    pub streak: StreakRules,
    pub reminder: ReminderRules,
}

impl Config {
    /// Keeps the numbers that must agree in agreement: the reminder fires
    /// at the streak threshold, and breaks need the minimum bout.
    #[must_use]
    pub fn consistent(mut self) -> Self {
        self.reminder.threshold_s = self.streak.threshold_s;
        self.streak.min_bout_s = i64::from(self.posture.min_bout_s);
        self
    }
}

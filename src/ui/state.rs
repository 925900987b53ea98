//! What every view shares, folded from engine events: the sensor's status
//! and clock, the settings in force, whether saving works, the last error.
//! The app owns one; each view's own model keeps only what that view shows.

use crate::domain::days::local_date;
use crate::domain::settings::Settings;
use crate::engine::protocol::{SensorStatus, StorageProblem, UiEvent};

#[derive(Default)]
pub struct AppState {
    pub sensor: Option<SensorStatus>,
    /// The settings in force (from the engine, at start and after a change).
    pub settings: Option<Settings>,
    /// Saving fails: the banner shows while this is set.
    pub storage: Option<StorageProblem>,
    /// Saving works again after a failure (a one-line note until dismissed).
    pub saved_again: bool,
    pub error: Option<String>,
    /// An import cut short in an earlier run, until one completes.
    pub unfinished_import: Option<String>,
    /// Newest second seen, in the sensor's time (the demo runs ahead).
    pub latest_t_s: Option<i64>,
    /// Reminders are paused from the tray until this second (sensor time).
    pub paused_until_s: Option<i64>,
    /// The desktop's do-not-disturb is on (reminders show only here).
    pub do_not_disturb: bool,
    /// The last reminder's notification had Start and Snooze buttons.
    pub notification_buttons: Option<bool>,
    /// The newest second the database held at start (`None`: empty).
    pub stored_at_start_s: Option<i64>,
    /// Whether desk time is counted, and from what.
    pub desk_time: Option<crate::engine::protocol::DeskTimeStatus>,
    /// The streak threshold before the settings arrive.
    default_threshold_s: i64,
}

impl AppState {
    pub fn new(default_threshold_s: i64) -> Self {
        Self {
            default_threshold_s,
            ..Self::default()
        }
    }

    /// Takes what is app-wide from `event`; the views' models take the rest.
    pub fn apply(&mut self, event: &UiEvent) {
        match event {
            UiEvent::Sensor(s) => self.sensor = Some(s.clone()),
            UiEvent::Live(l) => self.saw(Some(l.t_s)),
            UiEvent::Committed { newest_s } => self.saw(*newest_s),
            // Not "now": a database's last day may be long ago.
            UiEvent::Stored { newest_s } => self.stored_at_start_s = *newest_s,
            UiEvent::Settings(s) => self.settings = Some(s.clone()),
            UiEvent::Storage(p) => {
                self.saved_again = p.is_none() && self.storage.is_some();
                self.storage = *p;
            }
            UiEvent::Error(e) => self.error = Some(e.clone()),
            UiEvent::UnfinishedImport(words) => self.unfinished_import = Some(words.clone()),
            UiEvent::Imported(Ok(_)) => self.unfinished_import = None,
            UiEvent::Paused(until) => self.paused_until_s = *until,
            UiEvent::DoNotDisturb(on) => self.do_not_disturb = *on,
            UiEvent::DeskTime(s) => self.desk_time = Some(s.clone()),
            UiEvent::Notified { buttons, .. } => self.notification_buttons = Some(*buttons),
            _ => {}
        }
    }

    fn saw(&mut self, t_s: Option<i64>) {
        if let Some(t) = t_s {
            self.latest_t_s = Some(self.latest_t_s.map_or(t, |l| l.max(t)));
        }
    }

    /// The streak threshold in force.
    pub fn threshold_s(&self) -> i64 {
        self.settings
            .as_ref()
            .map_or(self.default_threshold_s, Settings::threshold_s)
    }

    /// Today: the sensor's where it runs ahead of the wall clock (the
    /// demo), else the wall clock's. A recording imported from the past
    /// does not take today back with it.
    pub fn today(&self, wall_now_s: i64) -> chrono::NaiveDate {
        local_date(self.latest_t_s.map_or(wall_now_s, |t| t.max(wall_now_s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::WriteFault;

    #[test]
    fn settings_saving_and_the_sensor_clock_are_folded_in() {
        let mut s = AppState::new(3600);
        assert_eq!(s.threshold_s(), 3600, "the default until settings arrive");
        s.apply(&UiEvent::Settings(Settings {
            threshold_min: 20,
            ..Settings::default()
        }));
        assert_eq!(s.threshold_s(), 20 * 60);
        s.apply(&UiEvent::Committed {
            newest_s: Some(500),
        });
        s.apply(&UiEvent::Committed {
            newest_s: Some(400),
        });
        assert_eq!(s.latest_t_s, Some(500), "the clock never goes back");
        // Data older than the wall clock (an import) leaves today alone;
        // a sensor ahead of it (the demo) moves it on.
        let wall = 1_796_022_000;
        assert_eq!(s.today(wall), local_date(wall));
        s.apply(&UiEvent::Committed {
            newest_s: Some(wall + 3 * 86_400),
        });
        assert_eq!(s.today(wall), local_date(wall + 3 * 86_400));
        let problem = StorageProblem {
            fault: WriteFault::Full,
            buffered_s: 3,
            dropped_s: 0,
        };
        s.apply(&UiEvent::Storage(Some(problem)));
        assert!(s.storage.is_some() && !s.saved_again);
        s.apply(&UiEvent::Storage(None));
        assert!(s.storage.is_none() && s.saved_again);
    }

    #[test]
    fn an_unfinished_import_is_said_until_an_import_completes() {
        let mut s = AppState::new(3600);
        s.apply(&UiEvent::UnfinishedImport("The import of a.csv …".into()));
        assert!(s.unfinished_import.is_some());
        s.apply(&UiEvent::Imported(Err("a bad row".into())));
        assert!(
            s.unfinished_import.is_some(),
            "a failed import completes nothing"
        );
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        s.apply(&UiEvent::Imported(Ok(("Imported a.csv".into(), day))));
        assert!(s.unfinished_import.is_none());
    }
}

//! Views. No SQL and no sensor here: a view reads the `TodayPage` (built
//! from engine events) and returns `UiAction`s for the app to send.

pub(crate) mod chart_slots;
pub(crate) mod desk_time;
pub mod history;
pub(crate) mod phone;
pub mod routines;
pub mod sensors;
pub mod settings;
pub mod startup;
pub mod state;
pub mod summary;
pub mod today;
pub mod transfer;
pub mod widgets;

use std::time::Duration;

use crate::charts::ChartTheme;
use crate::domain::figures::DayFigures;
use crate::domain::reminder::ReminderDue;
use crate::domain::session::RoutineSession;
use crate::domain::settings::Settings;
use crate::engine::protocol::{ChartRequest, Live, UiEvent};

/// What a view asks the app to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UiAction {
    Snooze {
        shown_at_s: i64,
        minutes: i64,
    },
    Dismiss {
        shown_at_s: i64,
    },
    RequestDay(ChartRequest),
    SaveSettings(Settings),
    /// Start at login (write the autostart entry) or not (remove it).
    SetAutostart(bool),
    /// Start a routine; `card` is the recommendation it came from.
    StartRoutine {
        routine: String,
        card: Option<ReminderDue>,
    },
    /// Switch to the demo sensor (`true`, its own database) or back to
    /// the paired sensors and the real database.
    Demo(bool),
    /// Show a view (the first-run guide's buttons).
    Show(View),
}

/// The window's views (the top bar's tabs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum View {
    Today,
    History,
    Sensors,
    Routines,
    Settings,
}

/// Shortest time between two chart requests while data streams in.
pub(crate) const CHART_MIN_INTERVAL: Duration = Duration::from_millis(500);

/// Everything the Today view shows, folded from engine events.
#[derive(Default)]
pub struct TodayPage {
    pub live: Option<Live>,
    pub card: Option<ReminderDue>,
    pub figures: Option<DayFigures>,
    /// Routines done on the day shown.
    pub sessions: Vec<RoutineSession>,
    /// Routines ended in this window and not yet read back from the
    /// database: shown at once, kept until the day's data includes them.
    pending_sessions: Vec<RoutineSession>,
    /// The timeline, as History keeps its charts.
    pub(crate) charts: chart_slots::ChartSlots,
    /// The request the timeline shown answers (or the one asked for).
    chart_request: Option<ChartRequest>,
    data_version: u64,
    /// The timeline over 24 hours instead of the worn hours.
    pub whole_day: bool,
}

impl TodayPage {
    /// A routine just ended: in "Done today" now, not after the next read.
    pub(crate) fn add_session(&mut self, s: RoutineSession) {
        self.pending_sessions.push(s.clone());
        self.sessions.push(s);
    }

    /// Folds one engine event into the model (the app-wide part of it goes
    /// to `AppState`).
    /// Without a window (`ctx` None: closed to the tray) a chart that
    /// arrives is not kept; the next window asks again.
    pub fn apply(&mut self, ctx: Option<&egui::Context>, event: UiEvent) {
        match event {
            UiEvent::Live(l) => self.live = Some(l),
            UiEvent::Reminder(r, since) => {
                tracing::info!(
                    "reminder card at {} ms after its threshold second arrived",
                    since.elapsed().as_millis()
                );
                self.card = Some(r);
            }
            UiEvent::Notified { latency, .. } => {
                tracing::info!("reminder notification at {} ms", latency.as_millis());
            }
            UiEvent::StreakEnded(s) => {
                if self
                    .card
                    .as_ref()
                    .is_some_and(|c| c.streak.start_s == s.start_s)
                {
                    self.card = None;
                }
            }
            UiEvent::Committed { .. } => self.data_version += 1,
            UiEvent::Day(view) => {
                self.figures = Some(view.figures);
                self.sessions = view.sessions;
                self.pending_sessions.retain(|p| {
                    !self
                        .sessions
                        .iter()
                        .any(|s| s.started_at_s == p.started_at_s && s.routine == p.routine)
                });
                self.sessions.extend(self.pending_sessions.iter().cloned());
            }
            UiEvent::Chart(req, chart) => {
                if let Some(ctx) = ctx {
                    self.charts.on_chart(ctx, &req, &chart);
                }
            }
            // App-wide (`AppState`), or the Sensors and History views'
            // business (their own models).
            UiEvent::Sensor(_)
            | UiEvent::Settings(_)
            | UiEvent::Storage(_)
            | UiEvent::Error(_)
            | UiEvent::UnfinishedImport(_)
            | UiEvent::Ble(_)
            | UiEvent::Calibrated { .. }
            | UiEvent::Phone(_)
            | UiEvent::PhoneLink(_)
            | UiEvent::DeskTime(_)
            | UiEvent::FileChosen { .. }
            | UiEvent::Stored { .. }
            | UiEvent::Summary(_)
            | UiEvent::DataDates(..)
            | UiEvent::Exported(_)
            | UiEvent::ExportProgress(_)
            | UiEvent::ImportProgress(_)
            | UiEvent::Imported(_)
            | UiEvent::Paused(_)
            | UiEvent::DoNotDisturb(_)
            | UiEvent::NotificationAction { .. } => {}
        }
    }

    /// The window is gone and its textures with it: the next one draws
    /// the chart again.
    pub(crate) fn forget_textures(&mut self) {
        self.charts.clear();
        self.chart_request = None;
    }

    /// Whether to ask for `want` (the day, size and theme shown) now, at
    /// the current data version: `Ok(None)` if the chart shown or awaited
    /// is already that one, `Err(wait)` while throttled.
    pub(crate) fn chart_due(
        &mut self,
        want: ChartRequest,
        now: f64,
    ) -> Result<Option<ChartRequest>, Duration> {
        let want = ChartRequest {
            data_version: self.data_version,
            ..want
        };
        self.chart_request = Some(want);
        self.charts.next_frame();
        match self.charts.due(&want, now) {
            Ok(true) => Ok(Some(want)),
            Ok(false) => Ok(None),
            Err(wait_s) => Err(Duration::from_secs_f64(wait_s.max(0.0))),
        }
    }

    /// Records that a chart request was handed to the engine.
    pub(crate) fn requested(&mut self, req: ChartRequest, now: f64) {
        self.charts.requested(&req, now);
    }

    /// The timeline as shown now (or a stand-in, an error, or nothing yet).
    pub(crate) fn chart_shown(&self) -> chart_slots::Shown<'_> {
        match &self.chart_request {
            Some(r) => self.charts.shown(r),
            None => chart_slots::Shown::Drawing,
        }
    }

    /// Whether a timeline is on screen (for tests).
    pub fn has_chart(&self) -> bool {
        matches!(self.chart_shown(), chart_slots::Shown::Chart(..))
    }

    /// Today's longest streak: the stored figure, or the streak in
    /// progress (its part today) when that is longer. The stored figure
    /// trails the live one by the seconds not yet committed, and the
    /// longest can never be shorter than the one under way.
    pub(crate) fn longest_streak_s(&self, today: chrono::NaiveDate) -> i64 {
        let stored = self.figures.as_ref().map_or(0, |f| f.longest_streak_s);
        let (day_start_s, _) = crate::domain::days::day_bounds(today);
        let live = self
            .live
            .as_ref()
            .and_then(|l| l.streak)
            .map_or(0, |s| s.last_sitting_s - s.start_s.max(day_start_s) + 1);
        stored.max(live)
    }

    pub fn theme(dark: bool) -> ChartTheme {
        if dark {
            ChartTheme::Dark
        } else {
            ChartTheme::Light
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::figures::DayFigures;
    use crate::domain::posture::Posture;
    use crate::domain::streak::Streak;

    /// The stored longest streak trails the one under way by the seconds
    /// not yet committed: Today shows the longer, and only today's part of
    /// a streak that began before midnight.
    #[test]
    fn the_longest_streak_is_never_shorter_than_the_one_under_way() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let (start_s, _) = crate::domain::days::day_bounds(today);
        let mut m = TodayPage {
            figures: Some(DayFigures {
                longest_streak_s: 48 * 60,
                ..DayFigures::default()
            }),
            ..TodayPage::default()
        };
        let live = |streak| Live {
            t_s: start_s + 36_000,
            posture: Posture::Sitting,
            tilt_deg: None,
            streak: Some(streak),
            walking_total_s: 0,
            note: None,
        };
        m.live = Some(live(Streak {
            start_s: start_s + 30_000,
            last_sitting_s: start_s + 30_000 + 49 * 60 - 1,
        }));
        assert_eq!(m.longest_streak_s(today), 49 * 60);
        m.live = Some(live(Streak {
            start_s: start_s + 30_000,
            last_sitting_s: start_s + 30_000 + 10 * 60 - 1,
        }));
        assert_eq!(
            m.longest_streak_s(today),
            48 * 60,
            "the stored one is longer"
        );
        // Began an hour before midnight, 70 min now: 10 min of it today.
        m.figures = None;
        m.live = Some(live(Streak {
            start_s: start_s - 3600,
            last_sitting_s: start_s + 600 - 1,
        }));
        assert_eq!(m.longest_streak_s(today), 600);
    }
}

//! The eframe application: owns the engine, folds its events into the
//! model, shows the views and sends what they ask for.

mod commands;
pub mod desk;
mod shell;
mod window;

use std::path::PathBuf;

pub(crate) use shell::PROCESS_START;
pub use shell::Shell;
pub(crate) use window::run_window;

use commands::AppCommand;

use crate::desktop::DeskRequest;
use crate::desktop::tray::TrayView;
use crate::domain::config::Config;
use crate::domain::reminder::MOVEMENT_BREAK;
use crate::engine::Engine;
use crate::engine::notify::Action as NotifyAction;
use crate::engine::protocol::{Command, UiEvent};
use crate::routines::catalog::Catalog;
use crate::sources::demo::pacer::DemoOptions;
use crate::ui::history::{HistoryPage, history_ui};
use crate::ui::routines::{ActivePlayer, PlayerAction, player_ui, routines_ui};
use crate::ui::sensors::{SensorsPage, sensors_ui};
use crate::ui::settings::{DeskStatus, settings_ui};
use crate::ui::state::AppState;
use crate::ui::today::{sensor_status_ui, today_ui};
use crate::ui::{TodayPage, UiAction};

pub(crate) struct WindowOptions {
    pub db: PathBuf,
    pub demo: Option<DemoOptions>,
    pub config: Config,
    /// Start in the tray, without a window (autostart at login).
    pub background: bool,
    /// A recording to import: the window opens with its import dialog.
    pub import: Option<PathBuf>,
}

pub(crate) use crate::ui::View;

pub struct SitlessApp {
    engine: Engine,
    /// What every view shares (sensor, clock, settings, saving, errors).
    state: AppState,
    model: TodayPage,
    history: HistoryPage,
    sensors: SensorsPage,
    view: View,
    player: Option<ActivePlayer>,
    /// Settings being edited; filled from the engine's settings.
    settings_draft: Option<crate::domain::settings::Settings>,
    /// The clock for "today" when no sensor data says otherwise.
    wall_clock: Box<dyn Fn() -> i64 + Send + Sync>,
    /// The window's clock at its last frame (kept while in the tray).
    ui_time_s: f64,
    /// What the user asked for, applied in one place (`commands`): after
    /// each frame's drawing, at once from the tray; a command that needs
    /// the window (a routine's player) waits here for its next frame.
    commands: Vec<AppCommand>,
    /// The autostart entry, where there is a home folder.
    autostart: Option<crate::desktop::autostart::Autostart>,
    /// A write or removal of it in progress: its result.
    autostart_job: Option<std::sync::mpsc::Receiver<Result<bool, String>>>,
    /// What the Settings view's Desktop section shows.
    desk_status: DeskStatus,
    /// The user asked to start (`true`) or leave the demo: the shell
    /// restarts the engine.
    demo_switch: Option<bool>,
}

/// What the app does with a tray or notification request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeskOutcome {
    Done,
    ShowWindow,
    Quit,
}

impl SitlessApp {
    pub fn new(
        engine: Engine,
        config: &Config,
        wall_clock: impl Fn() -> i64 + Send + Sync + 'static,
    ) -> Self {
        let has_ble = engine.has_ble();
        // Whose settings these are: fixed for this engine's database.
        let kept_in = if engine.is_demo() {
            "These are the demo's settings, kept in its own database: yours come back when you \
             leave the demo."
                .to_owned()
        } else {
            format!("Kept with your data, in {}.", home_relative(engine.db()))
        };
        let phone_available = engine.has_phone();
        Self {
            engine,
            state: AppState::new(config.streak.threshold_s),
            model: TodayPage::default(),
            history: HistoryPage::default(),
            sensors: SensorsPage {
                adapter: has_ble.then_some(crate::sources::ble::AdapterStatus::Starting),
                phone: crate::ui::phone::PhonePage::new(phone_available),
                ..SensorsPage::default()
            },
            view: View::Today,
            player: None,
            settings_draft: None,
            wall_clock: Box::new(wall_clock),
            ui_time_s: 0.0,
            commands: Vec::new(),
            autostart: None,
            autostart_job: None,
            desk_status: DeskStatus {
                kept_in,
                ..DeskStatus::default()
            },
            demo_switch: None,
        }
        .with_autostart(crate::desktop::autostart::Autostart::from_env())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The demo sensor plays (its own database), not the paired sensors.
    pub fn is_demo(&self) -> bool {
        self.engine.is_demo()
    }

    /// The first-run guide's facts, when it should show: no demo, nothing
    /// paired (no sensor, no phone), nothing in the database.
    fn first_run(&self) -> Option<crate::ui::today::FirstRun> {
        let recorded = self
            .model
            .figures
            .as_ref()
            .is_some_and(|f| f.worn_s() > 0 || f.not_worn_s > 0);
        // A database with data (a year, imported, restored) is no first run.
        let recorded = recorded || self.state.stored_at_start_s.is_some();
        let nothing_paired = self.sensors.paired.is_empty() && self.sensors.phone.paired.is_none();
        (!self.engine.is_demo() && nothing_paired && !recorded).then_some({
            crate::ui::today::FirstRun {
                bluetooth: matches!(
                    self.sensors.adapter,
                    Some(crate::sources::ble::AdapterStatus::Ready { .. })
                ),
            }
        })
    }

    /// A switch to or from the demo the user asked for, once.
    pub(crate) fn take_demo_switch(&mut self) -> Option<bool> {
        self.demo_switch.take()
    }

    pub fn model(&self) -> &TodayPage {
        &self.model
    }

    pub fn history(&self) -> &HistoryPage {
        &self.history
    }

    pub fn history_mut(&mut self) -> &mut HistoryPage {
        &mut self.history
    }

    /// Whether something records now: the demo or a sensor streams. One
    /// rule for the tray's words and menu and the close notice.
    /// Desk time is counted (no sensor or phone paired): it reminds too.
    pub(crate) fn counting_desk_time(&self) -> bool {
        matches!(
            self.state.desk_time,
            Some(crate::engine::protocol::DeskTimeStatus::Counting(_))
        )
    }

    pub(crate) fn recording(&self) -> bool {
        use crate::engine::protocol::SensorState;
        use crate::sources::ble::LinkState;
        self.state
            .sensor
            .as_ref()
            .is_some_and(|s| s.state == SensorState::Streaming)
            || self
                .sensors
                .links
                .values()
                .any(|(l, _)| matches!(l, LinkState::Streaming))
    }

    pub fn sensors(&self) -> &SensorsPage {
        &self.sensors
    }

    pub fn player(&self) -> Option<&ActivePlayer> {
        self.player.as_ref()
    }

    /// Now in the sensor's time (the demo runs ahead of the wall clock).
    fn now_s(&self) -> i64 {
        self.state.latest_t_s.unwrap_or_else(|| (self.wall_clock)())
    }

    /// Folds every waiting engine event into the models, never blocking.
    /// `ctx` is the window's (`None` in the tray: charts are not kept).
    /// Returns true when a notification's button asks for the window.
    pub(crate) fn pump(&mut self, ctx: Option<&egui::Context>) -> bool {
        let now = self.ui_time_s;
        let mut wants_window = false;
        while let Some(event) = self.engine.try_recv() {
            self.state.apply(&event);
            match event {
                UiEvent::Ble(e) => self.sensors.apply(e, now),
                UiEvent::Calibrated { placement, result } => {
                    self.sensors.calibrated(placement, result);
                }
                // Today's timeline and History's charts: each page keeps
                // the ones it asked for.
                UiEvent::Chart(req, chart) => {
                    if let Some(ctx) = ctx {
                        self.history.on_chart(ctx, &req, &chart);
                    }
                    self.model.apply(ctx, UiEvent::Chart(req, chart));
                }
                UiEvent::Phone(p) => self.sensors.phone.status = Some(*p),
                UiEvent::PhoneLink(ev) => self.sensors.phone.apply(ev),
                UiEvent::Summary(v) => self.history.on_summary(*v),
                UiEvent::DataDates(req, dates) => self.history.on_dates(req, dates),
                UiEvent::Exported(r) => self.history.on_exported(r),
                UiEvent::ExportProgress(f) => self.history.transfers.export_progress = Some(f),
                UiEvent::ImportProgress(f) => self.history.transfers.import_progress = Some(f),
                UiEvent::Imported(r) => self.history.on_imported(r),
                UiEvent::FileChosen { purpose, result } => {
                    self.history.transfers.on_file_chosen(purpose, result);
                }
                UiEvent::Stored { newest_s: Some(t) } if self.history.date.is_none() => {
                    // History opens on the last day with data, not on an
                    // empty today.
                    self.history.date = Some(crate::domain::days::local_date(t));
                }
                UiEvent::Committed { newest_s } => {
                    self.history.on_commit();
                    self.model.apply(ctx, UiEvent::Committed { newest_s });
                }
                UiEvent::NotificationAction { shown_at_s, action } => {
                    wants_window |= self.on_notification_action(shown_at_s, action);
                }
                other => self.model.apply(ctx, other),
            }
        }
        wants_window
    }

    /// A button on the reminder's notification: true if it needs the window.
    fn on_notification_action(&mut self, shown_at_s: i64, action: NotifyAction) -> bool {
        match action {
            NotifyAction::Snooze { minutes } => {
                self.apply(
                    UiAction::Snooze {
                        shown_at_s,
                        minutes,
                    }
                    .into(),
                    None,
                );
                false
            }
            NotifyAction::Start { routine } => {
                let card = self.model.card.clone().filter(|c| c.at_s == shown_at_s);
                self.commands
                    .push(UiAction::StartRoutine { routine, card }.into());
                true
            }
            NotifyAction::Open => true,
        }
    }

    /// What the tray or a notification asks. Snoozing and pausing act at
    /// once; Start is played as soon as the window's first frame runs.
    pub(crate) fn on_desk(&mut self, req: &DeskRequest) -> DeskOutcome {
        match req {
            DeskRequest::Open => DeskOutcome::ShowWindow,
            DeskRequest::Import(path) => {
                // History's import dialog with the file, for the person
                // to say where it was worn before anything is imported.
                self.view = View::History;
                self.history.transfers.import = Some(crate::ui::transfer::ImportDialog {
                    path: path.display().to_string(),
                    ..Default::default()
                });
                DeskOutcome::ShowWindow
            }
            DeskRequest::StartRecommended => {
                let card = self.model.card.clone();
                let routine = card
                    .as_ref()
                    .map_or_else(|| MOVEMENT_BREAK.to_owned(), |c| c.routine.clone());
                self.commands
                    .push(UiAction::StartRoutine { routine, card }.into());
                DeskOutcome::ShowWindow
            }
            DeskRequest::Snooze { minutes } => {
                let shown_at_s = self.model.card.as_ref().map_or(self.now_s(), |c| c.at_s);
                let snooze = UiAction::Snooze {
                    shown_at_s,
                    minutes: *minutes,
                };
                self.apply(snooze.into(), None);
                DeskOutcome::Done
            }
            DeskRequest::Pause(p) => {
                self.apply(AppCommand::PauseReminders(Some(*p)), None);
                DeskOutcome::Done
            }
            DeskRequest::Resume => {
                self.apply(AppCommand::PauseReminders(None), None);
                DeskOutcome::Done
            }
            DeskRequest::Quit => DeskOutcome::Quit,
        }
    }

    /// What the tray shows now.
    pub(crate) fn tray_view(&self) -> TrayView {
        desk::tray_view(self)
    }

    /// Where the autostart entry is (a test's folder, or none).
    #[must_use]
    pub(crate) fn with_autostart(
        mut self,
        a: Option<crate::desktop::autostart::Autostart>,
    ) -> Self {
        self.desk_status.autostart = a
            .as_ref()
            .map(crate::desktop::autostart::Autostart::enabled);
        self.autostart = a;
        self
    }

    /// A tray icon is up (the Settings view offers "keep running").
    pub(crate) fn set_tray_available(&mut self, on: bool) {
        self.desk_status.tray = on;
    }

    /// The engine, for a one-off notice.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A new window: the old one's textures went with it.
    /// Its clock starts at zero again: link states count from now.
    pub(crate) fn forget_textures(&mut self) {
        self.model.forget_textures();
        self.history.forget_textures();
        for (_, at) in self.sensors.links.values_mut() {
            *at = 0.0;
        }
        // A calibration pose counts on the old clock: it starts over.
        self.sensors.wizard = None;
        self.ui_time_s = 0.0;
    }

    /// One frame: drain events (never blocking), draw, act.
    #[allow(
        clippy::too_many_lines,
        reason = "one frame in drawing order (events, top bar, banner, view); split up, what draws above what is no longer visible"
    )]
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let now = ctx.input(|i| i.time);
        self.ui_time_s = now;
        if self.pump(Some(&ctx)) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        self.desk_status.do_not_disturb = self.state.do_not_disturb;
        self.desk_status.notification_buttons = self.state.notification_buttons;
        if let Some(job) = &self.autostart_job
            && let Ok(r) = job.try_recv()
        {
            self.autostart_job = None;
            match r {
                Ok(on) => {
                    self.desk_status.autostart = Some(on);
                    self.desk_status.autostart_error = None;
                }
                Err(e) => self.desk_status.autostart_error = Some(e),
            }
        }
        let catalog = Catalog::builtin();
        if let Some(active) = self.player.as_mut() {
            let a = active.player.tick(now);
            active.announce(a, catalog);
            if let Some(live) = self.model.live {
                let a = active.player.on_walking_total(now, live.walking_total_s);
                active.announce(a, catalog);
            }
        }
        egui::Panel::top("top_bar").show(ui, |ui| {
            // Wraps to a second line in a narrow window instead of cutting;
            // each item moves whole, none breaks inside its words.
            ui.horizontal_wrapped(|ui| {
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                ui.heading("Sitless");
                ui.separator();
                ui.selectable_value(&mut self.view, View::Today, "Today");
                ui.selectable_value(&mut self.view, View::History, "History");
                ui.selectable_value(&mut self.view, View::Sensors, "Sensors");
                ui.selectable_value(&mut self.view, View::Routines, "Routines");
                ui.selectable_value(&mut self.view, View::Settings, "Settings");
                ui.separator();
                if self.state.sensor.is_some() || self.sensors.adapter.is_none() {
                    sensor_status_ui(ui, &self.state);
                } else {
                    ui.label(self.sensors.summary());
                }
                if matches!(
                    self.state.desk_time,
                    Some(crate::engine::protocol::DeskTimeStatus::Counting(_))
                ) {
                    crate::ui::desk_time::desk_time_badge_ui(ui);
                }
                if self.engine.is_demo() {
                    if ui
                        .button("Leave the demo")
                        .on_hover_text("Back to your own sensors and database")
                        .clicked()
                    {
                        self.commands.push(UiAction::Demo(false).into());
                    }
                } else if self.sensors.paired.is_empty()
                    && self.sensors.phone.paired.is_none()
                    // The first-run guide and the Sensors view have their own.
                    && self.view != View::Sensors
                    && !(self.view == View::Today && self.first_run().is_some())
                    && ui
                        .button("Try the demo")
                        .on_hover_text(format!(
                            "A simulated wearer {}, in its own database",
                            crate::sources::demo::speed_words(Some(
                                crate::sources::demo::WINDOW_DEMO_SPEED
                            ))
                        ))
                        .clicked()
                {
                    self.commands.push(UiAction::Demo(true).into());
                }
            });
        });
        if let Some(problem) = &self.state.storage {
            egui::Panel::top("storage_banner").show(ui, |ui| {
                crate::ui::widgets::storage::storage_banner_ui(ui, problem);
            });
        } else if self.state.saved_again {
            egui::Panel::top("storage_banner").show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label("Saving works again; everything kept in memory is in the database.");
                    if ui.small_button("OK").clicked() {
                        self.commands.push(AppCommand::DismissSavedAgain);
                    }
                });
            });
        }
        let wall_now_s = (self.wall_clock)();
        egui::CentralPanel::default().show(ui, |ui| {
            // Solid scroll bars take their own strip: floating ones (egui's
            // default) lie over the cards' right edge in a narrow window.
            ui.style_mut().spacing.scroll = egui::style::ScrollStyle::solid();
            egui::ScrollArea::vertical().show(ui, |ui| self.view_ui(ui, wall_now_s, now));
        });
        // Everything asked for during the frame, in the order asked.
        self.apply_queued(Some(&ctx));
    }

    /// The player, or the chosen view; what they ask for goes on the queue.
    fn view_ui(&mut self, ui: &mut egui::Ui, wall_now_s: i64, now: f64) {
        let catalog = Catalog::builtin();
        if let Some(active) = self.player.as_mut() {
            if matches!(
                player_ui(ui, active, catalog, now),
                Some(PlayerAction::Close)
            ) {
                self.commands.push(AppCommand::ClosePlayer);
            }
            return;
        }
        match self.view {
            View::Today => {
                let first_run = self.first_run();
                let asked = today_ui(ui, &self.state, &mut self.model, wall_now_s, first_run);
                self.commands
                    .extend(asked.into_iter().map(AppCommand::from));
            }
            View::History => {
                let today = self.state.today(wall_now_s);
                let asked = history_ui(ui, &mut self.history, today, now);
                self.commands
                    .extend(asked.into_iter().map(AppCommand::from));
            }
            View::Sensors => {
                // The demo's card shows the demo's status, never a phone's.
                let demo = self.state.sensor.as_ref().filter(|_| self.engine.is_demo());
                let asked = sensors_ui(ui, &mut self.sensors, demo, now);
                self.commands
                    .extend(asked.into_iter().map(AppCommand::from));
            }
            View::Routines => {
                let asked = routines_ui(ui, catalog, &self.model.sessions);
                self.commands
                    .extend(asked.into_iter().map(AppCommand::from));
            }
            View::Settings => {
                let saved = self.state.settings.as_ref();
                let draft = self
                    .settings_draft
                    .get_or_insert_with(|| saved.cloned().unwrap_or_default());
                let asked = settings_ui(ui, draft, saved, &self.desk_status);
                self.commands
                    .extend(asked.into_iter().map(AppCommand::from));
            }
        }
    }

    /// Ends the player and records what was done, finished or not (a
    /// routine with every step skipped is not a routine done).
    pub(crate) fn close_player(&mut self) {
        if let Some(active) = self.player.take() {
            let session = active.session(self.now_s());
            if session.worth_keeping() {
                self.model.add_session(session.clone());
                self.engine.send(Command::RoutineDone(session));
            }
            self.engine.send(Command::RoutinePlaying(false));
        }
    }
}

impl SitlessApp {
    /// Records a routine still playing, then stops the engine and waits for
    /// its last commit (on the shell's stop thread, never the window's).
    pub(crate) fn shutdown(&mut self) -> Result<(), crate::engine::StopError> {
        self.close_player();
        self.engine.stop()
    }
}

impl Drop for SitlessApp {
    /// Closing the window mid-routine still records what was done.
    fn drop(&mut self) {
        self.close_player();
    }
}

/// A path as a person reads it: under the home folder as `~/…`.
fn home_relative(path: &std::path::Path) -> String {
    std::env::var_os("HOME")
        .and_then(|home| {
            path.strip_prefix(home)
                .ok()
                .map(|rest| format!("~/{}", rest.display()))
        })
        .unwrap_or_else(|| path.display().to_string())
}

//! The eframe application: owns the engine, folds its events into the
//! model, shows the views and sends what they ask for.

pub mod desk;
mod shell;
mod window;

use std::path::PathBuf;

pub use shell::{PROCESS_START, Shell};
pub use window::run_window;

use crate::desktop::DeskRequest;
use crate::desktop::tray::TrayView;
use crate::domain::config::Config;
use crate::domain::reminder::MOVEMENT_BREAK;
use crate::engine::Engine;
use crate::engine::notify::Action as NotifyAction;
use crate::engine::protocol::{Command, UiEvent};
use crate::routines::catalog::Catalog;
use crate::routines::player::Player;
use crate::sources::demo::pacer::DemoOptions;
use crate::ui::history::{HistoryAction, HistoryModel, history_ui};
use crate::ui::routines::{ActivePlayer, PlayerAction, player_ui, routines_ui};
use crate::ui::sensors::{SensorAction, SensorsModel, sensors_ui};
use crate::ui::settings::{DeskStatus, settings_ui};
use crate::ui::state::AppState;
use crate::ui::today::{sensor_status_ui, today_ui};
use crate::ui::transfer::TransferAction;
use crate::ui::{TodayModel, UiAction};

pub struct WindowOptions {
    pub db: PathBuf,
    pub demo: Option<DemoOptions>,
    pub config: Config,
    /// Start in the tray, without a window (autostart at login).
    pub background: bool,
}

pub use crate::ui::View;

pub struct SitlessApp {
    engine: Engine,
    /// What every view shares (sensor, clock, settings, saving, errors).
    state: AppState,
    model: TodayModel,
    history: HistoryModel,
    sensors: SensorsModel,
    view: View,
    player: Option<ActivePlayer>,
    /// Settings being edited; filled from the engine's settings.
    settings_draft: Option<crate::domain::settings::Settings>,
    /// The clock for "today" when no sensor data says otherwise.
    wall_clock: Box<dyn Fn() -> i64 + Send + Sync>,
    /// The window's clock at its last frame (kept while in the tray).
    ui_time_s: f64,
    /// A routine asked for from the tray or a notification, started at
    /// the next frame (the player runs on the window's clock).
    pending_start: Option<UiAction>,
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
pub enum DeskOutcome {
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
        Self {
            engine,
            state: AppState::new(config.streak.threshold_s),
            model: TodayModel::default(),
            history: HistoryModel::default(),
            sensors: SensorsModel {
                adapter: has_ble.then_some(crate::sources::ble::AdapterStatus::Starting),
                ..SensorsModel::default()
            },
            view: View::Today,
            player: None,
            settings_draft: None,
            wall_clock: Box::new(wall_clock),
            ui_time_s: 0.0,
            pending_start: None,
            autostart: None,
            autostart_job: None,
            desk_status: DeskStatus::default(),
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
    /// paired, nothing recorded today.
    fn first_run(&self) -> Option<crate::ui::today::FirstRun> {
        let recorded = self
            .model
            .figures
            .as_ref()
            .is_some_and(|f| f.worn_s() > 0 || f.not_worn_s > 0);
        (!self.engine.is_demo() && self.sensors.paired.is_empty() && !recorded).then_some({
            crate::ui::today::FirstRun {
                bluetooth: matches!(
                    self.sensors.adapter,
                    Some(crate::sources::ble::AdapterStatus::Ready { .. })
                ),
            }
        })
    }

    /// A switch to or from the demo the user asked for, once.
    pub fn take_demo_switch(&mut self) -> Option<bool> {
        self.demo_switch.take()
    }

    pub fn model(&self) -> &TodayModel {
        &self.model
    }

    pub fn history(&self) -> &HistoryModel {
        &self.history
    }

    pub fn history_mut(&mut self) -> &mut HistoryModel {
        &mut self.history
    }

    pub fn sensors(&self) -> &SensorsModel {
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
    pub fn pump(&mut self, ctx: Option<&egui::Context>) -> bool {
        let now = self.ui_time_s;
        let mut wants_window = false;
        while let Some(event) = self.engine.try_recv() {
            self.state.apply(&event);
            match event {
                UiEvent::Ble(e) => self.sensors.apply(e, now),
                UiEvent::Calibrated { placement, result } => {
                    self.sensors.calibrated(placement, result);
                }
                UiEvent::HistoryChart(req, chart) => {
                    if let Some(ctx) = ctx {
                        self.history.on_chart(ctx, req, chart);
                    }
                }
                UiEvent::Summary(v) => self.history.on_summary(*v),
                UiEvent::DataDates(req, dates) => self.history.on_dates(req, dates),
                UiEvent::Exported(r) => self.history.on_exported(r),
                UiEvent::ExportProgress(f) => self.history.transfers.export_progress = Some(f),
                UiEvent::ImportProgress(f) => self.history.transfers.import_progress = Some(f),
                UiEvent::Imported(r) => self.history.on_imported(r),
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
                self.model.card = None;
                self.engine.send(Command::Snooze {
                    shown_at_s,
                    minutes,
                });
                false
            }
            NotifyAction::Start { routine } => {
                let card = self.model.card.clone().filter(|c| c.at_s == shown_at_s);
                self.pending_start = Some(UiAction::StartRoutine { routine, card });
                true
            }
            NotifyAction::Open => true,
        }
    }

    /// What the tray or a notification asks. Snoozing and pausing act at
    /// once; Start is played as soon as the window's first frame runs.
    pub fn on_desk(&mut self, req: &DeskRequest) -> DeskOutcome {
        match req {
            DeskRequest::Open => DeskOutcome::ShowWindow,
            DeskRequest::StartRecommended => {
                let card = self.model.card.clone();
                let routine = card
                    .as_ref()
                    .map_or_else(|| MOVEMENT_BREAK.to_owned(), |c| c.routine.clone());
                self.pending_start = Some(UiAction::StartRoutine { routine, card });
                DeskOutcome::ShowWindow
            }
            DeskRequest::Snooze { minutes } => {
                let shown_at_s = self.model.card.take().map_or(self.now_s(), |c| c.at_s);
                self.engine.send(Command::Snooze {
                    shown_at_s,
                    minutes: *minutes,
                });
                DeskOutcome::Done
            }
            DeskRequest::Pause(p) => {
                self.engine.send(Command::PauseReminders(Some(*p)));
                DeskOutcome::Done
            }
            DeskRequest::Resume => {
                self.engine.send(Command::PauseReminders(None));
                DeskOutcome::Done
            }
            DeskRequest::Quit => DeskOutcome::Quit,
        }
    }

    /// What the tray shows now.
    pub fn tray_view(&self) -> TrayView {
        desk::tray_view(self)
    }

    /// Where the autostart entry is (a test's folder, or none).
    #[must_use]
    pub fn with_autostart(mut self, a: Option<crate::desktop::autostart::Autostart>) -> Self {
        self.desk_status.autostart = a
            .as_ref()
            .map(crate::desktop::autostart::Autostart::enabled);
        self.autostart = a;
        self
    }

    /// A tray icon is up (the Settings view offers "keep running").
    pub fn set_tray_available(&mut self, on: bool) {
        self.desk_status.tray = on;
    }

    /// The engine, for a one-off notice.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A new window: the old one's textures went with it.
    /// Its clock starts at zero again: link states count from now.
    pub fn forget_textures(&mut self) {
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
        if let Some(start) = self.pending_start.take() {
            self.act(start, &ctx);
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
                if self.engine.is_demo() {
                    if ui
                        .button("Leave the demo")
                        .on_hover_text("Back to your own sensors and database")
                        .clicked()
                    {
                        self.demo_switch = Some(false);
                    }
                } else if self.sensors.paired.is_empty()
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
                    self.demo_switch = Some(true);
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
                        self.state.saved_again = false;
                    }
                });
            });
        }
        let wall_now_s = (self.wall_clock)();
        let mut close_player = false;
        let actions = egui::CentralPanel::default()
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| {
                        if let Some(active) = self.player.as_mut() {
                            close_player = matches!(
                                player_ui(ui, active, catalog, now),
                                Some(PlayerAction::Close)
                            );
                            return Vec::new();
                        }
                        match self.view {
                            View::Today => {
                                let first_run = self.first_run();
                                today_ui(ui, &self.state, &mut self.model, wall_now_s, first_run)
                            }
                            View::History => {
                                let today = self.state.today(wall_now_s);
                                for a in history_ui(ui, &mut self.history, today, now) {
                                    self.act_history(a);
                                }
                                Vec::new()
                            }
                            View::Sensors => {
                                let acts = sensors_ui(
                                    ui,
                                    &mut self.sensors,
                                    self.state.sensor.as_ref(),
                                    now,
                                );
                                for a in acts {
                                    match a {
                                        SensorAction::Ble(cmd) => {
                                            if !self.engine.send_ble(cmd) {
                                                self.sensors.message = Some(
                                                    "Bluetooth is busy; try again in a moment."
                                                        .into(),
                                                );
                                            }
                                        }
                                        SensorAction::Demo(on) => self.demo_switch = Some(on),
                                        SensorAction::CalibrationPose {
                                            placement,
                                            pose,
                                            seconds,
                                        } => {
                                            self.engine.send(Command::CalibrationPose {
                                                placement,
                                                pose,
                                                seconds,
                                            });
                                        }
                                    }
                                }
                                Vec::new()
                            }
                            View::Routines => routines_ui(ui, catalog, &self.model.sessions),
                            View::Settings => {
                                let saved = self.state.settings.as_ref();
                                let draft = self
                                    .settings_draft
                                    .get_or_insert_with(|| saved.cloned().unwrap_or_default());
                                settings_ui(ui, draft, saved, &self.desk_status)
                            }
                        }
                    })
                    .inner
            })
            .inner;
        if close_player {
            self.close_player();
        }
        for a in actions {
            self.act(a, &ctx);
        }
    }

    fn act_history(&mut self, action: HistoryAction) {
        match action {
            HistoryAction::Chart(req) => {
                // A full queue: the slot's timeout asks again.
                let _ = self.engine.request_chart(req);
            }
            HistoryAction::Summary(req) => {
                let _ = self.engine.request_summary(req);
            }
            HistoryAction::Dates(req) => {
                let _ = self.engine.request_dates(req);
            }
            HistoryAction::Transfer(TransferAction::Export {
                what,
                first,
                last,
                path,
            }) => {
                self.history.transfers.export_progress = Some(0.0);
                self.history.transfers.export_message = None;
                self.engine.export(what, first, last, path);
            }
            HistoryAction::Transfer(TransferAction::Import {
                path,
                placement,
                start_s,
            }) => {
                self.history.transfers.import_progress = Some(0.0);
                self.history.transfers.import_message = None;
                self.engine.import(crate::engine::import::ImportJob {
                    path,
                    placement,
                    start_s,
                });
            }
        }
    }

    /// Ends the player and records what was done, finished or not.
    pub(crate) fn close_player(&mut self) {
        if let Some(active) = self.player.take() {
            let session = active.session(self.now_s());
            self.model.add_session(session.clone());
            self.engine.send(Command::RoutineDone(session));
            self.engine.send(Command::RoutinePlaying(false));
        }
    }

    fn act(&mut self, action: UiAction, ctx: &egui::Context) {
        match action {
            UiAction::Snooze {
                shown_at_s,
                minutes,
            } => {
                self.model.card = None;
                self.engine.send(Command::Snooze {
                    shown_at_s,
                    minutes,
                });
            }
            UiAction::Dismiss { shown_at_s } => {
                self.model.card = None;
                self.engine.send(Command::Dismiss { shown_at_s });
            }
            UiAction::RequestDay(req) => {
                if self.engine.request_day(req) {
                    self.model.requested(req, ctx.input(|i| i.time));
                } else {
                    ctx.request_repaint_after(crate::ui::CHART_MIN_INTERVAL);
                }
            }
            UiAction::SaveSettings(s) => {
                self.engine.send(Command::Settings(s));
            }
            UiAction::SetAutostart(on) => self.set_autostart(on, ctx),
            UiAction::Demo(on) => self.demo_switch = Some(on),
            UiAction::Show(view) => self.view = view,
            UiAction::StartRoutine { routine, card } => {
                let Some(r) = Catalog::builtin().routine(&routine) else {
                    return;
                };
                if let Some(c) = &card {
                    self.model.card = None;
                    self.engine.send(Command::Started { shown_at_s: c.at_s });
                }
                tracing::info!("playing {}", r.name);
                // A routine already playing is recorded before the new one.
                self.close_player();
                self.engine.send(Command::RoutinePlaying(true));
                self.player = Some(ActivePlayer {
                    player: Player::new(r, ctx.input(|i| i.time)),
                    started_at_s: self.now_s(),
                    reason: card.as_ref().map(|c| c.reason.clone()),
                    recommended_at_s: card.as_ref().map(|c| c.at_s),
                    announcement: None,
                });
            }
        }
    }
}

impl SitlessApp {
    /// Writes or removes the autostart entry on a thread of its own (a
    /// home folder on a network share can be slow); the switch follows
    /// when it is done.
    fn set_autostart(&mut self, on: bool, ctx: &egui::Context) {
        let Some(a) = self.autostart.clone() else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("sitless-autostart".into())
            .spawn(move || {
                let r = std::env::current_exe()
                    .and_then(|exe| a.set(on, &exe))
                    .map(|()| on)
                    .map_err(|e| format!("Could not change {}: {e}", a.file().display()));
                let _ = tx.send(r);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.autostart_job = Some(rx),
            Err(e) => self.desk_status.autostart_error = Some(format!("Could not start: {e}")),
        }
    }

    /// Records a routine still playing, then stops the engine and waits for
    /// its last commit (on the shell's stop thread, never the window's).
    pub fn shutdown(&mut self) -> Result<(), crate::engine::StopError> {
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

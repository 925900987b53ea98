//! The eframe application: owns the engine, folds its events into the
//! model, shows the views and sends what they ask for.

mod shell;

use std::path::PathBuf;
use std::sync::Arc;

pub use shell::{PROCESS_START, Shell};

use crate::domain::config::Config;
use crate::engine::protocol::{Command, UiEvent};
use crate::engine::{Engine, EngineOptions};
use crate::routines::catalog::Catalog;
use crate::routines::player::Player;
use crate::sources::demo::pacer::DemoOptions;
use crate::ui::history::{HistoryAction, HistoryModel, history_ui};
use crate::ui::routines::{ActivePlayer, PlayerAction, player_ui, routines_ui};
use crate::ui::sensors::{SensorAction, SensorsModel, sensors_ui};
use crate::ui::settings::settings_ui;
use crate::ui::state::AppState;
use crate::ui::today::{sensor_status_ui, today_ui};
use crate::ui::{TodayModel, UiAction};

pub struct WindowOptions {
    pub db: PathBuf,
    pub demo: Option<DemoOptions>,
    pub config: Config,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Today,
    History,
    Sensors,
    Routines,
    Settings,
}

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
        }
    }

    pub fn state(&self) -> &AppState {
        &self.state
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

    /// One frame: drain events (never blocking), draw, act.
    #[allow(
        clippy::too_many_lines,
        reason = "one frame in drawing order (events, top bar, banner, view); split up, what draws above what is no longer visible"
    )]
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let now = ctx.input(|i| i.time);
        while let Some(event) = self.engine.try_recv() {
            self.state.apply(&event);
            match event {
                UiEvent::Ble(e) => self.sensors.apply(e, now),
                UiEvent::Calibrated { placement, result } => {
                    self.sensors.calibrated(placement, result);
                }
                UiEvent::HistoryChart(req, chart) => self.history.on_chart(&ctx, req, chart),
                UiEvent::Summary(v) => self.history.on_summary(*v),
                UiEvent::Exported(r) => self.history.on_exported(r),
                UiEvent::Committed { newest_s } => {
                    self.history.on_commit();
                    self.model.apply(&ctx, UiEvent::Committed { newest_s });
                }
                other => self.model.apply(&ctx, other),
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
            ui.horizontal(|ui| {
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
                            View::Today => today_ui(ui, &self.state, &self.model, wall_now_s),
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
                                settings_ui(ui, draft, saved)
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
            HistoryAction::Export {
                what,
                first,
                last,
                path,
            } => self.engine.export(what, first, last, path),
        }
    }

    /// Ends the player and records what was done, finished or not.
    fn close_player(&mut self) {
        if let Some(active) = self.player.take() {
            let session = active.session(self.now_s());
            self.engine.send(Command::RoutineDone(session));
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
            UiAction::StartRoutine { routine, card } => {
                let Some(r) = Catalog::builtin().routine(&routine) else {
                    return;
                };
                if let Some(c) = &card {
                    self.model.card = None;
                    self.engine.send(Command::Started { shown_at_s: c.at_s });
                }
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
    /// Records a routine still playing, then stops the engine and waits for
    /// its last commit (on the shell's stop thread, never the window's).
    pub fn shutdown(&mut self) -> Result<(), crate::store::writer::WriterPanicked> {
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

pub fn run_window(opts: &WindowOptions) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Sitless")
            .with_inner_size([980.0, 720.0])
            .with_min_inner_size([560.0, 420.0]),
        ..Default::default()
    };
    let engine_opts = EngineOptions {
        db: opts.db.clone(),
        demo: opts.demo.clone(),
        config: opts.config,
        demo_start_s: crate::sources::demo::default_demo_start(),
        ble: Some(crate::sources::ble::system_clock()),
        page_limit: None,
    };
    eframe::run_native(
        "Sitless",
        native,
        Box::new(move |cc| {
            Ok(Box::new(Shell::start(
                engine_opts,
                &cc.egui_ctx,
                Arc::new(|| chrono::Utc::now().timestamp()),
            )))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
}

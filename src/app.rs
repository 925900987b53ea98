//! The eframe application: owns the engine, folds its events into the
//! model, shows the views and sends what they ask for.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::engine::{Command, DemoOptions, Engine, EngineOptions};
use crate::ui::today::{sensor_status_ui, today_ui};
use crate::ui::{TodayModel, UiAction};

pub struct WindowOptions {
    pub db: PathBuf,
    pub demo: Option<DemoOptions>,
    pub config: Config,
}

pub struct SitlessApp {
    engine: Engine,
    model: TodayModel,
    /// The clock for "today" when no sensor data says otherwise.
    wall_clock: Box<dyn Fn() -> i64>,
}

impl SitlessApp {
    pub fn new(engine: Engine, config: &Config, wall_clock: Box<dyn Fn() -> i64>) -> Self {
        Self {
            engine,
            model: TodayModel::new(config.streak.threshold_s),
            wall_clock,
        }
    }

    pub fn model(&self) -> &TodayModel {
        &self.model
    }

    /// One frame: drain events (never blocking), draw, act.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        while let Some(event) = self.engine.try_recv() {
            self.model.apply(&ctx, event);
        }
        egui::Panel::top("top_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Sitless");
                ui.separator();
                sensor_status_ui(ui, &self.model);
            });
        });
        let now_s = (self.wall_clock)();
        let actions = egui::CentralPanel::default()
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| today_ui(ui, &self.model, now_s))
                    .inner
            })
            .inner;
        for a in actions {
            self.act(a, &ctx);
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
        }
    }
}

impl eframe::App for SitlessApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
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
    let db = opts.db.clone();
    let demo = opts.demo.clone();
    let config = opts.config;
    eframe::run_native(
        "Sitless",
        native,
        Box::new(move |cc| {
            let ctx = cc.egui_ctx.clone();
            let engine = Engine::start(
                &EngineOptions {
                    db,
                    demo,
                    config,
                    demo_start_s: crate::cli::default_demo_start(),
                },
                Arc::new(move || ctx.request_repaint()),
            )?;
            Ok(Box::new(SitlessApp::new(
                engine,
                &config,
                Box::new(|| chrono::Utc::now().timestamp()),
            )))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
}

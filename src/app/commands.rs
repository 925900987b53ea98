//! One command path, as rerun's command queue: the views, the top bar,
//! the tray's menu and a notification's buttons push an [`AppCommand`]
//! onto the app's one queue while a frame is drawn (or an event is
//! pumped), and [`SitlessApp::apply`] is the one place they take effect —
//! after the frame's drawing, or at once for the tray's.

use super::SitlessApp;
use crate::desktop::Pause;
use crate::engine::protocol::Command;
use crate::routines::catalog::Catalog;
use crate::routines::player::Player;
use crate::ui::UiAction;
use crate::ui::history::HistoryAction;
use crate::ui::routines::ActivePlayer;
use crate::ui::sensors::SensorAction;
use crate::ui::transfer::TransferAction;

/// What the user asked for, wherever they asked.
#[derive(Clone, Debug)]
pub(crate) enum AppCommand {
    /// Today, Routines and Settings (and a routine started from the tray
    /// or a notification).
    Ui(UiAction),
    History(HistoryAction),
    Sensors(SensorAction),
    /// The player's Close.
    ClosePlayer,
    /// "Saving works again" was read.
    DismissSavedAgain,
    /// The tray's Pause reminders (`None`: resume).
    PauseReminders(Option<Pause>),
}

impl From<UiAction> for AppCommand {
    fn from(a: UiAction) -> Self {
        Self::Ui(a)
    }
}

impl From<HistoryAction> for AppCommand {
    fn from(a: HistoryAction) -> Self {
        Self::History(a)
    }
}

impl From<SensorAction> for AppCommand {
    fn from(a: SensorAction) -> Self {
        Self::Sensors(a)
    }
}

impl SitlessApp {
    /// Takes effect: the one place a command changes the app or reaches
    /// the engine. `ctx` is the window's (`None` from the tray).
    pub(crate) fn apply(&mut self, cmd: AppCommand, ctx: Option<&egui::Context>) {
        match cmd {
            AppCommand::Ui(a) => self.act(a, ctx),
            AppCommand::History(a) => self.act_history(a),
            AppCommand::Sensors(a) => self.act_sensors(a),
            AppCommand::ClosePlayer => self.close_player(),
            AppCommand::DismissSavedAgain => self.state.saved_again = false,
            AppCommand::PauseReminders(p) => {
                self.engine.send(Command::PauseReminders(p));
            }
        }
    }

    /// Applies what is queued (commands that need a window they have not
    /// got wait in the queue).
    pub(crate) fn apply_queued(&mut self, ctx: Option<&egui::Context>) {
        for cmd in std::mem::take(&mut self.commands) {
            self.apply(cmd, ctx);
        }
    }

    fn act_sensors(&mut self, action: SensorAction) {
        match action {
            SensorAction::Ble(cmd) => {
                if !self.engine.send_ble(cmd) {
                    self.sensors.message = Some("Bluetooth is busy; try again in a moment.".into());
                }
            }
            SensorAction::Phone(r) => {
                if !self.engine.send_phone(r) {
                    self.sensors.phone.waiting = false;
                    self.sensors.phone.message =
                        Some("Sitless is busy with the phone; try again in a moment.".into());
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

    /// A view's action that needs no window.
    fn act_headless(&mut self, action: UiAction) {
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
            UiAction::SaveSettings(s) => {
                self.engine.send(Command::Settings(s));
            }
            UiAction::Demo(on) => self.demo_switch = Some(on),
            UiAction::Show(view) => self.view = view,
            UiAction::RequestDay(_) | UiAction::SetAutostart(_) | UiAction::StartRoutine { .. } => {
                self.commands.push(AppCommand::Ui(action));
            }
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
            HistoryAction::Transfer(TransferAction::Choose(purpose)) => {
                use crate::desktop::portal::FileAsk;
                use crate::engine::protocol::FilePurpose;
                let t = &mut self.history.transfers;
                let ask = match purpose {
                    FilePurpose::Export => FileAsk::Save {
                        title: "Export to CSV".into(),
                        current: t
                            .export
                            .as_ref()
                            .map(|d| std::path::PathBuf::from(d.path.trim()))
                            .unwrap_or_default(),
                    },
                    FilePurpose::Import => FileAsk::Open {
                        title: "Import a recording".into(),
                    },
                };
                t.chooser.waiting = Some(purpose);
                t.chooser.unavailable = None;
                self.engine.choose_file(purpose, ask);
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

    /// A view's action; those that need the window (its clock, a repaint)
    /// wait for its next frame when it is closed.
    fn act(&mut self, action: UiAction, ctx: Option<&egui::Context>) {
        let Some(ctx) = ctx else {
            return self.act_headless(action);
        };
        match action {
            UiAction::RequestDay(req) => {
                if self.engine.request_day(req) {
                    self.model.requested(req, ctx.input(|i| i.time));
                } else {
                    ctx.request_repaint_after(crate::ui::CHART_MIN_INTERVAL);
                }
            }
            UiAction::SetAutostart(on) => self.set_autostart(on, ctx),
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
            other => self.act_headless(other),
        }
    }

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
}

//! The window's root. It starts the engine on a `sitless-start` thread and
//! stops it on a `sitless-stop` thread, so the window's thread never waits
//! for a lock, a migration, a join or the last commit: it shows
//! "Starting…" or "Saving…" meanwhile. When the database cannot be opened it
//! shows why, and what the user can do about it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};
use std::thread::JoinHandle;

use super::SitlessApp;
use crate::engine::protocol::Waker;
use crate::engine::{Engine, EngineOptions};
use crate::ui::startup::{StartupAction, StartupProblem, path_beside, startup_problem_ui};

/// When the process started (set by `cli::main`), for the start-up figure.
pub(crate) static PROCESS_START: std::sync::OnceLock<std::time::Instant> =
    std::sync::OnceLock::new();

type WallClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What the start thread reports: the database it opened (a new one when
/// the user asked for it) and the engine, or why not.
type Started = (PathBuf, anyhow::Result<Engine>);

enum ShellState {
    Starting(Receiver<Started>),
    Running(Box<SitlessApp>),
    Problem(StartupProblem),
    /// The engine is stopping; the window closes when it is done. The
    /// stop thread answers with the words of a stop that lost data.
    Stopping(Receiver<Option<String>>),
    /// The engine is stopping to start again with other options (the
    /// demo switched on or off); then `Starting`.
    Switching(Receiver<Option<String>>),
    /// The stop could not save everything: the window says so, in words,
    /// and closes when the user has read it.
    NotSaved(String),
    /// Everything is saved; the window may close.
    Stopped,
}

pub struct Shell {
    state: ShellState,
    opts: EngineOptions,
    wall_clock: WallClock,
    /// Wakes the window or the tray loop when the engine has news.
    waker: Waker,
    /// A tray icon is up, so closing the window may keep recording.
    pub tray_available: bool,
    first_frame_logged: bool,
    /// The stop thread, joined when the shell goes (after the window).
    stopper: Option<JoinHandle<()>>,
    /// The user's own database, to come back to from the demo.
    real_db: PathBuf,
}

/// The demo's database beside the real one (never the real one).
fn demo_db_beside(db: &Path) -> PathBuf {
    db.with_file_name("demo.db")
}

impl Shell {
    /// Starts the engine in the background; the first frames show
    /// "Starting…".
    pub fn start(opts: EngineOptions, ctx: &egui::Context, wall_clock: WallClock) -> Self {
        let ctx = ctx.clone();
        Self::start_with(opts, Arc::new(move || ctx.request_repaint()), wall_clock)
    }

    /// Starts with `waker` as the engine's way to say it has news (the
    /// desktop's doorbell: the window, or the tray loop).
    pub fn start_with(opts: EngineOptions, waker: Waker, wall_clock: WallClock) -> Self {
        let state = spawn_start(opts.clone(), None, waker.clone());
        let real_db = if opts.demo.is_some() {
            opts.db.with_file_name("sitless.db")
        } else {
            opts.db.clone()
        };
        Self {
            state,
            opts,
            wall_clock,
            waker,
            tray_available: false,
            first_frame_logged: false,
            stopper: None,
            real_db,
        }
    }

    /// Stops the engine and starts it again with the demo on or off.
    fn switch_demo(&mut self, ctx: &egui::Context, on: bool) {
        let ShellState::Running(mut app) = std::mem::replace(&mut self.state, ShellState::Stopped)
        else {
            return;
        };
        if on {
            self.opts.demo = Some(crate::sources::demo::pacer::DemoOptions {
                speed: crate::sources::demo::WINDOW_DEMO_SPEED,
                seed: 1,
                script: None,
                pace: None,
            });
            self.opts.db = demo_db_beside(&self.real_db);
        } else {
            self.opts.demo = None;
            self.opts.db = self.real_db.clone();
        }
        tracing::info!(
            "demo {}: restarting on {}",
            if on { "on" } else { "off" },
            self.opts.db.display()
        );
        self.state = match self.spawn_stopper(ctx, move || stop_words(app.shutdown())) {
            ShellState::Stopping(rx) => ShellState::Switching(rx),
            _ => spawn_start(self.opts.clone(), None, self.waker.clone()),
        };
    }

    pub(crate) fn app_mut(&mut self) -> Option<&mut SitlessApp> {
        match &mut self.state {
            ShellState::Running(app) => Some(app),
            _ => None,
        }
    }

    /// Quits from the tray, with no window: stops the engine here, on the
    /// main thread, which has nothing else to do.
    pub(crate) fn quit_now(&mut self) {
        match std::mem::replace(&mut self.state, ShellState::Stopped) {
            ShellState::Running(mut app) => {
                if let Err(e) = app.shutdown() {
                    tracing::error!("{e}");
                }
            }
            ShellState::Starting(rx) => {
                if let Ok((_, Ok(mut engine))) = rx.recv()
                    && let Err(e) = engine.stop()
                {
                    tracing::error!("{e}");
                }
            }
            ShellState::Stopping(rx) | ShellState::Switching(rx) => {
                let _ = rx.recv();
            }
            ShellState::Problem(_) | ShellState::NotSaved(_) | ShellState::Stopped => {}
        }
        if let Some(t) = self.stopper.take() {
            let _ = t.join();
        }
    }

    /// The engine started (or failed) meanwhile: picks it up without a
    /// window (the tray loop).
    pub(crate) fn poll_background(&mut self) {
        self.poll(None);
    }

    pub fn app(&self) -> Option<&SitlessApp> {
        match &self.state {
            ShellState::Running(app) => Some(app),
            _ => None,
        }
    }

    pub fn problem(&self) -> Option<&StartupProblem> {
        match &self.state {
            ShellState::Problem(p) => Some(p),
            _ => None,
        }
    }

    /// The database in use (a new one if the user started one).
    pub fn db(&self) -> &Path {
        &self.opts.db
    }

    /// True once the engine has stopped (everything saved, or the window
    /// says what was not).
    pub fn stopped(&self) -> bool {
        matches!(self.state, ShellState::Stopped | ShellState::NotSaved(_))
    }

    /// Stops the engine on the `sitless-stop` thread: the links hand on
    /// what they hold, the posture thread settles, the writer commits.
    pub fn quit(&mut self, ctx: &egui::Context) {
        self.state = match std::mem::replace(&mut self.state, ShellState::Stopped) {
            ShellState::Running(mut app) => {
                self.spawn_stopper(ctx, move || stop_words(app.shutdown()))
            }
            // Still starting: wait for the start there, then stop it.
            ShellState::Starting(rx) => self.spawn_stopper(ctx, move || match rx.recv() {
                Ok((_, Ok(mut engine))) => stop_words(engine.stop()),
                _ => None,
            }),
            stopping @ ShellState::Stopping(_) => stopping,
            // Stopping already; what would have started is not wanted.
            ShellState::Switching(rx) => ShellState::Stopping(rx),
            ShellState::Problem(_) | ShellState::NotSaved(_) | ShellState::Stopped => {
                ShellState::Stopped
            }
        };
    }

    /// The window's close button: true if the close must wait while
    /// something is saved (the window closes itself when it is done);
    /// false if nothing runs (the problem screen, or already stopped).
    pub fn close_requested(&mut self, ctx: &egui::Context) -> bool {
        match self.state {
            ShellState::Running(_) | ShellState::Starting(_) | ShellState::Switching(_) => {
                self.quit(ctx);
                true
            }
            ShellState::Stopping(_) => true,
            ShellState::Problem(_) | ShellState::NotSaved(_) | ShellState::Stopped => false,
        }
    }

    /// Closing the window keeps the app running in the tray: there is a
    /// tray, the engine runs and the setting says so. The first time, a
    /// notice says where Sitless went.
    fn close_to_tray(&mut self) -> bool {
        let ShellState::Running(app) = &mut self.state else {
            return false;
        };
        let settings = app.state().settings.clone().unwrap_or_default();
        if !(self.tray_available && settings.keep_running) {
            return false;
        }
        if !settings.tray_notice_shown {
            app.engine()
                .notice(tray_notice(app.recording(), app.counting_desk_time()));
            app.engine()
                .send(crate::engine::protocol::Command::Settings(
                    crate::domain::settings::Settings {
                        tray_notice_shown: true,
                        ..settings
                    },
                ));
        }
        // The player lives in the window: what was done is recorded.
        app.close_player();
        tracing::info!("window closed; still running in the tray");
        true
    }

    fn spawn_stopper(
        &mut self,
        ctx: &egui::Context,
        work: impl FnOnce() -> Option<String> + Send + 'static,
    ) -> ShellState {
        let (tx, rx) = sync_channel(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("sitless-stop".into())
            .spawn(move || {
                let _ = tx.send(work());
                ctx.request_repaint();
            });
        match spawned {
            Ok(handle) => {
                self.stopper = Some(handle);
                ShellState::Stopping(rx)
            }
            // No thread to be had: the work was dropped here, which stops
            // the engine on this thread; better than losing the last commit.
            Err(e) => {
                tracing::warn!("stopped on the window's thread: {e}");
                ShellState::Stopped
            }
        }
    }

    /// Picks up what the start or stop thread reported, without waiting.
    fn poll(&mut self, ctx: Option<&egui::Context>) {
        match &self.state {
            ShellState::Starting(rx) => match rx.try_recv() {
                Ok((db, Ok(engine))) => {
                    self.opts.db = db;
                    let clock = self.wall_clock.clone();
                    let mut app = SitlessApp::new(engine, &self.opts.config, move || clock());
                    app.set_tray_available(self.tray_available);
                    self.state = ShellState::Running(Box::new(app));
                }
                Ok((db, Err(e))) => {
                    tracing::error!(
                        "cannot start: {}",
                        crate::domain::error_words::error_words(e.as_ref())
                    );
                    self.state = ShellState::Problem(StartupProblem::of(&db, &e));
                    self.opts.db = db;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    let e = anyhow::anyhow!("the start-up thread ended without a word");
                    self.state = ShellState::Problem(StartupProblem::of(&self.opts.db, &e));
                }
            },
            ShellState::Switching(rx) if !matches!(rx.try_recv(), Err(TryRecvError::Empty)) => {
                // The stop thread has said it is done; its handle is
                // replaced by the next stop's (the window never joins).
                self.state = spawn_start(self.opts.clone(), None, self.waker.clone());
            }
            ShellState::Stopping(rx) => match rx.try_recv() {
                Err(TryRecvError::Empty) => {}
                // Data was lost: say so before the window goes (without a
                // window, the log and the tray's quit have said it).
                Ok(Some(words)) if ctx.is_some() => self.state = ShellState::NotSaved(words),
                Ok(_) | Err(TryRecvError::Disconnected) => {
                    self.state = ShellState::Stopped;
                    if let Some(ctx) = ctx {
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                }
            },
            _ => {}
        }
    }

    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.first_frame_logged {
            self.first_frame_logged = true;
            if let Some(t) = PROCESS_START.get() {
                tracing::info!("first frame {} ms after start", t.elapsed().as_millis());
            }
        }
        let quit_keys = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Q);
        if ctx.input_mut(|i| i.consume_shortcut(&quit_keys)) {
            self.quit(&ctx);
        }
        if ctx.input(|i| i.viewport().close_requested())
            && !self.close_to_tray()
            && self.close_requested(&ctx)
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        }
        self.poll(Some(&ctx));
        let problem = match &mut self.state {
            ShellState::Running(app) => {
                app.ui_root(ui);
                if let Some(on) = app.take_demo_switch() {
                    self.switch_demo(&ctx, on);
                    ctx.request_repaint();
                }
                return;
            }
            ShellState::Switching(_) => {
                waiting_ui(ui, "Switching the sensor…");
                return;
            }
            ShellState::Problem(p) => p.clone(),
            ShellState::Starting(_) => {
                waiting_ui(ui, "Starting…");
                return;
            }
            ShellState::Stopping(_) | ShellState::Stopped => {
                waiting_ui(ui, "Saving…");
                return;
            }
            ShellState::NotSaved(words) => {
                if not_saved_ui(ui, words) {
                    self.state = ShellState::Stopped;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                return;
            }
        };
        let action = egui::CentralPanel::default()
            .show(ui, |ui| startup_problem_ui(ui, &problem))
            .inner;
        match action {
            Some(StartupAction::TryAgain) => {
                self.state = spawn_start(self.opts.clone(), None, self.waker.clone());
            }
            Some(StartupAction::NewDatabase) => {
                let stamp = crate::domain::days::local_datetime((self.wall_clock)())
                    .format("%Y%m%d-%H%M%S")
                    .to_string();
                self.state = spawn_start(self.opts.clone(), Some(stamp), self.waker.clone());
            }
            Some(StartupAction::Quit) => {
                self.state = ShellState::Stopped;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            None => {}
        }
    }
}

impl Drop for Shell {
    /// The window is gone by now; wait for the stop thread's last commit so
    /// the process does not end before it. (An app still running is
    /// stopped when `state` drops, right after.)
    fn drop(&mut self) {
        if let Some(t) = self.stopper.take() {
            let _ = t.join();
        }
    }
}

impl eframe::App for Shell {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}

/// Starts the engine on the `sitless-start` thread. With `new_db_stamp`,
/// a new database beside the configured one is chosen there first (the
/// free name needs a look at the folder, which is not the window's job).
fn spawn_start(mut opts: EngineOptions, new_db_stamp: Option<String>, waker: Waker) -> ShellState {
    let (tx, rx) = sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("sitless-start".into())
        .spawn(move || {
            if let Some(stamp) = new_db_stamp {
                opts.db = path_beside(&opts.db, &stamp);
            }
            let engine = Engine::start(&opts, waker.clone());
            let _ = tx.send((opts.db, engine));
            waker();
        });
    match spawned {
        Ok(_) => ShellState::Starting(rx),
        Err(e) => ShellState::Problem(StartupProblem::of(
            &PathBuf::new(),
            &anyhow::anyhow!("cannot start a thread: {e}"),
        )),
    }
}

/// A stop's outcome for the window: the words of what was lost, if any
/// (logged as well, for the tray's quit, which has no window).
fn stop_words(result: Result<(), crate::engine::StopError>) -> Option<String> {
    let e = result.err()?;
    tracing::error!("{e}");
    Some(e.to_string())
}

/// What a stop lost, before the window closes; true when read (Quit).
fn not_saved_ui(ui: &mut egui::Ui, words: &str) -> bool {
    egui::CentralPanel::default()
        .show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 4.0);
                ui.heading("Not everything was saved");
                ui.add_space(8.0);
                ui.colored_label(ui.visuals().error_fg_color, words);
                ui.label(
                    "What was saved before is safe. Free some space on the disk before recording again.",
                );
                ui.add_space(12.0);
                ui.button("Quit").clicked()
            })
            .inner
        })
        .inner
}

fn waiting_ui(ui: &mut egui::Ui, what: &str) {
    egui::CentralPanel::default().show(ui, |ui| {
        ui.centered_and_justified(|ui| {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(what);
            });
        });
    });
}

/// What the first close to the tray says: true to what runs.
fn tray_notice(recording: bool, desk_time: bool) -> &'static str {
    if !recording && desk_time {
        "Sitless is still counting desk time from your keyboard and mouse and will remind you. Open it or quit from its icon in the tray."
    } else if recording {
        "Sitless is still recording and will remind you. Open it or quit from its icon in the tray."
    } else {
        "Sitless is still running in the tray, but nothing is recording: pair a sensor (or try the demo) in its window to be reminded. Open it or quit from its icon in the tray."
    }
}

#[cfg(test)]
mod tray_notice_tests {
    #[test]
    fn the_notice_says_recording_only_when_something_records() {
        assert!(super::tray_notice(true, false).contains("still recording"));
        assert!(super::tray_notice(true, true).contains("still recording"));
        assert!(super::tray_notice(false, true).contains("counting desk time"));
        let idle = super::tray_notice(false, false);
        assert!(!idle.contains("recording and will remind"), "{idle}");
        assert!(idle.contains("nothing is recording"), "{idle}");
    }
}

//! The desktop process: one engine for the whole session, a window that
//! comes and goes (eframe's `run_native` per window), the tray between.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::{DeskOutcome, Shell, WindowOptions, desk};
use crate::desktop::DeskRequest;
use crate::engine::EngineOptions;

/// The window, and the tray: closing the window keeps the engine (and its
/// reminders) running where a tray exists; the tray's Open makes a new
/// window (eframe returns from `run_native` when a window closes and keeps
/// its event loop for the next one).
pub(crate) fn run_window(opts: &WindowOptions) -> anyhow::Result<()> {
    let engine_opts = EngineOptions {
        db: opts.db.clone(),
        demo: opts.demo.clone(),
        config: opts.config,
        demo_start_s: crate::sources::demo::default_demo_start(),
        ble: Some(crate::sources::ble::system_clock()),
        page_limit: None,
        desktop_session: true,
        desk_time: Some(crate::engine::desk_time::DeskTimeSource::desktop()),
    };
    let bell = desk::Doorbell::new();
    let (req_tx, requests) = std::sync::mpsc::sync_channel(16);
    // Ctrl-C, and the session's SIGTERM or SIGHUP at logout: quit as the
    // tray's Quit does, so the last seconds are saved.
    let quit_tx = req_tx.clone();
    let quit_bell = bell.clone();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = quit_tx.try_send(DeskRequest::Quit);
        quit_bell.ring();
    }) {
        tracing::warn!("quitting on a signal will not save the last seconds: {e}");
    }
    let Some(_instance) = claim_instance(opts, &req_tx, &bell) else {
        return Ok(());
    };
    let tray = match crate::desktop::tray::Tray::start(req_tx, bell.waker()) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::info!("{e}; closing the window quits");
            None
        }
    };
    let mut shell = Shell::start_with(
        engine_opts,
        bell.waker(),
        Arc::new(|| chrono::Utc::now().timestamp()),
    );
    shell.tray_available = tray.is_some();
    let shell = Rc::new(RefCell::new(shell));
    let desk = Rc::new(RefCell::new(desk::Desk {
        tray,
        requests,
        bell: bell.clone(),
        held: Vec::new(),
    }));
    let mut show_window = !(opts.background && desk.borrow().tray.is_some());
    loop {
        if show_window {
            open_window(&shell, &desk)?;
            bell.detach();
        }
        let mut sh = shell.borrow_mut();
        if sh.stopped() || sh.problem().is_some() || !sh.tray_available {
            sh.quit_now();
            return Ok(());
        }
        // Closed to the tray: until Open or Quit.
        let next = loop {
            sh.poll_background();
            if sh.problem().is_some() {
                break desk::Background::Reopen;
            }
            match sh.app_mut() {
                Some(app) => break desk::background_loop(app, &mut desk.borrow_mut()),
                None => {
                    bell.wait(std::time::Duration::from_secs(1));
                }
            }
        };
        match next {
            desk::Background::Reopen => show_window = true,
            desk::Background::Quit => {
                sh.quit_now();
                return Ok(());
            }
        }
    }
}

fn open_window(shell: &Rc<RefCell<Shell>>, desk: &Rc<RefCell<desk::Desk>>) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Sitless")
            .with_app_id(crate::desktop::APP_ID)
            .with_inner_size([980.0, 720.0])
            .with_min_inner_size([560.0, 420.0]),
        ..Default::default()
    };
    let (shell, desk) = (shell.clone(), desk.clone());
    let opened = std::time::Instant::now();
    eframe::run_native(
        "Sitless",
        native,
        Box::new(move |cc| {
            desk.borrow().bell.attach(cc.egui_ctx.clone());
            if let Some(app) = shell.borrow_mut().app_mut() {
                app.forget_textures();
            }
            Ok(Box::new(Window {
                shell,
                desk,
                opened: Some(opened),
            }))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
}

/// One window's life; the shell and the tray outlive it.
struct Window {
    shell: Rc<RefCell<Shell>>,
    desk: Rc<RefCell<desk::Desk>>,
    /// When the window was asked for, until its first frame (logged).
    opened: Option<std::time::Instant>,
}

impl eframe::App for Window {
    /// Runs before every frame and also while the window is minimised,
    /// when eframe runs no frame at all: a second launch's "show the
    /// window" must reach a minimised window too.
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let mut shell = self.shell.borrow_mut();
        let mut desk = self.desk.borrow_mut();
        // Requests that came while the app was starting (a file to import
        // given on the command line) wait for it; a Quit does not.
        let mut asked: Vec<DeskRequest> = std::mem::take(&mut desk.held);
        asked.extend(std::iter::from_fn(|| desk.requests.try_recv().ok()));
        for req in asked {
            if shell.app().is_none() && req != DeskRequest::Quit {
                desk.held.push(req);
                continue;
            }
            let outcome = shell
                .app_mut()
                .map_or(DeskOutcome::Quit, |app| app.on_desk(&req));
            match outcome {
                DeskOutcome::ShowWindow => {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
                    ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
                }
                DeskOutcome::Quit if req == DeskRequest::Quit => shell.quit(ctx),
                DeskOutcome::Quit | DeskOutcome::Done => {}
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut shell = self.shell.borrow_mut();
        let mut desk = self.desk.borrow_mut();
        shell.ui_root(ui);
        if let Some(app) = shell.app() {
            desk.show(app);
        }
        if let Some(t) = self.opened.take() {
            tracing::info!(
                "window's first frame {} ms after it was asked for",
                t.elapsed().as_millis()
            );
        }
    }
}

/// One Sitless per database: a second launch shows the first one's
/// window (with a file: its import dialog; with --background: nothing) and
/// gets `None`. The first gets its claim, and its own file to import.
fn claim_instance(
    opts: &WindowOptions,
    req_tx: &std::sync::mpsc::SyncSender<DeskRequest>,
    bell: &Arc<desk::Doorbell>,
) -> Option<crate::desktop::instance::Claim> {
    let default_db = directories::ProjectDirs::from("org", "Sitless", "sitless")
        .map(|d| d.data_dir().join("sitless.db"));
    let name = crate::desktop::instance::bus_name(&opts.db, default_db.as_deref());
    let show = {
        let (tx, ring) = (req_tx.clone(), bell.waker());
        // Full only if sixteen requests wait unread: one more Open adds
        // nothing then.
        Arc::new(move |file: Option<std::path::PathBuf>| {
            let _ = tx.try_send(file.map_or(DeskRequest::Open, DeskRequest::Import));
            ring();
        })
    };
    let ask = match (&opts.import, opts.background) {
        (Some(file), _) => crate::desktop::instance::Ask::Import(file.clone()),
        (None, true) => crate::desktop::instance::Ask::Nothing,
        (None, false) => crate::desktop::instance::Ask::Window,
    };
    let instance = match crate::desktop::instance::claim(&name, &ask, show) {
        crate::desktop::instance::Claim::Running => {
            println!(
                "Sitless is already running on {}{}",
                opts.db.display(),
                match (&opts.import, opts.background) {
                    (Some(_), _) => ": its window was brought to the front, to import the file.",
                    (None, true) => ".",
                    (None, false) => ": its window was brought to the front.",
                }
            );
            return None;
        }
        other => other,
    };
    if let Some(file) = &opts.import {
        let _ = req_tx.try_send(DeskRequest::Import(file.clone()));
    }
    Some(instance)
}

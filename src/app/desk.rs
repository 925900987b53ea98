//! The app on the desktop: the doorbell that wakes whoever is listening
//! (the window, or the main thread while closed to the tray), the tray's
//! view of the app, and the loop that keeps recording and reminding with
//! the window closed.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::{DeskOutcome, SitlessApp};
use crate::desktop::DeskRequest;
use crate::desktop::icon::Look;
use crate::desktop::tray::{Tray, TrayView};
use crate::domain::posture::Posture;
use crate::engine::protocol::Waker;
use crate::routines::catalog::Catalog;
use crate::sources::ble::LinkState;

/// Wakes the window (a repaint) when there is one, else the tray loop.
#[derive(Default)]
pub(crate) struct Doorbell {
    ctx: Mutex<Option<egui::Context>>,
    rung: Mutex<bool>,
    cv: Condvar,
}

impl Doorbell {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The engine's and the tray's waker.
    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        let bell = self.clone();
        Arc::new(move || bell.ring())
    }

    pub(crate) fn ring(&self) {
        if let Some(ctx) = lock(&self.ctx).as_ref() {
            ctx.request_repaint();
        }
        *lock(&self.rung) = true;
        self.cv.notify_all();
    }

    /// A window opened: it is the one to wake.
    pub(crate) fn attach(&self, ctx: egui::Context) {
        *lock(&self.ctx) = Some(ctx);
    }

    pub(crate) fn detach(&self) {
        *lock(&self.ctx) = None;
    }

    /// Waits until rung or `timeout`; true if rung.
    pub(crate) fn wait(&self, timeout: Duration) -> bool {
        let guard = lock(&self.rung);
        let (mut rung, _) = self
            .cv
            .wait_timeout_while(guard, timeout, |r| !*r)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::take(&mut *rung)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The tray icon and the requests it (and notifications) send.
pub(crate) struct Desk {
    pub tray: Option<Tray>,
    pub requests: Receiver<DeskRequest>,
    /// Requests that arrived before the app had started, in order.
    pub held: Vec<DeskRequest>,
    pub bell: Arc<Doorbell>,
}

impl Desk {
    /// Shows the app's state in the tray (a D-Bus signal only on change).
    pub(crate) fn show(&mut self, app: &SitlessApp) {
        if let Some(t) = self.tray.as_mut() {
            t.show(&app.tray_view());
        }
    }
}

/// What ended the tray loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Background {
    Reopen,
    Quit,
}

/// Runs with the window closed: folds engine events in (so a reopened
/// window shows the present at once), answers the tray and the
/// notifications' buttons. Sleeps until something arrives.
pub(crate) fn background_loop(app: &mut SitlessApp, desk: &mut Desk) -> Background {
    loop {
        if app.pump(None) {
            return Background::Reopen;
        }
        while let Ok(req) = desk.requests.try_recv() {
            match app.on_desk(&req) {
                DeskOutcome::Done => {}
                DeskOutcome::ShowWindow => return Background::Reopen,
                DeskOutcome::Quit => return Background::Quit,
            }
        }
        desk.show(app);
        // The minute is the tooltip's finest unit; events wake it sooner.
        desk.bell.wait(Duration::from_mins(1));
    }
}

/// The tray's icon, tooltip and menu for the app's state.
pub(crate) fn tray_view(app: &SitlessApp) -> TrayView {
    let state = app.state();
    let model = app.model();
    let live = model.live.as_ref();
    let threshold_s = state.threshold_s();
    let recording = app.recording();
    let reconnecting = app
        .sensors()
        .links
        .values()
        .any(|(l, _)| matches!(l, LinkState::Reconnecting { .. }));
    let streak_s = live.and_then(|l| l.streak).map(|s| s.duration_s());
    let not_worn = live.is_some_and(|l| l.posture == Posture::NotWorn);
    let desk = !recording && app.counting_desk_time();
    let away = live.is_some_and(|l| l.note == Some(crate::domain::posture::LiveNote::AwayFromDesk));
    let (look, mut status) = if not_worn {
        (Look::NotWorn, "The sensor seems not to be worn".to_owned())
    } else if reconnecting && !recording {
        (Look::Reconnecting, "Reconnecting to the sensor…".to_owned())
    } else if desk {
        match streak_s {
            Some(d) if !away => {
                let look = if d >= threshold_s {
                    Look::Due
                } else {
                    Look::Recording
                };
                (look, format!("At the computer {} min", d / 60))
            }
            _ => (Look::Recording, "Desk time · away".to_owned()),
        }
    } else if !recording {
        (Look::Idle, "Not recording".to_owned())
    } else if let Some(d) = streak_s {
        let look = if d >= threshold_s {
            Look::Due
        } else {
            Look::Recording
        };
        (look, format!("Sitting {} min", d / 60))
    } else {
        (Look::Recording, "Recording · not sitting".to_owned())
    };
    let paused = state
        .paused_until_s
        .is_some_and(|u| state.latest_t_s.is_none_or(|t| t < u));
    if paused {
        status.push_str(" · reminders paused");
    }
    let routine_id = model
        .card
        .as_ref()
        .map_or(crate::domain::reminder::MOVEMENT_BREAK, |c| {
            c.routine.as_str()
        });
    TrayView {
        look,
        status,
        routine: Catalog::builtin()
            .routine(routine_id)
            .map(|r| r.name.clone()),
        paused,
        streak: streak_s.is_some(),
        recording: recording || desk,
    }
}

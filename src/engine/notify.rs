//! Desktop notifications for reminders, on their own thread: a D-Bus call
//! may block (a slow or absent notification server) and must never hold up
//! the posture pipeline or the UI.
//!
//! One card per streak: a repeat replaces it (`replaces_id`), and it is
//! closed when it is moot (the streak ended, the routine started, the
//! reminder was answered in the window). Its buttons come back as
//! [`Report::Action`].

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::desktop::notifications::{Card, Client, Signal, Urgency, gnome_banners_off};
use crate::domain::reminder::ReminderDue;
use crate::routines::catalog::Catalog;

/// A reminder to show, with when its threshold second was processed.
pub(crate) struct Request {
    pub due: ReminderDue,
    pub since: Instant,
    pub sound: bool,
}

enum Msg {
    Show(Request),
    /// Close the reminder's card, if one is up.
    Close,
    /// A one-off line (closing to the tray the first time).
    Notice(String),
}

/// A button on the card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Start {
        routine: String,
    },
    Snooze {
        minutes: i64,
    },
    /// The card's body: show the window.
    Open,
}

/// What happened to a notification.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Report {
    Shown {
        shown_at_s: i64,
        latency: Duration,
        /// The card has buttons (the server has actions).
        buttons: bool,
    },
    /// The first failure only: no notification service on this desktop.
    Unavailable(String),
    /// Do not disturb is on (true) or off again (false); while on, the
    /// reminder shows only in the window.
    DoNotDisturb(bool),
    /// A button on the card for the reminder shown at `shown_at_s`.
    Action { shown_at_s: i64, action: Action },
}

const START: &str = "start";
const SNOOZE: &str = "snooze-15";
/// The card's body, where a server makes it clickable: open the window.
const DEFAULT: &str = "default";

/// Cloneable: the posture thread and the app both send to it.
#[derive(Clone)]
pub(crate) struct NotifierHandle {
    tx: SyncSender<Msg>,
}

impl NotifierHandle {
    /// Queues a notification; drops it if eight are already waiting (the
    /// card in the window still shows it).
    pub(crate) fn notify(&self, req: Request) {
        self.send(Msg::Show(req));
    }

    pub(crate) fn close(&self) {
        self.send(Msg::Close);
    }

    pub(crate) fn notice(&self, text: &str) {
        self.send(Msg::Notice(text.to_owned()));
    }

    fn send(&self, m: Msg) {
        match self.tx.try_send(m) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => tracing::warn!("notification queue full; one dropped"),
        }
    }
}

pub(crate) struct Notifier {
    handle: Option<NotifierHandle>,
    thread: Option<JoinHandle<()>>,
}

impl Notifier {
    pub(crate) fn spawn(report: impl FnMut(Report) + Send + 'static) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(8);
        let report: Reporter = Arc::new(Mutex::new(report));
        let thread = std::thread::Builder::new()
            .name("sitless-notify".into())
            .spawn(move || run(&rx, &report))?;
        Ok(Self {
            handle: Some(NotifierHandle { tx }),
            thread: Some(thread),
        })
    }

    pub(crate) fn handle(&self) -> Option<NotifierHandle> {
        self.handle.clone()
    }

    pub(crate) fn notify(&self, req: Request) {
        if let Some(h) = &self.handle {
            h.notify(req);
        }
    }

    pub(crate) fn close(&self) {
        if let Some(h) = &self.handle {
            h.close();
        }
    }
}

impl Drop for Notifier {
    /// Waits for the thread only if this was the last sender; a handle
    /// kept elsewhere (the app) ends it when it goes.
    fn drop(&mut self) {
        self.handle = None;
        if let Some(t) = self.thread.take()
            && t.is_finished()
        {
            let _ = t.join();
        }
    }
}

type Reporter = Arc<Mutex<dyn FnMut(Report) + Send>>;

fn say(report: &Reporter, r: Report) {
    if let Ok(mut f) = report.lock() {
        f(r);
    }
}

/// The card on screen: the server's id, and what its buttons mean.
#[derive(Clone, Debug)]
struct Shown {
    id: u32,
    /// The reminder's second (the card's key in the window).
    at_s: i64,
    routine: String,
}

fn run(rx: &Receiver<Msg>, report: &Reporter) {
    let mut client: Option<Client> = None;
    let mut failed = false;
    let mut dnd = false;
    let current: Arc<Mutex<Option<Shown>>> = Arc::new(Mutex::new(None));
    let icon = crate::desktop::install::notification_icon(
        directories::ProjectDirs::from("", "", "sitless")
            .map(|d| d.cache_dir().to_path_buf())
            .as_deref(),
    );
    while let Ok(msg) = rx.recv() {
        if client.is_none() {
            match Client::connect() {
                Ok(c) => {
                    listen(&c, &current, report);
                    client = Some(c);
                }
                Err(e) if !failed => {
                    failed = true;
                    say(report, Report::Unavailable(e.to_string()));
                }
                Err(e) => tracing::debug!("notifications still unavailable: {e}"),
            }
        }
        let Some(c) = client.as_ref() else { continue };
        match msg {
            Msg::Show(req) => {
                let now_dnd = c.inhibited() || gnome_banners_off();
                if now_dnd != dnd {
                    dnd = now_dnd;
                    say(report, Report::DoNotDisturb(dnd));
                }
                if dnd {
                    continue;
                }
                let routine = Catalog::builtin().routine(&req.due.routine);
                let title = routine.map_or_else(
                    || "Time to get up".to_owned(),
                    |r| format!("Time to get up: {}", r.name),
                );
                let start_label = routine.map_or_else(
                    || "Start the routine".to_owned(),
                    |r| format!("Start {}", r.name),
                );
                let card = Card {
                    summary: title,
                    body: req.due.reason.clone(),
                    actions: vec![
                        (START.into(), start_label),
                        (SNOOZE.into(), "Snooze 15 min".into()),
                        (DEFAULT.into(), "Open Sitless".into()),
                    ],
                    icon: icon.clone(),
                    sound: req.sound.then(|| "message-new-instant".to_owned()),
                    urgency: Some(Urgency::Critical),
                    persistent: true,
                };
                // Held across the call: a button pressed before the reply
                // is here waits for the id instead of missing it.
                let mut shown = lock(&current);
                let replaces = shown.as_ref().map_or(0, |s| s.id);
                match c.show(&card, replaces) {
                    Ok(id) => {
                        *shown = Some(Shown {
                            id,
                            at_s: req.due.at_s,
                            routine: req.due.routine.clone(),
                        });
                        say(
                            report,
                            Report::Shown {
                                shown_at_s: req.due.at_s,
                                latency: req.since.elapsed(),
                                buttons: c.has("actions"),
                            },
                        );
                    }
                    Err(e) => tracing::warn!("reminder notification not shown: {e}"),
                }
            }
            Msg::Close => {
                let shown = lock(&current).take();
                if let Some(s) = shown
                    && let Err(e) = c.close(s.id)
                {
                    tracing::debug!("could not close notification {}: {e}", s.id);
                }
            }
            Msg::Notice(text) => {
                let card = Card {
                    summary: "Sitless".into(),
                    body: text,
                    icon: icon.clone(),
                    urgency: Some(Urgency::Low),
                    ..Card::default()
                };
                if let Err(e) = c.show(&card, 0) {
                    tracing::debug!("notice not shown: {e}");
                }
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Listens for the card's buttons and closings on a thread of its own.
fn listen(c: &Client, current: &Arc<Mutex<Option<Shown>>>, report: &Reporter) {
    let (c, current, report) = (c.clone(), current.clone(), report.clone());
    let spawned = std::thread::Builder::new()
        .name("sitless-notify-listen".into())
        .spawn(move || {
            let r = c.listen(|signal| {
                let mut cur = lock(&current);
                match signal {
                    Signal::Action { id, key } if cur.as_ref().is_some_and(|s| s.id == id) => {
                        let Some(s) = cur.clone() else { return true };
                        let action = match key.as_str() {
                            START => Some(Action::Start { routine: s.routine }),
                            DEFAULT => Some(Action::Open),
                            SNOOZE => Some(Action::Snooze { minutes: 15 }),
                            _ => None,
                        };
                        drop(cur);
                        if let Some(action) = action {
                            say(
                                &report,
                                Report::Action {
                                    shown_at_s: s.at_s,
                                    action,
                                },
                            );
                        }
                    }
                    Signal::Closed { id, .. } if cur.as_ref().is_some_and(|s| s.id == id) => {
                        *cur = None;
                    }
                    _ => {}
                }
                true
            });
            if let Err(e) = r {
                tracing::debug!("not listening to notification buttons: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot listen to notification buttons: {e}");
    }
}

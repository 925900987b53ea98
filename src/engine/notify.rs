//! Desktop notifications for reminders, on their own thread: a D-Bus call
//! may block (a slow or absent notification server) and must never hold up
//! the posture pipeline or the UI.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::domain::reminder::ReminderDue;
use crate::routines::catalog::Catalog;

/// A reminder to show, with when its threshold second was processed.
pub struct Request {
    pub due: ReminderDue,
    pub since: Instant,
    pub sound: bool,
}

/// What happened to a notification.
#[derive(Clone, Debug, PartialEq)]
pub enum Report {
    Shown {
        shown_at_s: i64,
        latency: Duration,
    },
    /// The first failure only: no notification service on this desktop.
    Unavailable(String),
}

pub struct Notifier {
    tx: Option<SyncSender<Request>>,
    handle: Option<JoinHandle<()>>,
}

impl Notifier {
    pub fn spawn(mut report: impl FnMut(Report) + Send + 'static) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(8);
        let handle = std::thread::Builder::new()
            .name("sitless-notify".into())
            .spawn(move || run(&rx, &mut report))?;
        Ok(Self {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Queues a notification; drops it if eight are already waiting (the
    /// card in the window still shows it).
    pub fn notify(&self, req: Request) {
        if let Some(tx) = &self.tx {
            match tx.try_send(req) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                Err(TrySendError::Full(_)) => {
                    tracing::warn!("notification queue full; one dropped");
                }
            }
        }
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn run(rx: &Receiver<Request>, report: &mut dyn FnMut(Report)) {
    let mut failed = false;
    while let Ok(req) = rx.recv() {
        let title = Catalog::builtin().routine(&req.due.routine).map_or_else(
            || "Time to get up".to_owned(),
            |r| format!("Time to get up: {}", r.name),
        );
        let mut n = notify_rust::Notification::new();
        n.appname("Sitless")
            .summary(&title)
            .body(&req.due.reason)
            .icon("preferences-desktop-accessibility");
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            n.hint(if req.sound {
                notify_rust::Hint::SoundName("message-new-instant".into())
            } else {
                notify_rust::Hint::SuppressSound(true)
            });
        }
        match n.show() {
            Ok(_) => report(Report::Shown {
                shown_at_s: req.due.at_s,
                latency: req.since.elapsed(),
            }),
            Err(e) if !failed => {
                failed = true;
                report(Report::Unavailable(e.to_string()));
            }
            Err(e) => tracing::debug!("notification failed again: {e}"),
        }
    }
}

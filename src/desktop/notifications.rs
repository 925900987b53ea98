//! A client of the desktop's notification server
//! (`org.freedesktop.Notifications`), written for what a break reminder
//! needs: buttons where the server has them, one card per streak that is
//! replaced when it repeats and closed when it is moot, the server's
//! do-not-disturb respected. Blocking calls: it runs on the notifier
//! thread, never on the window's.

use std::collections::HashMap;

use zbus::blocking::{Connection, Proxy};
use zbus::zvariant::Value;

const DEST: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// The `Urgency` hint's values (Desktop Notifications spec).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Urgency {
    Low = 0,
    Critical = 2,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("no session bus: {0}")]
    Bus(#[source] zbus::Error),
    #[error("the notification server did not answer: {0}")]
    Call(#[source] zbus::Error),
}

/// One notification to show.
#[derive(Clone, Debug, Default)]
pub(crate) struct Card {
    pub summary: String,
    pub body: String,
    /// Pairs of (action key, button label); sent only when the server
    /// says it has actions.
    pub actions: Vec<(String, String)>,
    /// The icon: a theme name or a file path.
    pub icon: String,
    pub sound: Option<String>,
    pub urgency: Option<Urgency>,
    /// Stay until acted on (where the server honours an expiry of 0).
    pub persistent: bool,
}

/// What the server says about our notifications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A button (or the body, key "default") was clicked.
    Action { id: u32, key: String },
    /// Closed by the user (reason 2), expired (1), by us (3), other (4).
    Closed { id: u32, reason: u32 },
}

#[derive(Clone)]
pub struct Client {
    conn: Connection,
    capabilities: Vec<String>,
}

impl Client {
    /// Connects to the session bus and asks the server what it can do;
    /// an error when there is no bus or no server.
    pub fn connect() -> Result<Self, NotifyError> {
        let conn = Connection::session().map_err(NotifyError::Bus)?;
        let capabilities: Vec<String> = proxy(&conn)
            .and_then(|p| p.call("GetCapabilities", &()))
            .map_err(NotifyError::Call)?;
        Ok(Self { conn, capabilities })
    }

    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }

    /// Shows `card`, replacing notification `replaces` (0: a new one);
    /// returns the server's id for it.
    pub(crate) fn show(&self, card: &Card, replaces: u32) -> Result<u32, NotifyError> {
        let actions: Vec<&str> = if self.has("actions") {
            card.actions
                .iter()
                .flat_map(|(k, l)| [k.as_str(), l.as_str()])
                .collect()
        } else {
            Vec::new()
        };
        let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
        hints.insert("desktop-entry", Value::from(super::APP_ID));
        if let Some(u) = card.urgency {
            hints.insert("urgency", Value::U8(u as u8));
        }
        match &card.sound {
            Some(name) => hints.insert("sound-name", Value::from(name.as_str())),
            None => hints.insert("suppress-sound", Value::Bool(true)),
        };
        let expire_ms: i32 = if card.persistent { 0 } else { -1 };
        proxy(&self.conn)
            .and_then(|p| {
                p.call(
                    "Notify",
                    &(
                        "Sitless",
                        replaces,
                        card.icon.as_str(),
                        card.summary.as_str(),
                        card.body.as_str(),
                        actions,
                        hints,
                        expire_ms,
                    ),
                )
            })
            .map_err(NotifyError::Call)
    }

    pub fn close(&self, id: u32) -> Result<(), NotifyError> {
        proxy(&self.conn)
            .and_then(|p| p.call::<_, _, ()>("CloseNotification", &(id,)))
            .map_err(NotifyError::Call)
    }

    /// KDE's do-not-disturb: the server's `Inhibited` property (absent
    /// elsewhere, which reads as "not inhibited").
    pub fn inhibited(&self) -> bool {
        proxy(&self.conn)
            .and_then(|p| p.get_property::<bool>("Inhibited"))
            .unwrap_or(false)
    }

    /// Calls `on` for each signal about notifications until the bus goes
    /// or `on` returns false. Blocks: run it on a thread of its own.
    pub fn listen(&self, mut on: impl FnMut(Signal) -> bool) -> Result<(), NotifyError> {
        let p = proxy(&self.conn).map_err(NotifyError::Call)?;
        let actions = p
            .receive_signal("ActionInvoked")
            .map_err(NotifyError::Call)?;
        let closed = p
            .receive_signal("NotificationClosed")
            .map_err(NotifyError::Call)?;
        // Two blocking iterators: the closings get a thread of their own
        // and are handed over, so both arrive in one callback.
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        let tx2 = tx.clone();
        let _closing = std::thread::Builder::new()
            .name("sitless-notify-closed".into())
            .spawn(move || {
                for m in closed {
                    if let Ok((id, reason)) = m.body().deserialize::<(u32, u32)>()
                        && tx2.send(Signal::Closed { id, reason }).is_err()
                    {
                        break;
                    }
                }
            });
        let _acting = std::thread::Builder::new()
            .name("sitless-notify-actions".into())
            .spawn(move || {
                for m in actions {
                    if let Ok((id, key)) = m.body().deserialize::<(u32, String)>()
                        && tx.send(Signal::Action { id, key }).is_err()
                    {
                        break;
                    }
                }
            });
        while let Ok(s) = rx.recv() {
            if !on(s) {
                break;
            }
        }
        Ok(())
    }
}

fn proxy(conn: &Connection) -> zbus::Result<Proxy<'static>> {
    Proxy::new(conn, DEST, PATH, DEST)
}

/// GNOME's do-not-disturb: `show-banners` off. Read through `gsettings`
/// where it is installed (no `GLib` bindings needed); anything else reads
/// as "not on".
pub(crate) fn gnome_banners_off() -> bool {
    std::process::Command::new("gsettings")
        .args(["get", "org.gnome.desktop.notifications", "show-banners"])
        .stderr(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "false")
}

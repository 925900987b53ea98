//! How long since the person last touched the keyboard or pointer, and
//! whether the screen is locked: what desk time is counted from. One probe
//! per kind of session, tried in this order:
//! - GNOME (X11 and Wayland): Mutter's `org.gnome.Mutter.IdleMonitor`
//!   `GetIdletime` (milliseconds), the lock from `org.gnome.ScreenSaver`;
//! - any other Wayland session: the compositor's own idle notifications
//!   (`ext-idle-notify-v1`, or KDE's `org_kde_kwin_idle`; `wayland`);
//! - any X11 session: the X server's own idle time and screensaver state
//!   (the MIT-SCREEN-SAVER extension, spoken in pure Rust by x11rb) — not
//!   under Wayland, where an X server sees only its own X clients' input;
//! - anything else with logind: the session's `IdleHint`,
//!   `IdleSinceHint` and `LockedHint`, which the desktop sets only after
//!   its own idle delay (coarse: minutes, not seconds).
//!
//! The freedesktop `ScreenSaver`'s `GetSessionIdleTime` is not asked:
//! desktops disagree on its unit (seconds by its draft, milliseconds in
//! KDE's), and a wrong guess would count a person away or present for a
//! thousand times too long.

pub mod wayland;

use std::time::{SystemTime, UNIX_EPOCH};

use x11rb::connection::Connection as _;
use x11rb::protocol::screensaver::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use zbus::blocking::{Connection, Proxy};

/// What one probe read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Idle {
    pub idle_ms: u64,
    pub locked: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum IdleError {
    #[error("the desktop's idle monitor did not answer: {0}")]
    Bus(#[from] zbus::Error),
    #[error("the X server did not answer: {0}")]
    X11(String),
    #[error("the Wayland compositor: {0}")]
    Wayland(String),
}

/// A source of idle time. `Send`: it lives on the desk-time thread.
pub trait IdleProbe: Send {
    /// Names the source in the window ("GNOME", "the X server", "logind").
    fn name(&self) -> &'static str;
    fn read(&mut self) -> Result<Idle, IdleError>;
}

/// The first probe that answers in this session, or why none does.
pub fn detect() -> Result<Box<dyn IdleProbe>, String> {
    let mut tried = Vec::new();
    match Mutter::connect() {
        Ok(p) => return Ok(Box::new(p)),
        Err(e) => tried.push(format!("GNOME: {e}")),
    }
    let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some()
        || std::env::var("XDG_SESSION_TYPE").is_ok_and(|t| t == "wayland");
    if wayland {
        match wayland::Wayland::connect() {
            Ok(p) => return Ok(Box::new(p)),
            Err(e) => tried.push(format!("Wayland: {e}")),
        }
        tried.push("X11: not asked under Wayland".into());
    } else {
        match X11::connect() {
            Ok(p) => return Ok(Box::new(p)),
            Err(e) => tried.push(format!("X11: {e}")),
        }
    }
    match Logind::connect() {
        Ok(p) => return Ok(Box::new(p)),
        Err(e) => tried.push(format!("logind: {e}")),
    }
    Err(tried.join("; "))
}

/// GNOME's idle monitor, on the session bus.
pub struct Mutter {
    conn: Connection,
}

impl Mutter {
    pub fn connect() -> Result<Self, IdleError> {
        Self::on(Connection::session()?)
    }

    /// On a given bus (the tests' private one).
    pub fn on(conn: Connection) -> Result<Self, IdleError> {
        let mut p = Self { conn };
        p.read()?;
        Ok(p)
    }
}

impl IdleProbe for Mutter {
    fn name(&self) -> &'static str {
        "GNOME's idle monitor"
    }

    fn read(&mut self) -> Result<Idle, IdleError> {
        let monitor = Proxy::new(
            &self.conn,
            "org.gnome.Mutter.IdleMonitor",
            "/org/gnome/Mutter/IdleMonitor/Core",
            "org.gnome.Mutter.IdleMonitor",
        )?;
        let idle_ms: u64 = monitor.call("GetIdletime", &())?;
        // No screensaver service: not locked as far as anyone can say.
        let locked = Proxy::new(
            &self.conn,
            "org.gnome.ScreenSaver",
            "/org/gnome/ScreenSaver",
            "org.gnome.ScreenSaver",
        )
        .and_then(|p| p.call::<_, _, bool>("GetActive", &()))
        .unwrap_or(false);
        Ok(Idle { idle_ms, locked })
    }
}

/// The X server's idle time (MIT-SCREEN-SAVER).
pub struct X11 {
    conn: RustConnection,
    root: u32,
}

impl X11 {
    pub fn connect() -> Result<Self, IdleError> {
        Self::connect_to(None)
    }

    /// The X server at `display` (":0"), or `$DISPLAY`'s.
    pub fn connect_to(display: Option<&str>) -> Result<Self, IdleError> {
        let (conn, screen) = x11rb::connect(display).map_err(|e| IdleError::X11(e.to_string()))?;
        let root = conn
            .setup()
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or_else(|| IdleError::X11("no such screen".into()))?;
        let mut p = Self { conn, root };
        p.read()?;
        Ok(p)
    }
}

impl IdleProbe for X11 {
    fn name(&self) -> &'static str {
        "the X server"
    }

    fn read(&mut self) -> Result<Idle, IdleError> {
        let x = |e: &dyn std::fmt::Display| IdleError::X11(e.to_string());
        let info = self
            .conn
            .screensaver_query_info(self.root)
            .map_err(|e| x(&e))?
            .reply()
            .map_err(|e| x(&e))?;
        Ok(Idle {
            idle_ms: u64::from(info.ms_since_user_input),
            // State 1 is "On": the screensaver (or a locker using it) runs.
            locked: info.state == 1,
        })
    }
}

/// logind's view of the session, on the system bus.
pub struct Logind {
    conn: Connection,
    session: zbus::zvariant::OwnedObjectPath,
}

impl Logind {
    pub fn connect() -> Result<Self, IdleError> {
        let conn = Connection::system()?;
        let session = crate::desktop::session::our_session(&conn)?;
        let mut p = Self { conn, session };
        p.read()?;
        Ok(p)
    }
}

impl IdleProbe for Logind {
    fn name(&self) -> &'static str {
        "logind"
    }

    fn read(&mut self) -> Result<Idle, IdleError> {
        let p = Proxy::new(
            &self.conn,
            "org.freedesktop.login1",
            self.session.as_str(),
            "org.freedesktop.login1.Session",
        )?;
        let idle: bool = p.get_property("IdleHint")?;
        let locked: bool = p.get_property("LockedHint").unwrap_or(false);
        let idle_ms = if idle {
            let since_us: u64 = p.get_property("IdleSinceHint")?;
            let now_us = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
            now_us.saturating_sub(since_us) / 1000
        } else {
            0
        };
        Ok(Idle { idle_ms, locked })
    }
}

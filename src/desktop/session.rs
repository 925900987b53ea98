//! The desktop session as reminders need it: is the screen locked (logind's
//! `LockedHint`, or the `ScreenSaver` interface where a locker exposes it),
//! and is the machine going to sleep or waking (logind's
//! `PrepareForSleep`). Each source is watched on a thread of its own; a
//! source that is missing (no logind in a container, no screensaver
//! service) is skipped with a debug line, never an error for the user.
//!
//! Anyone on a bus may emit any signal, so a signal counts only when its
//! sender is the current owner of the service's well-known name: a client
//! that owns no screensaver name cannot silence reminders by saying the
//! screen is locked.

use std::sync::Arc;

use zbus::MatchRule;
use zbus::blocking::{Connection, MessageIterator, Proxy, fdo::DBusProxy};
use zbus::message::Message;
use zbus::zvariant::{OwnedObjectPath, OwnedValue};

const LOGIN1: &str = "org.freedesktop.login1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// The screen was locked (true) or unlocked (false).
    Locked(bool),
    /// The machine is about to sleep (true) or has just woken (false).
    Sleeping(bool),
}

type Sink = Arc<dyn Fn(SessionEvent) + Send + Sync>;

/// Starts the watchers; `on` is called from their threads. They run for
/// the life of the process (each ends when its bus goes).
pub fn watch(on: impl Fn(SessionEvent) + Send + Sync + 'static) {
    let sink: Sink = Arc::new(on);
    let s = sink.clone();
    spawn("sitless-logind", move || {
        if let Err(e) = watch_logind(&s) {
            tracing::debug!("logind not watched: {e}");
        }
    });
    spawn("sitless-screensaver", move || {
        if let Err(e) = watch_screensaver(&sink) {
            tracing::debug!("screensaver not watched: {e}");
        }
    });
}

/// Whether `m` was sent by the process that owns `name` now. Asked of the
/// bus at each signal: locks and sleeps are rare, and an owner that was
/// replaced (a restarted screensaver) is then followed without bookkeeping.
fn from_owner(conn: &Connection, m: &Message, name: &str) -> bool {
    let Some(sender) = m.header().sender().map(ToString::to_string) else {
        return false;
    };
    let owner =
        DBusProxy::new(conn).and_then(|bus| Ok(bus.get_name_owner(name.try_into()?)?.to_string()));
    match owner {
        Ok(owner) if owner == sender => true,
        Ok(_) | Err(_) => {
            tracing::debug!("ignored a signal from {sender}: it does not own {name}");
            false
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(f) {
        tracing::warn!("cannot start {name}: {e}");
    }
}

/// Our session's object path: "auto" is logind's name for the caller's
/// session; by PID where that is not known (started outside a session).
pub(crate) fn our_session(conn: &Connection) -> zbus::Result<OwnedObjectPath> {
    let manager = Proxy::new(
        conn,
        LOGIN1,
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
    )?;
    manager
        .call("GetSession", &("auto",))
        .or_else(|_| manager.call("GetSessionByPID", &(std::process::id(),)))
}

fn watch_logind(sink: &Sink) -> zbus::Result<()> {
    let conn = Connection::system()?;
    let sleep_rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.freedesktop.login1.Manager")?
        .member("PrepareForSleep")?
        .build();
    let mut sleeps = MessageIterator::for_match_rule(sleep_rule, &conn, Some(8))?;
    let session = our_session(&conn);
    let mut props = match &session {
        Ok(path) => {
            let rule = MatchRule::builder()
                .msg_type(zbus::message::Type::Signal)
                .interface("org.freedesktop.DBus.Properties")?
                .member("PropertiesChanged")?
                .path(path.as_str().to_owned())?
                .build();
            let it = MessageIterator::for_match_rule(rule, &conn, Some(8))?;
            let p = Proxy::new(
                &conn,
                LOGIN1,
                path.as_str().to_owned(),
                "org.freedesktop.login1.Session",
            )?;
            if p.get_property::<bool>("LockedHint").unwrap_or(false) {
                sink(SessionEvent::Locked(true));
            }
            Some(it)
        }
        Err(e) => {
            tracing::debug!("no logind session to watch for locking: {e}");
            None
        }
    };
    // Sleep signals on this thread, lock changes on a second one.
    if let Some(it) = props.take() {
        let s = sink.clone();
        let c = conn.clone();
        spawn("sitless-logind-lock", move || {
            for m in it.flatten().filter(|m| from_owner(&c, m, LOGIN1)) {
                type Changed = (
                    String,
                    std::collections::HashMap<String, OwnedValue>,
                    Vec<String>,
                );
                if let Ok((_, changed, _)) = m.body().deserialize::<Changed>()
                    && let Some(v) = changed.get("LockedHint")
                    && let Ok(locked) = bool::try_from(v)
                {
                    s(SessionEvent::Locked(locked));
                }
            }
        });
    }
    for m in sleeps
        .by_ref()
        .flatten()
        .filter(|m| from_owner(&conn, m, LOGIN1))
    {
        if let Ok(going) = m.body().deserialize::<bool>() {
            sink(SessionEvent::Sleeping(going));
        }
    }
    Ok(())
}

fn watch_screensaver(sink: &Sink) -> zbus::Result<()> {
    let conn = Connection::session()?;
    // KDE, Xfce and others speak org.freedesktop.ScreenSaver; GNOME
    // org.gnome.ScreenSaver. Both say ActiveChanged(b).
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .member("ActiveChanged")?
        .build();
    for m in MessageIterator::for_match_rule(rule, &conn, Some(8))?.flatten() {
        // Each service owns the bus name its interface is called by.
        let iface = m.header().interface().map(ToString::to_string);
        let ours = iface.as_deref().is_some_and(|i| {
            (i == "org.freedesktop.ScreenSaver" || i == "org.gnome.ScreenSaver")
                && from_owner(&conn, &m, i)
        });
        if ours && let Ok(active) = m.body().deserialize::<bool>() {
            sink(SessionEvent::Locked(active));
        }
    }
    Ok(())
}

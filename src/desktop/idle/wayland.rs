//! Idle time from a Wayland compositor's own idle notifications, for the
//! sessions GNOME's monitor does not cover (KDE Plasma, sway, Hyprland,
//! labwc, …): `ext-idle-notify-v1` where the compositor has it, else KDE's
//! older `org_kde_kwin_idle` (`KWin`, and `wlroots` before 0.17).
//!
//! Both only say "idle for at least T" and "active again", so the probe
//! asks with a short T and counts on from the moment it was told: idle
//! time = T + time since the "idled" event. Any T under desk time's away
//! threshold gives the same seconds at the computer.

use std::io::ErrorKind;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use wayland_client::backend::WaylandError;
use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_seat};
use wayland_client::{Connection, Dispatch, EventQueue, Proxy as _, QueueHandle};
use wayland_protocols::ext::idle_notify::v1::client::{
    ext_idle_notification_v1::{self, ExtIdleNotificationV1},
    ext_idle_notifier_v1::ExtIdleNotifierV1,
};
use wayland_protocols_plasma::idle::client::{
    org_kde_kwin_idle::OrgKdeKwinIdle,
    org_kde_kwin_idle_timeout::{self, OrgKdeKwinIdleTimeout},
};

use super::{Idle, IdleError, IdleProbe};

/// How long without input before the compositor says "idled". Short, so
/// that the counted idle time is the true one to within these 10 s, long
/// after the person has been counted away (60 s).
pub const IDLED_AFTER: Duration = Duration::from_secs(10);

/// What the compositor has said so far.
#[derive(Default)]
pub(crate) struct Heard {
    idled_at: Option<Instant>,
}

/// The compositor's notification object, released when the probe goes.
enum Notification {
    Ext(ExtIdleNotificationV1),
    Kde(OrgKdeKwinIdleTimeout),
}

pub struct Wayland {
    conn: Connection,
    queue: EventQueue<Heard>,
    heard: Heard,
    idled_after: Duration,
    name: &'static str,
    notification: Notification,
}

impl Wayland {
    /// The compositor of this session (`WAYLAND_DISPLAY`).
    pub fn connect() -> Result<Self, IdleError> {
        let conn = Connection::connect_to_env().map_err(|e| wayland(&e))?;
        Self::on(conn, IDLED_AFTER)
    }

    /// The compositor listening on `socket` (the tests' own).
    pub fn connect_to(socket: &std::path::Path, idled_after: Duration) -> Result<Self, IdleError> {
        let stream = UnixStream::connect(socket)
            .map_err(|e| IdleError::Wayland(format!("{}: {e}", socket.display())))?;
        Self::on(
            Connection::from_socket(stream).map_err(|e| wayland(&e))?,
            idled_after,
        )
    }

    fn on(conn: Connection, idled_after: Duration) -> Result<Self, IdleError> {
        let (globals, mut queue) = registry_queue_init::<Heard>(&conn).map_err(|e| wayland(&e))?;
        let qh = queue.handle();
        let seat: wl_seat::WlSeat = globals
            .bind(&qh, 1..=1, ())
            .map_err(|_| IdleError::Wayland("the compositor offers no seat".into()))?;
        let timeout_ms = u32::try_from(idled_after.as_millis()).unwrap_or(u32::MAX);
        let (notification, name) =
            if let Ok(notifier) = globals.bind::<ExtIdleNotifierV1, _, _>(&qh, 1..=2, ()) {
                // Version 2 can ask for input alone, as GNOME's and the X
                // server's idle times are: a playing video (an idle inhibitor)
                // is not someone at the keyboard. Version 1 cannot.
                let n = if notifier.version() >= 2 {
                    notifier.get_input_idle_notification(timeout_ms, &seat, &qh, ())
                } else {
                    notifier.get_idle_notification(timeout_ms, &seat, &qh, ())
                };
                (Notification::Ext(n), "the Wayland compositor")
            } else if let Ok(kde) = globals.bind::<OrgKdeKwinIdle, _, _>(&qh, 1..=1, ()) {
                let t = kde.get_idle_timeout(&seat, timeout_ms, &qh, ());
                (
                    Notification::Kde(t),
                    "the Wayland compositor, by KDE's idle protocol",
                )
            } else {
                return Err(IdleError::Wayland(
                    "the compositor offers neither ext-idle-notify-v1 nor org_kde_kwin_idle".into(),
                ));
            };
        let mut heard = Heard::default();
        // A compositor that refuses the request says so now, not later.
        queue.roundtrip(&mut heard).map_err(|e| wayland(&e))?;
        Ok(Self {
            conn,
            queue,
            heard,
            idled_after,
            name,
            notification,
        })
    }

    /// Takes in whatever the compositor has sent, without waiting.
    fn pump(&mut self) -> Result<(), IdleError> {
        self.conn.flush().map_err(|e| wayland(&e))?;
        if let Some(guard) = EventQueue::prepare_read(&self.queue) {
            match guard.read() {
                Ok(_) => {}
                Err(WaylandError::Io(e)) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(wayland(&e)),
            }
        }
        self.queue
            .dispatch_pending(&mut self.heard)
            .map_err(|e| wayland(&e))?;
        Ok(())
    }
}

impl Drop for Wayland {
    fn drop(&mut self) {
        // Proxies are not destroyed by being dropped: say so, or the
        // compositor keeps a timer for a client that no longer listens.
        match &self.notification {
            Notification::Ext(n) => n.destroy(),
            Notification::Kde(t) => t.release(),
        }
        let _ = self.conn.flush();
    }
}

fn wayland(e: &dyn std::fmt::Display) -> IdleError {
    IdleError::Wayland(e.to_string())
}

impl IdleProbe for Wayland {
    fn name(&self) -> &'static str {
        self.name
    }

    fn read(&mut self) -> Result<Idle, IdleError> {
        self.pump()?;
        let idle = self
            .heard
            .idled_at
            .map_or(Duration::ZERO, |t| self.idled_after + t.elapsed());
        Ok(Idle {
            idle_ms: u64::try_from(idle.as_millis()).unwrap_or(u64::MAX),
            // A locked screen takes no input, so it is idle here too.
            locked: false,
        })
    }
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for Heard {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        // Globals that come and go later (a second seat) do not matter here.
    }
}

impl Dispatch<wl_seat::WlSeat, ()> for Heard {
    fn event(
        _: &mut Self,
        _: &wl_seat::WlSeat,
        _: wl_seat::Event,
        (): &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<ExtIdleNotifierV1, ()> for Heard {
    fn event(
        _: &mut Self,
        _: &ExtIdleNotifierV1,
        _: <ExtIdleNotifierV1 as wayland_client::Proxy>::Event,
        (): &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<OrgKdeKwinIdle, ()> for Heard {
    fn event(
        _: &mut Self,
        _: &OrgKdeKwinIdle,
        _: <OrgKdeKwinIdle as wayland_client::Proxy>::Event,
        (): &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<ExtIdleNotificationV1, ()> for Heard {
    fn event(
        heard: &mut Self,
        _: &ExtIdleNotificationV1,
        event: ext_idle_notification_v1::Event,
        (): &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            ext_idle_notification_v1::Event::Idled => heard.idled(),
            ext_idle_notification_v1::Event::Resumed => heard.idled_at = None,
            _ => {}
        }
    }
}

impl Dispatch<OrgKdeKwinIdleTimeout, ()> for Heard {
    fn event(
        heard: &mut Self,
        _: &OrgKdeKwinIdleTimeout,
        event: org_kde_kwin_idle_timeout::Event,
        (): &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            org_kde_kwin_idle_timeout::Event::Idle => heard.idled(),
            org_kde_kwin_idle_timeout::Event::Resumed => heard.idled_at = None,
            _ => {}
        }
    }
}

impl Heard {
    /// The first "idled" counts: a repeat (a protocol error by the
    /// compositor) must not restart the idle time.
    fn idled(&mut self) {
        self.idled_at.get_or_insert_with(Instant::now);
    }
}

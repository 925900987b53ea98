//! Fake desktop services on a private bus: a notification server that has
//! actions and records every call, a `StatusNotifierWatcher` (the tray
//! host's side), and logind with a session whose lock can be flipped.

// The D-Bus interfaces fix the fakes' method signatures.
#![allow(
    dead_code,
    clippy::unused_self,
    clippy::used_underscore_binding,
    clippy::needless_pass_by_value
)]

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

#[derive(Debug, Clone)]
pub(crate) enum NoteCall {
    Notify {
        id: u32,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        expire_ms: i32,
    },
    Close(u32),
}

pub(crate) struct FakeNotifications {
    pub tx: Sender<NoteCall>,
    pub next_id: u32,
    pub capabilities: Vec<String>,
    /// KDE's do-not-disturb.
    pub inhibited: bool,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl FakeNotifications {
    #[allow(clippy::too_many_arguments)] // the D-Bus method's signature
    fn notify(
        &mut self,
        _app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        expire_timeout: i32,
    ) -> u32 {
        let id = if replaces_id == 0 {
            self.next_id += 1;
            self.next_id
        } else {
            replaces_id
        };
        let _ = self.tx.send(NoteCall::Notify {
            id,
            replaces_id,
            app_icon,
            summary,
            body,
            actions,
            hints,
            expire_ms: expire_timeout,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "fake".into(),
            "sitless-tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, id: u32) {
        let _ = self.tx.send(NoteCall::Close(id));
    }

    #[zbus(property)]
    fn inhibited(&self) -> bool {
        self.inhibited
    }
}

/// Starts the notification server on `address`; its calls arrive on the
/// receiver. Keep the connection alive as long as the test runs.
pub(crate) fn notification_server(address: &str) -> (zbus::Connection, Receiver<NoteCall>) {
    notification_server_with(address, false)
}

/// The same, with KDE's do-not-disturb (`Inhibited`) on or off.
pub(crate) fn notification_server_with(
    address: &str,
    inhibited: bool,
) -> (zbus::Connection, Receiver<NoteCall>) {
    let (tx, rx) = channel();
    let conn = zbus::block_on(async {
        zbus::connection::Builder::address(address)?
            .name("org.freedesktop.Notifications")?
            .serve_at(
                "/org/freedesktop/Notifications",
                FakeNotifications {
                    tx,
                    next_id: 0,
                    capabilities: vec![
                        "actions".into(),
                        "body".into(),
                        "persistence".into(),
                        "sound".into(),
                    ],
                    inhibited,
                },
            )?
            .build()
            .await
    })
    .expect("the fake notification server is on the bus");
    (conn, rx)
}

/// Clicks a button on notification `id`, as a server does.
pub(crate) fn invoke_action(server: &zbus::Connection, id: u32, key: &str) {
    zbus::block_on(server.emit_signal(
        None::<&str>,
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
        "ActionInvoked",
        &(id, key),
    ))
    .expect("ActionInvoked is emitted");
}

pub(crate) struct FakeWatcher {
    pub items: Sender<String>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl FakeWatcher {
    fn register_status_notifier_item(
        &self,
        service: String,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        // ksni passes its well-known name; a path-only service is the
        // sender's own.
        let name = if service.starts_with('/') {
            header.sender().map(ToString::to_string).unwrap_or_default()
        } else {
            service
        };
        let _ = self.items.send(name);
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        Vec::new()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_host_registered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

pub(crate) fn tray_watcher(address: &str) -> (zbus::Connection, Receiver<String>) {
    let (items, rx) = channel();
    let conn = zbus::block_on(async {
        zbus::connection::Builder::address(address)?
            .name("org.kde.StatusNotifierWatcher")?
            .serve_at("/StatusNotifierWatcher", FakeWatcher { items })?
            .build()
            .await
    })
    .expect("the fake tray watcher is on the bus");
    (conn, rx)
}

/// A menu entry as dbusmenu lays it out: id, label, enabled.
#[derive(Debug, Clone)]
pub(crate) struct MenuEntry {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
}

type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

/// Reads the item's menu (`com.canonical.dbusmenu` `GetLayout` at `/MenuBar`).
pub(crate) fn read_menu(conn: &zbus::Connection, item: &str) -> Vec<MenuEntry> {
    let reply = zbus::block_on(conn.call_method(
        Some(item),
        "/MenuBar",
        Some("com.canonical.dbusmenu"),
        "GetLayout",
        &(0i32, -1i32, Vec::<String>::new()),
    ))
    .expect("GetLayout answers");
    let (_rev, (_, _, children)): (u32, Layout) = reply.body().deserialize().expect("a layout");
    let mut out = Vec::new();
    for c in children {
        let Ok((id, props, _)) = Layout::try_from(c) else {
            continue;
        };
        if props
            .get("type")
            .and_then(|t| String::try_from(t.try_clone().ok()?).ok())
            .is_some_and(|t| t == "separator")
        {
            continue;
        }
        let label = props
            .get("label")
            .and_then(|l| String::try_from(l.try_clone().ok()?).ok())
            .unwrap_or_default();
        let enabled = props
            .get("enabled")
            .and_then(|e| bool::try_from(e).ok())
            .unwrap_or(true);
        out.push(MenuEntry { id, label, enabled });
    }
    out
}

/// Clicks menu entry `id`, as a tray host does.
pub(crate) fn click(conn: &zbus::Connection, item: &str, id: i32) {
    zbus::block_on(conn.call_method(
        Some(item),
        "/MenuBar",
        Some("com.canonical.dbusmenu"),
        "Event",
        &(id, "clicked", zbus::zvariant::Value::I32(0), 0u32),
    ))
    .expect("the click is taken");
}

type Tip = (String, Vec<(i32, i32, Vec<u8>)>, String, String);

/// The item's tooltip text (`StatusNotifierItem` `ToolTip`'s description).
pub(crate) fn tooltip(conn: &zbus::Connection, item: &str) -> String {
    let reply = zbus::block_on(conn.call_method(
        Some(item),
        "/StatusNotifierItem",
        Some("org.freedesktop.DBus.Properties"),
        "Get",
        &("org.kde.StatusNotifierItem", "ToolTip"),
    ))
    .expect("ToolTip is readable");
    let v: OwnedValue = reply.body().deserialize().expect("a variant");
    Tip::try_from(v).map(|t| t.3).unwrap_or_default()
}

pub(crate) struct FakeSession {
    pub locked: bool,
}

#[zbus::interface(name = "org.freedesktop.login1.Session")]
impl FakeSession {
    #[zbus(property)]
    fn locked_hint(&self) -> bool {
        self.locked
    }
}

pub(crate) struct FakeManager;

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl FakeManager {
    fn get_session(&self, _id: String) -> zbus::zvariant::OwnedObjectPath {
        zbus::zvariant::OwnedObjectPath::try_from("/org/freedesktop/login1/session/_31")
            .expect("a valid path")
    }
}

pub(crate) const SESSION_PATH: &str = "/org/freedesktop/login1/session/_31";

/// A logind with one session, locked or not, on `address` (the tests'
/// private "system" bus).
pub(crate) fn logind(address: &str, locked: bool) -> zbus::Connection {
    zbus::block_on(async {
        zbus::connection::Builder::address(address)?
            .name("org.freedesktop.login1")?
            .serve_at("/org/freedesktop/login1", FakeManager)?
            .serve_at(SESSION_PATH, FakeSession { locked })?
            .build()
            .await
    })
    .expect("the fake logind is on the bus")
}

/// Locks or unlocks the fake session (the property changes, and the
/// `PropertiesChanged` signal goes out as logind's does).
pub(crate) fn set_locked(conn: &zbus::Connection, locked: bool) {
    zbus::block_on(async {
        let iface = conn
            .object_server()
            .interface::<_, FakeSession>(SESSION_PATH)
            .await
            .expect("the session object");
        iface.get_mut().await.locked = locked;
        iface
            .get()
            .await
            .locked_hint_changed(iface.signal_emitter())
            .await
            .expect("PropertiesChanged is emitted");
    });
}

/// The next call within `timeout`, or None.
pub(crate) fn next_call(rx: &Receiver<NoteCall>, timeout: Duration) -> Option<NoteCall> {
    rx.recv_timeout(timeout).ok()
}

/// Waits for the first Notify within `timeout`, skipping other calls.
pub(crate) fn next_notify(rx: &Receiver<NoteCall>, timeout: Duration) -> Option<NoteCall> {
    let end = Instant::now() + timeout;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(n @ NoteCall::Notify { .. }) => return Some(n),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// Says the machine is going to sleep (`true`) or has woken (`false`), as
/// logind's Manager does around a suspend.
pub(crate) fn prepare_for_sleep(conn: &zbus::Connection, going: bool) {
    zbus::block_on(conn.emit_signal(
        None::<&str>,
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        &(going,),
    ))
    .expect("PrepareForSleep is emitted");
}

/// A client on `address` that owns no service name: whatever it emits is
/// a forgery the app must ignore.
pub(crate) fn stranger(address: &str) -> zbus::Connection {
    zbus::block_on(async { zbus::connection::Builder::address(address)?.build().await })
        .expect("a client on the bus")
}

/// Emits, as `conn`, logind's "the session is locked" signal for the fake
/// session (a forgery unless `conn` owns org.freedesktop.login1).
pub(crate) fn emit_locked_hint(conn: &zbus::Connection) {
    let changed: std::collections::HashMap<&str, zbus::zvariant::Value<'_>> =
        [("LockedHint", zbus::zvariant::Value::from(true))].into();
    zbus::block_on(conn.emit_signal(
        None::<&str>,
        SESSION_PATH,
        "org.freedesktop.DBus.Properties",
        "PropertiesChanged",
        &(
            "org.freedesktop.login1.Session",
            changed,
            Vec::<String>::new(),
        ),
    ))
    .expect("PropertiesChanged is emitted");
}

/// Emits, as `conn`, `ActiveChanged(true)` in both screensaver dialects
/// (KDE/Xfce and GNOME).
pub(crate) fn emit_screensaver_active(conn: &zbus::Connection) {
    for (path, iface) in [
        (
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
        ),
        ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
    ] {
        zbus::block_on(conn.emit_signal(None::<&str>, path, iface, "ActiveChanged", &(true,)))
            .expect("ActiveChanged is emitted");
    }
}

/// A screensaver service: owns org.freedesktop.ScreenSaver on `address`.
pub(crate) fn screensaver(address: &str) -> zbus::Connection {
    zbus::block_on(async {
        zbus::connection::Builder::address(address)?
            .name("org.freedesktop.ScreenSaver")?
            .build()
            .await
    })
    .expect("the screensaver is on the bus")
}

/// GNOME's idle monitor (Mutter) and screensaver, as GNOME Shell serves
/// them: `GetIdletime` in milliseconds, `GetActive` for the lock.
pub(crate) struct FakeMutter {
    pub idle_ms: u64,
}

#[zbus::interface(name = "org.gnome.Mutter.IdleMonitor")]
impl FakeMutter {
    fn get_idletime(&self) -> u64 {
        self.idle_ms
    }
}

pub(crate) struct FakeGnomeScreenSaver {
    pub active: bool,
}

#[zbus::interface(name = "org.gnome.ScreenSaver")]
impl FakeGnomeScreenSaver {
    fn get_active(&self) -> bool {
        self.active
    }
}

const MUTTER_PATH: &str = "/org/gnome/Mutter/IdleMonitor/Core";

/// Mutter's idle monitor and GNOME's screensaver on `address`.
pub(crate) fn gnome_idle(address: &str, idle_ms: u64, locked: bool) -> zbus::Connection {
    zbus::block_on(async {
        zbus::connection::Builder::address(address)?
            .name("org.gnome.Mutter.IdleMonitor")?
            .name("org.gnome.ScreenSaver")?
            .serve_at(MUTTER_PATH, FakeMutter { idle_ms })?
            .serve_at(
                "/org/gnome/ScreenSaver",
                FakeGnomeScreenSaver { active: locked },
            )?
            .build()
            .await
    })
    .expect("the fake GNOME idle monitor is on the bus")
}

/// What the fake GNOME says next.
pub(crate) fn set_gnome_idle(conn: &zbus::Connection, idle_ms: u64, locked: bool) {
    zbus::block_on(async {
        let server = conn.object_server();
        let m = server
            .interface::<_, FakeMutter>(MUTTER_PATH)
            .await
            .expect("the idle monitor");
        m.get_mut().await.idle_ms = idle_ms;
        let s = server
            .interface::<_, FakeGnomeScreenSaver>("/org/gnome/ScreenSaver")
            .await
            .expect("the screensaver");
        s.get_mut().await.active = locked;
    });
}

/// One call to the fake portal: the method and its options.
pub(crate) type PortalCall = (
    String,
    std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
);

/// The XDG desktop portal's file chooser, answering as xdg-desktop-portal
/// does: the `Request` path is made of the caller's unique name and its
/// `handle_token`, returned at once, and the person's choice comes later
/// as `Response(code, {"uris": […]})` on that path.
pub(crate) struct FakePortal {
    /// The code (0 chosen, 1 cancelled) and the URI to answer with.
    pub answer: (u32, Option<String>),
    /// Each call: the method and its options.
    pub asked: std::sync::mpsc::Sender<PortalCall>,
}

impl FakePortal {
    fn answer_on(
        &self,
        method: &str,
        hdr: &zbus::message::Header<'_>,
        conn: &zbus::Connection,
        options: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
    ) -> zbus::zvariant::OwnedObjectPath {
        let sender = hdr.sender().map(ToString::to_string).unwrap_or_default();
        let token = options
            .get("handle_token")
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
            .unwrap_or_else(|| "t".into());
        let path = format!(
            "/org/freedesktop/portal/desktop/request/{}/{token}",
            sender.trim_start_matches(':').replace('.', "_")
        );
        let _ = self.asked.send((method.to_owned(), options));
        let (code, uri) = self.answer.clone();
        let (conn, p) = (conn.clone(), path.clone());
        std::thread::spawn(move || {
            // The person takes a moment to choose.
            std::thread::sleep(Duration::from_millis(100));
            let mut results: std::collections::HashMap<&str, zbus::zvariant::Value<'_>> =
                std::collections::HashMap::new();
            if let Some(u) = uri {
                results.insert("uris", zbus::zvariant::Value::from(vec![u]));
            }
            let _ = zbus::block_on(conn.emit_signal(
                Some(sender.as_str()),
                p.as_str(),
                "org.freedesktop.portal.Request",
                "Response",
                &(code, results),
            ));
        });
        zbus::zvariant::OwnedObjectPath::try_from(path).expect("a valid path")
    }
}

#[zbus::interface(name = "org.freedesktop.portal.FileChooser")]
impl FakePortal {
    fn open_file(
        &self,
        #[zbus(header)] hdr: zbus::message::Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        _parent_window: String,
        _title: String,
        options: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
    ) -> zbus::zvariant::OwnedObjectPath {
        self.answer_on("OpenFile", &hdr, conn, options)
    }

    fn save_file(
        &self,
        #[zbus(header)] hdr: zbus::message::Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        _parent_window: String,
        _title: String,
        options: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
    ) -> zbus::zvariant::OwnedObjectPath {
        self.answer_on("SaveFile", &hdr, conn, options)
    }
}

/// The portal on `address`, answering every question with `answer`.
pub(crate) fn file_portal(
    address: &str,
    answer: (u32, Option<String>),
) -> (zbus::Connection, Receiver<PortalCall>) {
    let (asked, rx) = std::sync::mpsc::channel();
    let conn = zbus::block_on(async {
        zbus::connection::Builder::address(address)?
            .name("org.freedesktop.portal.Desktop")?
            .serve_at(
                "/org/freedesktop/portal/desktop",
                FakePortal { answer, asked },
            )?
            .build()
            .await
    })
    .expect("the fake portal is on the bus");
    (conn, rx)
}

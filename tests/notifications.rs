//! Reminders reach the desktop through the real notify-rust path: a private
//! D-Bus session bus (dbus-daemon), a fake notification server on it, and
//! the real `sitless record` process pointed at that bus.

// The D-Bus interface fixes the fake server's method signatures: `&self`
// and arguments it does not use are part of the protocol.
#![allow(clippy::unused_self, clippy::used_underscore_binding)]

use std::collections::HashMap;
use std::process::Command;
use std::sync::mpsc::{Sender, channel};

#[path = "support/bus.rs"]
mod bus;

use bus::start_bus;
use sitless::domain::settings::Settings;
use sitless::store::Store;

#[derive(Debug)]
struct Received {
    app_name: String,
    summary: String,
    body: String,
    hints: Vec<String>,
}

struct FakeNotifications {
    tx: Sender<Received>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl FakeNotifications {
    #[allow(clippy::too_many_arguments)] // the D-Bus method's signature
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let _ = self.tx.send(Received {
            app_name,
            summary,
            body,
            hints: hints.into_keys().collect(),
        });
        7
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "sound".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "fake".into(),
            "sitless-tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

#[test]
fn a_reminder_is_sent_as_a_desktop_notification() {
    let bus = start_bus();
    let (tx, rx) = channel();
    let _server = zbus::block_on(async {
        zbus::connection::Builder::address(bus.address.as_str())
            .name("org.freedesktop.Notifications")
            .serve_at("/org/freedesktop/Notifications", FakeNotifications { tx })
            .build()
            .await
    })
    .expect("the fake notification server is on the bus");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notify.db");
    // Reminders at any hour, so the test passes on weekends and at night.
    let mut store = Store::open(&db).unwrap();
    store.save_settings(&Settings::any_time()).unwrap();
    drop(store);

    let out = Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args([
            "record",
            "--demo",
            "--demo-speed",
            "3600",
            "--for-s",
            "5",
            "--db",
        ])
        .arg(&db)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("TZ", "UTC")
        .env("RUST_LOG", "warn")
        .output()
        .expect("sitless runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    eprintln!("{stdout}");

    let got: Vec<Received> = rx.try_iter().collect();
    assert!(
        !got.is_empty(),
        "no notification arrived\n{stdout}\n{stderr}"
    );
    let first = &got[0];
    assert_eq!(first.app_name, "Sitless");
    assert!(first.summary.starts_with("Time to get up"), "{first:?}");
    assert!(first.body.contains("min sitting"), "{first:?}");
    assert!(first.hints.iter().any(|h| h == "sound-name"), "{first:?}");
    let reminders = stdout.matches(" reminder (").count();
    assert_eq!(got.len(), reminders, "one notification per reminder");
    assert!(stdout.contains("desktop notification shown"));
    assert!(!stderr.contains("not available"), "{stderr}");
}

//! Reminders reach the desktop through Sitless's own D-Bus client: a private
//! D-Bus session bus (dbus-daemon), a fake notification server on it, and
//! the real `sitless record` process pointed at that bus.

use std::process::Command;
use std::time::Duration;

use crate::support::bus;
use crate::support::desktop_fakes as fakes;

use bus::start_bus;
use fakes::NoteCall;
use sitless::domain::settings::Settings;
use sitless::store::Store;

/// Five seconds of the demo at 3600× through `sitless record`, with the
/// session bus at `address` and reminders allowed at any hour (so the tests
/// pass on weekends and at night).
fn record_demo(address: &str, db: &std::path::Path) -> std::process::Output {
    let mut store = Store::open(db).unwrap();
    store.save_settings(&Settings::any_time()).unwrap();
    drop(store);
    Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args([
            "record",
            "--demo",
            "--demo-speed",
            "3600",
            "--for-s",
            "5",
            "--db",
        ])
        .arg(db)
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("TZ", "UTC")
        .env("RUST_LOG", "warn")
        .output()
        .expect("sitless runs")
}

#[test]
fn a_reminder_is_sent_as_a_desktop_notification() {
    let bus = start_bus();
    let (_server, rx) = fakes::notification_server(&bus.address);

    let dir = tempfile::tempdir().unwrap();
    let out = record_demo(&bus.address, &dir.path().join("notify.db"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    eprintln!("{stdout}");

    let got: Vec<NoteCall> =
        std::iter::from_fn(|| rx.recv_timeout(Duration::from_millis(200)).ok())
            .filter(|c| matches!(c, NoteCall::Notify { .. }))
            .collect();
    assert!(
        !got.is_empty(),
        "no notification arrived\n{stdout}\n{stderr}"
    );
    let NoteCall::Notify {
        summary,
        body,
        hints,
        ..
    } = &got[0]
    else {
        unreachable!()
    };
    assert!(summary.starts_with("Time to get up"), "{summary}");
    assert!(body.contains("min sitting"), "{body}");
    assert!(hints.contains_key("sound-name"), "{hints:?}");
    assert!(hints.contains_key("desktop-entry"), "{hints:?}");
    let reminders = stdout.matches(" reminder (").count();
    assert_eq!(got.len(), reminders, "one notification per reminder");
    assert!(stdout.contains("desktop notification shown"));
    assert!(!stderr.contains("not available"), "{stderr}");
}

#[test]
fn with_do_not_disturb_on_no_notification_is_sent() {
    let bus = start_bus();
    let (_server, rx) = fakes::notification_server_with(&bus.address, true);
    let dir = tempfile::tempdir().unwrap();
    let out = record_demo(&bus.address, &dir.path().join("dnd.db"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    // The same run as the test above: reminders are due...
    assert!(stdout.matches(" reminder (").count() > 0, "{stdout}");
    // ...but the desktop asked for quiet.
    let notified = std::iter::from_fn(|| rx.recv_timeout(Duration::from_millis(200)).ok())
        .filter(|c| matches!(c, NoteCall::Notify { .. }))
        .count();
    assert_eq!(
        notified, 0,
        "a notification went out with do not disturb on"
    );
}

#[test]
fn a_button_click_counts_only_from_the_notification_server() {
    let ok = bus::in_child_with_session_bus(|address| {
        let (server, _calls) = fakes::notification_server(address);
        let stranger = fakes::stranger(address);
        let client = sitless::desktop::notifications::Client::connect().expect("client");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = client.listen(|s| tx.send(s).is_ok());
        });
        // Let the listener subscribe; then a forged click, then a real one.
        std::thread::sleep(Duration::from_millis(300));
        fakes::invoke_action(&stranger, 7, "forged");
        std::thread::sleep(Duration::from_millis(200));
        fakes::invoke_action(&server, 8, "start");
        let first = rx.recv_timeout(Duration::from_secs(3));
        assert_eq!(
            first,
            Ok(sitless::desktop::notifications::Signal::Action {
                id: 8,
                key: "start".into()
            })
        );
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    });
    assert!(ok, "the child's checks failed (its output is above)");
}

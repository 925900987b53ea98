//! The Sensors view against the fake `BlueZ`, driven through egui's
//! accessibility tree: scan, pair on the thigh, watch it stream, calibrate
//! with the wizard, rename, forget. The app's own btleplug code runs
//! in-process; btleplug reads the bus address from the environment, so this
//! test re-runs itself in a child process with `DBUS_SYSTEM_BUS_ADDRESS`
//! set, rather than set it with `unsafe`.

use crate::support::bus;
use crate::support::fake_bluez;

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use fake_bluez::{FakeBluez, Kind, SensorSpec};
use sitless::app::SitlessApp;
use sitless::domain::config::Config;
use sitless::engine::{Engine, EngineOptions};

const ADDRESS: &str = "C0:FF:EE:00:00:07";
const STANDING_MG: [i16; 3] = [20, 990, -40];
const SITTING_MG: [i16; 3] = [980, 30, 120];

#[test]
fn scan_pair_stream_calibrate_rename_and_forget_in_the_sensors_view() {
    let ok = bus::in_child_with_system_bus(sensors_view_flow);
    assert!(
        ok,
        "the Sensors view flow failed (the child's output is above)"
    );
}

/// The app on `db` with live sensors (the fake `BlueZ` on the child's system
/// bus), `height` points tall. One frame per 20 ms of real time, so a
/// countdown (UI time) and a sensor's stream (real time) move together.
fn live_app(db: &std::path::Path, height: f32) -> Harness<'static, SitlessApp> {
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            config,
            ble: Some(sitless::sources::ble::system_clock()),
            ..crate::support::engine_options(db)
        },
        Arc::new(|| {}),
    )
    .expect("engine starts");
    let app = SitlessApp::new(engine, &config, Box::new(|| chrono::Utc::now().timestamp()));
    Harness::builder()
        .with_size(egui::vec2(1000.0, height))
        .with_step_dt(0.02)
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app)
}

fn step_until(
    h: &mut Harness<'_, SitlessApp>,
    what: &str,
    done: impl Fn(&Harness<'_, SitlessApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while !done(h) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one user's walk through the view, step by step"
)]
fn sensors_view_flow(bus_address: &str) {
    let fake = FakeBluez::start(bus_address, true);
    fake.add_sensor(SensorSpec::new(Kind::Sitless, ADDRESS, "Sitless S7").speed(4.0));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("sensors.db");
    let mut h = live_app(&db, 800.0);

    h.get_by_label("Sensors").click();
    step_until(&mut h, "the adapter", |h| {
        h.query_by_label_contains("Bluetooth: ready").is_some()
    });
    h.get_by_label_contains("None yet");
    h.get_by_label("Scan").click();
    step_until(&mut h, "the sensor in the scan", |h| {
        h.query_by_label("Pair Sitless S7").is_some()
    });
    h.get_by_label("Back").click();
    h.step();
    h.get_by_label("Thigh").click();
    h.get_by_label("Pair Sitless S7").click();
    step_until(&mut h, "streaming", |h| {
        h.query_by_label("Connection: Streaming").is_some()
    });
    h.get_by_label_contains("Sitless sensor · thigh · C0:FF:EE:00:00:07");
    h.get_by_label_contains("Thigh only");
    step_until(&mut h, "the battery", |h| {
        h.query_by_label("battery 77%").is_some()
    });
    step_until(&mut h, "samples counted", |h| {
        h.state()
            .sensors()
            .stats
            .get(ADDRESS)
            .is_some_and(|s| s.samples > 100)
    });

    // The link drops: the view says so and counts down, then streams again.
    fake.drop_link(ADDRESS, Duration::from_millis(1500));
    step_until(&mut h, "reconnecting", |h| {
        h.query_by_label_contains("Connection: Reconnecting in")
            .is_some()
    });
    h.get_by_label_contains("(the connection was lost)");
    step_until(&mut h, "streaming again", |h| {
        h.query_by_label("Connection: Streaming").is_some()
    });
    step_until(&mut h, "the drop counted", |h| {
        h.query_by_label_contains("1 link loss").is_some()
    });

    // The wizard: stand still, then sit upright.
    fake.set_pose(ADDRESS, Some(STANDING_MG));
    h.get_by_label("Calibrate…").click();
    step_until(&mut h, "the wizard", |h| {
        h.query_by_label("Start").is_some()
    });
    h.get_by_label("Start").click();
    step_until(&mut h, "the sitting pose", |h| {
        h.query_by_label("Sit upright").is_some()
    });
    fake.set_pose(ADDRESS, Some(SITTING_MG));
    step_until(&mut h, "the result", |h| {
        matches!(
            h.state().sensors().wizard.as_ref().map(|w| &w.step),
            Some(sitless::ui::sensors::WizardStep::Done(_))
        )
    });
    let step = h.state().sensors().wizard.as_ref().map(|w| w.step.clone());
    assert_eq!(step, Some(sitless::ui::sensors::WizardStep::Done(Ok(()))));
    h.get_by_label("Calibrated");
    // The sensor was cued for each pose (the last cue may land just after
    // the result).
    step_until(&mut h, "the cues", |_| fake.log(ADDRESS).poses == [1, 2, 0]);
    h.get_by_label("Done").click();
    step_until(&mut h, "the list", |h| h.query_by_label("Rename").is_some());

    // Rename.
    h.get_by_label("Rename").click();
    step_until(&mut h, "the name field", |h| {
        h.query_by_label("New name").is_some()
    });
    h.get_by_label("New name")
        .set_text_value_accesskit("Left thigh");
    h.step();
    h.get_by_label("Save name").click();
    step_until(&mut h, "the new name", |h| {
        h.query_by_label("Left thigh").is_some()
    });

    // The calibration is stored with the device.
    step_until(&mut h, "the calibration stored", |_| {
        let c = rusqlite::Connection::open(&db).expect("db");
        c.query_row(
            "SELECT sitting_x IS NOT NULL AND upright_x IS NOT NULL FROM devices WHERE address = ?1",
            [ADDRESS],
            |r| r.get::<_, bool>(0),
        )
        .unwrap_or(false)
    });

    // Forget: the link ends and the sensor is listed nearby again.
    h.get_by_label("Forget").click();
    step_until(&mut h, "forgotten", |h| {
        h.query_by_label_contains("None yet").is_some()
    });
    step_until(&mut h, "disconnected", |_| !fake.is_connected(ADDRESS));
    drop(h);
    let c = rusqlite::Connection::open(&db).expect("db");
    let (name, forgotten): (String, bool) = c
        .query_row(
            "SELECT name, forgotten_at_s IS NOT NULL FROM devices WHERE address = ?1",
            [ADDRESS],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("device row");
    assert_eq!((name.as_str(), forgotten), ("Left thigh", true));
    let rows: i64 = c
        .query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))
        .expect("samples");
    assert!(rows > 0, "the streamed seconds are stored");
}

#[test]
fn use_my_phone_in_the_window_then_a_thigh_board_replaces_it() {
    let ok = bus::in_child_with_system_bus(phone_view_flow);
    assert!(ok, "the phone flow failed (the child's output is above)");
}

/// One POST of `body` to `url` (on 127.0.0.1): the status code.
fn post(url: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').expect("a path");
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let _ = write!(
        s,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

const TEST_PUSH: &str = r#"{"messageId":0,"sessionId":"t","deviceId":"p","payload":[]}"#;

#[allow(
    clippy::too_many_lines,
    reason = "one user's walk through the view, step by step"
)]
fn phone_view_flow(bus_address: &str) {
    let fake = FakeBluez::start(bus_address, true);
    fake.add_sensor(SensorSpec::new(Kind::Sitless, ADDRESS, "Sitless S7").speed(4.0));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("phone.db");
    // The listener on 127.0.0.1 only, on a free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    {
        let mut store = sitless::store::Store::open(&db).expect("db");
        let settings = sitless::domain::settings::Settings {
            phone_bind: std::net::Ipv4Addr::LOCALHOST.into(),
            phone_port: port,
            ..sitless::domain::settings::Settings::default()
        };
        store.save_settings(&settings).expect("settings");
    }
    let mut h = live_app(&db, 1400.0);

    h.get_by_label("Sensors").click();
    step_until(&mut h, "the adapter", |h| {
        h.query_by_label_contains("Bluetooth: ready").is_some()
    });
    // Nothing listens before a phone is paired.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    h.get_by_label("Use my phone").click();
    let prefix = format!("http://127.0.0.1:{port}/push/");
    step_until(&mut h, "the push URL", |h| {
        h.state().sensors().phone.paired.is_some()
    });
    let url = h
        .state()
        .sensors()
        .phone
        .paired
        .as_ref()
        .map(|p| p.url.clone())
        .expect("paired");
    assert!(url.starts_with(&prefix), "{url}");
    h.get_by_label(&url);
    h.get_by_label(&format!("QR code of {url}"));
    step_until(&mut h, "the listener", |h| {
        h.query_by_label_contains("Waiting for the phone's first push")
            .is_some()
    });
    // The app's "Tap to Test Pushing" reaches Sitless; a wrong secret does not.
    assert_eq!(post(&url, TEST_PUSH), 200);
    assert_eq!(post(&format!("{prefix}0000"), TEST_PUSH), 404);
    step_until(&mut h, "the phone listed", |h| {
        h.query_by_label("Forget phone").is_some()
    });
    // A streaming phone is not the demo: the demo's card stays off.
    let now_ns = i128::from(chrono::Utc::now().timestamp_millis()) * 1_000_000;
    let samples: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"name":"totalacceleration","time":{},"values":{{"x":0.0,"y":0.0,"z":9.81}}}}"#,
                now_ns + i * 10_000_000
            )
        })
        .collect();
    let push = format!(
        r#"{{"messageId":1,"sessionId":"t","deviceId":"p","payload":[{}]}}"#,
        samples.join(",")
    );
    assert_eq!(post(&url, &push), 200);
    step_until(&mut h, "the phone streaming", |h| {
        h.query_by_label("Streaming").is_some()
    });
    assert!(h.query_by_label("Leave the demo").is_none());
    h.get_by_label("Try the demo");
    // With a phone paired, Today is no longer a first run.
    h.get_by_label("Today").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Welcome to Sitless").is_none());
    h.get_all_by_label("Sensors")
        .next()
        .expect("the tab")
        .click();
    step_until(&mut h, "Sensors again", |h| {
        h.query_by_label("Forget phone").is_some()
    });

    // A Bluetooth board paired on the thigh from the scan list takes the
    // phone's place: the phone is forgotten, and its URL with it.
    h.get_by_label("Scan").click();
    step_until(&mut h, "the sensor in the scan", |h| {
        h.query_by_label("Pair Sitless S7").is_some()
    });
    h.get_by_label("Thigh").click();
    h.get_by_label("Pair Sitless S7").click();
    step_until(&mut h, "the board streaming", |h| {
        h.query_by_label("Connection: Streaming").is_some()
    });
    step_until(&mut h, "the phone gone", |h| {
        h.query_by_label("Forget phone").is_none() && h.query_by_label("Use my phone").is_some()
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "the old URL still answers");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The phone again: the view asks before it replaces the board.
    h.get_by_label("Use my phone").click();
    step_until(&mut h, "the question", |h| {
        h.query_by_label_contains("take the place of Sitless S7")
            .is_some()
    });
    h.get_by_label("Use my phone instead").click();
    step_until(&mut h, "a new URL", |h| {
        h.state()
            .sensors()
            .phone
            .paired
            .as_ref()
            .is_some_and(|p| p.url != url)
    });
    step_until(&mut h, "the board forgotten", |_| {
        !fake.is_connected(ADDRESS)
    });
    let url2 = h
        .state()
        .sensors()
        .phone
        .paired
        .as_ref()
        .map(|p| p.url.clone())
        .expect("paired again");
    step_until(&mut h, "the listener again", |_| {
        post(&url2, TEST_PUSH) == 200
    });
    // The first URL's secret is gone for good.
    assert_eq!(post(&url, TEST_PUSH), 404);

    // A new port in Settings moves the listener; the URL follows.
    let port2 = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    h.get_by_label("Settings").click();
    step_until(&mut h, "the Settings view", |h| {
        h.query_by_label("Port").is_some()
    });
    // Which database these settings belong to.
    h.get_by_label_contains("Kept with your data, in ");
    h.get_by_label_contains("phone.db.");
    h.get_all_by_label("Port")
        .last()
        .expect("the port field")
        .set_text_value_accesskit(&port2.to_string());
    h.step();
    h.step();
    h.get_by_label("Save settings").click();
    h.get_by_label("Sensors").click();
    let prefix2 = format!("http://127.0.0.1:{port2}/push/");
    step_until(&mut h, "the URL on the new port", |h| {
        h.state()
            .sensors()
            .phone
            .paired
            .as_ref()
            .is_some_and(|p| p.url.starts_with(&prefix2))
    });
    let url3 = url2.replace(&format!(":{port}/"), &format!(":{port2}/"));
    step_until(&mut h, "the listener on the new port", |_| {
        post(&url3, TEST_PUSH) == 200
    });
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    let port = port2;

    // Forget, asked first: the URL stops working.
    h.get_by_label("Forget phone").click();
    step_until(&mut h, "the question", |h| {
        h.query_by_label("Forget").is_some()
    });
    h.get_by_label("Forget").click();
    step_until(&mut h, "forgotten", |h| {
        h.query_by_label("Use my phone").is_some()
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "the forgotten URL still answers");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(h);
    let c = rusqlite::Connection::open(&db).expect("db");
    let secret: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM settings WHERE key = 'phone_secret'",
            [],
            |r| r.get(0),
        )
        .expect("settings");
    assert_eq!(secret, 0, "the forgotten phone's secret is gone");
}

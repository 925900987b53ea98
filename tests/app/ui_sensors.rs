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
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            config,
            ble: Some(sitless::sources::ble::system_clock()),
            ..crate::support::engine_options(&db)
        },
        Arc::new(|| {}),
    )
    .expect("engine starts");
    let app = SitlessApp::new(engine, &config, Box::new(|| chrono::Utc::now().timestamp()));
    // One frame per 20 ms of real time, so the wizard's countdown (UI
    // time) and the sensor's stream (real time) move together.
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 800.0))
        .with_step_dt(0.02)
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);

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

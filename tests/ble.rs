//! The real BLE path: the `sitless` binary's btleplug/bluez-async code
//! talking over a private D-Bus daemon to a fake BlueZ (`support/fake_bluez.rs`)
//! with simulated sensors of each model. Rows are checked in SQLite.

#[path = "support/bus.rs"]
mod bus;
#[path = "support/fake_bluez.rs"]
mod fake_bluez;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use bus::{Bus, start_bus};
use fake_bluez::{FakeBluez, Kind, SensorSpec};

const SITLESS: &str = "C0:FF:EE:00:00:01";
const LOOKALIKE: &str = "C0:FF:EE:00:00:02";
const MICROBIT: &str = "D1:00:00:00:00:0B";
const THINGY: &str = "E2:00:00:00:00:52";

fn sitless(bus: &Bus, db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitless"));
    c.env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
        .env("RUST_LOG", "warn")
        // Reminder notifications would look for a session bus: none here.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .arg("--db")
        .arg(db);
    c
}

fn run(bus: &Bus, db: &Path, args: &[&str]) -> Output {
    let out = sitless(bus, db).args(args).output().expect("sitless runs");
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn pair(bus: &Bus, db: &Path, address: &str, placement: &str) {
    let o = run(
        bus,
        db,
        &[
            "pair",
            address,
            "--placement",
            placement,
            "--timeout-s",
            "10",
        ],
    );
    assert!(
        o.status.success(),
        "pair failed: {}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn scan_lists_sensors_of_each_model_and_marks_a_lookalike() {
    let bus = start_bus();
    let fake = FakeBluez::start(&bus.address, true);
    fake.add_sensor(SensorSpec::new(Kind::Sitless, SITLESS, "Sitless S1"));
    fake.add_sensor(SensorSpec::new(
        Kind::MicroBit,
        MICROBIT,
        "BBC micro:bit [tupit]",
    ));
    fake.add_sensor(SensorSpec::new(Kind::Thingy, THINGY, "Thingy"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ble.db");

    let o = run(&bus, &db, &["scan", "--timeout-s", "2", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let seen: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let models: Vec<(&str, &str)> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["address"].as_str().unwrap(), s["model"].as_str().unwrap()))
        .collect();
    assert_eq!(
        models,
        [
            (SITLESS, "sitless"),
            (MICROBIT, "micro-bit"),
            (THINGY, "thingy52")
        ]
    );

    pair(&bus, &db, SITLESS, "thigh");
    let o = run(&bus, &db, &["devices", "--json"]);
    let devices: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(devices[0]["address"], SITLESS);
    assert_eq!(devices[0]["placement"], "thigh");

    // Another device copies the paired sensor's name.
    fake.add_sensor(SensorSpec::new(Kind::Sitless, LOOKALIKE, "Sitless S1"));
    let o = run(&bus, &db, &["scan", "--timeout-s", "2", "--json"]);
    let seen: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let find = |a: &str| {
        seen.as_array()
            .unwrap()
            .iter()
            .find(|s| s["address"] == a)
            .cloned()
            .unwrap_or_else(|| panic!("{a} listed"))
    };
    assert_eq!(find(SITLESS)["paired"], true);
    assert_eq!(find(LOOKALIKE)["paired"], false);
    assert_eq!(find(LOOKALIKE)["lookalike"], true);
}

//! What the app tests share: a private D-Bus daemon (`bus`), the fake
//! desktop services (`desktop_fakes`), the fake `BlueZ` with its sensors
//! (`fake_bluez`) and pointer moves for egui (`pointer`). Compiled once, in
//! the one app test binary; the benches and examples that need a piece
//! include its file.

pub(crate) mod bus;
pub(crate) mod desktop_fakes;
pub(crate) mod fake_bluez;
pub(crate) mod pointer;

use std::path::Path;

use sitless::domain::config::Config;
use sitless::engine::EngineOptions;
use sitless::sources::demo::pacer::DemoOptions;

/// 2026-03-02 08:00 UTC, a Monday: the day the app tests live in.
pub(crate) const MONDAY_8_S: i64 = 1_772_438_400;

/// The engine on `db` with no sensor: the default rules, no Bluetooth, no
/// desktop session, the demo (if one is added) starting on the tests' day.
pub(crate) fn engine_options(db: &Path) -> EngineOptions {
    EngineOptions {
        db: db.to_owned(),
        demo: None,
        config: Config::default().consistent(),
        demo_start_s: MONDAY_8_S,
        ble: None,
        page_limit: None,
        desktop_session: false,
    }
}

/// The engine on `db` with the demo wearer `wearer_seed` at `speed`× time.
pub(crate) fn demo_engine_options(db: &Path, speed: f64, wearer_seed: u64) -> EngineOptions {
    EngineOptions {
        demo: Some(DemoOptions {
            speed,
            seed: wearer_seed,
            script: None,
            pace: None,
        }),
        ..engine_options(db)
    }
}

/// The built `sitless` binary with `args`, in UTC, run to the end.
pub(crate) fn sitless_utc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("the binary runs")
}

/// Sitting stored on the tests' day (2026-03-02), from `report --json`.
pub(crate) fn sitting_stored(db: &Path) -> i64 {
    let out = sitless_utc(&[
        "report",
        "--date",
        "2026-03-02",
        "--json",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["sitting_s"].as_i64().unwrap()
}

/// Sitting stored within 3 % of the recording's length of the truth.
pub(crate) fn assert_agrees(stored: i64, truth: u64, hours: f64) {
    let diff = (stored - truth as i64).abs() as f64 / (hours * 3600.0);
    assert!(
        diff < 0.03,
        "sitting {stored} s stored against {truth} s true"
    );
}

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

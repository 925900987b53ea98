//! Link figures through the real `btleplug` stack and the fake `BlueZ` on a
//! private D-Bus (the same fixture as `tests/app/ble.rs`):
//! - time from a paired sensor appearing to its first sample handed on and
//!   to its first stored second;
//! - time to stream again after the sensor returns from a link loss;
//! - samples lost and repeated across 20 forced drops (Sitless profile).
//!
//! `cargo bench --bench ble_link`. btleplug reads the bus address from the
//! environment, so the bench re-runs itself with `DBUS_SYSTEM_BUS_ADDRESS`
//! set for the child (setting it in-process would need `unsafe`).

#[path = "../tests/support/bus.rs"]
mod bus;
#[path = "../tests/support/fake_bluez.rs"]
mod fake_bluez;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bus::stored_seconds;
use fake_bluez::{FakeBluez, Kind, SensorSpec};
use sitless::domain::config::Config;
use sitless::domain::sample::Placement;
use sitless::engine::protocol::UiEvent;
use sitless::engine::{Engine, EngineOptions};
use sitless::sources::ble::{BleEvent, LinkState, LinkStats};
use sitless::store::Store;

const ADDRESS: &str = "C0:FF:EE:00:00:01";
const DROPS: usize = 20;

fn main() {
    let ok = bus::in_child_with_system_bus(|address| {
        let dir = tempfile::tempdir().expect("temp dir");
        first_sample(address, &dir.path().join("first.db"));
        drops(address, &dir.path().join("drops.db"));
    });
    std::process::exit(i32::from(!ok));
}

fn engine(db: &Path) -> Engine {
    // A fixture before the app runs: the device row a pairing leaves.
    let store = Store::open(db).expect("db");
    store
        .ensure_device(ADDRESS, "sitless", "Sitless S1", Placement::Thigh, 0)
        .expect("paired");
    drop(store);
    Engine::start(
        &EngineOptions {
            db: db.to_owned(),
            demo: None,
            config: Config::default().consistent(),
            demo_start_s: 0,
            ble: Some(sitless::sources::ble::system_clock()),
            page_limit: None,
            desktop_session: false,
            desk_time: None,
        },
        Arc::new(|| {}),
    )
    .expect("engine")
}

fn first_sample(bus: &str, db: &Path) {
    let fake = FakeBluez::start(bus, true);
    let engine = engine(db);
    // The link is already looking (backing off) when the sensor shows up.
    std::thread::sleep(Duration::from_secs(3));
    let appeared = Instant::now();
    fake.add_sensor(SensorSpec::new(Kind::Sitless, ADDRESS, "Sitless S1"));
    let mut streaming = None;
    let mut first_samples = None;
    let mut first_stored = None;
    while first_stored.is_none() && appeared.elapsed() < Duration::from_mins(1) {
        match engine.recv_timeout(Duration::from_millis(5)) {
            Some(UiEvent::Ble(BleEvent::Link {
                state: LinkState::Streaming,
                ..
            })) => {
                streaming.get_or_insert(appeared.elapsed());
            }
            Some(UiEvent::Ble(BleEvent::Stats { stats, .. })) if stats.samples > 0 => {
                first_samples.get_or_insert(appeared.elapsed());
            }
            _ => {}
        }
        if stored_seconds(db).2 > 0 {
            first_stored = Some(appeared.elapsed());
        }
    }
    let ms =
        |d: Option<Duration>| d.map_or_else(|| "never".into(), |d| format!("{} ms", d.as_millis()));
    println!("sensor appeared → streaming: {}", ms(streaming));
    println!(
        "sensor appeared → first samples handed to the pipeline: {} (seen in 250 ms link reports)",
        ms(first_samples)
    );
    println!(
        "sensor appeared → first second stored: {} (pipeline and the 1 s commit included)",
        ms(first_stored)
    );
}

fn drops(bus: &str, db: &Path) {
    let fake = FakeBluez::start(bus, true);
    // 25 Hz at 20× real time: each 1 s away is 20 s of sensor recording.
    fake.add_sensor(SensorSpec::new(Kind::Sitless, ADDRESS, "Sitless S1").speed(20.0));
    let mut engine = engine(db);
    let mut watch = Watch::default();
    watch.until_streaming(&engine);
    let mut resume_ms = Vec::new();
    for _ in 0..DROPS {
        watch.run_for(&engine, Duration::from_millis(1500));
        let away = Duration::from_secs(1);
        fake.drop_link(ADDRESS, away);
        let back = Instant::now() + away;
        if let Some(t) = watch.until_streaming(&engine) {
            resume_ms.push(t.saturating_duration_since(back).as_millis());
        }
    }
    watch.run_for(&engine, Duration::from_secs(1));
    let mut stats = watch.stats;
    engine.stop_ble();
    while let Some(e) = engine.try_recv() {
        if let UiEvent::Ble(BleEvent::Stats { stats: s, .. }) = e {
            stats = s;
        }
    }
    drop(engine);
    resume_ms.sort_unstable();
    let (first, last, n) = stored_seconds(db);
    println!(
        "{DROPS} forced drops, sensor away 1 s (20 s of its time) each: survived {}/{DROPS}",
        resume_ms.len()
    );
    if let (Some(min), Some(max)) = (resume_ms.first(), resume_ms.last()) {
        println!(
            "sensor back → streaming again: median {} ms, min {min} ms, max {max} ms",
            resume_ms[resume_ms.len() / 2]
        );
    }
    println!(
        "samples {} (from history {}), lost {}, repeats discarded {}, drops {}",
        stats.samples, stats.from_history, stats.lost, stats.repeats, stats.drops
    );
    println!(
        "stored seconds {n}, span {} s: {} missing",
        last - first + 1,
        last - first + 1 - n
    );
}

/// The link's counts and when it last started streaming, from the
/// engine's events.
#[derive(Default)]
struct Watch {
    stats: LinkStats,
}

impl Watch {
    /// Handles one event; the time if the link (re)started streaming.
    fn event(&mut self, engine: &Engine) -> Option<Instant> {
        match engine.recv_timeout(Duration::from_millis(2)) {
            Some(UiEvent::Ble(BleEvent::Stats { stats, .. })) => self.stats = stats,
            Some(UiEvent::Ble(BleEvent::Link {
                state: LinkState::Streaming,
                ..
            })) => return Some(Instant::now()),
            _ => {}
        }
        None
    }

    fn run_for(&mut self, engine: &Engine, d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until {
            self.event(engine);
        }
    }

    /// When the link streams again; `None` after two minutes without.
    fn until_streaming(&mut self, engine: &Engine) -> Option<Instant> {
        let until = Instant::now() + Duration::from_mins(2);
        while Instant::now() < until {
            if let Some(t) = self.event(engine) {
                return Some(t);
            }
        }
        None
    }
}

//! Desk time against real sources: a real X server (Xvfb) typed on through
//! XTEST as a person would, and GNOME's idle monitor as a fake on a private
//! session bus that answers as Mutter does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sitless::desktop::idle::{Idle, IdleError, IdleProbe, X11};
use sitless::domain::posture::{LiveNote, Posture};
use sitless::domain::settings::Settings;
use sitless::engine::Engine;
use sitless::engine::desk_time::DeskTimeSource;
use sitless::engine::protocol::{DeskTimeStatus, UiEvent};
use sitless::store::Store;
use x11rb::connection::Connection as _;
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::wrapper::ConnectionExt as _;

use crate::support::{MONDAY_8_S, display, engine_options};

/// Desk time at `SPEED`× real time: the X server's idle milliseconds and
/// the clock are scaled alike, so a minute without input is 0.6 s here.
const SPEED: u64 = 100;

struct Faster(X11);

impl IdleProbe for Faster {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn read(&mut self) -> Result<Idle, IdleError> {
        let i = self.0.read()?;
        Ok(Idle {
            idle_ms: i.idle_ms * SPEED,
            ..i
        })
    }
}

/// Presses and releases a key (keycode 50: Shift) on the X server, through
/// XTEST, every 50 ms until `typing` is cleared.
fn typist(display: String, typing: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (conn, screen) = x11rb::connect(Some(&display)).expect("X connects");
        let root = conn.setup().roots[screen].root;
        while typing.load(Ordering::SeqCst) {
            for kind in [2_u8, 3] {
                conn.xtest_fake_input(kind, 50, 0, root, 0, 0, 0)
                    .expect("fake input");
            }
            conn.sync().expect("the X server answers");
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

fn wait_for<T>(
    engine: &Engine,
    seen: &mut Vec<UiEvent>,
    what: &str,
    pick: impl Fn(&UiEvent) -> Option<T>,
) -> T {
    let end = Instant::now() + Duration::from_mins(1);
    while Instant::now() < end {
        if let Some(e) = engine.recv_timeout(Duration::from_millis(200)) {
            let got = pick(&e);
            seen.push(e);
            if let Some(t) = got {
                return t;
            }
        }
    }
    panic!("no {what} within a minute");
}

/// The simulated clock: `SPEED`× real time from `t0_s`.
#[derive(Clone, Copy)]
struct SimClock {
    start: Instant,
    t0_s: i64,
}

impl SimClock {
    fn now_s(self) -> i64 {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap();
        self.t0_s + i64::try_from(ms * SPEED / 1000).unwrap()
    }
}

/// Desk time from the X server at `display`, sped up `SPEED` times.
fn faster_x_server(display: &str, clock: SimClock) -> DeskTimeSource {
    let name = display.to_owned();
    DeskTimeSource {
        find_probe: Arc::new(move || {
            X11::connect_to(Some(&name))
                .map(|p| Box::new(Faster(p)) as Box<dyn IdleProbe>)
                .map_err(|e| e.to_string())
        }),
        now_s: Arc::new(move || clock.now_s()),
        every: Duration::from_millis(20),
    }
}

#[test]
fn typing_on_a_real_x_server_is_desk_time_and_reminds_never_as_sitting() {
    let x = display::with_window_manager(false);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let mut store = Store::open(&db).unwrap();
    store
        .save_settings(&Settings {
            threshold_min: 10,
            ..Settings::any_time()
        })
        .unwrap();
    drop(store);
    let clock = SimClock {
        start: Instant::now(),
        t0_s: MONDAY_8_S + 2 * 3600,
    };
    let t0_s = clock.t0_s;
    let opts = sitless::engine::EngineOptions {
        desk_time: Some(faster_x_server(&x.name, clock)),
        ..engine_options(&db)
    };
    let typing = Arc::new(AtomicBool::new(true));
    let keys = typist(x.name.clone(), typing.clone());
    let mut engine = Engine::start(&opts, Arc::new(|| {})).expect("engine");
    let mut seen = Vec::new();
    let source = wait_for(&engine, &mut seen, "desk time status", |e| match e {
        UiEvent::DeskTime(s) => Some(s.clone()),
        _ => None,
    });
    assert_eq!(source, DeskTimeStatus::Counting("the X server"));
    // Ten minutes at the keyboard (6 s here): the card, in desk words.
    let due = wait_for(&engine, &mut seen, "reminder", |e| match e {
        UiEvent::Reminder(r, _) => Some(r.clone()),
        _ => None,
    });
    assert!(
        due.reason.contains("at the computer") && !due.reason.contains("sitting"),
        "{}",
        due.reason
    );
    assert!((600..=660).contains(&due.streak.duration_s()), "{due:?}");
    let live = seen.iter().rev().find_map(|e| match e {
        UiEvent::Live(l) => Some(*l),
        _ => None,
    });
    assert_eq!(
        live.map(|l| (l.posture, l.note)),
        Some((Posture::AtDesk, None))
    );
    // Hands off for five minutes (3 s here): away, and the streak over.
    typing.store(false, Ordering::SeqCst);
    keys.join().unwrap();
    let stopped_s = clock.now_s();
    wait_for(&engine, &mut seen, "away", |e| match e {
        UiEvent::Live(l) if l.note == Some(LiveNote::AwayFromDesk) && l.streak.is_none() => {
            Some(())
        }
        _ => None,
    });
    // Back at the keyboard: a new streak; the stored days learn of the
    // break from the second that follows it, as they do from a sensor.
    typing.store(true, Ordering::SeqCst);
    let keys = typist(x.name.clone(), typing.clone());
    let back_s = clock.now_s();
    wait_for(&engine, &mut seen, "back at the computer", |e| match e {
        UiEvent::Live(l) if l.note.is_none() && l.streak.is_some_and(|s| s.start_s >= back_s) => {
            Some(())
        }
        _ => None,
    });
    typing.store(false, Ordering::SeqCst);
    keys.join().unwrap();
    engine.stop().expect("stopped");
    check_stored(&db, stopped_s - t0_s, stopped_s);
}

/// The database after typing for `typed_s` (until `stopped_s`), away for
/// a break, and back: desk time, never sitting, and one break.
fn check_stored(db: &std::path::Path, typed_s: i64, stopped_s: i64) {
    let c = rusqlite::Connection::open(db).unwrap();
    let count = |state: i64| -> i64 {
        c.query_row(
            "SELECT count(*) FROM samples WHERE state = ?1",
            [state],
            |r| r.get(0),
        )
        .unwrap()
    };
    let desk_s = count(Posture::AtDesk.code());
    assert_eq!(
        count(Posture::Sitting.code()),
        0,
        "desk time is never sitting"
    );
    let first_streak_s: i64 = c
        .query_row(
            "SELECT count(*) FROM samples WHERE state = 6 AND t_s <= ?1",
            [stopped_s + 60],
            |r| r.get(0),
        )
        .unwrap();
    // Every second typed, and up to a minute of the idle tail.
    assert!(
        first_streak_s >= typed_s - 30 && first_streak_s <= typed_s + 70,
        "{first_streak_s} desk seconds for {typed_s} s typed"
    );
    let (breaks, minutes_desk): (i64, i64) = c
        .query_row(
            "SELECT (SELECT count(*) FROM breaks), (SELECT total(desk_s) FROM minutes)",
            [],
            |r| Ok((r.get(0)?, r.get::<_, f64>(1)? as i64)),
        )
        .unwrap();
    assert_eq!(
        minutes_desk, desk_s,
        "the rollup counts desk time as desk time"
    );
    assert_eq!(breaks, 1, "stepping away for the break length is one break");
}

#[test]
fn gnomes_idle_monitor_is_found_first_and_read_as_gnome_answers() {
    use crate::support::bus::in_child_with_session_bus;
    use crate::support::desktop_fakes::{gnome_idle, set_gnome_idle};
    // In a child whose session bus is private (detect() reads the
    // environment's): GNOME answers there, so it is the one asked.
    let ran = in_child_with_session_bus(|address| {
        let gnome = gnome_idle(address, 1500, false);
        let mut probe = sitless::desktop::idle::detect().expect("a probe");
        assert_eq!(probe.name(), "GNOME's idle monitor");
        assert_eq!(
            probe.read().unwrap(),
            Idle {
                idle_ms: 1500,
                locked: false
            }
        );
        set_gnome_idle(&gnome, 90_000, true);
        assert_eq!(
            probe.read().unwrap(),
            Idle {
                idle_ms: 90_000,
                locked: true
            }
        );
        // GNOME gone (a crashed shell): said, not guessed.
        drop(gnome);
        std::thread::sleep(Duration::from_millis(200));
        let e = probe.read().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the desktop's idle monitor did not answer"),
            "{e}"
        );
    });
    assert!(ran, "the child ran the test body");
}

//! The longest UI frame (time the window's thread is busy before it can
//! draw again) while Sitless starts, tries again after a start-up problem,
//! and quits. Driven through `egui_kittest` (headless, no GPU) on a database
//! holding 60 days of generated history, with the demo running at 60×.
//! It prints figures; it asserts nothing about them.
//!
//! `cargo bench --bench ui_lifecycle`

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sitless::app::Shell;
use sitless::domain::config::Config;
use sitless::engine::EngineOptions;
use sitless::sources::demo::pacer::DemoOptions;
use sitless::store::lock::DbLock;

const START_S: i64 = 1_772_438_400;

fn options(db: &Path) -> EngineOptions {
    EngineOptions {
        db: db.to_owned(),
        demo: Some(DemoOptions {
            speed: 60.0,
            seed: 3,
            script: None,
            pace: None,
        }),
        config: Config::default().consistent(),
        demo_start_s: START_S,
        ble: None,
        page_limit: None,
        desktop_session: false,
        desk_time: None,
    }
}

type Slot = Option<Shell>;

fn harness(opts: EngineOptions) -> Harness<'static, Slot> {
    Harness::builder()
        .with_size(egui::vec2(980.0, 720.0))
        .build_ui_state(
            move |ui, slot: &mut Slot| {
                slot.get_or_insert_with(|| {
                    Shell::start(opts.clone(), ui.ctx(), Arc::new(|| START_S))
                })
                .ui_root(ui);
            },
            None,
        )
}

/// One frame, timed.
fn timed_step(h: &mut Harness<'_, Slot>) -> Duration {
    let t = Instant::now();
    h.step();
    t.elapsed()
}

/// Steps until the Today view shows; the longest frame on the way.
fn until_running(h: &mut Harness<'_, Slot>, longest: &mut Duration) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while h.query_by_label("History").is_none() {
        assert!(Instant::now() < deadline, "the app never started");
        *longest = (*longest).max(timed_step(h));
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn main() {
    // Only under `cargo bench`, not when `cargo test` runs benches as tests.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("lifecycle.db");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args(["--db"])
        .arg(&db)
        .args(["gen-history", "--days", "60", "--seed", "2"])
        .env("RUST_LOG", "warn")
        .status()
        .expect("gen-history runs");
    assert!(status.success(), "gen-history failed");

    let runs = 5;
    let (mut start, mut retry, mut quit) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        // Start: from the first frame (building the harness runs it) to
        // the Today view.
        let t = Instant::now();
        let mut h = harness(options(&db));
        let mut longest = t.elapsed();
        until_running(&mut h, &mut longest);
        start.push(longest);
        // Let the demo and the charts run for a moment.
        for _ in 0..20 {
            h.step();
            std::thread::sleep(Duration::from_millis(10));
        }
        // Quit as the window's close button does: the shell hands the
        // engine to its stop thread and keeps drawing "Saving…" until the
        // last commit is in; the longest frame on the way counts.
        let ctx = h.ctx.clone();
        let t = Instant::now();
        h.state_mut().as_mut().expect("shell").quit(&ctx);
        let mut longest = t.elapsed();
        let deadline = Instant::now() + Duration::from_mins(1);
        while !h.state().as_ref().is_some_and(Shell::stopped) {
            assert!(Instant::now() < deadline, "the app never stopped");
            longest = longest.max(timed_step(&mut h));
            std::thread::sleep(Duration::from_millis(5));
        }
        quit.push(longest);
        drop(h);

        // Try again: another process holds the database, then lets go.
        let other = DbLock::acquire(&db).expect("lock");
        let mut h = harness(options(&db));
        while h.query_by_label("Try again").is_none() {
            h.step();
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(other);
        h.get_by_label("Try again").click();
        let mut longest = Duration::ZERO;
        until_running(&mut h, &mut longest);
        retry.push(longest);
        drop(h);
    }
    let ms = |v: &[Duration]| {
        let mut v: Vec<f64> = v.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        v.sort_by(f64::total_cmp);
        format!(
            "median {:.1} ms, max {:.1} ms (of {} runs)",
            v[v.len() / 2],
            v[v.len() - 1],
            v.len()
        )
    };
    println!("longest UI frame while starting:  {}", ms(&start));
    println!("longest UI frame at Try again:     {}", ms(&retry));
    println!("longest UI frame while quitting:  {}", ms(&quit));
}

//! The real Today view and the real threaded engine, driven through egui's
//! accessibility tree with `egui_kittest`. The demo plays a fixed script as
//! fast as possible, so the data is deterministic; the loop below only waits
//! for the worker threads, with a bound.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sitless::app::SitlessApp;
use sitless::config::Config;
use sitless::engine::{DemoOptions, Engine, EngineOptions};
use sitless::sensor::demo::{Activity, DemoScript, Segment};

const START_S: i64 = 1_772_438_400;

fn still(a: Activity, s: u32) -> Segment {
    Segment {
        slouch_deg_per_min: 0.0,
        ..Segment::new(a, s)
    }
}

fn app_with(script: DemoScript, db: &std::path::Path) -> SitlessApp {
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            db: db.to_owned(),
            demo: Some(DemoOptions {
                speed: f64::INFINITY,
                seed: 9,
                script: Some(script),
            }),
            config,
            demo_start_s: START_S,
        },
        Arc::new(|| {}),
    )
    .expect("engine starts");
    SitlessApp::new(engine, &config, Box::new(|| START_S))
}

/// Steps frames until `done` holds, for at most 20 s of wall time.
fn step_until(
    h: &mut Harness<'_, SitlessApp>,
    what: &str,
    done: impl Fn(&Harness<'_, SitlessApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(h) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_long_demo_streak_shows_the_card_and_dismiss_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ui.db");
    let script = DemoScript::from_segments(vec![
        still(Activity::Stand, 10),
        still(Activity::Sit, 10),
        Segment::new(Activity::Walk, 120),
        Segment::new(Activity::Sit, 65 * 60),
    ]);
    let app = app_with(script, &db);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 800.0))
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);

    step_until(&mut h, "the card", |h| {
        h.query_by_label_contains("Time for a movement break")
            .is_some()
    });
    h.get_by_label_contains("You have been sitting for 60 min");
    // The streak tile shows the streak passing the hour.
    step_until(&mut h, "the streak", |h| {
        h.query_by_label_contains("65 of 60 min").is_some()
    });
    h.get_by_label("Posture: Sitting");
    h.get_by_label_contains("Trunk tilt: ");
    h.get_by_label("Sitting streak: 1 h 05 min");

    h.get_by_label("Dismiss").click();
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("Time for a movement break")
            .is_none()
    );

    // Totals and the chart follow the commits.
    step_until(&mut h, "today's totals", |h| {
        h.state()
            .model()
            .report
            .as_ref()
            .is_some_and(|r| r.sitting_s > 60 * 60)
    });
    step_until(&mut h, "the timeline", |h| {
        h.state().model().chart().is_some()
    });
    h.get_by_label("Streaks over an hour");

    // Closing the app commits everything, the outcome included.
    drop(h);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let outcome: String = conn
        .query_row("SELECT outcome FROM recommendations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outcome, "dismissed");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 10 + 10 + 120 + 65 * 60, "every second stored once");
}

#[test]
fn reopening_keeps_todays_data_and_continues_the_streak() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("reopen.db");
    let first = DemoScript::from_segments(vec![
        Segment::new(Activity::Walk, 120),
        Segment::new(Activity::Sit, 40 * 60),
    ]);
    {
        let app = app_with(first, &db);
        let mut h = Harness::new_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);
        step_until(&mut h, "the first session's data", |h| {
            h.state()
                .model()
                .report
                .as_ref()
                .is_some_and(|r| r.sitting_s >= 39 * 60)
        });
    }
    // Twenty-five more minutes of sitting: only with the first 40 does the
    // streak reach the hour.
    let second = DemoScript::from_segments(vec![Segment::new(Activity::Sit, 25 * 60)]);
    let app = app_with(second, &db);
    let mut h = Harness::new_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);
    step_until(&mut h, "the card after reopening", |h| {
        h.query_by_label_contains("Time for a movement break")
            .is_some()
    });
    step_until(&mut h, "both sessions in today's totals", |h| {
        h.state()
            .model()
            .report
            .as_ref()
            .is_some_and(|r| r.sitting_s >= 64 * 60)
    });
}

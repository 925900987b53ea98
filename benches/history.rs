//! Reading history on a year of data: a 365-day database made by
//! `gen-history` (seed 1, the days before 2026-11-23), then
//! - day, week and month: query + every chart of the view, from rollups;
//! - the same figures computed from the per-second table (the ratio is
//!   the point of the rollups);
//! - engine start to the first frame with that database;
//! - bytes per day of data, with and without per-second detail.
//!
//! `cargo bench --bench history` (the database is made once, in
//! `target/bench-history-365.db`; delete it to make it again).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use sitless::app::SitlessApp;
use sitless::charts::frame::Style;
use sitless::charts::render::{ChartSource, render_rgb};
use sitless::charts::{ChartKind, ChartTheme};
use sitless::domain::config::Config;
use sitless::domain::figures::Period;
use sitless::engine::{Engine, EngineOptions};
use sitless::store::Store;

const DAYS: u32 = 365;
const THRESHOLD_S: i64 = 3600;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
}

fn database() -> PathBuf {
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-history-365.db");
    if !db.exists() {
        let cfg = Config::default().consistent();
        let t = Instant::now();
        let s = sitless::cli::gen_history::gen_history(&db, DAYS, 1, today(), &cfg, &mut |_| {})
            .expect("gen-history");
        eprintln!(
            "FIGURE gen-history {DAYS} days: worn {} days, {} seconds, in {:.1} s",
            s.days_worn,
            s.seconds,
            t.elapsed().as_secs_f64()
        );
    }
    db
}

/// Bytes per worn day with all detail, and with detail deleted (a copy,
/// vacuumed).
fn sizes(db: &Path) {
    let st = Store::open(db).expect("open");
    let (first, last) = (today() - chrono::Duration::days(i64::from(DAYS)), today());
    let worn = st
        .days(first, last, THRESHOLD_S)
        .expect("days")
        .iter()
        .filter(|d| d.has_data())
        .count() as u64;
    let full = st.size_bytes().expect("size");
    drop(st);
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("rollups-only.db");
    std::fs::copy(db, &copy).expect("copy");
    let c = rusqlite::Connection::open(&copy).expect("open copy");
    c.execute_batch("DELETE FROM samples; VACUUM;")
        .expect("prune");
    let lean: i64 = c
        .query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )
        .expect("size");
    eprintln!(
        "FIGURE database: {worn} worn days, {full} bytes with detail = {} bytes/day; \
         {lean} bytes rollups only = {} bytes/day",
        full / worn.max(1),
        lean as u64 / worn.max(1)
    );
}

fn style() -> Style {
    Style {
        theme: ChartTheme::Light,
        scale: 1.0,
        whole_day: false,
        threshold_s: THRESHOLD_S,
    }
}

fn bench(c: &mut Criterion) {
    let db = database();
    sizes(&db);
    let st = Store::open(&db).expect("open");
    let cfg = Config::default().consistent();
    // The first worn weekday from 10 June, in the middle of the year's data.
    let june = NaiveDate::from_ymd_opt(2026, 6, 10).expect("date");
    let day = st
        .days(june, june + chrono::Duration::days(14), THRESHOLD_S)
        .expect("days")
        .into_iter()
        .find(|d| d.sitting_s > 0 && d.date.weekday().num_days_from_monday() < 5)
        .map_or(june, |d| d.date);
    eprintln!("FIGURE bench day {day}");
    let mut g = c.benchmark_group("history");
    g.sample_size(30);
    g.bench_function("day_view_rollups_query_and_4_charts", |b| {
        b.iter(|| {
            let d = st.day_detail(day, THRESHOLD_S).expect("day");
            for (kind, h) in [
                (ChartKind::Timeline, 210),
                (ChartKind::Hourly, 180),
                (ChartKind::Streaks, 180),
                (ChartKind::Tilt, 180),
            ] {
                std::hint::black_box(
                    render_rgb(kind, ChartSource::Day(&d), 880, h, style()).expect("chart"),
                );
            }
        });
    });
    for (name, period, kind) in [
        ("week", Period::Week, ChartKind::Week),
        ("month", Period::Month, ChartKind::Month),
    ] {
        g.bench_function(format!("{name}_view_rollups_query_and_chart"), |b| {
            b.iter(|| {
                let p = st.period_data(period, day, THRESHOLD_S).expect("period");
                std::hint::black_box(
                    render_rgb(kind, ChartSource::Period(&p), 880, 620, style()).expect("chart"),
                )
            });
        });
    }
    for period in Period::ALL {
        let (first, last) = period.range(day);
        let name = period.name().to_lowercase();
        g.bench_function(format!("{name}_figures_from_rollups"), |b| {
            b.iter(|| st.days(first, last, THRESHOLD_S).expect("rollups"));
        });
        g.bench_function(format!("{name}_figures_from_seconds"), |b| {
            b.iter(|| {
                st.days_from_samples(first, last, cfg.streak, 20.0)
                    .expect("seconds")
            });
        });
    }
    g.finish();

    // Engine start (store, threads, today's replay) to the first frame.
    let mut g = c.benchmark_group("start");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("engine_start_to_first_frame_365_days", |b| {
        b.iter(|| {
            let engine = Engine::start(
                &EngineOptions {
                    db: db.clone(),
                    demo: None,
                    config: cfg,
                    demo_start_s: 0,
                    ble: None,
                    page_limit: None,
                    desktop_session: false,
                    desk_time: None,
                },
                Arc::new(|| {}),
            )
            .expect("engine");
            let mut app = SitlessApp::new(engine, &cfg, Box::new(|| 1_795_910_400));
            let ctx = egui::Context::default();
            let out = ctx.run_ui(egui::RawInput::default(), |ui| app.ui_root(ui));
            std::hint::black_box(out);
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

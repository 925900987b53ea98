//! History: chart data against figures worked out by hand (a small known
//! day, the two DST days, an empty day), the `chart` command's PNG and SVG,
//! export → import round trips, and the History view driven through its
//! accessibility tree with kittest, with snapshots rendered on the CPU.
//!
//! Days are local, so each test runs in a child process with `TZ` set from
//! the start (setting it in a running process would need `unsafe`).

use crate::support::pointer;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sitless::app::SitlessApp;
use sitless::charts::frame::Style;
use sitless::charts::render::{ChartSource, render_rgb};
use sitless::charts::{ChartKind, ChartTheme};
use sitless::domain::config::Config;
use sitless::domain::figures::Period;
use sitless::domain::posture::{Posture, PostureSecond};
use sitless::domain::sample::Placement;
use sitless::domain::session::RoutineSession;
use sitless::engine::{Engine, EngineOptions};
use sitless::store::Store;

const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";
/// 2026-03-02 (a Monday) 08:00 UTC.
const START_S: i64 = 1_772_438_400;
const HOUR_S: i64 = 3600;

/// Runs the calling test again in a child with `TZ` set; `true` in the
/// parent (whose work is then done), `false` in the child. The child must
/// have run exactly that test: a filter that matches nothing fails.
fn in_tz(tz: &str) -> bool {
    const CHILD: &str = "SITLESS_TZ_CHILD";
    if std::env::var_os(CHILD).is_some() {
        return false;
    }
    // libtest names each test's thread after the test.
    let test = std::thread::current()
        .name()
        .expect("a test thread")
        .to_owned();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test.as_str(), "--exact", "--test-threads", "1"])
        .env(CHILD, "1")
        .env("TZ", tz)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test} failed in TZ={tz}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Seconds from `start_s`, as runs of (state, seconds, tilt).
fn runs(start_s: i64, runs: &[(Posture, i64, Option<f32>)], device_id: i64) -> Vec<PostureSecond> {
    let mut t_s = start_s;
    let mut v = Vec::new();
    for &(state, n, tilt_deg) in runs {
        for _ in 0..n {
            v.push(PostureSecond {
                t_s,
                state,
                tilt_deg,
                device_id,
            });
            t_s += 1;
        }
    }
    v
}

fn store_with(path: &Path, seconds: &[PostureSecond]) -> Store {
    let mut st = Store::open(path).unwrap();
    let d = st
        .ensure_device("demo:back", "demo", "Demo", Placement::Back, 0)
        .unwrap();
    let s: Vec<_> = seconds
        .iter()
        .map(|s| PostureSecond { device_id: d, ..*s })
        .collect();
    st.insert_seconds(&s).unwrap();
    st
}

/// The known day, 08:00 UTC:
/// 40 min sitting at 10°, 1 min standing at 5°, 25 min sitting at 30°,
/// 5 min walking, 10 min sitting at 10°, 5 s unknown.
fn known_day() -> Vec<PostureSecond> {
    use Posture::{Moving, Sitting, Standing, Unknown};
    runs(
        START_S,
        &[
            (Sitting, 40 * 60, Some(10.0)),
            (Standing, 60, Some(5.0)),
            (Sitting, 25 * 60, Some(30.0)),
            (Moving, 300, None),
            (Sitting, 10 * 60, Some(10.0)),
            (Unknown, 5, None),
        ],
        1,
    )
}

fn style() -> Style {
    Style {
        theme: ChartTheme::Light,
        scale: 1.0,
        whole_day: false,
        threshold_s: HOUR_S,
    }
}

#[test]
fn a_known_day_gives_the_figures_worked_out_by_hand() {
    if in_tz("UTC") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let st = store_with(&dir.path().join("h.db"), &known_day());
    let day = date("2026-03-02");
    let d = st.day_detail(day, HOUR_S).unwrap();
    let f = &d.figures;
    assert_eq!(
        (f.sitting_s, f.standing_s, f.moving_s, f.unknown_s),
        (4500, 60, 300, 5)
    );
    // Bouts of 40, 25 and 10 min: 40 is in 30–60, the others under 30.
    assert_eq!(
        (f.sit_short_s, f.sit_mid_s, f.sit_long_s),
        (35 * 60, 40 * 60, 0)
    );
    // Sit → stand (60 s) and sit → walk: two breaks; the minute standing
    // is shorter than the 2-min break, so 08:00–09:06 is one 66-min streak.
    assert_eq!(f.breaks, 2);
    assert_eq!(f.longest_streak_s, 66 * 60);
    assert_eq!(f.streaks_over_threshold, 1);
    // (40×10 + 25×30 + 10×10) / 75 = 16.67°; 25 min at 30° is slouched.
    assert_eq!(f.mean_tilt_deg, Some(16.7));
    assert_eq!(f.slouch_s, 25 * 60);
    // The per-second way gives the same figures.
    let slow = st
        .days_from_samples(day, day, Config::default().streak, 20.0)
        .unwrap();
    assert_eq!(slow[0], *f);

    assert_eq!(d.hours(), 24);
    let per_hour = d.sitting_min_per_hour();
    // 08:00–09:00: 40 + 19 min; 09:00–10:00: 6 + 10 min.
    assert_eq!((per_hour[8], per_hour[9]), (59.0, 16.0));
    assert!((per_hour.iter().sum::<f64>() - 75.0).abs() < 1e-9);
    assert_eq!(d.streak_min(), vec![66.0, 10.0]);
    let (sit, stand) = d.tilt_distribution_min();
    assert_eq!((sit[2], sit[6], stand[1]), (50.0, 25.0, 1.0));
    assert!((sit.iter().sum::<f64>() - 75.0).abs() < 1e-9);

    // Hover over the 08:00 bar tells its value.
    let chart = render_rgb(ChartKind::Hourly, ChartSource::Day(&d), 960, 240, style()).unwrap();
    let p = &chart.hover.panels[0];
    let x = p.x_px.0 as f32 + (8.5 / 24.0) * (p.x_px.1 - p.x_px.0) as f32;
    let y = (p.y_px.0 + p.y_px.1) as f32 / 2.0;
    assert_eq!(
        chart.hover.text_at(x, y),
        Some("08:00–09:00: 59 min sitting")
    );
    let chart = render_rgb(ChartKind::Timeline, ChartSource::Day(&d), 960, 240, style()).unwrap();
    let p = &chart.hover.panels[0];
    // The middle of the minute 08:30, inside the long streak.
    // The timeline spans the worn hours: place by its own range.
    let (h0, h1) = p.x_range;
    let x = p.x_px.0 as f32
        + ((8.5 + 0.5 / 60.0 - h0) / (h1 - h0)) as f32 * (p.x_px.1 - p.x_px.0) as f32;
    let text = chart
        .hover
        .text_at(x, (p.y_px.0 + p.y_px.1) as f32 / 2.0)
        .unwrap();
    assert_eq!(
        text,
        "08:30 Sitting, tilt 10°\nstreak 08:00–09:06 (1 h 06 min)"
    );

    // The week: one day with data, none the week before.
    let w = st.period_data(Period::Week, day, HOUR_S).unwrap();
    assert_eq!(w.days.len(), 7);
    assert_eq!((w.summary.days_with_data, w.summary.sitting_s), (1, 4500));
    assert_eq!(w.previous.days_with_data, 0);
    let chart = render_rgb(ChartKind::Week, ChartSource::Period(&w), 900, 700, style()).unwrap();
    let p = &chart.hover.panels[2];
    let x = p.x_px.0 as f32 + (0.5 / 7.0) * (p.x_px.1 - p.x_px.0) as f32;
    assert_eq!(
        chart.hover.text_at(x, (p.y_px.0 + p.y_px.1) as f32 / 2.0),
        Some("Mon 2 Mar: longest streak 1 h 06 min, 1 over 60 min")
    );
}

#[test]
fn dst_days_have_23_and_25_hourly_bars_with_the_clock_hours() {
    if in_tz(BERLIN) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 2 h of sitting from 00:30 on 29 March (CET) and from 01:30 on
    // 25 October (CEST): both cross the clock change.
    let spring = runs(
        1_774_740_600,
        &[(Posture::Sitting, 2 * HOUR_S, Some(12.0))],
        1,
    );
    let autumn = runs(
        1_792_884_600,
        &[(Posture::Sitting, 2 * HOUR_S, Some(12.0))],
        1,
    );
    let mut all = spring;
    all.extend(autumn);
    let st = store_with(&dir.path().join("dst.db"), &all);

    let d = st.day_detail(date("2026-03-29"), HOUR_S).unwrap();
    assert_eq!(d.hours(), 23);
    assert_eq!(&d.hour_labels()[..4], ["00", "01", "03", "04"]);
    assert_eq!(&d.sitting_min_per_hour()[..4], [30.0, 60.0, 30.0, 0.0]);
    assert_eq!(d.figures.sitting_s, 2 * HOUR_S);

    let d = st.day_detail(date("2026-10-25"), HOUR_S).unwrap();
    assert_eq!(d.hours(), 25);
    assert_eq!(&d.hour_labels()[..5], ["00", "01", "02", "02", "03"]);
    assert_eq!(&d.sitting_min_per_hour()[..5], [0.0, 30.0, 60.0, 30.0, 0.0]);
    assert_eq!(d.figures.sitting_s, 2 * HOUR_S);
    assert_eq!(d.figures.longest_streak_s, 2 * HOUR_S);
    // Every day of each month counts its own seconds once.
    for (first, last) in [("2026-03-01", "2026-03-31"), ("2026-10-01", "2026-10-31")] {
        let days = st.days(date(first), date(last), HOUR_S).unwrap();
        assert_eq!(days.iter().map(|d| d.sitting_s).sum::<i64>(), 2 * HOUR_S);
    }
    for kind in ChartKind::DAY {
        render_rgb(kind, ChartSource::Day(&d), 800, 200, style()).unwrap();
    }
}

#[test]
fn an_empty_day_has_zero_figures_and_still_draws() {
    if in_tz("UTC") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let st = store_with(&dir.path().join("e.db"), &known_day());
    let d = st.day_detail(date("2026-03-03"), HOUR_S).unwrap();
    assert!(d.minutes.is_empty() && d.streaks.is_empty() && d.routines.is_empty());
    assert!(!d.figures.has_data());
    assert_eq!(d.figures.mean_tilt_deg, None);
    assert_eq!(d.sitting_min_per_hour(), vec![0.0; 24]);
    for kind in ChartKind::DAY {
        let c = render_rgb(kind, ChartSource::Day(&d), 800, 200, style()).unwrap();
        assert_eq!(c.image.pixels.len(), 800 * 200 * 3);
    }
    let m = st
        .period_data(Period::Month, date("2026-04-10"), HOUR_S)
        .unwrap();
    assert_eq!(m.days.len(), 30);
    assert_eq!(m.summary.days_with_data, 0);
    // March is the month before and has the known day.
    assert_eq!(m.previous.days_with_data, 1);
    render_rgb(ChartKind::Month, ChartSource::Period(&m), 900, 700, style()).unwrap();
}

fn sitless(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitless"));
    c.arg("--db")
        .arg(db)
        .env("TZ", "UTC")
        .env("RUST_LOG", "warn");
    c
}

fn run_ok(c: &mut Command) -> String {
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{:?}: {}",
        c,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_chart_command_writes_a_valid_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    drop(store_with(&db, &known_day()));
    let png = dir.path().join("week.png");
    run_ok(
        sitless(&db)
            .args(["chart", "--kind", "week", "--date", "2026-03-04", "--out"])
            .arg(&png)
            .args(["--width", "640", "--height", "480"]),
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, after the chunk header.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 640);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 480);
    let svg = dir.path().join("timeline.svg");
    run_ok(
        sitless(&db)
            .args([
                "chart",
                "--kind",
                "timeline",
                "--date",
                "2026-03-02",
                "--out",
            ])
            .arg(&svg),
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
        "{}",
        &text[..80]
    );
    assert!(text.contains("Sitting"), "the legend is text in the SVG");
    assert!(
        text.contains("Postures and trunk tilt, Mon 2 Mar 2026"),
        "an exported chart has a title with its period"
    );
    // Without --date: the last day with data, not today's empty one.
    let out = run_ok(
        sitless(&db)
            .args(["chart", "--kind", "timeline", "--out"])
            .arg(dir.path().join("last.svg")),
    );
    assert!(out.contains("Mon 2 Mar 2026"), "{out}");
    // A wrong extension is refused with a clear message and no file.
    let o = sitless(&db)
        .args(["chart", "--kind", "hourly", "--out"])
        .arg(dir.path().join("x.jpg"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("must end in .png or .svg"));
}

#[test]
fn export_then_import_restores_samples_and_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    run_ok(sitless(&a).args(["gen-history", "--days", "4", "--seed", "3"]));
    let export = |db: &Path, what: &str, out: &Path| {
        run_ok(
            sitless(db)
                .args([
                    "export",
                    "--what",
                    what,
                    "--from",
                    "2000-01-01",
                    "--to",
                    "2099-12-31",
                    "--out",
                ])
                .arg(out),
        );
        std::fs::read_to_string(out).unwrap()
    };
    let samples_a = export(&a, "samples", &dir.path().join("sa.csv"));
    let minutes_a = export(&a, "minutes", &dir.path().join("ma.csv"));
    let days_a = export(&a, "days", &dir.path().join("da.csv"));
    assert!(samples_a.lines().count() > 10_000, "gen-history made data");

    // Samples into an empty database: the same samples, and the rollups
    // rebuilt from them give the same days.
    let b = dir.path().join("b.db");
    run_ok(
        sitless(&b)
            .args(["import", "--csv"])
            .arg(dir.path().join("sa.csv")),
    );
    assert_eq!(export(&b, "samples", &dir.path().join("sb.csv")), samples_a);
    assert_eq!(export(&b, "minutes", &dir.path().join("mb.csv")), minutes_a);
    let days_b = export(&b, "days", &dir.path().join("db.csv"));
    // Routines are not in a samples export; every other column matches.
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_owned())
            .collect()
    };
    assert_eq!(strip(&days_b), strip(&days_a));
    // Importing again adds nothing.
    let again = run_ok(
        sitless(&b)
            .args(["import", "--csv"])
            .arg(dir.path().join("sa.csv")),
    );
    assert!(again.contains("restored 0 seconds"), "{again}");

    // Minutes alone restore the minute rollups.
    let c = dir.path().join("c.db");
    run_ok(
        sitless(&c)
            .args(["import", "--csv"])
            .arg(dir.path().join("ma.csv")),
    );
    assert_eq!(export(&c, "minutes", &dir.path().join("mc.csv")), minutes_a);

    // A days export is refused with the reason; a broken line is named.
    let o = sitless(&c)
        .args(["import", "--csv"])
        .arg(dir.path().join("da.csv"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("daily totals cannot be turned back"));
    let broken = dir.path().join("broken.csv");
    let mut lines: Vec<&str> = samples_a.lines().take(5).collect();
    lines[3] = "12,x,demo:thigh,thigh,sitting,abc";
    std::fs::write(&broken, lines.join("\n")).unwrap();
    let d = dir.path().join("d.db");
    let o = sitless(&d)
        .args(["import", "--csv"])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 4: tilt \"abc\" is not a number"));
}

// ---- The History view (kittest) ----

fn history_app(db: &Path) -> SitlessApp {
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            config,
            demo_start_s: START_S,
            ..crate::support::engine_options(db)
        },
        Arc::new(|| {}),
    )
    .expect("engine starts");
    // Noon on the known day.
    SitlessApp::new(engine, &config, Box::new(|| START_S + 4 * HOUR_S))
}

/// Steps until `done`, with a bound (the chart worker is a real thread).
fn step_until(h: &mut Harness<'_, SitlessApp>, what: &str, done: impl Fn(&SitlessApp) -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    while !done(h.state()) {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_steps(2);
}

/// Exports the week shown through the dialog and checks the file.
fn export_the_week(h: &mut Harness<'_, SitlessApp>, dir: &std::path::Path) {
    // Export the week's days through the dialog.
    h.get_by_label("Export…").click();
    step_until(h, "the export dialog", |a| {
        a.history().transfers.export.is_some()
    });
    let out = dir.join("week-days.csv");
    h.state_mut()
        .history_mut()
        .transfers
        .export
        .as_mut()
        .unwrap()
        .path = out.display().to_string();
    h.run_steps(2);
    h.get_by_label("Save").click();
    step_until(h, "the export", |a| {
        a.history()
            .transfers
            .export_message
            .as_deref()
            .is_some_and(|m| m.starts_with("Exported"))
    });
    assert!(h.query_by_label_contains("Exported 7 days").is_some());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an export is as private as the database");
    }
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("2026-03-02,4500,60,300,0,5,"),
        "{csv}"
    );
}

#[test]
fn the_history_view_navigates_shows_figures_and_exports() {
    if in_tz("UTC") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    // The known day, and a day of the week before with 35 min more sitting.
    let mut seconds = known_day();
    seconds.extend(runs(
        START_S - 7 * 86_400,
        &[
            (Posture::Sitting, 75 * 60 + 35 * 60, Some(14.0)),
            (Posture::Standing, 600, Some(4.0)),
        ],
        1,
    ));
    drop(store_with(&db, &seconds));
    let app = history_app(&db);
    let mut h = Harness::builder()
        .with_size(egui::vec2(820.0, 1100.0))
        .wgpu()
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);
    h.run_steps(2);
    h.get_by_label("History").click();
    step_until(&mut h, "the four day charts", |a| {
        a.history().charts_shown() >= 4
    });
    assert!(h.query_by_label_contains("Sitting 1 h 15 min").is_some());
    assert!(
        h.query_by_label_contains("Longest streak 1 h 06 min")
            .is_some()
    );
    assert!(h.query_by_label("Mon 2 Mar 2026").is_some());
    h.snapshot("history_day");

    // The week, compared with the week before.
    h.get_by_label("Week").click();
    step_until(&mut h, "the week chart", |a| {
        a.history()
            .summary()
            .is_some_and(|s| s.request.period == Period::Week)
            && a.history().charts_shown() >= 5
    });
    assert!(
        h.query_by_label_contains("sitting −35 min a day vs last week")
            .is_some(),
        "the change against last week is shown"
    );
    h.snapshot("history_week");
    // Every figure of the summary on one line: the row wraps between
    // figures, never inside one ("3 h 08 / min").
    for figure in [
        "Sitting 1 h 15 min a day",
        "Tilt 16.7°, slouched 25 min a day",
        "Routines done 0",
    ] {
        let r = h.get_by_label(figure).rect();
        assert!(r.height() < 24.0, "{figure:?} broke over lines: {r:?}");
    }

    // Back a week: the day before's week, with its own figures.
    h.get_by_label("Previous").click();
    step_until(&mut h, "last week's summary", |a| {
        a.history()
            .summary()
            .is_some_and(|s| s.request.date == date("2026-02-23"))
    });
    assert!(
        h.query_by_label_contains("Sitting 1 h 50 min a day")
            .is_some()
    );
    h.get_by_label("Back to today").click();
    step_until(&mut h, "this week's summary", |a| {
        a.history()
            .summary()
            .is_some_and(|s| s.request.date == date("2026-03-02"))
    });
    assert!(h.query_by_label("Week 10: 2–8 Mar 2026").is_some());

    export_the_week(&mut h, dir.path());

    // A click on Monday's bar opens that day.
    let rect = h.get_by_label("The week chart").rect();
    pointer::click_at(
        &h,
        egui::pos2(
            rect.min.x + rect.width() * 0.12,
            rect.min.y + rect.height() * 0.18,
        ),
    );
    step_until(&mut h, "the day opened from the week", |a| {
        a.history().period() == Period::Day && a.history().date == Some(date("2026-03-02"))
    });
    assert!(h.query_by_label("Mon 2 Mar 2026").is_some());
}

#[test]
fn routines_appear_in_the_day_figures() {
    if in_tz("UTC") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    drop(store_with(&db, &known_day()));
    let st = Store::open(&db).unwrap();
    let writer = sitless::store::writer::StoreWriter::spawn(st, |_| {}).unwrap();
    writer
        .sender()
        .send(sitless::store::writer::WriteOp::RoutineSession(
            RoutineSession {
                routine: "desk-reset".into(),
                started_at_s: START_S + 67 * 60,
                ended_at_s: START_S + 73 * 60,
                completed: true,
                phases_done: 6,
                phases_total: 6,
                active_s: 360,
                steps: String::new(),
                reason: None,
                recommended_at_s: None,
            },
        ))
        .unwrap();
    writer.finish().unwrap();
    let st = Store::open(&db).unwrap();
    let d = st.day_detail(date("2026-03-02"), HOUR_S).unwrap();
    assert_eq!(d.figures.routines_completed, 1);
    assert_eq!(d.routines[0].at_s, START_S + 67 * 60);
    let chart = render_rgb(ChartKind::Timeline, ChartSource::Day(&d), 960, 240, style()).unwrap();
    let p = &chart.hover.panels[0];
    let (h0, h1) = p.x_range;
    let x = p.x_px.0 as f32
        + ((9.0 + 7.5 / 60.0 - h0) / (h1 - h0)) as f32 * (p.x_px.1 - p.x_px.0) as f32;
    let text = chart
        .hover
        .text_at(x, (p.y_px.0 + p.y_px.1) as f32 / 2.0)
        .unwrap();
    // Named as a person reads it, and whether it counted.
    assert!(text.ends_with("routine: Desk reset (done)"), "{text}");
}

/// A database with data but nothing today (a year of history, a restore)
/// is not a first run, and History opens on its last day, not on an
/// empty today.
#[test]
fn a_database_with_past_data_opens_on_its_last_day_without_the_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("past.db");
    drop(store_with(&db, &known_day()));
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            config,
            demo_start_s: START_S,
            ..crate::support::engine_options(&db)
        },
        Arc::new(|| {}),
    )
    .expect("engine starts");
    // Ten days after the known day: nothing today.
    let app = SitlessApp::new(engine, &config, Box::new(|| START_S + 10 * 86_400));
    let mut h = Harness::builder()
        .with_size(egui::vec2(820.0, 1100.0))
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);
    step_until(&mut h, "the stored span", |a| {
        a.state().stored_at_start_s.is_some()
    });
    assert!(h.query_by_label("Welcome to Sitless").is_none());
    h.get_by_label("History").click();
    h.run_steps(3);
    let known = sitless::domain::days::local_date(START_S);
    assert_eq!(h.state().history().date, Some(known));
}

/// In a short window, a bar clicked further down the page opens its day
/// with the day's header on screen: the page goes back to the top.
#[test]
fn a_bar_clicked_low_on_the_page_opens_its_day_at_the_top() {
    if in_tz("UTC") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("short.db");
    drop(store_with(&db, &known_day()));
    let app = history_app(&db);
    let height = 520.0;
    let mut h = Harness::builder()
        .with_size(egui::vec2(820.0, height))
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);
    h.run_steps(2);
    h.get_by_label("History").click();
    h.run_steps(2);
    h.get_by_label("Week").click();
    let until = Instant::now() + Duration::from_secs(30);
    while h.query_by_label("The week chart").is_none() {
        assert!(Instant::now() < until, "no week chart");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    // Scroll the page until the chart's Monday bar is in the upper part.
    let before_y = h.get_by_label("The week chart").rect().min.y;
    for _ in 0..20 {
        let r = h.get_by_label("The week chart").rect();
        if r.min.y + r.height() * 0.18 < height * 0.5 {
            break;
        }
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -60.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(2);
    }
    let rect = h.get_by_label("The week chart").rect();
    assert!(
        rect.min.y < before_y - 50.0,
        "the page did not scroll: {before_y} → {rect:?}"
    );
    let at = egui::pos2(
        rect.min.x + rect.width() * 0.12,
        rect.min.y + rect.height() * 0.18,
    );
    assert!(
        at.y > 0.0 && at.y < height,
        "the bar is not on screen: {at:?}"
    );
    pointer::click_at(&h, at);
    step_until(&mut h, "the day opened from the week", |a| {
        a.history().period() == Period::Day && a.history().date == Some(date("2026-03-02"))
    });
    // Scrolling is animated: let it finish.
    h.run_steps(30);
    let day = h.get_by_label("Mon 2 Mar 2026").rect();
    assert!(
        day.min.y >= 0.0 && day.max.y <= height,
        "the day's header is off screen: {day:?}"
    );
}

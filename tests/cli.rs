//! The headless commands, run as a user would run them, against a temp file.

use std::io::Write;
use std::process::Command;

use sitless::domain::config::Config;
use sitless::domain::posture::Posture;
use sitless::domain::streak::streaks_of;
use sitless::sources::demo::wearer::{DemoScript, DemoSecond, DemoWearer};

const START: &str = "2026-03-02T08:00:00+00:00";
const START_S: i64 = 1_772_438_400;

fn sitless(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args(args)
        .env("TZ", "UTC")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn simulate(db: &str, seed: u64, hours: u32, extra: &[&str]) -> std::process::Output {
    let (seed, hours) = (seed.to_string(), hours.to_string());
    let mut args = vec![
        "simulate", "--hours", &hours, "--seed", &seed, "--start", START, "--db", db,
    ];
    args.extend_from_slice(extra);
    sitless(&args)
}

fn report_json(db: &str, date: &str) -> serde_json::Value {
    let out = sitless(&["report", "--date", date, "--json", "--db", db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report --json prints JSON")
}

#[test]
fn simulate_then_report_matches_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.db");
    let db = db.to_str().unwrap();
    let seed = 11;
    let out = simulate(db, seed, 8, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(line.starts_with("simulated 8 h"), "{line}");

    let truth = DemoScript::workday(seed, 8.0).truth();
    let cfg = Config::default().consistent();
    let true_sitting = truth.iter().filter(|&&p| p == Posture::Sitting).count() as f64;
    let (true_streaks, _) = streaks_of(
        cfg.streak,
        truth
            .iter()
            .enumerate()
            .map(|(i, &p)| (START_S + i as i64, p)),
    );
    let true_long = true_streaks
        .iter()
        .filter(|s| s.duration_s() >= cfg.streak.threshold_s)
        .count();

    let r = report_json(db, "2026-03-02");
    let sitting = r["sitting_s"].as_f64().unwrap();
    let err = (sitting - true_sitting).abs() / true_sitting;
    eprintln!(
        "sitting {sitting} s vs truth {true_sitting} s ({:.2} %), long streaks {} vs {true_long}",
        err * 100.0,
        r["streaks_over_threshold"]
    );
    assert!(err <= 0.03, "sitting {sitting} vs truth {true_sitting}");
    assert_eq!(
        r["streaks_over_threshold"].as_u64().unwrap() as usize,
        true_long
    );
    assert!(
        true_long > 0,
        "the scenario must contain long streaks to mean anything"
    );
    for key in [
        "date",
        "sitting_s",
        "standing_s",
        "moving_s",
        "lying_s",
        "unknown_s",
        "breaks",
        "longest_streak_s",
        "streaks_over_threshold",
        "sitting_bouts_over_30min",
        "mean_tilt_deg",
        "slouch_s",
        "recommendations",
        "routines_completed",
    ] {
        assert!(r.get(key).is_some(), "report has `{key}`");
    }
    assert!(r["recommendations"].as_u64().unwrap() >= true_long as u64);

    // Simulating the same day again stores nothing twice.
    let again = simulate(db, seed, 8, &[]);
    assert!(again.status.success());
    assert_eq!(report_json(db, "2026-03-02")["sitting_s"], r["sitting_s"]);
}

#[test]
fn back_placement_measures_tilt_and_slouch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("back.db");
    let db = db.to_str().unwrap();
    let out = simulate(db, 5, 4, &["--placement", "back"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report_json(db, "2026-03-02");
    let tilt = r["mean_tilt_deg"]
        .as_f64()
        .expect("a back sensor gives tilt");
    // The demo sits reclined 8° and slouches forward up to 35°.
    assert!((5.0..35.0).contains(&tilt), "mean tilt {tilt}");
    assert!(r["slouch_s"].as_i64().unwrap() > 0);
}

fn write_demo_csv(path: &std::path::Path, minutes: u32) {
    let script = DemoScript::workday(3, f64::from(minutes) / 60.0);
    let mut w = DemoWearer::new(script, 3, START_S);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "t_ms,ax,ay,az").unwrap();
    let mut s = DemoSecond::default();
    while w.next_second(&mut s) {
        for x in &s.thigh {
            writeln!(
                f,
                "{},{:.4},{:.4},{:.4}",
                x.t_ms, x.accel_g.x, x.accel_g.y, x.accel_g.z
            )
            .unwrap();
        }
    }
}

#[test]
fn import_replays_a_recording_and_a_bad_line_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rec.csv");
    write_demo_csv(&csv, 90);
    let db = dir.path().join("imp.db");
    let db = db.to_str().unwrap();

    // A broken copy: line 1000 damaged.
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[999] = "1772438439960,0.1,oops,0.9";
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let out = sitless(&[
        "import",
        "--csv",
        bad.to_str().unwrap(),
        "--placement",
        "thigh",
        "--db",
        db,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 1000"), "{err}");
    assert!(
        !std::path::Path::new(db).exists(),
        "nothing was written, not even a database"
    );

    let out = sitless(&[
        "import",
        "--csv",
        csv.to_str().unwrap(),
        "--placement",
        "thigh",
        "--db",
        db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report_json(db, "2026-03-02");
    let total: i64 = [
        "sitting_s",
        "standing_s",
        "moving_s",
        "lying_s",
        "unknown_s",
    ]
    .iter()
    .map(|k| r[k].as_i64().unwrap())
    .sum();
    assert_eq!(total, 90 * 60);
    assert!(r["sitting_s"].as_i64().unwrap() > 30 * 60);
}

#[test]
fn clear_errors_for_bad_arguments() {
    let out = sitless(&["simulate", "--hours", "-1", "--db", "/nonexistent/x.db"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hours"));
    let out = sitless(&["report", "--db", "/nonexistent/x.db"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database"), "{err}");
    assert!(
        err.contains("the folder /nonexistent does not exist"),
        "{err}"
    );
    assert!(
        !err.contains("backtrace"),
        "a user gets the error, not a trace: {err}"
    );
    // A wrong date names the format.
    let out = sitless(&["report", "--date", "2026-13-45"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("write it as YYYY-MM-DD"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Demo options belong to the window and `record`, not to `export`.
    let out = sitless(&["export", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(!help.contains("--demo-speed"), "{help}");
    let out = sitless(&["record", "--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("--demo-speed"));
}

#[test]
fn an_export_into_a_missing_folder_and_a_day_without_data_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let db_s = db.to_str().unwrap();
    let ok = sitless(&[
        "simulate",
        "--hours",
        "1",
        "--start",
        "2026-03-02T08:00:00+00:00",
        "--db",
        db_s,
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let missing = dir.path().join("no-such-folder").join("a.csv");
    let out = sitless(&[
        "export",
        "--what",
        "days",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-03",
        "--db",
        db_s,
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-folder does not exist"), "{err}");
    assert!(!err.contains(".part"), "{err}");
    let out = sitless(&["report", "--date", "2026-03-05", "--db", db_s]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("No data for Thu 5 Mar 2026"), "{text}");
    assert!(
        !text.contains("tilt"),
        "no figures for a day without data: {text}"
    );
}

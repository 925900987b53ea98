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
    // A recording is not a sensor: it is not listed as paired.
    let devices = sitless(&["devices", "--db", db]);
    assert!(devices.status.success());
    let listed = String::from_utf8_lossy(&devices.stdout);
    assert!(!listed.contains("csv:"), "{listed}");
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
    let out = export_to(&db, &missing);
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

/// The database files, to check that nothing touched them.
fn db_bytes(db: &std::path::Path) -> Vec<u8> {
    std::fs::read(db).expect("the database is there")
}

/// A temporary folder with an hour recorded into `my.db`.
fn recorded() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("my.db");
    assert!(simulate(db.to_str().unwrap(), 2, 1, &[]).status.success());
    (dir, db)
}

fn export_to(db: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    sitless(&[
        "export",
        "--what",
        "days",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-03",
        "--out",
        out.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ])
}

fn chart_to(db: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    sitless(&[
        "chart",
        "--kind",
        "timeline",
        "--date",
        "2026-03-02",
        "--out",
        out.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ])
}

#[test]
fn an_export_never_writes_over_the_database_or_its_files_by_any_name() {
    let (dir, db) = recorded();
    let before = db_bytes(&db);
    // The database itself, its side files (by name, even before they
    // exist), and the database under another path or a hard link.
    let hard = dir.path().join("hard.db");
    std::fs::hard_link(&db, &hard).unwrap();
    for target in [
        db.clone(),
        dir.path().join("my.db-wal"),
        dir.path().join("my.db-shm"),
        dir.path().join(".").join("my.db"),
        hard,
    ] {
        // (A chart's name must end in .png or .svg, which no database
        // file does; the export is the one that could hit them.)
        let o = export_to(&db, &target);
        assert!(
            !o.status.success(),
            "writing onto {} was allowed",
            target.display()
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is the Sitless database"), "{err}");
    }
    assert!(
        chart_to(&db, &dir.path().join("my.db-wal.png"))
            .status
            .success(),
        "beside it is fine"
    );
    assert_eq!(db_bytes(&db), before, "the database is untouched");
}

#[test]
fn an_export_or_chart_never_replaces_a_folder_a_device_or_a_link_and_leaves_no_part() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, db) = recorded();
    let folder = dir.path().join("folder.png");
    std::fs::create_dir(&folder).unwrap();
    let link = dir.path().join("link.png");
    let aim = dir.path().join("aim.txt");
    std::fs::write(&aim, b"keep me").unwrap();
    std::os::unix::fs::symlink(&aim, &link).unwrap();
    // A named pipe stands for a device node: not a regular file either
    // (a test must never risk a real device).
    let fifo = dir.path().join("pipe.svg");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for target in [&folder, &fifo, &link] {
        for o in [export_to(&db, target), chart_to(&db, target)] {
            assert!(!o.status.success(), "{}", target.display());
            assert!(String::from_utf8_lossy(&o.stderr).contains("not a file"));
        }
    }
    assert_eq!(
        std::fs::read(&aim).unwrap(),
        b"keep me",
        "nothing written through the link"
    );
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(
        &std::fs::symlink_metadata(&fifo).unwrap().file_type()
    ));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Replacing a file says so; charts are private like exports.
    let csv = dir.path().join("days.csv");
    std::fs::write(&csv, b"old").unwrap();
    let o = export_to(&db, &csv);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("replaced"));
    let png = dir.path().join("day.png");
    assert!(chart_to(&db, &png).status.success());
    assert_eq!(
        std::fs::metadata(&png).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn gen_history_writes_only_into_a_new_file_it_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let o = sitless(&["gen-history", "--days", "2"]);
    assert!(!o.status.success(), "no --db: refused");
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs a new file"));
    let db = dir.path().join("real.db");
    let dbs = db.to_str().unwrap();
    assert!(simulate(dbs, 1, 1, &[]).status.success());
    let before = db_bytes(&db);
    let o = sitless(&["gen-history", "--days", "2", "--db", dbs]);
    assert!(!o.status.success(), "an existing database: refused");
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(db_bytes(&db), before);
    let new = dir.path().join("try.db");
    let o = sitless(&["gen-history", "--days", "2", "--db", new.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_folder_given_as_the_database_is_named_once_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    for args in [
        vec!["report", "--db", folder],
        vec!["record", "--demo", "--for-s", "1", "--db", folder],
    ] {
        let o = sitless(&args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("is a folder; --db names the database file"),
            "{err}"
        );
        assert_eq!(err.matches("is a folder").count(), 1, "said once: {err}");
    }
}

/// Nothing to do is said as such: a simulation of no hours, and a chart
/// of a day without data (which wrote an empty PNG and exited 0).
#[test]
fn a_zero_hour_simulation_and_a_chart_of_an_empty_day_say_why_not() {
    let (dir, db) = recorded();
    let db_s = db.to_str().unwrap();
    let out = simulate(db_s, 1, 0, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("more than 0"), "{err}");
    let ok = simulate(db_s, 1, 1, &[]);
    let said = String::from_utf8_lossy(&ok.stdout);
    assert!(
        said.contains("recommendations"),
        "the report's word: {said}"
    );

    let png = dir.path().join("empty.png");
    let out = sitless(&[
        "chart",
        "--kind",
        "timeline",
        "--date",
        "2026-03-10",
        "--out",
        png.to_str().unwrap(),
        "--db",
        db_s,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no data in Tue 10 Mar 2026") && err.contains("2026-03-02"),
        "{err}"
    );
    assert!(!png.exists(), "no empty chart is written");
    // The day with data still draws.
    assert!(chart_to(&db, &png).status.success());
}

/// A samples export restores the day's report (streaks, breaks, bouts);
/// a minutes export says what it cannot give back.
#[test]
fn a_samples_restore_gives_back_the_days_report_and_a_minutes_restore_says_what_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let db_s = db.to_str().unwrap();
    assert!(simulate(db_s, 3, 8, &[]).status.success());
    let date = "2026-03-02";
    let original = report_json(db_s, date);
    assert!(original["breaks"].as_i64().unwrap() > 0);
    for (what, restored_db, words) in [
        (
            "samples",
            "s.db",
            "reminders shown and routines done are not in a samples export",
        ),
        (
            "minutes",
            "m.db",
            "streaks, breaks and bout lengths are not",
        ),
    ] {
        let file = dir.path().join(format!("{what}.csv"));
        let out = sitless(&[
            "export",
            "--what",
            what,
            "--from",
            date,
            "--to",
            date,
            "--out",
            file.to_str().unwrap(),
            "--db",
            db_s,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let target = dir.path().join(restored_db);
        let t = target.to_str().unwrap();
        let out = sitless(&["import", "--csv", file.to_str().unwrap(), "--db", t]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains(words), "{what}: {said}");
        let back = report_json(t, date);
        for k in ["sitting_s", "standing_s", "moving_s"] {
            assert_eq!(back[k], original[k], "{what}: {k}");
        }
        if what == "samples" {
            for k in [
                "breaks",
                "longest_streak_s",
                "streaks_over_threshold",
                "sit_long_s",
                "sitting_bouts_over_30min",
            ] {
                assert_eq!(back[k], original[k], "{what}: {k}");
            }
        }
    }
}

/// Generated days hold together: a routine done is placed where the
/// generated wearer got up, never in minutes recorded as sitting (it was:
/// 884 of 934 completed routines of a generated year sat in them).
#[test]
fn generated_routines_fall_where_the_wearer_got_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("gen.db");
    let out = sitless(&[
        "gen-history",
        "--days",
        "21",
        "--seed",
        "1",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let (routines, in_sitting): (i64, i64) = c
        .query_row(
            "SELECT COUNT(*), COALESCE(SUM(sit * 2 > n), 0) FROM (
               SELECT (SELECT COUNT(*) FROM samples s
                         WHERE s.t_s BETWEEN r.started_at_s AND r.ended_at_s) AS n,
                      (SELECT COUNT(*) FROM samples s
                         WHERE s.t_s BETWEEN r.started_at_s AND r.ended_at_s
                           AND s.state = 1) AS sit
               FROM routine_sessions r)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(routines > 0, "three weeks hold routines");
    assert_eq!(
        in_sitting, 0,
        "{in_sitting} of {routines} routines sit in sitting minutes"
    );
}

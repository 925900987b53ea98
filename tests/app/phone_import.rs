//! A phone in a trouser pocket as the sensor: realistic days (the posture
//! corpus's generator, random mountings and mishaps) rendered at a phone's
//! rate, written the way phyphox and Sensor Logger export them, imported
//! with `sitless import`, and the stored day compared with the truth.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::support::{assert_agrees, sitless_utc, sitting_stored};
use sitless::sources::synth::phone::{Written, render_day, write_sensor_logger};

/// 2026-03-02 08:00 UTC, a Monday.
const START_S: i64 = crate::support::MONDAY_8_S;

/// Renders day `seed` from `START_S` (see `synth::phone::render_day`).
fn render(seed: u64, hours: f32, rate_hz: f32, row: impl FnMut(f64, [f32; 3])) -> u64 {
    render_day(seed, hours, rate_hz, START_S, row)
}

/// Line ends as Windows writes them, on the way to a file.
struct CrLf<W: Write>(W);

impl<W: Write> Write for CrLf<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for line in buf.split_inclusive(|b| *b == b'\n') {
            match line.strip_suffix(b"\n") {
                Some(text) => {
                    self.0.write_all(text)?;
                    self.0.write_all(b"\r\n")?;
                }
                None => self.0.write_all(line)?,
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `hours` of day `seed` as Sensor Logger's TotalAcceleration.csv in `dir`.
fn sensor_logger_file(
    dir: &Path,
    seed: u64,
    hours: f32,
    rate_hz: f32,
    crlf: bool,
) -> (std::path::PathBuf, Written) {
    let csv = dir.join("TotalAcceleration.csv");
    let file = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    let w = if crlf {
        let mut out = CrLf(file);
        let w = write_sensor_logger(&mut out, seed, hours, rate_hz, START_S).unwrap();
        out.flush().unwrap();
        w
    } else {
        let mut out = file;
        let w = write_sensor_logger(&mut out, seed, hours, rate_hz, START_S).unwrap();
        out.flush().unwrap();
        w
    };
    (csv, w)
}

fn import(db: &Path, csv: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "import",
        "--csv",
        csv.to_str().unwrap(),
        "--placement",
        "thigh",
        "--db",
        db.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = sitless_utc(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_sensor_logger_day_at_100_hz_is_imported_and_agrees_with_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    // A car commute first: the day starts seated, with no walk to learn
    // from. Windows line ends.
    let (csv, w) = sensor_logger_file(dir.path(), 0, 2.0, 100.0, true);
    let db = dir.path().join("phone.db");
    let said = import(&db, &csv, &[]);
    assert!(said.contains("Sensor Logger export, 9"), "{said}");
    assert!(said.contains(" Hz, in m/s²"), "{said}");
    assert!(said.contains(&format!("{} samples", w.samples)), "{said}");
    let stored = sitting_stored(&db);
    eprintln!("{said}\ntruth {}, stored {stored}", w.true_sitting_s);
    assert_agrees(stored, w.true_sitting_s, 2.0);
}

#[test]
fn a_phyphox_export_with_semicolons_and_its_start_in_meta_time_csv() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("meta")).unwrap();
    std::fs::write(
        dir.path().join("meta").join("time.csv"),
        format!(
            "\"event\";\"experiment time\";\"system time\";\"system time text\"\n\"START\";0,000000000E0;{START_S}.000;\"2026-03-02 08:00:00.000 UTC+00:00\"\n"
        ),
    )
    .unwrap();
    let csv = dir.path().join("Raw Data.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    // "CSV (Semicolon, decimal comma)", with a byte-order mark and quotes.
    f.write_all("\u{feff}\"Time (s)\";\"Acceleration x (m/s^2)\";\"Acceleration y (m/s^2)\";\"Acceleration z (m/s^2)\";\"Absolute acceleration (m/s^2)\"\n".as_bytes()).unwrap();
    let truth = render(8, 1.5, 50.0, |t, [x, y, z]| {
        let g = 9.806_65;
        let (x, y, z) = (x * g, y * g, z * g);
        let abs = (x * x + y * y + z * z).sqrt();
        let line = format!("{t:.9E};{x:.6E};{y:.6E};{z:.6E};{abs:.6E}\n").replace('.', ",");
        f.write_all(line.as_bytes()).unwrap();
    });
    drop(f);
    let db = dir.path().join("phyphox.db");
    let said = import(&db, &csv, &[]);
    assert!(said.contains("phyphox export, 4"), "{said}");
    assert!(
        said.contains("from Mon 2 Mar 2026 08:00"),
        "the start came from meta/time.csv: {said}"
    );
    let stored = sitting_stored(&db);
    eprintln!("{said}\ntruth {truth}, stored {stored}");
    assert_agrees(stored, truth, 1.5);
}

#[test]
fn a_bad_cell_names_its_line_and_column_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("TotalAcceleration.csv");
    let mut text = String::from("time,seconds_elapsed,z,y,x\n");
    for i in 0..500 {
        let ns = i128::from(START_S) * 1_000_000_000 + i * 10_000_000;
        let z = if i == 321 {
            "9,8".to_owned()
        } else {
            "9.8".to_owned()
        };
        let _ = writeln!(text, "{ns},{},{z},0.1,0.2", i as f64 / 100.0);
    }
    std::fs::write(&csv, text).unwrap();
    let db = dir.path().join("bad.db");
    let out = sitless_utc(&[
        "import",
        "--csv",
        csv.to_str().unwrap(),
        "--placement",
        "thigh",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // Row 321 is line 323 (the header is line 1); "9,8" splits in two there.
    assert!(err.contains("line 323"), "{err}");
    assert!(!db.exists(), "nothing was written, not even a database");
}

/// From the window: History → Import…, the file typed in, progress shown,
/// the outcome said, and the day's figures there afterwards.
#[test]
fn the_window_imports_a_phone_recording_with_progress() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use sitless::app::SitlessApp;
    use sitless::domain::config::Config;
    use sitless::engine::{Engine, EngineOptions};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    // The same car-commute morning as above, at a slower phone's rate.
    let (csv, w) = sensor_logger_file(dir.path(), 0, 2.0, 25.0, false);
    let truth = w.true_sitting_s;
    let db = dir.path().join("window.db");
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            config,
            demo_start_s: START_S,
            ..crate::support::engine_options(&db)
        },
        Arc::new(|| {}),
    )
    .unwrap();
    let app = SitlessApp::new(engine, &config, Box::new(|| START_S + 3 * 3600));
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 900.0))
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);
    h.run_steps(2);
    h.get_by_label("History").click();
    h.run_steps(2);
    h.get_by_label("Import…").click();
    h.run_steps(2);
    h.get_by_label_contains("Import a recording");
    h.state_mut()
        .history_mut()
        .transfers
        .import
        .as_mut()
        .unwrap()
        .path = csv.display().to_string();
    h.run_steps(2);
    h.get_by_label("Import").click();
    let until = Instant::now() + Duration::from_mins(1);
    let mut saw_progress = false;
    while h.state().history().transfers.import_message.is_none() {
        assert!(Instant::now() < until, "timed out waiting for the import");
        saw_progress |= h.query_by_label_contains("Importing…").is_some();
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    let said = h
        .state()
        .history()
        .transfers
        .import_message
        .clone()
        .unwrap();
    assert!(
        said.starts_with("Imported TotalAcceleration.csv (Sensor Logger export"),
        "{said}"
    );
    assert!(saw_progress, "the progress bar was shown");
    // History shows the day that was imported, with its figures.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    assert_eq!(h.state().history().date, Some(day));
    let until = Instant::now() + Duration::from_secs(30);
    while h
        .query_by_label_contains("breaks per sitting hour")
        .is_none()
    {
        assert!(Instant::now() < until, "the imported day's figures");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    drop(h);
    let st = sitless::store::Store::open(&db).unwrap();
    let figures = st.days(day, day, 3600).unwrap().pop().unwrap();
    let diff = (figures.sitting_s - truth as i64).abs();
    assert!(
        diff < 120,
        "sitting {} s stored against {truth} s true",
        figures.sitting_s
    );
}

/// Seconds stored so far, 0 while there is no database yet.
fn stored_so_far(db: &Path) -> i64 {
    if !db.exists() {
        return 0;
    }
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// A kill in the middle of `import` (after some seconds are in): the next
/// run of `report` and of `import` says the import did not finish, and
/// importing again completes it, counting nothing twice.
#[test]
fn an_import_killed_halfway_is_reported_next_time_and_completed_by_a_rerun() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough that the import is still going when its first seconds
    // are committed (it reads over 3 M samples a second).
    let (csv, _) = sensor_logger_file(dir.path(), 2, 8.0, 100.0, false);
    let db = dir.path().join("killed.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args([
            "import",
            "--csv",
            csv.to_str().unwrap(),
            "--placement",
            "thigh",
        ])
        .arg("--db")
        .arg(&db)
        .env("TZ", "UTC")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(2);
    while stored_so_far(&db) == 0 {
        assert!(std::time::Instant::now() < deadline, "nothing was stored");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended first"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = stored_so_far(&db);
    assert!(partial > 0 && partial < 8 * 3600, "{partial} seconds in");

    let report = sitless_utc(&[
        "report",
        "--date",
        "2026-03-02",
        "--db",
        db.to_str().unwrap(),
    ]);
    let note = String::from_utf8_lossy(&report.stderr);
    assert!(note.contains("did not finish"), "{note}");
    assert!(note.contains("TotalAcceleration.csv"), "{note}");

    let out = sitless_utc(&[
        "import",
        "--csv",
        csv.to_str().unwrap(),
        "--placement",
        "thigh",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not finish"));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("({partial} already stored)")),
        "{said}"
    );
    let whole = dir.path().join("whole.db");
    import(&whole, &csv, &[]);
    assert_eq!(
        stored_so_far(&db),
        stored_so_far(&whole),
        "every second once, as an import never cut short"
    );

    let report = sitless_utc(&[
        "report",
        "--date",
        "2026-03-02",
        "--db",
        db.to_str().unwrap(),
    ]);
    let note = String::from_utf8_lossy(&report.stderr);
    assert!(!note.contains("did not finish"), "{note}");
}

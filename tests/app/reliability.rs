//! Faults a posture log must survive, each against the real `sitless`
//! binary and a real `SQLite` file: SIGKILL in the middle of recording, a
//! second instance on the same database, a database that cannot be
//! written for a while. Rows are checked with `SQLite` itself.

use crate::support::bus;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bus::stored_seconds;

fn sitless(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitless"));
    // The writer logs each commit ("committed rows=N newest_s=T") at debug.
    c.env("RUST_LOG", "warn,sitless::store::writer=debug")
        // No session bus: reminders stay inside the app.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .arg("--db")
        .arg(db);
    c
}

/// A recording child whose stderr lines are collected, each with when it
/// was read.
struct Recording {
    child: Child,
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Recording {
    fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sitless starts");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push((Instant::now(), line));
            }
        });
        Self {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// The commits reported so far: (when read, newest second).
    fn commits(&self) -> Vec<(Instant, i64)> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(at, l)| {
                let t = l.split("newest_s=").nth(1)?;
                Some((*at, t.trim().parse().ok()?))
            })
            .collect()
    }

    fn text(&self) -> String {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn wait_for(&self, what: &str, timeout: Duration, f: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        while !self.lines.lock().unwrap().iter().any(|(_, l)| f(l)) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no destructor, no flush, no clean close.
    fn kill(&mut self) -> Instant {
        self.child.kill().expect("kill");
        let at = Instant::now();
        self.child.wait().expect("reaped");
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        at
    }

    /// SIGINT, as Ctrl-C: it stores the rest and ends well.
    fn interrupt(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        self.wait()
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let status = self.child.wait().expect("ends");
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        status
    }
}

fn integrity(db: &Path) -> String {
    let c = rusqlite::Connection::open(db).expect("db opens");
    c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs")
}

fn record_demo(db: &Path, speed: &str) -> Command {
    let mut c = sitless(db);
    c.args(["record", "--demo", "--demo-speed", speed]);
    c
}

#[test]
fn killed_20_times_mid_recording_the_database_stays_whole_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.db");
    // Seeded, so a failure is repeatable: kill moments from just after the
    // start (while the schema is created) to well into the recording.
    let mut rng = fastrand::Rng::with_seed(6);
    let mut worst_gap = Duration::ZERO;
    let mut kills_after_commits = 0;
    let mut last_before = -1;
    for round in 0..20 {
        let mut rec = Recording::start(record_demo(&db, "20"));
        std::thread::sleep(Duration::from_millis(rng.u64(50..2500)));
        let killed_at = rec.kill();
        let commits = rec.commits();

        assert_eq!(integrity(&db), "ok", "round {round}");
        let (first, last, n) = stored_seconds(&db);
        // Every commit reported before the kill is there...
        if let Some(&(at, newest)) = commits.last() {
            assert!(last >= newest, "round {round}: {last} < committed {newest}");
            worst_gap = worst_gap.max(killed_at - at);
            kills_after_commits += 1;
        }
        // ...no second is missing between the first and the last, across
        // all rounds so far (each start continues the demo where the last
        // stored second ends)...
        if n > 0 {
            assert_eq!(n, last - first + 1, "round {round}: a hole in the data");
        }
        // ...and a round with commits moved the data on.
        if !commits.is_empty() {
            assert!(last > last_before, "round {round} added nothing");
        }
        last_before = last;
    }
    // A clean run after all that starts and continues from the last second.
    let mut rec = Recording::start({
        let mut c = record_demo(&db, "20");
        c.args(["--for-s", "2"]);
        c
    });
    assert!(rec.wait().success(), "{}", rec.text());
    let (first, last, n) = stored_seconds(&db);
    assert!(last > last_before);
    assert_eq!(n, last - first + 1);
    assert_eq!(integrity(&db), "ok");
    // The batch interval bounds what a kill can take. How long before a
    // kill the last commit was is a figure, not an assertion: it depends
    // on the machine's load.
    eprintln!(
        "FIGURE kills survived with integrity ok: 20/20; {kills_after_commits} after the first commit; \
         longest time from the last commit to the kill: {} ms; {n} seconds stored, none missing",
        worst_gap.as_millis()
    );
    assert!(
        kills_after_commits >= 5,
        "most kills should land mid-recording"
    );
}

#[test]
fn a_second_recorder_on_the_same_database_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    // The first records until it is stopped: however slow the machine,
    // it still holds the database when the second starts.
    let mut first = Recording::start({
        let mut c = record_demo(&db, "20");
        c.args(["--for-s", "600"]);
        c
    });
    first.wait_for("the first commit", Duration::from_secs(20), |l| {
        l.contains("committed")
    });
    let second = sitless(&db)
        .args(["record", "--demo", "--for-s", "2"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success());
    assert!(
        err.contains("another Sitless is already recording into"),
        "{err}"
    );
    // Reading is fine meanwhile.
    let report = sitless(&db).args(["report", "--json"]).output().unwrap();
    assert!(report.status.success());
    assert!(first.interrupt().success(), "{}", first.text());
    assert_eq!(integrity(&db), "ok");
    let (first_s, last, n) = stored_seconds(&db);
    assert_eq!(n, last - first_s + 1);
    // Once the first has ended, the second may record.
    let again = sitless(&db)
        .args(["record", "--demo", "--demo-speed", "20", "--for-s", "2"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(stored_seconds(&db).1 > last);
}

/// Runs as the `nobody` user when the tests run as root (CI containers),
/// because root may write any file and a read-only file would not be.
fn unprivileged(mut cmd: Command) -> Command {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"));
    if !root {
        return cmd;
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    cmd = c;
    cmd
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_read_only_database_or_folder_keeps_recording_in_memory_and_saves_once_writable() {
    let dir = tempfile::tempdir().unwrap();
    // `nobody` must reach the folder (it is private to root otherwise).
    chmod(dir.path(), 0o777);
    for case in ["file", "folder"] {
        let folder = dir.path().join(case);
        std::fs::create_dir(&folder).unwrap();
        chmod(&folder, 0o777);
        let db: PathBuf = folder.join("ro.db");
        // Some data first, written by the same user as below.
        let mut seed_run = Recording::start(unprivileged({
            let mut c = record_demo(&db, "20");
            c.args(["--for-s", "2"]);
            c
        }));
        assert!(seed_run.wait().success(), "{}", seed_run.text());
        let (first, before, _) = stored_seconds(&db);
        assert!(before > first);

        let (target, writable, read_only) = match case {
            "file" => (db.clone(), 0o666, 0o444),
            _ => (folder.clone(), 0o777, 0o555),
        };
        chmod(&target, read_only);
        let mut rec = Recording::start(unprivileged({
            let mut c = record_demo(&db, "20");
            c.args(["--for-s", "8"]);
            c
        }));
        rec.wait_for("the read-only warning", Duration::from_secs(20), |l| {
            l.contains("Not saving: the database cannot be written")
        });
        std::thread::sleep(Duration::from_secs(1));
        chmod(&target, writable);
        rec.wait_for("saving again", Duration::from_secs(20), |l| {
            l.contains("saving works again")
        });
        assert!(rec.wait().success(), "{case}: {}", rec.text());
        assert_eq!(integrity(&db), "ok");
        // What waited in memory went in: no hole, and more than before.
        let (first2, last, n) = stored_seconds(&db);
        assert_eq!(first2, first);
        assert!(last > before + 40, "{case}: {before} → {last}");
        assert_eq!(n, last - first + 1, "{case}: a hole in the data");
    }
}

// ---- The window, through egui's accessibility tree (egui_kittest) ----

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sitless::app::{Shell, SitlessApp};
use sitless::domain::posture::{Posture, PostureSecond};
use sitless::domain::sample::Placement;
use sitless::engine::{Engine, EngineOptions};
use sitless::store::Store;
use sitless::store::lock::DbLock;

const START_S: i64 = 1_772_438_400;

fn demo_options(db: &Path, speed: f64) -> EngineOptions {
    EngineOptions {
        demo_start_s: START_S,
        ..crate::support::demo_engine_options(db, speed, 4)
    }
}

/// Steps frames until `done` holds (at most 20 s); returns the longest
/// frame seen.
fn step_until<S>(
    h: &mut Harness<'_, S>,
    what: &str,
    done: impl Fn(&Harness<'_, S>) -> bool,
) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut longest = Duration::ZERO;
    while !done(h) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        let t = Instant::now();
        h.step();
        longest = longest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(10));
    }
    longest
}

type ShellSlot = Option<Shell>;

fn shell_harness(opts: EngineOptions) -> Harness<'static, ShellSlot> {
    Harness::builder()
        .with_size(egui::vec2(900.0, 600.0))
        .build_ui_state(
            move |ui, slot: &mut ShellSlot| {
                slot.get_or_insert_with(|| {
                    Shell::start(opts.clone(), ui.ctx(), Arc::new(|| START_S))
                })
                .ui_root(ui);
            },
            None,
        )
}

#[test]
fn a_file_that_is_not_sqlite_gets_a_problem_screen_and_a_new_database_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sitless.db");
    let text = b"not a database, just notes\n".repeat(300);
    std::fs::write(&db, &text).unwrap();
    let mut h = shell_harness(demo_options(&db, f64::INFINITY));
    step_until(&mut h, "the problem screen", |h| {
        h.query_by_label_contains("is not a Sitless database")
            .is_some()
    });
    h.get_by_label_contains("Sitless has not changed this file");
    let ctx = h.ctx.clone();
    assert!(
        !h.state_mut().as_mut().unwrap().close_requested(&ctx),
        "nothing runs on the problem screen: the window may close at once"
    );
    h.get_by_label("Start a new database beside it").click();
    step_until(&mut h, "the app", |h| {
        h.query_all_by_label("Today").next().is_some()
    });
    let shell = h.state().as_ref().unwrap();
    assert!(shell.problem().is_none());
    let new_db = shell.db().to_owned();
    assert_ne!(new_db, db);
    assert_eq!(new_db.parent(), db.parent(), "beside the old file");
    drop(h);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        text,
        "the old file is untouched"
    );
    assert_eq!(integrity(&new_db), "ok");
    assert!(
        stored_seconds(&new_db).2 > 0,
        "the demo recorded into the new one"
    );
}

#[test]
fn a_database_in_use_says_so_and_try_again_starts_once_it_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("busy.db");
    let other = DbLock::acquire(&db).unwrap();
    let mut h = shell_harness(demo_options(&db, 60.0));
    step_until(&mut h, "the problem screen", |h| {
        h.query_by_label_contains("another Sitless is already recording")
            .is_some()
    });
    assert!(h.query_by_label("Start a new database beside it").is_none());
    drop(other);
    h.get_by_label("Try again").click();
    step_until(&mut h, "the app", |h| {
        h.query_all_by_label("Today").next().is_some()
    });
    assert_eq!(h.state().as_ref().unwrap().db(), db);
}

/// A demo at 300× into `db` whose disk is full from the start: the page
/// limit is the pages the empty database holds (set it to 0 for room).
fn full_disk_demo(db: &Path) -> (EngineOptions, Arc<std::sync::atomic::AtomicU64>) {
    let pages = {
        let store = Store::open(db).unwrap();
        for p in [Placement::Thigh, Placement::Back] {
            sitless::engine::recorder::register_demo_device(&store, p, START_S).unwrap();
        }
        store.page_count().unwrap()
    };
    let limit = Arc::new(std::sync::atomic::AtomicU64::new(pages));
    let mut opts = demo_options(db, 300.0);
    opts.page_limit = Some(limit.clone());
    (opts, limit)
}

/// A full disk (`SQLite`'s `max_page_count`) while the demo records at 300×:
/// the banner says so and counts what waits; when there is room again,
/// everything kept is written and the banner goes. Frames stay short.
#[test]
fn a_full_disk_shows_the_banner_keeps_the_data_and_frames_stay_short() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("full.db");
    let (opts, limit) = full_disk_demo(&db);
    let config = opts.config;
    let engine = Engine::start(&opts, Arc::new(|| {})).expect("engine starts");
    let app = SitlessApp::new(engine, &config, Box::new(|| START_S));
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 760.0))
        .build_ui_state(|ui, app: &mut SitlessApp| app.ui_root(ui), app);

    let mut longest = step_until(&mut h, "the banner", |h| {
        h.query_by_label("Not saving: the disk is full.").is_some()
    });
    // It counts up while the data waits.
    let waiting =
        |h: &Harness<'_, SitlessApp>| h.state().state().storage.map_or(0, |p| p.buffered_s);
    let first = waiting(&h);
    longest = longest.max(step_until(&mut h, "more data waiting", |h| {
        waiting(h) > first + 120
    }));
    assert_eq!(h.state().state().storage.map(|p| p.dropped_s), Some(0));
    assert_eq!(stored_seconds(&db).2, 0, "nothing could be written");

    limit.store(0, std::sync::atomic::Ordering::Relaxed);
    longest = longest.max(step_until(&mut h, "saving again", |h| {
        h.query_by_label_contains("Saving works again").is_some()
    }));
    assert!(h.query_by_label("Not saving: the disk is full.").is_none());
    h.get_by_label("OK").click();
    h.step();
    h.step();
    assert!(h.query_by_label_contains("Saving works again").is_none());
    drop(h);

    assert_eq!(integrity(&db), "ok");
    let (first_s, last, n) = stored_seconds(&db);
    assert_eq!(first_s, START_S, "the first seconds waited and went in");
    assert_eq!(n, last - first_s + 1, "no hole where the disk was full");
    eprintln!(
        "FIGURE full disk: {n} s stored, none missing; longest frame {} ms",
        longest.as_millis()
    );
}

/// A stop while the disk is full: the seconds the database refused to the
/// end are counted and reported, never "stopped" as if saved (`record`
/// fails with the count).
#[test]
fn a_stop_on_a_full_disk_says_how_many_seconds_were_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stop-full.db");
    let (opts, _limit) = full_disk_demo(&db);
    let mut engine = Engine::start(&opts, Arc::new(|| {})).expect("engine starts");
    // Until the writer has said it cannot write and holds data.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut waiting = 0;
    while waiting == 0 {
        assert!(Instant::now() < deadline, "the writer never failed");
        while let Some(e) = engine.try_recv() {
            if let sitless::engine::protocol::UiEvent::Storage(Some(p)) = e {
                waiting = p.buffered_s;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    match engine.stop() {
        Err(sitless::engine::StopError::NotSaved { seconds }) => {
            assert!(seconds as usize >= waiting, "{seconds} < {waiting}");
            eprintln!("FIGURE stop on a full disk: {seconds} seconds reported not saved");
        }
        other => panic!("a stop on a full disk said {other:?}"),
    }
    assert_eq!(stored_seconds(&db).2, 0, "and indeed none was saved");
}

/// The same stop from the window: before it closes, the window says in
/// words how much was not saved, and closes when the user has read it.
#[test]
fn quitting_the_window_on_a_full_disk_says_what_was_not_saved_before_it_closes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quit-full.db");
    let (opts, _limit) = full_disk_demo(&db);
    let mut h = shell_harness(opts);
    step_until(&mut h, "the banner", |h| {
        h.query_by_label("Not saving: the disk is full.").is_some()
    });
    let ctx = h.ctx.clone();
    h.state_mut().as_mut().unwrap().quit(&ctx);
    step_until(&mut h, "the words of the loss", |h| {
        h.query_by_label("Not everything was saved").is_some()
    });
    h.get_by_label_contains("seconds could not be saved");
    assert!(
        h.state().as_ref().unwrap().stopped(),
        "the engine has stopped"
    );
    h.get_by_label("Quit").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Not everything was saved").is_none());
}

/// A second stored 50 years ahead (a bad row from before imports refused
/// them) must not move recording there: the demo records on from where it
/// stopped, not in 2076.
#[test]
fn a_far_future_stored_second_does_not_move_recording_into_the_future() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("far.db");
    let far_s = chrono::Utc::now().timestamp() + 50 * 365 * 86_400;
    {
        let mut store = Store::open(&db).unwrap();
        let d = store
            .ensure_device(
                "csv:thigh",
                "csv",
                "Imported recording",
                Placement::Thigh,
                0,
            )
            .unwrap();
        store
            .insert_seconds(&[PostureSecond {
                t_s: far_s,
                state: Posture::Sitting,
                tilt_deg: None,
                device_id: d,
            }])
            .unwrap();
    }
    let mut engine =
        Engine::start(&demo_options(&db, 600.0), Arc::new(|| {})).expect("engine starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut newest = None;
    while newest.is_none() {
        assert!(Instant::now() < deadline, "nothing was committed");
        if let Some(sitless::engine::protocol::UiEvent::Committed { newest_s }) =
            engine.recv_timeout(Duration::from_millis(100))
        {
            newest = newest_s;
        }
    }
    engine.stop().expect("stopped");
    let c = rusqlite::Connection::open(&db).unwrap();
    let demo_rows: (i64, i64) = c
        .query_row(
            "SELECT MIN(t_s), MAX(t_s) FROM samples WHERE t_s < ?1",
            [far_s],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        demo_rows.0 >= START_S && demo_rows.1 < START_S + 86_400,
        "the demo recorded at {demo_rows:?}, not from {START_S}"
    );
}

// ---- Time: DST days and a time zone change between sessions ----

/// Seconds in the day's report, all postures together.
fn report_total_s(db: &Path, tz: &str, date: &str) -> i64 {
    let o = sitless(db)
        .env("TZ", tz)
        .args(["report", "--date", date, "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    [
        "sitting_s",
        "standing_s",
        "moving_s",
        "lying_s",
        "unknown_s",
    ]
    .iter()
    .map(|k| r[k].as_i64().unwrap())
    .sum()
}

#[test]
fn dst_days_last_23_and_25_hours_and_a_time_zone_change_counts_every_second_once() {
    // POSIX rules need no time zone database on the machine.
    const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";
    const KOLKATA: &str = "IST-5:30";
    let dir = tempfile::tempdir().unwrap();
    for (start, hours, day, day_s) in [
        ("2026-03-28T23:00:00+01:00", "26", "2026-03-29", 23 * 3600),
        ("2026-10-24T23:00:00+02:00", "27", "2026-10-25", 25 * 3600),
    ] {
        let db = dir.path().join(format!("{day}.db"));
        let o = sitless(&db)
            .env("TZ", BERLIN)
            .args(["simulate", "--hours", hours, "--start", start])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (_, _, stored) = stored_seconds(&db);
        assert_eq!(stored, hours.parse::<i64>().unwrap() * 3600);
        // The whole DST day is covered: exactly its length, no more.
        assert_eq!(report_total_s(&db, BERLIN, day), day_s, "{day}");
        // Days before and after take the rest: nothing twice, nothing lost.
        let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        let around = |tz: &str| -> i64 {
            (-1..=1)
                .map(|k| {
                    let date = (d + chrono::Duration::days(k)).to_string();
                    report_total_s(&db, tz, &date)
                })
                .sum()
        };
        assert_eq!(around(BERLIN), stored, "{day} in Berlin");
        // The same data read after moving to another time zone: the days
        // are cut elsewhere, and every second still counts once.
        assert_eq!(around(KOLKATA), stored, "{day} read in Kolkata");
    }
}

/// Closing the window: the shell stops the engine on its stop thread while
/// frames go on, and says it is stopped only when the last commit is in
/// and the database is free for the next recorder.
#[test]
fn quitting_saves_off_the_window_thread_and_frees_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quit.db");
    let mut h = shell_harness(demo_options(&db, 600.0));
    step_until(&mut h, "the app", |h| h.query_by_label("History").is_some());
    step_until(&mut h, "some data", |h| {
        h.state()
            .as_ref()
            .and_then(Shell::app)
            .is_some_and(|a| a.state().latest_t_s.is_some())
    });
    let ctx = h.ctx.clone();
    assert!(
        h.state_mut().as_mut().unwrap().close_requested(&ctx),
        "a running app makes the close wait for the save"
    );
    step_until(&mut h, "the stop", |h| {
        h.state().as_ref().is_some_and(Shell::stopped)
    });
    assert!(
        DbLock::acquire(&db).is_ok(),
        "stopped means the engine has let go of the database"
    );
    assert_eq!(integrity(&db), "ok");
    assert!(stored_seconds(&db).2 > 0, "what was recorded is saved");
}

/// A first run with no sensor and no Bluetooth: the Today view says what to
/// do, and the demo starts from the window (its own database beside the
/// real one, which stays empty) and stops again from the window.
#[test]
fn a_first_run_guides_and_the_demo_starts_and_stops_from_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sitless.db");
    let opts = EngineOptions {
        demo: None,
        ..demo_options(&db, 1.0)
    };
    let mut h = shell_harness(opts);
    step_until(&mut h, "the guide", |h| {
        h.query_by_label("Welcome to Sitless").is_some()
    });
    h.get_by_label_contains("Pair a sensor");
    h.get_by_label("Try the demo").click();
    step_until(&mut h, "the demo's data", |h| {
        h.state()
            .as_ref()
            .and_then(Shell::app)
            .is_some_and(|a| a.is_demo() && a.state().latest_t_s.is_some())
    });
    assert!(
        h.query_by_label("Welcome to Sitless").is_none(),
        "no guide while the demo runs"
    );
    assert_eq!(
        h.state().as_ref().map(|s| s.db().to_owned()),
        Some(dir.path().join("demo.db"))
    );
    h.get_by_label("Leave the demo").click();
    step_until(&mut h, "the real database again", |h| {
        h.state()
            .as_ref()
            .and_then(Shell::app)
            .is_some_and(|a| !a.is_demo())
            && h.query_by_label("Welcome to Sitless").is_some()
    });
    assert_eq!(
        h.state().as_ref().map(|s| s.db().to_owned()),
        Some(db.clone())
    );
    let ctx = h.ctx.clone();
    h.state_mut().as_mut().unwrap().close_requested(&ctx);
    step_until(&mut h, "the stop", |h| {
        h.state().as_ref().is_some_and(Shell::stopped)
    });
    assert_eq!(
        stored_seconds(&db).2,
        0,
        "the demo never writes the real database"
    );
    assert!(stored_seconds(&dir.path().join("demo.db")).2 > 0);
}

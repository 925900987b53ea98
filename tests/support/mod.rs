//! What the app tests share: a private D-Bus daemon (`bus`), the fake
//! desktop services (`desktop_fakes`), the fake `BlueZ` with its sensors
//! (`fake_bluez`) and pointer moves for egui (`pointer`). Compiled once, in
//! the one app test binary; the benches and examples that need a piece
//! include its file.

pub(crate) mod bus;
pub(crate) mod desktop_fakes;
pub(crate) mod display;
pub(crate) mod fake_bluez;
pub(crate) mod pointer;
pub(crate) mod wayland;

use std::path::Path;

use sitless::domain::config::Config;
use sitless::engine::EngineOptions;
use sitless::sources::demo::pacer::DemoOptions;

/// 2026-03-02 08:00 UTC, a Monday: the day the app tests live in.
pub(crate) const MONDAY_8_S: i64 = 1_772_438_400;

/// The engine on `db` with no sensor: the default rules, no Bluetooth, no
/// desktop session, the demo (if one is added) starting on the tests' day.
pub(crate) fn engine_options(db: &Path) -> EngineOptions {
    EngineOptions {
        db: db.to_owned(),
        demo: None,
        config: Config::default().consistent(),
        demo_start_s: MONDAY_8_S,
        ble: None,
        page_limit: None,
        desktop_session: false,
        desk_time: None,
    }
}

/// The engine on `db` with the demo wearer `wearer_seed` at `speed`× time.
pub(crate) fn demo_engine_options(db: &Path, speed: f64, wearer_seed: u64) -> EngineOptions {
    EngineOptions {
        demo: Some(DemoOptions {
            speed,
            seed: wearer_seed,
            script: None,
            pace: None,
        }),
        ..engine_options(db)
    }
}

/// The built `sitless` binary with `args`, in UTC, run to the end.
pub(crate) fn sitless_utc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("the binary runs")
}

/// Sitting stored on the tests' day (2026-03-02), from `report --json`.
pub(crate) fn sitting_stored(db: &Path) -> i64 {
    let out = sitless_utc(&[
        "report",
        "--date",
        "2026-03-02",
        "--json",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["sitting_s"].as_i64().unwrap()
}

/// Sitting stored within 3 % of the recording's length of the truth.
pub(crate) fn assert_agrees(stored: i64, truth: u64, hours: f64) {
    let diff = (stored - truth as i64).abs() as f64 / (hours * 3600.0);
    assert!(
        diff < 0.03,
        "sitting {stored} s stored against {truth} s true"
    );
}

/// `sitless record` running on a database (in UTC), its output kept line
/// by line for the test to wait on.
pub(crate) struct Recording {
    child: std::process::Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Recording {
    pub(crate) fn start(db: &Path, for_s: u32) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sitless"))
            .args(["record", "--for-s", &for_s.to_string(), "--db"])
            .arg(db)
            .env("TZ", "UTC")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the binary runs");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let stdout = child.stdout.take().expect("stdout");
        let kept = lines.clone();
        let reader = std::thread::spawn(move || {
            for l in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                kept.lock().unwrap().push(l);
            }
        });
        Self {
            child,
            lines,
            reader: Some(reader),
        }
    }

    pub(crate) fn said(&self, what: &str) -> bool {
        self.lines.lock().unwrap().iter().any(|l| l.contains(what))
    }

    /// Waits until a line contains `what`; fails with the output so far.
    pub(crate) fn wait_for(&self, what: &str, within: std::time::Duration) {
        let deadline = std::time::Instant::now() + within;
        while !self.said(what) {
            assert!(
                std::time::Instant::now() < deadline,
                "no {what:?} within {within:?}:\n{}",
                self.lines.lock().unwrap().join("\n")
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Stops it as Ctrl-C does (it stores the rest): whether it exited
    /// well, and everything it printed.
    pub(crate) fn stop(mut self) -> (bool, String) {
        let _ = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let ok = self.child.wait().is_ok_and(|s| s.success());
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let text = self.lines.lock().unwrap().join("\n");
        (ok, text)
    }
}

//! phyphox's remote access: a fake phyphox on 127.0.0.1 serves an hour
//! of a realistic day as the app does ("Acceleration with g": `acc_time`
//! and `accX`/`accY`/`accZ` in m/s², partial buffers after a threshold,
//! `/time`, `/control?cmd=start`), and `sitless record` asks it after
//! `sitless phone pair --phyphox`: the reminder comes as from a board.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Recording, sitless_utc};
use sitless::sources::synth::phone::render_day;

const START_S: i64 = crate::support::MONDAY_8_S;
const G: f32 = 9.806_65;

/// What the fake phone holds and what it was asked.
#[derive(Default)]
struct Phone {
    /// (experiment time s, m/s²) of the whole hour.
    day: Vec<(f64, [f32; 3])>,
    /// How far the measurement has got (experiment s): each poll moves
    /// it on by `STEP_S`, so an hour passes in half a minute.
    measured_s: f64,
    measuring: bool,
    started: u32,
    gets: u32,
}

const STEP_S: f64 = 120.0;

/// A sample: experiment time (s) and acceleration (m/s²).
type Row = (f64, [f32; 3]);

fn threshold(query: &str, key: &str) -> Option<f64> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let v = v.split("%7C").next()?;
        (k == key).then(|| v.parse().ok()).flatten()
    })
}

fn answer(phone: &Mutex<Phone>, path: &str) -> (u16, String) {
    let mut p = phone.lock().unwrap();
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    match route {
        "/control" if query == "cmd=start" => {
            p.measuring = true;
            p.started += 1;
            (200, r#"{"result": true}"#.into())
        }
        "/time" => (
            200,
            format!(r#"[{{"event":"START","experimentTime":0.0,"systemTime":{START_S}.0}}]"#),
        ),
        "/get" => {
            p.gets += 1;
            if p.measuring {
                p.measured_s += STEP_S;
            }
            let upto = p.measured_s;
            let after = threshold(query, "acc_time");
            let rows: Vec<(f64, [f32; 3])> = match after {
                // No threshold: the newest value only.
                None => p
                    .day
                    .iter()
                    .rev()
                    .find(|(t, _)| *t <= upto)
                    .copied()
                    .into_iter()
                    .collect(),
                Some(a) => p
                    .day
                    .iter()
                    .filter(|(t, _)| *t > a && *t <= upto)
                    .copied()
                    .collect(),
            };
            let list =
                |f: &dyn Fn(&Row) -> String| rows.iter().map(f).collect::<Vec<_>>().join(",");
            let t = list(&|r| format!("{:.4}", r.0));
            let mut buffers =
                format!(r#""acc_time":{{"size":0,"updateMode":"partial","buffer":[{t}]}}"#);
            if after.is_some() {
                for (i, name) in ["accX", "accY", "accZ"].iter().enumerate() {
                    let v = list(&|r| format!("{:.4}", r.1[i] * G));
                    let _ = write!(
                        buffers,
                        r#","{name}":{{"size":0,"updateMode":"partial","buffer":[{v}]}}"#
                    );
                }
            }
            (
                200,
                format!(
                    r#"{{"buffer":{{{buffers}}},"status":{{"session":"5e55","measuring":{},"timedRun":false,"countDown":0}}}}"#,
                    p.measuring
                ),
            )
        }
        _ => (404, String::new()),
    }
}

/// The fake phone's server: one request per connection, as phyphox.
fn serve(listener: TcpListener, phone: Arc<Mutex<Phone>>) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
            // The rest of the head.
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) <= 2 {
                    break;
                }
            }
            let (status, body) = answer(&phone, &path);
            let _ = write!(
                s,
                "HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.flush();
            let mut rest = Vec::new();
            let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
            let _ = s.read_to_end(&mut rest);
        }
    });
}

#[test]
fn sitless_asks_phyphox_and_reminds_from_its_streak() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phyphox.db");
    let db_s = db.to_str().unwrap();

    let mut day = Vec::new();
    let truth = render_day(0, 1.0, 100.0, START_S, |t, v| day.push((t, v)));
    // Experiment time counts from the first sample.
    let t0 = day[0].0;
    let day: Vec<(f64, [f32; 3])> = day.into_iter().map(|(t, v)| (t - t0, v)).collect();
    let phone = Arc::new(Mutex::new(Phone {
        day,
        ..Phone::default()
    }));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    serve(listener, phone.clone());

    // A wrong address is refused in words before anything is stored.
    let bad = sitless_utc(&["phone", "pair", "--phyphox", "https://x", "--db", db_s]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not https://"));

    let url = format!("http://127.0.0.1:{port}");
    let out = sitless_utc(&["phone", "pair", "--phyphox", &url, "--json", "--db", db_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["url"], url.as_str());
    // Reminders after 10 minutes, so the hour holds several.
    {
        let mut store = sitless::store::Store::open(&db).unwrap();
        let settings = sitless::domain::settings::Settings {
            threshold_min: 10,
            ..store.settings().unwrap()
        };
        store.save_settings(&settings).unwrap();
    }

    let record = Recording::start(&db, 120);
    let deadline = Instant::now() + Duration::from_secs(90);
    while !(record.said("reminder (") && phone.lock().unwrap().measured_s >= 3600.0) {
        assert!(
            Instant::now() < deadline,
            "no reminder from phyphox's streak"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // A few more polls, so the last of the hour is taken.
    std::thread::sleep(Duration::from_secs(3));
    let (ok, text) = record.stop();
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("phone: asking phyphox at {url}")),
        "{text}"
    );
    let p = phone.lock().unwrap();
    // phyphox was not measuring: Sitless started it, once.
    assert_eq!(p.started, 1, "{text}");
    drop(p);

    let report = sitless_utc(&["report", "--date", "2026-03-02", "--json", "--db", db_s]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let sitting = v["sitting_s"].as_i64().unwrap();
    eprintln!("{text}\ntruth {truth} s sitting, stored {sitting} s");
    // The first poll only learns where the measurement is (2 minutes in
    // here), so that part of the hour is not taken.
    let diff = (sitting - truth as i64).abs() as f64 / 3600.0;
    assert!(
        diff < 0.06,
        "sitting {sitting} s stored against {truth} s true"
    );
}

/// A phone that cannot be reached is said in words and asked again; the
/// recording goes on.
#[test]
fn an_unreachable_phyphox_is_said_and_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phyphox.db");
    let db_s = db.to_str().unwrap();
    // A port nothing listens on (bound, then closed).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = sitless_utc(&["phone", "pair", "--phyphox", &url, "--db", db_s]);
    assert!(out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args(["record", "--for-s", "3", "--db", db_s])
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("phone: cannot reach phyphox"), "{text}");
}

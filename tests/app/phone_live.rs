//! The phone as a live sensor: a fake phone (an HTTP client here) pushes
//! as Sensor Logger does to the real listener on 127.0.0.1, through the
//! real `sitless phone pair` and `sitless record`, and hostile clients try
//! the listener. Every test binds and sends to 127.0.0.1 only.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Recording, sitless_utc};
use sitless::sources::phone::run::PhoneSource;
use sitless::sources::synth::phone::render_day;

/// 2026-03-02 08:00 UTC, a Monday.
const START_S: i64 = crate::support::MONDAY_8_S;

/// A free port on 127.0.0.1 (the listener binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request; the status and body of the answer.
fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // A server that stops reading (a body too big) may close early.
    let _ = s.write_all(body);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// Sensor Logger's push of `samples` (time in s from `START_S`, g).
fn push_body(message_id: u64, samples: &[(f64, [f32; 3])]) -> Vec<u8> {
    let mut payload = String::new();
    for (i, (t, [x, y, z])) in samples.iter().enumerate() {
        if i > 0 {
            payload.push(',');
        }
        let ns = i128::from(START_S) * 1_000_000_000 + (t * 1e9).round() as i128;
        let g = 9.806_65_f32;
        let _ = write!(
            payload,
            r#"{{"name":"totalacceleration","time":{ns},"values":{{"x":{},"y":{},"z":{}}},"accuracy":3}}"#,
            x * g,
            y * g,
            z * g
        );
    }
    format!(
        r#"{{"messageId":{message_id},"sessionId":"rec-1","deviceId":"phone-1","payload":[{payload},{{"name":"battery","time":1,"values":{{"batteryLevel":0.64,"batteryState":"unplugged"}}}}]}}"#
    )
    .into_bytes()
}

/// The push URL's address and path.
fn split_url(url: &str) -> (SocketAddr, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    (host.parse().unwrap(), format!("/{path}"))
}

/// An hour of a realistic day (a seated commute first) pushed in 10-second
/// batches, some late and out of order (a locked screen's burst), some
/// twice; waits out the listener's rate as a phone would. Returns the
/// true sitting seconds.
fn push_an_hour(addr: SocketAddr, path: &str) -> u64 {
    let mut day = Vec::new();
    let truth = render_day(0, 1.0, 100.0, START_S, |t, v| day.push((t, v)));
    let batches: Vec<&[(f64, [f32; 3])]> = day.chunks(1000).collect();
    let mut order: Vec<usize> = (0..batches.len()).collect();
    // Late and out of order (a locked screen's burst), and sent twice.
    for k in (5..order.len() - 1).step_by(17) {
        order.swap(k, k + 1);
    }
    let mut sent = 0;
    for (n, &k) in order.iter().enumerate() {
        let body = push_body(k as u64 + 1, batches[k]);
        let mut tries = 0;
        loop {
            let (status, _) = request(addr, "POST", path, &body);
            if status == 200 {
                break;
            }
            // Faster than the listener's rate: wait for it, as a phone would.
            assert_eq!(status, 429, "push {k}");
            tries += 1;
            assert!(tries < 200, "push {k} never taken");
            std::thread::sleep(Duration::from_millis(50));
        }
        if n % 29 == 0 {
            let _ = request(addr, "POST", path, &body);
        }
        sent += batches[k].len();
    }
    assert_eq!(sent, day.len());
    truth
}

/// Every second the day's report counts, whatever its posture.
fn seconds_counted(v: &serde_json::Value) -> i64 {
    [
        "sitting_s",
        "standing_s",
        "moving_s",
        "lying_s",
        "unknown_s",
        "not_worn_s",
    ]
    .iter()
    .map(|k| v[k].as_i64().unwrap())
    .sum()
}

/// `sitless phone pair` on 127.0.0.1 and a free port: the push URL.
/// Reminders come after 10 minutes, so an hour holds several.
fn pair_with_a_10_minute_threshold(db: &std::path::Path) -> String {
    let db_s = db.to_str().unwrap();
    let port = free_port().to_string();
    let out = sitless_utc(&[
        "phone",
        "pair",
        "--bind",
        "127.0.0.1",
        "--port",
        &port,
        "--json",
        "--db",
        db_s,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let url = v["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{port}/push/")),
        "{url}"
    );
    let devices =
        String::from_utf8_lossy(&sitless_utc(&["devices", "--db", db_s]).stdout).into_owned();
    assert!(
        devices.contains("phone") && devices.contains("thigh"),
        "{devices}"
    );
    {
        let c = rusqlite::Connection::open(db).unwrap();
        let changed = c
            .execute(
                "UPDATE settings SET value = json_set(value, '$.threshold_min', 10)
                 WHERE key = 'reminders'",
                [],
            )
            .unwrap();
        assert_eq!(changed, 1, "pairing saved the settings (bind and port)");
    }

    url
}

/// A phone paired with `sitless phone pair`, pushing an hour of a real-
/// istic day (a seated commute first) in 10-second batches, some twice and
/// some out of order, while `sitless record` runs: the reminder comes as
/// from a board, and the day's sitting is as when the file is imported.
#[test]
fn a_phone_pushing_a_day_gets_a_reminder_as_a_board_would() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    let db_s = db.to_str().unwrap();
    let url = pair_with_a_10_minute_threshold(&db);
    let record = Recording::start(&db, 90);
    record.wait_for("phone: listening on 127.0.0.1", Duration::from_secs(30));

    let (addr, path) = split_url(&url);
    // The "Tap to Test Pushing" message: an empty payload.
    let (status, body) = request(
        addr,
        "POST",
        &path,
        br#"{"messageId":0,"sessionId":"t","deviceId":"phone-1","payload":[]}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Sitless received"), "{body}");

    let truth = push_an_hour(addr, &path);
    record.wait_for("reminder (", Duration::from_mins(1));
    // Stop (SIGINT, as Ctrl-C) and let it store the rest.
    let (ok, text) = record.stop();
    assert!(ok, "{text}");
    assert!(text.contains("phone: streaming (battery 64 %)"), "{text}");
    assert!(text.contains("phone: pushes"), "{text}");

    let report = sitless_utc(&["report", "--date", "2026-03-02", "--json", "--db", db_s]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let sitting = v["sitting_s"].as_i64().unwrap();
    let diff = (sitting - truth as i64).abs() as f64 / 3600.0;
    eprintln!("{text}\ntruth {truth} s sitting, stored {sitting} s");
    assert!(
        diff < 0.03,
        "sitting {sitting} s stored against {truth} s true"
    );
    let counted = seconds_counted(&v);
    assert!(
        counted <= 3600,
        "{counted} s counted in an hour: no second twice"
    );
    assert!(
        text.contains("too late 0"),
        "every late push was put in order: {text}"
    );

    // Forgotten: the secret stops working at the next start.
    let out = sitless_utc(&["forget", "phone", "--db", db_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let devices =
        String::from_utf8_lossy(&sitless_utc(&["devices", "--db", db_s]).stdout).into_owned();
    assert!(!devices.contains("phone "), "{devices}");
}

/// Wrong secrets, a 100 MB body, a slow client, 10,000 malformed bodies
/// and a flood: each refused and counted, nothing of theirs stored, and
/// the paired phone's next push still taken.
#[test]
fn hostile_clients_are_refused_and_the_paired_phone_still_streams() {
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let clock: sitless::sources::phone::run::Clock =
        Arc::new(|| chrono::Utc::now().timestamp_millis());
    let source = PhoneSource::start(
        "127.0.0.1:0".parse().unwrap(),
        "s3cret0123456789abcdef0123456789".into(),
        clock,
        move |s| {
            sink.lock().unwrap().extend(s);
            true
        },
        |_| {},
    )
    .unwrap();
    let addr = source.local_addr.expect("a listener");
    assert!(addr.ip().is_loopback());
    let good = "/push/s3cret0123456789abcdef0123456789";
    let counters = source.counters.clone();

    // Wrong secrets, other paths and methods: 404 with no body.
    for path in [
        "/push/wrong",
        "/push/",
        "/",
        "/push/s3cret0123456789abcdef012345678",
        "/admin",
    ] {
        let (status, body) = request(addr, "POST", path, b"{}");
        assert_eq!((status, body.as_str()), (404, ""), "{path}");
    }
    let (status, _) = request(addr, "GET", good, b"");
    assert_eq!(status, 404, "only POST");

    // 100 MB: refused after the cap, quickly.
    let started = Instant::now();
    let (status, _) = request(addr, "POST", good, &vec![b' '; 100 << 20]);
    assert!(status == 413 || status == 0, "status {status}");
    assert!(started.elapsed() < Duration::from_secs(20));

    // A slow client: headers never finished; the connection is closed.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"POST /push/x HTTP/1.1\r\nHost: a\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0_u8; 64];
    let n = slow.read(&mut buf).unwrap_or(0);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "a slow client is cut off ({n} bytes)"
    );

    // 10,000 malformed bodies on the right path: refused (400), or slowed
    // (429) as a flood; never a panic, never a sample.
    let mut refused = 0;
    for i in 0..10_000 {
        let (status, _) = request(
            addr,
            "POST",
            good,
            format!("{{\"payload\": [{i}").as_bytes(),
        );
        assert!(status == 400 || status == 429, "status {status}");
        refused += 1;
    }
    assert_eq!(refused, 10_000);
    let c = counters.now();
    assert_eq!(c.malformed + c.too_fast, 10_000, "{c:?}");
    assert!(c.not_found >= 6, "{c:?}");
    assert!(got.lock().unwrap().is_empty(), "nothing stored from them");

    // The paired phone still gets through (once the flood's rate passed).
    std::thread::sleep(Duration::from_millis(200));
    let now_s = chrono::Utc::now().timestamp() - START_S - 10;
    let samples: Vec<(f64, [f32; 3])> = (0..100)
        .map(|i| (now_s as f64 + f64::from(i) * 0.01, [0.0, 1.0, 0.0]))
        .collect();
    let (status, _) = request(addr, "POST", good, &push_body(1, &samples));
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(15);
    while got.lock().unwrap().len() < 100 {
        assert!(
            Instant::now() < deadline,
            "the phone's samples did not arrive"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("FIGURE hostile: {:?}", counters.now());
    drop(source);
}

/// The shared real recordings (`../shared/data/real`, or
/// `SITLESS_REAL_DATA`); under CI they are always there.
fn real_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("SITLESS_REAL_DATA").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real"),
        std::path::PathBuf::from,
    );
    if dir.join("dsads").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have the real recordings at {}",
        dir.display()
    );
    eprintln!("skipped: no real recordings at {}", dir.display());
    None
}

/// A real person's thigh (DSADS person 1, right leg, 25 Hz) pushed as a
/// phone would: 5 minutes walking in a car park, then their 5-minute sit
/// three times (10 s of their standing between, as people shift), then
/// standing. With a 10-minute threshold the reminder comes from the
/// phone's streak as from a board.
#[test]
fn a_real_thigh_pushed_as_a_phone_gets_its_reminder() {
    use sitless::eval::real::{Activity, Leg};
    let Some(real) = real_dir() else { return };
    let parts =
        sitless::eval::real::read_dsads(&real.join("dsads/dsads_p1_acc.csv.gz"), Leg::Right)
            .expect("DSADS reads");
    let part = |a: Activity| {
        parts
            .iter()
            .find(|(_, act, _)| *act == a)
            .map(|(_, _, s)| s.clone())
            .expect("the activity is there")
    };
    let (walk, sit, stand) = (
        part(Activity::Walking),
        part(Activity::Sitting),
        part(Activity::Standing),
    );
    let shift: Vec<_> = stand.iter().take(250).copied().collect();
    let mut day: Vec<(f64, [f32; 3])> = Vec::new();
    let mut t0 = 0.0;
    for piece in [&walk, &sit, &shift, &sit, &shift, &sit, &stand] {
        for (t_ms, a) in piece {
            day.push((t0 + *t_ms as f64 / 1000.0, [a.x, a.y, a.z]));
        }
        t0 = day.last().map_or(0.0, |d| d.0) + 0.04;
    }

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    let db_s = db.to_str().unwrap();
    let url = pair_with_a_10_minute_threshold(&db);
    let record = Recording::start(&db, 90);
    record.wait_for("phone: listening on 127.0.0.1", Duration::from_secs(30));

    let (addr, path) = split_url(&url);
    for (k, batch) in day.chunks(250).enumerate() {
        let body = push_body(k as u64 + 1, batch);
        let mut tries = 0;
        while request(addr, "POST", &path, &body).0 != 200 {
            tries += 1;
            assert!(tries < 200, "push {k} never taken");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    record.wait_for("reminder (", Duration::from_mins(1));
    let (ok, text) = record.stop();
    assert!(ok, "{text}");
    // The reminder at the threshold: 10 minutes into the sit.
    assert!(text.contains("10 min sitting"), "{text}");
    let report = sitless_utc(&["report", "--date", "2026-03-02", "--json", "--db", db_s]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let sitting = v["sitting_s"].as_i64().unwrap();
    // Three 5-minute sits: 900 s, give or take the transitions.
    assert!(
        (870..=930).contains(&sitting),
        "sitting {sitting} s of 900\n{text}"
    );
}

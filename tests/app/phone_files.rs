//! Phone files as the apps hand them over, and files that are not
//! recordings at all: phyphox's zip export, an iPhone's Sensor Logger
//! recording (Accelerometer.csv without gravity and Gravity.csv beside it,
//! in a folder or a zip), a device, a file of one huge line, absurd times.
//! Each through the real `sitless import`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{assert_agrees, sitless_utc, sitting_stored};
use sitless::sources::synth::phone::render_day;

/// 2026-03-02 08:00 UTC, a Monday.
const START_S: i64 = crate::support::MONDAY_8_S;
const G_MS2: f64 = 9.806_65;

fn import(db: &Path, path: &Path) -> Output {
    sitless_utc(&[
        "import",
        "--csv",
        path.to_str().unwrap(),
        "--placement",
        "thigh",
        "--db",
        db.to_str().unwrap(),
    ])
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Files into a zip archive, deflated as the phone apps write them.
fn zip_files(zip_path: &Path, files: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// phyphox's "Acceleration with g" export: seconds since the start, the
/// start in meta/time.csv. Returns the files and the true sitting.
fn phyphox_files(hours: f32) -> (Vec<u8>, Vec<u8>, u64) {
    let meta = format!(
        "\"event\",\"experiment time\",\"system time\",\"system time text\"\n\"START\",0.000000000E0,{START_S}.000,\"2026-03-02 08:00:00.000 UTC+00:00\"\n"
    );
    let mut data = String::from(
        "\"Time (s)\",\"Acceleration x (m/s^2)\",\"Acceleration y (m/s^2)\",\"Acceleration z (m/s^2)\",\"Absolute acceleration (m/s^2)\"\n",
    );
    let truth = render_day(8, hours, 50.0, START_S, |t, [x, y, z]| {
        let [x, y, z] = [x, y, z].map(|v| f64::from(v) * G_MS2);
        let abs = (x * x + y * y + z * z).sqrt();
        let _ = writeln!(data, "{t:.9E},{x:.6E},{y:.6E},{z:.6E},{abs:.6E}");
    });
    (data.into_bytes(), meta.into_bytes(), truth)
}

#[test]
fn a_phyphox_zip_is_imported_as_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    let (data, meta, truth) = phyphox_files(1.0);
    let zip_path = dir
        .path()
        .join("Acceleration with g 2026-03-02 08-00-00.zip");
    zip_files(
        &zip_path,
        &[
            ("Raw Data.csv", &data),
            ("meta/time.csv", &meta),
            ("meta/device.csv", b"\"property\",\"value\"\n"),
        ],
    );
    let db = dir.path().join("zip.db");
    let out = import(&db, &zip_path);
    let words = said(&out);
    assert!(out.status.success(), "{words}");
    assert!(
        words.contains("Imported Raw Data.csv in Acceleration with g 2026-03-02 08-00-00.zip"),
        "{words}"
    );
    assert!(
        words.contains("from Mon 2 Mar 2026 08:00"),
        "the start came from the archive's meta/time.csv: {words}"
    );
    assert_agrees(sitting_stored(&db), truth, 1.0);
}

/// An iPhone's Sensor Logger recording: acceleration without gravity and
/// gravity, split from a day's total acceleration the way the phone's
/// motion sensor splits it (gravity as the slow part, the rest as motion).
fn iphone_files(hours: f32) -> (String, String, u64) {
    let header = "time,seconds_elapsed,z,y,x\n";
    let (mut accel, mut gravity) = (header.to_owned(), header.to_owned());
    let mut slow = [0.0_f64, 0.0, 1.0];
    let truth = render_day(3, hours, 100.0, START_S, |t, total| {
        let total = total.map(f64::from);
        for k in 0..3 {
            slow[k] += 0.02 * (total[k] - slow[k]);
        }
        let norm = slow.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-6);
        let g = slow.map(|v| v / norm);
        let ns = i128::from(START_S) * 1_000_000_000 + (t * 1e9).round() as i128;
        let a: Vec<f64> = (0..3).map(|k| (total[k] - g[k]) * G_MS2).collect();
        let g: Vec<f64> = g.iter().map(|v| v * G_MS2).collect();
        let _ = writeln!(accel, "{ns},{t:.3},{:.6},{:.6},{:.6}", a[2], a[1], a[0]);
        let _ = writeln!(gravity, "{ns},{t:.3},{:.6},{:.6},{:.6}", g[2], g[1], g[0]);
    });
    (accel, gravity, truth)
}

#[test]
fn an_iphone_recording_without_total_acceleration_is_combined_with_its_gravity() {
    let dir = tempfile::tempdir().unwrap();
    let (accel, gravity, truth) = iphone_files(1.0);
    // As a folder (unzipped)…
    let folder = dir.path().join("2026-03-02_08-00-00");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("Accelerometer.csv"), &accel).unwrap();
    std::fs::write(folder.join("Gravity.csv"), &gravity).unwrap();
    std::fs::write(folder.join("Metadata.csv"), "version\n1\n").unwrap();
    let db = dir.path().join("folder.db");
    let out = import(&db, &folder);
    let words = said(&out);
    assert!(out.status.success(), "{words}");
    assert!(
        words.contains("Imported Accelerometer.csv with Gravity.csv (Sensor Logger export"),
        "{words}"
    );
    assert!(words.contains("in m/s²"), "{words}");
    assert_agrees(sitting_stored(&db), truth, 1.0);

    // …and as the app's zip export, in a folder of its own.
    let zip_path = dir.path().join("2026-03-02_08-00-00.zip");
    zip_files(
        &zip_path,
        &[
            ("2026-03-02_08-00-00/Accelerometer.csv", accel.as_bytes()),
            ("2026-03-02_08-00-00/Gravity.csv", gravity.as_bytes()),
        ],
    );
    let db = dir.path().join("zip.db");
    let out = import(&db, &zip_path);
    assert!(out.status.success(), "{}", said(&out));
    assert_agrees(sitting_stored(&db), truth, 1.0);

    // Accelerometer.csv alone is refused with what to do.
    std::fs::remove_file(folder.join("Gravity.csv")).unwrap();
    let out = import(&dir.path().join("alone.db"), &folder);
    let words = said(&out);
    assert!(!out.status.success());
    assert!(words.contains("no Gravity.csv beside it"), "{words}");
}

/// Messages say each thing once, in a line a person can read.
#[test]
fn a_refusal_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 3] = [
        ("nt.csv", "a,b,c\n1,2,3\n", "no time column"),
        (
            "nn.csv",
            "t_ms,ax,ay,az\n1772438400000,abc,0,1\n",
            "is not a number",
        ),
        (
            "lin.csv",
            "time,linear_x,linear_y,linear_z\n1772438400000,0,0,0\n",
            "without gravity",
        ),
    ];
    for (name, text, words) in cases {
        let csv = dir.path().join(name);
        std::fs::write(&csv, text).unwrap();
        let out = import(&dir.path().join("x.db"), &csv);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success());
        assert_eq!(err.matches(words).count(), 1, "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// What is not a recording is refused quickly, with a short message, and
/// memory stays bounded (the line cap stops a read before it buffers).
#[test]
fn devices_huge_lines_and_absurd_times_are_refused_or_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    // A device: not read at all.
    let out = import(&db, Path::new("/dev/zero"));
    let err = said(&out);
    assert!(!out.status.success());
    assert!(err.contains("not a regular file"), "{err}");

    // One line of 20 MB: stopped at 64 KiB, the message short.
    let huge: PathBuf = dir.path().join("one-line.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&huge).unwrap());
    f.write_all(b"t_ms,ax,ay,az\n1772438400000,").unwrap();
    let block = vec![b'7'; 1 << 20];
    for _ in 0..20 {
        f.write_all(&block).unwrap();
    }
    f.write_all(b",0,1\n").unwrap();
    drop(f);
    let out = import(&db, &huge);
    let err = said(&out);
    assert!(!out.status.success());
    assert!(err.contains("line 2 is longer than 64 KiB"), "{err}");
    assert!(err.len() < 300, "{} bytes of message", err.len());
    assert!(!db.exists(), "nothing was written");

    // Absurd times among good rows: set aside and said.
    let csv = dir.path().join("times.csv");
    let mut text = String::from("t_ms,ax,ay,az\n");
    for i in 0..3000 {
        let _ = writeln!(text, "{},0,0,1", START_S * 1000 + i * 20);
    }
    for bad in ["-86400000", "1e308", "99999999999999999"] {
        let _ = writeln!(text, "{bad},0,0,1");
    }
    std::fs::write(&csv, text).unwrap();
    let out = import(&db, &csv);
    let words = said(&out);
    assert!(out.status.success(), "{words}");
    assert!(
        words.contains(
            "3 rows dated before 2000 or in the future were left out (the first on line 3002"
        ),
        "{words}"
    );
    let day = sitless_utc(&[
        "report",
        "--date",
        "1969-12-31",
        "--json",
        "--db",
        db.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&day.stdout).unwrap();
    assert_eq!(v["has_data"], false, "nothing stored in 1969");
}

use super::*;

/// A whole recording: checked, then read into memory (phyphox's starts
/// as its meta/time.csv would give them).
fn read_with(
    text: &[u8],
    opts: &ReadOptions,
    starts: Option<Vec<(f64, f64)>>,
) -> Result<(Inspected, Vec<RawSample>), RecordingError> {
    let plan = inspect(text, opts, starts)?;
    let mut out = Vec::new();
    read(text, &plan, 10, |s| out.extend_from_slice(s), &mut |_| {})?;
    Ok((plan, out))
}

fn read_all(
    text: &[u8],
    opts: &ReadOptions,
) -> Result<(Inspected, Vec<RawSample>), RecordingError> {
    read_with(text, opts, None)
}

/// No bound on the times: these files date from anywhere.
fn opts() -> ReadOptions {
    ReadOptions {
        start_s: None,
        latest_ms: i64::MAX,
        earliest_ms: i64::MIN,
    }
}

fn all(text: &str) -> Result<(Inspected, Vec<RawSample>), RecordingError> {
    read_all(text.as_bytes(), &opts())
}

#[test]
fn the_sitless_raw_format_reads_as_before() {
    let (p, v) = all("t_ms,ax,ay,az\n1000,0,0,1\n1040,0.1,-0.2,0.98\r\n\n").unwrap();
    assert_eq!(p.writer, Writer::Sitless);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].t_ms, 1_040);
    assert!((v[1].accel_g.y + 0.2).abs() < 1e-6);
}

#[test]
fn a_phyphox_export_with_its_start_time() {
    let text = "\"Time (s)\",\"Acceleration x (m/s^2)\",\"Acceleration y (m/s^2)\",\"Acceleration z (m/s^2)\",\"Absolute acceleration (m/s^2)\"\n\
                0.000E0,9.806E0,0.0E0,0.0E0,9.806E0\n\
                1.000E-2,9.806E0,1.0E-1,0.0E0,9.807E0\n";
    assert!(matches!(all(text), Err(RecordingError::NoStart)));
    let start = 1_764_576_000.0; // 2025-12-01T08:00:00Z
    let (plan, v) = read_with(text.as_bytes(), &opts(), Some(vec![(0.0, start)])).unwrap();
    assert_eq!(plan.writer, Writer::Phyphox);
    assert_eq!(plan.unit, Unit::MetresPerS2);
    assert_eq!(v[0].t_ms, 1_764_576_000_000);
    assert_eq!(v[1].t_ms, 1_764_576_000_010);
    assert!((v[0].accel_g.x - 1.0).abs() < 1e-3, "m/s² become g");
    // A pause: the second START maps later experiment times.
    let starts = vec![(0.0, start), (0.005, start + 100.0)];
    let (_, v) = read_with(text.as_bytes(), &opts(), Some(starts)).unwrap();
    assert_eq!(v[1].t_ms, 1_764_576_100_005);
}

#[test]
fn phyphox_with_semicolons_and_decimal_commas() {
    let text = "\u{feff}\"Time (s)\";\"Acceleration x (m/s^2)\";\"Acceleration y (m/s^2)\";\"Acceleration z (m/s^2)\"\r\n\
                0;0,0;0,0;9,81\r\n\
                0,02;0,1;0,0;9,79\r\n";
    let o = ReadOptions {
        start_s: Some(1_000_000.0),
        ..opts()
    };
    let (_, v) = read_all(text.as_bytes(), &o).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].t_ms, 1_000_000_020);
    assert!((v[1].accel_g.z - 9.79 / 9.806_65).abs() < 1e-4);
}

#[test]
fn sensor_logger_total_acceleration_in_epoch_nanoseconds() {
    // z, y, x order; m/s² without a unit in the header (told by gravity).
    let text = "time,seconds_elapsed,z,y,x\n\
                1764576000000000000,0.0,9.8,0.1,0.2\n\
                1764576000010000000,0.01,9.7,0.2,0.1\n";
    let (p, v) = all(text).unwrap();
    assert_eq!(
        (p.writer, p.unit),
        (Writer::SensorLogger, Unit::MetresPerS2)
    );
    assert_eq!(v[1].t_ms, 1_764_576_000_010);
    assert!(
        (v[0].accel_g.z - 9.8 / 9.806_65).abs() < 1e-4,
        "z is its own column"
    );
    assert!((v[0].accel_g.x - 0.2 / 9.806_65).abs() < 1e-4);
}

#[test]
fn iso_times_and_g_units_from_the_values() {
    let text = "timestamp,x,y,z\n2026-11-30T08:00:00.000+01:00,0.0,0.0,1.0\n2026-11-30T08:00:00.040+01:00,0.0,0.02,0.99\n";
    let (p, v) = all(text).unwrap();
    assert_eq!(p.unit, Unit::G);
    assert_eq!(v[0].t_ms, 1_796_022_000_000);
    assert_eq!(v[1].t_ms - v[0].t_ms, 40);
}

#[test]
fn acceleration_without_gravity_is_refused_with_what_to_export() {
    let text = "time,seconds_elapsed,z,y,x\n1764576000000000000,0,0.01,0.02,-0.01\n1764576000010000000,0.01,0.03,0.0,0.02\n";
    let e = all(text).unwrap_err().to_string();
    assert!(
        e.contains("without gravity") && e.contains("TotalAcceleration.csv"),
        "{e}"
    );
    let text = "Time (s),Linear Acceleration x (m/s^2),Linear Acceleration y (m/s^2),Linear Acceleration z (m/s^2)\n0,0,0,0\n";
    let e = all(text).unwrap_err().to_string();
    assert!(
        e.starts_with("line 1:") && e.contains("Acceleration with g"),
        "{e}"
    );
}

#[test]
fn errors_name_the_line_and_the_column_and_nothing_is_read() {
    let text = "\"Time (s)\",\"Acceleration x (m/s^2)\",\"Acceleration y (m/s^2)\",\"Acceleration z (m/s^2)\"\n0,0,0,9.8\n0.01,0,abc,9.8\n";
    let e = read_all(
        text.as_bytes(),
        &ReadOptions {
            start_s: Some(0.0),
            ..opts()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3, column \"Acceleration y (m/s^2)\": \"abc\" is not a number"
    );
    let e = all("t_ms,ax,ay,az\n1000,0,0\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2: expected 4 fields as in the header, found 3"
    );
    let e = all("t_ms,ax,ay,az\n1000,0,0,1\n1040,0,0,NaN\n").unwrap_err();
    assert!(e.to_string().starts_with("line 3, column \"az\""), "{e}");
    let e = all("t_ms,ax,ay,az\n1000,0,0,1\n1040,0,0,40\n").unwrap_err();
    assert!(
        e.to_string().starts_with("line 3: 40.0 g on the z axis"),
        "{e}"
    );
    assert!(matches!(all(""), Err(RecordingError::Empty)));
    assert!(matches!(
        all("t_ms,ax,ay,az\n"),
        Err(RecordingError::NoSamples)
    ));
    assert!(matches!(all("a,b\n1,2\n"), Err(RecordingError::Header(_))));
    // Not text at all.
    let e = read_all(b"t_ms,ax,ay,az\n1000,0,0,\xff\xfe\n", &opts()).unwrap_err();
    assert!(e.to_string().starts_with("line 2"), "{e}");
}

#[test]
fn rows_out_of_order_are_left_out_and_counted() {
    let (p, v) = all("t_ms,ax,ay,az\n1000,0,0,1\n1040,0,0,1\n1020,0,0,1\n1080,0,0,1\n").unwrap();
    assert_eq!((p.rows, p.out_of_order, v.len()), (3, 1, 3));
    assert!(v.windows(2).all(|w| w[0].t_ms <= w[1].t_ms));
}

#[test]
fn quoted_fields_tabs_and_a_header_with_spaces() {
    let text = "time\t x \t y \t z\n1764576000.0\t\"0.0\"\t0.0\t1.0\n1764576000.5\t0.0\t0.0\t1.0\n";
    let (p, v) = all(text).unwrap();
    assert_eq!(p.unit, Unit::G);
    assert_eq!(
        v[1].t_ms, 1_764_576_000_500,
        "epoch seconds with a fraction"
    );
}

#[test]
fn phyphox_meta_time_is_found_beside_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("meta")).unwrap();
    std::fs::write(
        dir.path().join("meta").join("time.csv"),
        "\"event\",\"experiment time\",\"system time\",\"system time text\"\n\"START\",0.000000000E0,1.764576000E9,\"2025-12-01 08:00:00.000 UTC+00:00\"\n\"PAUSE\",3.6E3,1.7645796E9,\"x\"\n",
    )
    .unwrap();
    let csv = dir.path().join("Raw Data.csv");
    std::fs::write(&csv, "Time (s),x,y,z\n").unwrap();
    let found = source::RecordingSource::find(&csv).unwrap();
    assert_eq!(found.phyphox_starts(), Some(vec![(0.0, 1_764_576_000.0)]));
    let elsewhere = dir.path().join("x");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("y.csv"), "t,x,y,z\n").unwrap();
    let found = source::RecordingSource::find(&elsewhere.join("y.csv")).unwrap();
    assert_eq!(found.phyphox_starts(), None);
}

#[test]
fn start_times_are_read_or_refused_with_the_form() {
    assert_eq!(parse_start("  "), Ok(None));
    assert_eq!(
        parse_start("2026-11-30T08:00:00+01:00"),
        Ok(Some(1_796_022_000.0))
    );
    assert!(parse_start("2026-11-30 08:00").unwrap().is_some());
    assert!(
        parse_start("yesterday")
            .unwrap_err()
            .contains("2026-11-30 08:00")
    );
}

/// Rows dated outside 2000 to now are left out, counted, and the first
/// named; a file made mostly of them imports nothing and says why.
#[test]
fn absurd_times_are_left_out_or_refused_with_the_count_and_first_line() {
    use std::fmt::Write;
    let now_ms = 1_780_000_000_000_i64;
    let bound = ReadOptions {
        start_s: None,
        latest_ms: now_ms + 86_400_000,
        earliest_ms: EARLIEST_MS,
    };
    let mut text = String::from("t_ms,ax,ay,az\n");
    for i in 0..50 {
        writeln!(text, "{},0,0,1", now_ms - 60_000 + i * 40).unwrap();
    }
    // 50 years ahead, 1e308 ms, 1969, the year 5, a jump of 1,000 years.
    let year_ms = 365 * 86_400_000_i64;
    let bad = [
        (now_ms + 50 * year_ms).to_string(),
        "1e308".to_owned(),
        "-86400000".to_owned(),
        (-1965 * year_ms).to_string(),
        (now_ms + 1000 * year_ms).to_string(),
    ];
    let mut with_bad = text.clone();
    for b in &bad {
        writeln!(with_bad, "{b},0,0,1").unwrap();
    }
    let (plan, samples) = read_all(with_bad.as_bytes(), &bound).unwrap();
    assert_eq!((plan.rows, plan.outside, samples.len()), (50, 5, 50));
    assert!(samples.iter().all(|s| s.t_ms <= now_ms), "none stored");
    let words = plan.left_out_words().join(" ");
    assert!(words.contains("5 rows dated before 2000"), "{words}");
    assert!(words.contains("line 52"), "{words}");

    // Mostly absurd: the time column is wrong; nothing is imported.
    let mut absurd = String::from("t_ms,ax,ay,az\n");
    for i in 0..10 {
        writeln!(absurd, "{},0,0,1", now_ms + 50 * year_ms + i).unwrap();
    }
    writeln!(absurd, "{now_ms},0,0,1").unwrap();
    let e = read_all(absurd.as_bytes(), &bound).unwrap_err();
    assert!(
        matches!(
            e,
            RecordingError::Implausible {
                count: 10,
                line: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("Nothing was imported"), "{e}");
}

/// A bad cell is quoted in a few dozen characters, whatever its length.
#[test]
fn a_long_bad_cell_is_quoted_short() {
    let cell = "x".repeat(10_000);
    let text = format!("t_ms,ax,ay,az\n1764576000000,{cell},0,1\n");
    let e = read_all(text.as_bytes(), &opts()).unwrap_err().to_string();
    assert!(e.len() < 120, "{e}");
    assert!(e.contains("xxxx…\" is not a number"), "{e}");
}

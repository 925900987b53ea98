//! Which columns of a recording hold the time and the three axes, found by
//! their header names (phyphox, Sensor Logger, Sitless's own raw format and
//! the plain names other loggers use), and in what unit.

/// The unit the header gives the acceleration in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    G,
    MetresPerS2,
}

/// The app that wrote the file, for the summary and for its quirks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    Sitless,
    Phyphox,
    SensorLogger,
    Other,
}

impl Writer {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sitless => "Sitless raw recording",
            Self::Phyphox => "phyphox export",
            Self::SensorLogger => "Sensor Logger export",
            Self::Other => "accelerometer recording",
        }
    }

    /// What the writer says of how the sensor was worn: the phone apps'
    /// files come from a phone, which in a trouser pocket lies along the
    /// thigh (`docs/posture.md`, "Before gait").
    pub fn wearing_prior(self) -> Option<crate::domain::sample::WearingPrior> {
        match self {
            Self::Phyphox | Self::SensorLogger => {
                Some(crate::domain::sample::WearingPrior::PhoneInPocket)
            }
            Self::Sitless | Self::Other => None,
        }
    }
}

/// The columns found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// Candidates for the time, best first (the first row decides which
    /// one holds absolute times).
    pub time: Vec<usize>,
    pub axes: [usize; 3],
    pub unit: Option<Unit>,
    pub writer: Writer,
    pub names: Vec<String>,
}

/// A header name reduced for matching: lower case, the unit in brackets
/// taken off and returned apart, spaces, `_` and `-` removed.
fn split_name(raw: &str) -> (String, String) {
    let name = raw.trim().trim_start_matches('\u{feff}').to_lowercase();
    let (base, unit) = match name.find(['(', '[']) {
        Some(i) => (
            &name[..i],
            name[i + 1..].trim_end_matches([')', ']']).trim().to_owned(),
        ),
        None => (name.as_str(), String::new()),
    };
    let base = base
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .collect();
    (base, unit)
}

fn unit_of(text: &str) -> Option<Unit> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    match t.as_str() {
        "g" | "gee" => Some(Unit::G),
        "m/s^2" | "m/s²" | "m/s2" | "ms^-2" | "ms-2" | "m·s⁻²" | "mps2" => {
            Some(Unit::MetresPerS2)
        }
        _ => None,
    }
}

/// What to export instead of acceleration without gravity.
pub(crate) const NEEDS_GRAVITY: &str = "Sitless needs the pull of gravity to tell sitting from standing. In phyphox use the experiment \"Acceleration with g\"; from Sensor Logger import TotalAcceleration.csv (Android) or AccelerometerUncalibrated.csv (iPhone, with Accelerometer Uncalibrated switched on)";

/// Why a header is not usable, in words that say what to export instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("this file has acceleration without gravity ({0}). {NEEDS_GRAVITY}")]
    NoGravity(String),
    #[error(
        "no time column: expected one named like time, t_ms, timestamp, \"Time (s)\" or seconds_elapsed (found: {0})"
    )]
    NoTime(String),
    #[error(
        "no acceleration columns: expected three named like x, y, z or \"Acceleration x (m/s^2)\" (found: {0})"
    )]
    NoAxes(String),
}

/// Finds the columns in a header row.
pub fn find(header: &[&str]) -> Result<Columns, HeaderError> {
    let split: Vec<(String, String)> = header.iter().map(|h| split_name(h)).collect();
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    // A header of thousands of names is quoted in a few of them.
    let listed = || {
        let all = names.join(", ");
        match all.char_indices().nth(120) {
            Some((cut, _)) => format!("{}…", &all[..cut]),
            None => all,
        }
    };
    let is = |i: usize, options: &[&str]| options.contains(&split[i].0.as_str());

    // Time: absolute kinds first; a relative one only as a fallback.
    let order: [&[&str]; 4] = [
        &[
            "time",
            "timestamp",
            "tms",
            "unixtime",
            "epoch",
            "datetime",
            "date",
        ],
        &["t", "systemtime"],
        &[
            "times",
            "timesec",
            "secondselapsed",
            "elapsed",
            "elapsedtime",
        ],
        &["seconds", "sec", "ts"],
    ];
    let mut time = Vec::new();
    for group in order {
        for i in 0..split.len() {
            if is(i, group) && !time.contains(&i) {
                time.push(i);
            }
        }
    }
    // "Time (s)" splits to "time" with unit "s": already in the first group.
    if time.is_empty() {
        return Err(HeaderError::NoTime(listed()));
    }

    let axis = |letter: &str| -> Option<usize> {
        let options = [
            letter.to_owned(),
            format!("a{letter}"),
            format!("acc{letter}"),
            format!("accel{letter}"),
            format!("acceleration{letter}"),
            format!("accelerometer{letter}"),
            format!("totalacceleration{letter}"),
            format!("{letter}axis"),
            format!("acc{letter}g"),
        ];
        (0..split.len()).find(|&i| options.iter().any(|o| *o == split[i].0))
    };
    let found = [axis("x"), axis("y"), axis("z")];
    let [Some(x), Some(y), Some(z)] = found else {
        // Linear acceleration (gravity removed) has its own names.
        if let Some(i) = (0..split.len()).find(|&i| split[i].0.starts_with("linear")) {
            return Err(HeaderError::NoGravity(names[i].clone()));
        }
        return Err(HeaderError::NoAxes(listed()));
    };
    let unit = [x, y, z].iter().find_map(|&i| unit_of(&split[i].1));
    let writer = if is(time[0], &["tms"])
        && ["ax", "ay", "az"]
            .iter()
            .all(|a| split.iter().any(|s| s.0 == *a))
    {
        Writer::Sitless
    } else if split.iter().any(|s| s.0 == "secondselapsed") {
        Writer::SensorLogger
    } else if names
        .iter()
        .any(|n| n.starts_with("Acceleration x") || n == "Time (s)")
    {
        Writer::Phyphox
    } else {
        Writer::Other
    };
    Ok(Columns {
        time,
        axes: [x, y, z],
        unit,
        writer,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_exports_are_recognised() {
        let c = find(&[
            "Time (s)",
            "Acceleration x (m/s^2)",
            "Acceleration y (m/s^2)",
            "Acceleration z (m/s^2)",
            "Absolute acceleration (m/s^2)",
        ])
        .unwrap();
        assert_eq!(
            (c.time[0], c.axes, c.unit, c.writer),
            (0, [1, 2, 3], Some(Unit::MetresPerS2), Writer::Phyphox)
        );
        // Sensor Logger writes z, y, x, and two times.
        let c = find(&["time", "seconds_elapsed", "z", "y", "x"]).unwrap();
        assert_eq!(
            (c.time.clone(), c.axes, c.unit, c.writer),
            (vec![0, 1], [4, 3, 2], None, Writer::SensorLogger)
        );
        let c = find(&["\u{feff}t_ms", "ax", "ay", "az"]).unwrap();
        assert_eq!(
            (c.time[0], c.axes, c.writer),
            (0, [1, 2, 3], Writer::Sitless)
        );
        let c = find(&["timestamp", "accel_x (g)", "accel_y (g)", "accel_z (g)"]).unwrap();
        assert_eq!(c.unit, Some(Unit::G));
    }

    #[test]
    fn what_cannot_be_used_is_said() {
        let e = find(&[
            "Time (s)",
            "Linear Acceleration x (m/s^2)",
            "Linear Acceleration y (m/s^2)",
            "Linear Acceleration z (m/s^2)",
        ])
        .unwrap_err();
        assert!(matches!(e, HeaderError::NoGravity(_)), "{e}");
        assert!(matches!(find(&["a", "b"]), Err(HeaderError::NoTime(_))));
        assert!(matches!(
            find(&["time", "lat", "lon"]),
            Err(HeaderError::NoAxes(_))
        ));
    }
}

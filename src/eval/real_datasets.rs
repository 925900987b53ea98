//! The readers of the real data sets (DSADS, `MobiFall`, `HuGaDB`) and the
//! days joined from them. Part of `real`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::{Activity, RealError, Recording, START_MS, format_err, io};
use crate::domain::vector::{Mat3, Vec3};

const G_MS2: f32 = 9.806_65;

/// One activity of one DSADS leg: its code (a01–a19), what it is, and its
/// samples (ms from its start, g).
pub type Part = (String, Activity, Vec<(i64, Vec3)>);

fn open(path: &Path) -> Result<Box<dyn BufRead>, RealError> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let r: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(f))
    } else {
        Box::new(f)
    };
    Ok(Box::new(BufReader::new(r)))
}

fn num(path: &Path, line: usize, cell: Option<&str>) -> Result<f32, RealError> {
    let c = cell.ok_or_else(|| format_err(path, line, "too few columns"))?;
    let v: f32 = c
        .trim()
        .parse()
        .map_err(|_| format_err(path, line, format!("not a number: {c:?}")))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format_err(path, line, "not finite"))
    }
}

/// DSADS activity codes (a01–a19) as activities.
fn dsads_activity(code: &str) -> Option<Activity> {
    use Activity as A;
    Some(match code {
        "a01" => A::Sitting,
        "a02" => A::Standing,
        "a03" => A::LyingBack,
        "a04" => A::LyingSide,
        "a05" | "a06" => A::Stairs,
        "a07" => A::LiftStill,
        "a08" | "a13" | "a14" | "a18" | "a19" => A::UprightMoving,
        "a09" | "a10" | "a11" => A::Walking,
        "a12" => A::Running,
        "a15" | "a16" => A::Cycling,
        "a17" => A::Rowing,
        _ => return None,
    })
}

/// Which thigh of a DSADS person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leg {
    Right,
    Left,
}

/// One DSADS person's thigh unit: each activity's 5 minutes, in the file's
/// order, as `(activity code, samples in g at 25 Hz)`.
pub fn read_dsads(path: &Path, leg: Leg) -> Result<Vec<Part>, RealError> {
    let mut out: Vec<Part> = Vec::new();
    let col = match leg {
        Leg::Right => 8,
        Leg::Left => 11,
    };
    for (i, line) in open(path)?.lines().enumerate() {
        let line = line.map_err(io(path))?;
        if i == 0 || line.is_empty() {
            continue;
        }
        let c: Vec<&str> = line.split(',').collect();
        let code = c.get(1).copied().unwrap_or_default();
        let activity =
            dsads_activity(code).ok_or_else(|| format_err(path, i + 1, "unknown activity"))?;
        let a = Vec3::new(
            num(path, i + 1, c.get(col).copied())?,
            num(path, i + 1, c.get(col + 1).copied())?,
            num(path, i + 1, c.get(col + 2).copied())?,
        ) * (1.0 / G_MS2);
        if out.last().is_none_or(|(c, _, _)| c != code) {
            out.push((code.to_owned(), activity, Vec::new()));
        }
        if let Some(last) = out.last_mut() {
            // Pieces restart their clock: count on from the last sample.
            let t_ms = last.2.len() as i64 * 40;
            last.2.push((t_ms, a));
        }
    }
    Ok(out)
}

/// A DSADS "day": the activities of one leg joined in `order` (indexes
/// into what `read_dsads` returned).
pub fn dsads_day(name: &str, parts: &[Part], order: &[usize]) -> Recording {
    let mut r = Recording {
        name: name.to_owned(),
        margin_s: 3,
        ..Recording::default()
    };
    for &i in order {
        if let Some((_, a, s)) = parts.get(i) {
            r.append(s.clone(), *a);
        }
    }
    r
}

/// One `MobiFall` accelerometer file: `(phone ns, m/s²)` rows after `@DATA`.
pub(crate) fn read_mobifall_file(path: &Path) -> Result<Vec<(i64, Vec3)>, RealError> {
    let mut out = Vec::new();
    let mut data = false;
    for (i, line) in open(path)?.lines().enumerate() {
        let line = line.map_err(io(path))?;
        if !data {
            data = line.trim() == "@DATA";
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let c: Vec<&str> = line.split(',').collect();
        let ns: i64 = c
            .first()
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| format_err(path, i + 1, "bad timestamp"))?;
        let a = Vec3::new(
            num(path, i + 1, c.get(1).copied())?,
            num(path, i + 1, c.get(2).copied())?,
            num(path, i + 1, c.get(3).copied())?,
        ) * (1.0 / G_MS2);
        out.push((ns / 1_000_000, a));
    }
    Ok(out)
}

/// One `MobiFall` person's activities of daily living as one session, in
/// the order a person might do them: stand, walk, stairs, sit down, get
/// up, jog, step into and out of a car. `None` when the person has none.
pub fn mobifall_session(dir: &Path, subject: u32) -> Result<Option<Recording>, RealError> {
    use Activity as A;
    let adl = dir.join(format!("sub{subject}/ADL"));
    if !adl.is_dir() {
        return Ok(None);
    }
    let mut r = Recording {
        name: format!("mobifall sub{subject}"),
        margin_s: 3,
        wearing_prior: Some(crate::domain::sample::WearingPrior::PhoneInPocket),
        ..Recording::default()
    };
    let plan: [(&str, A, &[u32]); 9] = [
        ("STD", A::Standing, &[1]),
        ("WAL", A::Walking, &[1]),
        ("STU", A::Stairs, &[1, 2, 3]),
        ("STN", A::Stairs, &[1, 2, 3]),
        ("SCH", A::Transition, &[1, 2, 3, 4, 5, 6]),
        ("JOG", A::Running, &[1, 2, 3]),
        ("CSI", A::Transition, &[1, 2]),
        ("STU", A::Stairs, &[4, 5, 6]),
        ("STN", A::Stairs, &[4, 5, 6]),
    ];
    for (code, activity, trials) in plan {
        for t in trials {
            let p = adl.join(format!("{code}/{code}_acc_{subject}_{t}.txt"));
            if p.is_file() {
                r.append(read_mobifall_file(&p)?, activity);
            }
        }
    }
    Ok((!r.samples.is_empty()).then_some(r))
}

/// The `HuGaDB` recording: one thigh (right or left), about 58 Hz, a label
/// per sample (5 sitting, 6 sitting down, 7 standing up, 8 standing).
pub fn read_hugadb(path: &Path, leg: Leg) -> Result<Recording, RealError> {
    let col = match leg {
        Leg::Right => 12,
        Leg::Left => 30,
    };
    let mut rows: Vec<(Vec3, Activity)> = Vec::new();
    for (i, line) in open(path)?.lines().enumerate() {
        let line = line.map_err(io(path))?;
        if line.starts_with('#') || line.starts_with("acc_") || line.trim().is_empty() {
            continue;
        }
        let c: Vec<&str> = line.split('\t').collect();
        let a = Vec3::new(
            num(path, i + 1, c.get(col).copied())?,
            num(path, i + 1, c.get(col + 1).copied())?,
            num(path, i + 1, c.get(col + 2).copied())?,
        ) * (1.0 / 16_384.0);
        let label = num(path, i + 1, c.last().copied())? as i32;
        let activity = match label {
            5 => Activity::Sitting,
            8 => Activity::Standing,
            _ => Activity::Transition,
        };
        rows.push((a, activity));
    }
    let mut r = Recording {
        name: format!("hugadb {leg:?} thigh"),
        margin_s: 1,
        ..Recording::default()
    };
    let period_ms = 1000.0 / 58.0;
    let mut i = 0;
    while i < rows.len() {
        let a = rows[i].1;
        let j = (i..rows.len())
            .find(|&j| rows[j].1 != a)
            .unwrap_or(rows.len());
        let part = (i..j)
            .map(|k| (((k - i) as f64 * period_ms) as i64, rows[k].0))
            .collect();
        r.append(part, a);
        i = j;
    }
    Ok(r)
}

/// The orders DSADS activities are joined in: as recorded, reversed, and
/// shuffled by `seed`.
pub fn dsads_orders(n: usize, seed: u64) -> [(String, Vec<usize>); 3] {
    let ahead: Vec<usize> = (0..n).collect();
    let back: Vec<usize> = (0..n).rev().collect();
    let mut shuffled = ahead.clone();
    fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
    [
        ("as recorded".to_owned(), ahead),
        ("reversed".to_owned(), back),
        (format!("shuffled {seed}"), shuffled),
    ]
}

/// A day of someone who sits most and walks little, from one DSADS leg:
/// sitting for 20–50 minutes at a time, then a few seconds of standing, a
/// short walk of 4–12 s and standing again, for `hours`. The pieces are the
/// person's own recordings (sitting looped, a walk cut from the car park
/// walk); the timing is the point: about a minute of steps in two hours.
pub fn dsads_sedentary_day(name: &str, parts: &[Part], hours: f32, seed: u64) -> Recording {
    let find = |code: &str| parts.iter().find(|p| p.0 == code).map(|p| &p.2);
    let mut r = Recording {
        name: name.to_owned(),
        margin_s: 3,
        ..Recording::default()
    };
    let (Some(sit), Some(stand), Some(walk)) = (find("a01"), find("a02"), find("a09")) else {
        return r;
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    // 25 Hz: samples per second.
    let per_s = 25_usize;
    let piece = |src: &Vec<(i64, Vec3)>, start_s: usize, len_s: usize| -> Vec<(i64, Vec3)> {
        let n = src.len();
        (0..len_s * per_s)
            .map(|i| {
                let (_, a) = src[(start_s * per_s + i) % n];
                (i as i64 * 40, a)
            })
            .collect()
    };
    let end_ms = START_MS + (f64::from(hours) * 3_600_000.0) as i64;
    while r.samples.last().is_none_or(|s| s.t_ms < end_ms) {
        let sit_s = rng.usize(20 * 60..50 * 60);
        let mut seated = piece(sit, rng.usize(0..300), sit_s);
        // The five recorded minutes are looped; each time round the
        // wearer shifts in the chair by 1–4°, as people do every few
        // minutes (left out, a loop would be the same still minutes over
        // and over, which only a sensor on a desk does).
        for lap in seated.chunks_mut(300 * per_s).skip(1) {
            let axis = Vec3::new(rng.f32() - 0.5, rng.f32() - 0.5, rng.f32() - 0.5)
                .normalized()
                .unwrap_or(Vec3::new(1.0, 0.0, 0.0));
            let m = Mat3::from_axis_angle(axis, (1.0 + 3.0 * rng.f32()).to_radians());
            for (_, a) in lap {
                *a = m.apply(*a);
            }
        }
        r.append(seated, Activity::Sitting);
        r.append(
            piece(stand, rng.usize(0..270), rng.usize(5..30)),
            Activity::Standing,
        );
        r.append(
            piece(walk, rng.usize(0..280), rng.usize(4..13)),
            Activity::Walking,
        );
        r.append(
            piece(stand, rng.usize(0..280), rng.usize(5..20)),
            Activity::Standing,
        );
    }
    r
}

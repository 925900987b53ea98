//! CSV export of samples, minute rollups or day figures, and the restore
//! of a samples or minutes export. The header line names the kind, so an
//! export is recognised on import; every value is parsed strictly and a
//! bad line is reported by its number before anything is written.

use std::io::{Read, Write};

use chrono::NaiveDate;

use crate::domain::days::{day_bounds, local_datetime};
use crate::domain::figures::DayFigures;
use crate::domain::figures::MinuteRollup;
use crate::domain::posture::{Posture, PostureSecond};
use crate::domain::sample::Placement;
use crate::store::{Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportKind {
    /// One row per stored second.
    Samples,
    /// One row per minute (the rollup).
    Minutes,
    /// One row per day (the figures of the History view).
    Days,
}

impl ExportKind {
    pub const ALL: [Self; 3] = [Self::Samples, Self::Minutes, Self::Days];

    pub fn name(self) -> &'static str {
        match self {
            Self::Samples => "samples",
            Self::Minutes => "minutes",
            Self::Days => "days",
        }
    }

    /// "1 day", "30 days", "86400 seconds": what `rows` rows are.
    pub(crate) fn count_words(self, rows: u64) -> String {
        let (one, many) = match self {
            Self::Samples => ("second", "seconds"),
            Self::Minutes => ("minute", "minutes"),
            Self::Days => ("day", "days"),
        };
        format!("{rows} {}", if rows == 1 { one } else { many })
    }

    pub fn header(self) -> &'static str {
        match self {
            Self::Samples => SAMPLES_HEADER,
            Self::Minutes => MINUTES_HEADER,
            Self::Days => DAYS_HEADER,
        }
    }
}

pub(crate) const SAMPLES_HEADER: &str = "t_s,local_time,device,placement,state,tilt_deg";
pub(crate) const MINUTES_HEADER: &str = "minute_start_s,local_time,sitting_s,standing_s,moving_s,lying_s,unknown_s,sit_tilt_sum_ddeg,sit_tilt_n,stand_tilt_sum_ddeg,stand_tilt_n,slouch_s,not_worn_s,desk_s";
/// The minutes export before desk time (restored with no desk time).
const MINUTES_HEADER_V2: &str = "minute_start_s,local_time,sitting_s,standing_s,moving_s,lying_s,unknown_s,sit_tilt_sum_ddeg,sit_tilt_n,stand_tilt_sum_ddeg,stand_tilt_n,slouch_s,not_worn_s";
/// The minutes header before non-wear was a state; such files still restore.
const MINUTES_HEADER_V1: &str = "minute_start_s,local_time,sitting_s,standing_s,moving_s,lying_s,unknown_s,sit_tilt_sum_ddeg,sit_tilt_n,stand_tilt_sum_ddeg,stand_tilt_n,slouch_s";
pub(crate) const DAYS_HEADER: &str = "date,sitting_s,standing_s,moving_s,lying_s,unknown_s,not_worn_s,desk_s,sit_short_s,sit_mid_s,sit_long_s,breaks,longest_streak_s,streaks_over_threshold,mean_tilt_deg,slouch_s,routines_completed";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("{}", csv_words(.0))]
    Csv(#[from] csv::Error),
    #[error("line {line}: {what}")]
    Line { line: usize, what: String },
    #[error(
        "this is a days export: daily totals cannot be turned back into data; import a samples or minutes export instead"
    )]
    DaysCannotBeRestored,
    #[error("the file is empty")]
    Empty,
}

/// A CSV error as a line and a reason.
fn csv_words(e: &csv::Error) -> String {
    match (e.position(), e.kind()) {
        (Some(p), csv::ErrorKind::Utf8 { .. }) => {
            format!("line {}: not valid UTF-8 text", p.line())
        }
        (Some(p), _) => format!("line {}: {e}", p.line()),
        (None, csv::ErrorKind::Io(io)) => format!("cannot read or write the file: {io}"),
        (None, _) => e.to_string(),
    }
}

fn iso(t_s: i64) -> String {
    local_datetime(t_s)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn state_name(p: Posture) -> &'static str {
    match p {
        Posture::Unknown => "unknown",
        Posture::Sitting => "sitting",
        Posture::Standing => "standing",
        Posture::Moving => "walking",
        Posture::Lying => "lying",
        Posture::NotWorn => "not_worn",
        Posture::AtDesk => "at_desk",
    }
}

fn state_of(name: &str) -> Option<Posture> {
    Posture::ALL.into_iter().find(|p| state_name(*p) == name)
}

/// Writes the export of `[first, last]` (local dates) through the `csv`
/// crate (quoting where a field needs it); returns the rows. `progress`
/// hears the fraction done now and then (a year of seconds takes a while).
pub fn export(
    store: &Store,
    what: ExportKind,
    first: NaiveDate,
    last: NaiveDate,
    threshold_s: i64,
    out: &mut impl Write,
    progress: &mut dyn FnMut(f64),
) -> Result<u64, ExportError> {
    let (start_s, _) = day_bounds(first);
    let (_, end_s) = day_bounds(last.max(first));
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(what.header().split(','))?;
    let mut rows = 0_u64;
    let span_s = (end_s - start_s).max(1) as f64;
    match what {
        ExportKind::Samples => {
            store.for_each_sample(start_s, end_s, |s, address, placement| {
                rows += 1;
                if rows.is_multiple_of(20_000) {
                    progress((s.t_s - start_s) as f64 / span_s);
                }
                let tilt = s.tilt_deg.map(|t| format!("{t:.1}")).unwrap_or_default();
                w.write_record([
                    s.t_s.to_string().as_str(),
                    &iso(s.t_s),
                    address,
                    placement.as_str(),
                    state_name(s.state),
                    &tilt,
                ])
                .map_err(ExportError::from)
            })?;
        }
        ExportKind::Minutes => {
            for m in store.minutes_between(start_s, end_s)? {
                rows += 1;
                let mut rec = vec![(m.t_min * 60).to_string(), iso(m.t_min * 60)];
                rec.extend(m.sums().map(|v| v.to_string()));
                w.write_record(&rec)?;
            }
        }
        ExportKind::Days => {
            for d in store.days(first, last.max(first), threshold_s)? {
                rows += 1;
                w.write_record(day_record(&d))?;
            }
        }
    }
    w.flush()?;
    progress(1.0);
    Ok(rows)
}

fn day_record(d: &DayFigures) -> [String; 17] {
    [
        d.date.to_string(),
        d.sitting_s.to_string(),
        d.standing_s.to_string(),
        d.moving_s.to_string(),
        d.lying_s.to_string(),
        d.unknown_s.to_string(),
        d.not_worn_s.to_string(),
        d.desk_s.to_string(),
        d.sit_short_s.to_string(),
        d.sit_mid_s.to_string(),
        d.sit_long_s.to_string(),
        d.breaks.to_string(),
        d.longest_streak_s.to_string(),
        d.streaks_over_threshold.to_string(),
        d.mean_tilt_deg
            .map(|t| format!("{t:.1}"))
            .unwrap_or_default(),
        d.slouch_s.to_string(),
        d.routines_completed.to_string(),
    ]
}

/// What an export file holds, parsed and checked, ready to restore.
#[derive(Debug)]
pub enum Restorable {
    /// Seconds with the device address and placement of each.
    Samples(Vec<(PostureSecond, String, Placement)>),
    Minutes(Vec<MinuteRollup>),
}

/// Recognises an export by its first line (`None`: not an export).
pub(crate) fn export_kind(first_line: &str) -> Option<ExportKind> {
    let line = first_line.trim_start_matches('\u{feff}').trim_end();
    if line == MINUTES_HEADER_V1 || line == MINUTES_HEADER_V2 {
        return Some(ExportKind::Minutes);
    }
    ExportKind::ALL.into_iter().find(|k| k.header() == line)
}

/// Parses a whole export; the first bad line fails it all. Read by the
/// `csv` crate: quoted fields, CRLF and a byte-order mark are fine.
/// Rows dated after `latest_s` (the wall clock and a day, from the caller)
/// are refused: one such row would make every stored second look old.
pub fn parse(reader: impl Read, latest_s: i64) -> Result<Restorable, ExportError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut records = r.records();
    let header = match records.next() {
        None => return Err(ExportError::Empty),
        Some(h) => h?,
    };
    let header_line = header.iter().collect::<Vec<_>>().join(",");
    let kind = export_kind(&header_line).ok_or_else(|| ExportError::Line {
        line: 1,
        what: "not a Sitless export header".into(),
    })?;
    let bad = |line: usize, what: String| ExportError::Line { line, what };
    match kind {
        ExportKind::Days => Err(ExportError::DaysCannotBeRestored),
        ExportKind::Samples => {
            let mut v = Vec::new();
            for_each_row(records, 6, |n, f| {
                let t_s: i64 = f[0]
                    .parse()
                    .map_err(|_| bad(n, format!("t_s {:?} is not a whole number", f[0])))?;
                if t_s > latest_s {
                    return Err(bad(n, format!("t_s {t_s} is in the future")));
                }
                let placement = Placement::parse(f[3])
                    .ok_or_else(|| bad(n, format!("unknown placement {:?}", f[3])))?;
                let state =
                    state_of(f[4]).ok_or_else(|| bad(n, format!("unknown state {:?}", f[4])))?;
                let tilt_deg = if f[5].is_empty() {
                    None
                } else {
                    let t: f32 = f[5]
                        .parse()
                        .map_err(|_| bad(n, format!("tilt {:?} is not a number", f[5])))?;
                    if !(0.0..=180.0).contains(&t) {
                        return Err(bad(n, format!("tilt {t} is outside 0–180°")));
                    }
                    Some(t)
                };
                if f[2].is_empty() {
                    return Err(bad(n, "no device".into()));
                }
                v.push((
                    PostureSecond {
                        t_s,
                        state,
                        tilt_deg,
                        device_id: 0,
                    },
                    f[2].to_owned(),
                    placement,
                ));
                Ok(())
            })?;
            Ok(Restorable::Samples(v))
        }
        ExportKind::Minutes => {
            let mut v = Vec::new();
            let fields = minutes_fields(&header_line);
            for_each_row(records, fields, |n, f| {
                let mut nums = [0_i64; 13];
                let idxs = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
                for (k, &idx) in idxs.iter().take(fields - 1).enumerate() {
                    nums[k] = f[idx].parse().map_err(|_| {
                        bad(
                            n,
                            format!("field {} {:?} is not a whole number", idx + 1, f[idx]),
                        )
                    })?;
                    if nums[k] < 0 {
                        return Err(bad(n, format!("field {} is negative", idx + 1)));
                    }
                }
                if nums[0] > latest_s {
                    return Err(bad(
                        n,
                        format!("minute_start_s {} is in the future", nums[0]),
                    ));
                }
                if nums[0] % 60 != 0 {
                    return Err(bad(n, "minute_start_s is not on a minute".into()));
                }
                let counted: i64 = nums[1..6].iter().sum::<i64>() + nums[11] + nums[12];
                if counted > 60 || nums[6] > 0 && nums[7] == 0 || nums[7] > 60 || nums[9] > 60 {
                    return Err(bad(n, "more than a minute of seconds".into()));
                }
                let mut sums = [0_i64; 12];
                sums.copy_from_slice(&nums[1..13]);
                v.push(MinuteRollup::from_sums(nums[0] / 60, sums));
                Ok(())
            })?;
            Ok(Restorable::Minutes(v))
        }
    }
}

/// How many fields a minutes export's rows have: its header's columns
/// (older exports have fewer sums; the missing ones restore as zero).
fn minutes_fields(header_line: &str) -> usize {
    match header_line.trim_start_matches('\u{feff}').trim_end() {
        MINUTES_HEADER_V1 => 12,
        MINUTES_HEADER_V2 => 13,
        _ => 14,
    }
}

/// Calls `f` with each non-blank data record (numbered by its line in the
/// file) of exactly `fields` fields.
fn for_each_row(
    records: impl Iterator<Item = csv::Result<csv::StringRecord>>,
    fields: usize,
    mut f: impl FnMut(usize, &[&str]) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    for rec in records {
        let rec = rec?;
        let n = rec.position().map_or(0, |p| p.line() as usize);
        if rec.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let parts: Vec<&str> = rec.iter().collect();
        if parts.len() != fields {
            return Err(ExportError::Line {
                line: n,
                what: format!("expected {fields} fields, found {}", parts.len()),
            });
        }
        f(n, &parts)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minutes_header_lists_the_rollup_columns_in_order() {
        let cols = MinuteRollup::SUM_COLUMNS.join(",");
        assert_eq!(MINUTES_HEADER, format!("minute_start_s,local_time,{cols}"));
    }

    #[test]
    fn exports_are_recognised_by_their_header_and_bad_lines_are_named() {
        assert_eq!(export_kind(SAMPLES_HEADER), Some(ExportKind::Samples));
        assert_eq!(export_kind("t_ms,ax,ay,az"), None);
        let csv = format!(
            "{SAMPLES_HEADER}\n100,x,demo:thigh,thigh,sitting,12.5\n101,x,demo:thigh,thigh,dancing,\n"
        );
        let e = parse(csv.as_bytes(), i64::MAX).unwrap_err();
        assert_eq!(e.to_string(), "line 3: unknown state \"dancing\"");
        // One row 50 years ahead: refused, so nothing is restored.
        let csv = format!(
            "{SAMPLES_HEADER}\n100,x,demo:thigh,thigh,sitting,\n1577836800,x,demo:thigh,thigh,sitting,\n"
        );
        let e = parse(csv.as_bytes(), 1000).unwrap_err();
        assert_eq!(e.to_string(), "line 3: t_s 1577836800 is in the future");
        let csv = format!("{MINUTES_HEADER}\n1577836800,x,60,0,0,0,0,0,0,0,0,0,0,0\n");
        assert!(
            parse(csv.as_bytes(), 1000)
                .unwrap_err()
                .to_string()
                .contains("in the future")
        );
        let csv = format!("{SAMPLES_HEADER}\n100,x,demo:thigh,thigh,sitting,NaN\n");
        assert!(
            parse(csv.as_bytes(), i64::MAX)
                .unwrap_err()
                .to_string()
                .starts_with("line 2")
        );
        let csv = format!("{DAYS_HEADER}\n");
        assert!(matches!(
            parse(csv.as_bytes(), i64::MAX),
            Err(ExportError::DaysCannotBeRestored)
        ));
        let csv = format!("{MINUTES_HEADER}\n120,x,61,0,0,0,0,0,0,0,0,0,0,0\n");
        assert_eq!(
            parse(csv.as_bytes(), i64::MAX).unwrap_err().to_string(),
            "line 2: more than a minute of seconds"
        );
        let csv = format!("{MINUTES_HEADER}\n120,x,30,0,0,0,0,0,0,0,0,0,31,0\n");
        assert_eq!(
            parse(csv.as_bytes(), i64::MAX).unwrap_err().to_string(),
            "line 2: more than a minute of seconds",
            "not-worn seconds count too"
        );
        // A minutes export from before non-wear was a state still restores.
        let csv = format!("{MINUTES_HEADER_V1}\n120,x,30,0,0,0,0,0,0,0,0,0\n");
        match parse(csv.as_bytes(), i64::MAX) {
            Ok(Restorable::Minutes(m)) => {
                assert_eq!((m[0].sitting_s, m[0].not_worn_s), (30, 0));
            }
            other => panic!("{other:?}"),
        }
        // Desk seconds count in the minute too; an export from before desk
        // time restores with none.
        let csv = format!("{MINUTES_HEADER}\n120,x,30,0,0,0,0,0,0,0,0,0,0,31\n");
        assert!(parse(csv.as_bytes(), i64::MAX).is_err());
        let csv = format!("{MINUTES_HEADER}\n120,x,0,0,0,0,0,0,0,0,0,0,0,45\n");
        match parse(csv.as_bytes(), i64::MAX) {
            Ok(Restorable::Minutes(m)) => assert_eq!((m[0].sitting_s, m[0].desk_s), (0, 45)),
            other => panic!("{other:?}"),
        }
        let csv = format!("{MINUTES_HEADER_V2}\n120,x,30,0,0,0,0,0,0,0,0,0,5\n");
        match parse(csv.as_bytes(), i64::MAX) {
            Ok(Restorable::Minutes(m)) => {
                assert_eq!((m[0].sitting_s, m[0].not_worn_s, m[0].desk_s), (30, 5, 0));
            }
            other => panic!("{other:?}"),
        }
    }
}

//! Accelerometer recordings as CSV: Sitless's own raw format (`t_ms,ax,ay,az`
//! in g), a phone's export from phyphox ("Acceleration with g") or Sensor
//! Logger (TotalAcceleration.csv, or an iPhone recording's folder), and
//! other loggers' files with recognisable header names.
//!
//! Read through the `csv` crate (quoted fields, CRLF, a byte-order mark;
//! comma, semicolon or tab separated, decimal commas with semicolons) in
//! two passes: the first checks every row and learns the unit and time
//! base, so a bad row stops the import before anything is stored; the
//! second converts the rows and hands them on in chunks.
//!
//! Time: epoch nanoseconds, microseconds, milliseconds or seconds (told
//! apart by size), ISO 8601 text, or seconds since the recording started
//! (with `--start`, or the start phyphox keeps in `meta/time.csv`).
//! Acceleration in g or m/s²: from the header's unit, else from the size of
//! gravity in the data.

pub mod columns;
mod combine;
pub mod source;
mod start;

pub(crate) use start::{parse_start, phyphox_starts_in};

use std::io::Read;
use std::path::PathBuf;

use columns::{Columns, Unit, Writer};

use crate::domain::sample::RawSample;
use crate::domain::vector::Vec3;

/// Standard gravity, for files in m/s².
pub(crate) const G_MS2: f64 = 9.806_65;
/// Largest acceleration accepted, in g (the common ±16 g range).
pub(crate) const MAX_ACCEL_G: f64 = 16.0;

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{count} of the rows are dated before 2000 or in the future (the first on line {line}: {value}): is the time column right? Nothing was imported"
    )]
    Implausible {
        count: u64,
        line: u64,
        value: String,
    },
    #[error("the file is empty; expected a header line naming the columns")]
    Empty,
    #[error("line 1: {0}")]
    Header(#[from] columns::HeaderError),
    #[error("line {line}, column \"{column}\": {what}")]
    Cell {
        line: u64,
        column: String,
        what: String,
    },
    #[error("line {line}: {what}")]
    Line { line: u64, what: String },
    #[error("the file has a header but no samples")]
    NoSamples,
    #[error(
        "the times are seconds since the recording started, and the file does not say when that was: give the start time (\"Started at\" in the window, --start on the command line), for example 2026-11-30 08:00"
    )]
    NoStart,
    #[error("{0}")]
    Data(String),
}

/// Where relative times are counted from.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeBase {
    /// The times are absolute.
    Absolute,
    /// Seconds since `start` (epoch seconds).
    Start(f64),
    /// phyphox's pairs of (experiment time, system time) at each START:
    /// a paused recording resumes at a later system time.
    Phyphox(Vec<(f64, f64)>),
}

impl TimeBase {
    fn epoch_s(&self, t: f64) -> f64 {
        match self {
            Self::Absolute => t,
            Self::Start(s) => s + t,
            Self::Phyphox(starts) => {
                let (exp, sys) = starts
                    .iter()
                    .rev()
                    .find(|(e, _)| *e <= t)
                    .or(starts.first())
                    .copied()
                    .unwrap_or((0.0, 0.0));
                sys + (t - exp)
            }
        }
    }
}

/// What a time cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeKind {
    EpochNs,
    EpochUs,
    EpochMs,
    EpochS,
    Relative,
    Iso,
}

/// The file's layout and what the check found: enough to read it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspected {
    pub writer: Writer,
    delimiter: u8,
    decimal_comma: bool,
    time_col: usize,
    time_kind: TimeKind,
    axes: [usize; 3],
    /// g per unit of the file's values.
    pub scale_g: f64,
    pub unit: Unit,
    pub time_base: TimeBase,
    pub rows: u64,
    /// Rows whose time went backwards (phones deliver late now and then);
    /// left out, and counted.
    pub out_of_order: u64,
    /// Rows dated outside the believable window (`ReadOptions`): left out,
    /// counted, and the first of them (line and time cell) named.
    pub outside: u64,
    pub first_outside: Option<(u64, String)>,
    window_ms: (i64, i64),
    pub first_ms: i64,
    pub last_ms: i64,
}

impl Inspected {
    /// The rows left out, in words (none: empty).
    pub fn left_out_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        if self.out_of_order > 0 {
            words.push(format!(
                "{} rows whose time went backwards were left out",
                self.out_of_order
            ));
        }
        if let Some((line, value)) = &self.first_outside {
            words.push(format!(
                "{} rows dated before 2000 or in the future were left out (the first on line {line}: {value})",
                self.outside
            ));
        }
        words
    }

    pub fn rate_hz(&self) -> f64 {
        let span_s = (self.last_ms - self.first_ms) as f64 / 1000.0;
        if span_s > 0.0 {
            (self.rows - 1) as f64 / span_s
        } else {
            0.0
        }
    }
}

/// Options of a read.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadOptions {
    /// When the recording started (epoch seconds), for relative times.
    pub start_s: Option<f64>,
    /// The latest time a sample may have (epoch ms): the wall clock and a
    /// day. A later one is a bad row or a wrong time column, and one such
    /// row would make every stored second look a month old.
    pub latest_ms: i64,
    /// The earliest time a sample may have (epoch ms): no recording of
    /// Sitless's predates 2000; a time before is a bad row (1969, the year
    /// 5) or a wrong time column.
    pub earliest_ms: i64,
}

/// 2000-01-01T00:00:00Z, the earliest time believed of a recording.
pub(crate) const EARLIEST_MS: i64 = 946_684_800_000;

impl ReadOptions {
    /// Options for a recording read now (the wall clock bounds its times).
    pub fn now(start_s: Option<f64>) -> Self {
        Self {
            start_s,
            latest_ms: crate::domain::days::latest_trusted_s(chrono::Utc::now().timestamp())
                .saturating_mul(1000),
            earliest_ms: EARLIEST_MS,
        }
    }
}

fn sniff_delimiter(first_line: &str) -> u8 {
    let mut counts = [0_usize; 3];
    let mut quoted = false;
    for c in first_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| counts[i]).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

fn reader(data: impl Read, delimiter: u8) -> csv::Reader<impl Read> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(data)
}

/// Whether a row has nothing in it. (Cells are trimmed where they are
/// read, not by the reader: a whole-record trim costs a copy per row.)
fn blank(rec: &csv::StringRecord) -> bool {
    rec.iter().all(|f| f.trim_ascii().is_empty())
}

fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, csv::Position::line)
}

fn csv_error(e: &csv::Error) -> RecordingError {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => RecordingError::Line {
            line: pos.as_ref().map_or(0, csv::Position::line),
            what: "not valid UTF-8 text".into(),
        },
        // The line cap's words, or the disk's.
        csv::ErrorKind::Io(io) => RecordingError::Data(io.to_string()),
        _ => RecordingError::Line {
            line: e.position().map_or(0, csv::Position::line),
            what: e.to_string(),
        },
    }
}

/// A cell's text as a message quotes it: at most a few dozen characters.
pub(crate) fn quoted(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("\"{}…\"", &text[..cut]),
        None => format!("\"{text}\""),
    }
}

fn number(text: &str, decimal_comma: bool) -> Option<f64> {
    // ASCII spaces only: the Unicode-aware trim costs a tenth of an import.
    let text = text.trim_ascii();
    let v = if decimal_comma {
        text.replace(',', ".").parse::<f64>().ok()?
    } else {
        text.parse::<f64>().ok()?
    };
    v.is_finite().then_some(v)
}

fn time_kind_of(text: &str, decimal_comma: bool) -> Option<TimeKind> {
    if let Some(v) = number(text, decimal_comma) {
        let a = v.abs();
        return Some(if a >= 1e17 {
            TimeKind::EpochNs
        } else if a >= 1e14 {
            TimeKind::EpochUs
        } else if a >= 1e11 {
            TimeKind::EpochMs
        } else if a >= 1e9 {
            TimeKind::EpochS
        } else {
            TimeKind::Relative
        });
    }
    iso_ms(text.trim()).map(|_| TimeKind::Iso)
}

/// ISO 8601 with an offset, or a local date and time ("2026-11-30 08:00:00.250").
fn iso_ms(text: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())?;
    let whole = chrono::Timelike::with_nanosecond(&naive, 0).unwrap_or(naive);
    let secs = crate::domain::days::local_to_unix(whole);
    Some(secs * 1000 + i64::from(naive.and_utc().timestamp_subsec_millis()))
}

/// One row, checked: its time in ms (relative ones not yet placed) and the
/// three values in the file's unit.
struct Row {
    line: u64,
    t: f64,
    values: [f64; 3],
}

struct Layout<'a> {
    time_col: usize,
    time_kind: TimeKind,
    axes: [usize; 3],
    decimal_comma: bool,
    names: &'a [String],
}

impl Layout<'_> {
    fn row(&self, rec: &csv::StringRecord) -> Result<Option<Row>, RecordingError> {
        let line = line_of(rec);
        if blank(rec) {
            return Ok(None);
        }
        // As many fields as the header names: a stray separator (a decimal
        // comma in a comma-separated file) would shift every column after it.
        if rec.len() != self.names.len() {
            return Err(RecordingError::Line {
                line,
                what: format!(
                    "expected {} fields as in the header, found {}",
                    self.names.len(),
                    rec.len()
                ),
            });
        }
        let cell = |i: usize, what: String| RecordingError::Cell {
            line,
            column: self.names.get(i).cloned().unwrap_or_default(),
            what,
        };
        let tt = rec[self.time_col].trim_ascii();
        let t = match self.time_kind {
            TimeKind::Iso => iso_ms(tt).map(|ms| ms as f64).ok_or_else(|| {
                cell(
                    self.time_col,
                    format!("{} is not a date and time", quoted(tt)),
                )
            })?,
            kind => {
                let v = number(tt, self.decimal_comma)
                    .ok_or_else(|| cell(self.time_col, format!("{} is not a time", quoted(tt))))?;
                match kind {
                    TimeKind::EpochNs => v / 1e6,
                    TimeKind::EpochUs => v / 1e3,
                    TimeKind::EpochMs => v,
                    // Seconds (absolute or relative) become ms below.
                    _ => v * 1000.0,
                }
            }
        };
        let mut values = [0.0; 3];
        for (k, &i) in self.axes.iter().enumerate() {
            let text = rec[i].trim_ascii();
            values[k] = number(text, self.decimal_comma)
                .ok_or_else(|| cell(i, format!("{} is not a number", quoted(text))))?;
        }
        Ok(Some(Row { line, t, values }))
    }
}

/// The first line (raw, to be read again) and the separator it shows.
fn first_line(data: &mut impl Read) -> Result<(Vec<u8>, u8), RecordingError> {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while head.len() < 64 * 1024 {
        match data.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                head.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) => return Err(RecordingError::Data(format!("cannot read the file: {e}"))),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    if text.trim().is_empty() {
        return Err(RecordingError::Empty);
    }
    Ok((head, sniff_delimiter(&text)))
}

/// The layout from the first data row: decimal commas, and which time
/// column holds absolute times.
fn layout_of<'a>(
    cols: &Columns,
    names: &'a [String],
    rec: &csv::StringRecord,
    delimiter: u8,
) -> Result<Layout<'a>, RecordingError> {
    let decimal_comma = delimiter == b';'
        && cols
            .axes
            .iter()
            .any(|&i| rec.get(i).is_some_and(|v| v.contains(',')));
    let kinds: Vec<(usize, Option<TimeKind>)> = cols
        .time
        .iter()
        .map(|&i| (i, rec.get(i).and_then(|v| time_kind_of(v, decimal_comma))))
        .collect();
    let (time_col, mut time_kind) = kinds
        .iter()
        .find(|(_, k)| k.is_some_and(|k| k != TimeKind::Relative))
        .or_else(|| kinds.iter().find(|(_, k)| k.is_some()))
        .and_then(|&(i, k)| k.map(|k| (i, k)))
        .ok_or_else(|| RecordingError::Cell {
            line: line_of(rec),
            column: names.get(cols.time[0]).cloned().unwrap_or_default(),
            what: format!(
                "{} is not a time",
                quoted(rec.get(cols.time[0]).unwrap_or_default())
            ),
        })?;
    // A header that names milliseconds means epoch milliseconds, however
    // small (Sitless's raw format, `t_ms`).
    let name = names[time_col].to_lowercase();
    if time_kind != TimeKind::Iso && (name == "t_ms" || name.ends_with("(ms)")) {
        time_kind = TimeKind::EpochMs;
    }
    Ok(Layout {
        time_col,
        time_kind,
        axes: cols.axes,
        decimal_comma,
        names,
    })
}

/// Pass one: the layout, every row checked, the unit and the time base.
pub fn inspect(
    mut data: impl Read,
    opts: &ReadOptions,
    mut phyphox_starts: Option<Vec<(f64, f64)>>,
) -> Result<Inspected, RecordingError> {
    let (head, delimiter) = first_line(&mut data)?;
    let mut r = reader(std::io::Cursor::new(head).chain(data), delimiter);
    let mut header = csv::StringRecord::new();
    if !r.read_record(&mut header).map_err(|e| csv_error(&e))? {
        return Err(RecordingError::Empty);
    }
    let names: Vec<&str> = header.iter().collect();
    let cols: Columns = columns::find(&names)?;
    let names = cols.names.clone();

    let mut stats = Stats::default();
    let mut layout: Option<Layout<'_>> = None;
    let mut time_base = TimeBase::Absolute;
    let window_ms = (opts.earliest_ms, opts.latest_ms);
    let mut out_of_order = 0;
    let mut outside = 0_u64;
    let mut first_outside = None;
    let mut last_t = f64::NEG_INFINITY;
    // One record, reused: no allocation per row.
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec).map_err(|e| csv_error(&e))? {
        if blank(&rec) {
            continue;
        }
        if layout.is_none() {
            let l = layout_of(&cols, &names, &rec, delimiter)?;
            if l.time_kind == TimeKind::Relative {
                time_base = match (opts.start_s, phyphox_starts.take()) {
                    (Some(s), _) => TimeBase::Start(s),
                    (None, Some(p)) if !p.is_empty() => TimeBase::Phyphox(p),
                    _ => return Err(RecordingError::NoStart),
                };
            }
            layout = Some(l);
        }
        let Some(l) = &layout else { continue };
        let Some(row) = l.row(&rec)? else { continue };
        if !in_window(epoch_ms(&time_base, row.t), window_ms) {
            outside += 1;
            if first_outside.is_none() {
                first_outside = Some((row.line, quoted(rec[l.time_col].trim())));
            }
            continue;
        }
        if row.t < last_t {
            out_of_order += 1;
            continue;
        }
        last_t = row.t;
        stats.add(&row);
    }
    let layout = layout.ok_or(RecordingError::NoSamples)?;
    // Mostly implausible times: the time column is wrong, not a few rows.
    if outside > stats.rows
        && let Some((line, value)) = first_outside
    {
        return Err(RecordingError::Implausible {
            count: outside,
            line,
            value,
        });
    }
    if stats.rows == 0 {
        return Err(RecordingError::NoSamples);
    }
    // Sitless's raw format is in g by definition.
    let header_unit = cols
        .unit
        .or((cols.writer == Writer::Sitless).then_some(Unit::G));
    let (scale_g, unit) = stats.unit(header_unit)?;
    let (first_ms, last_ms) = (
        epoch_ms(&time_base, stats.first_t),
        epoch_ms(&time_base, stats.last_t),
    );
    Ok(Inspected {
        writer: cols.writer,
        delimiter,
        decimal_comma: layout.decimal_comma,
        time_col: layout.time_col,
        time_kind: layout.time_kind,
        axes: layout.axes,
        scale_g,
        unit,
        first_ms,
        last_ms,
        time_base,
        rows: stats.rows,
        out_of_order,
        outside,
        first_outside,
        window_ms,
    })
}

/// A row's time in epoch ms. `as` saturates: a time of 1e308 becomes
/// `i64::MAX` (and is refused as in the future), never wraps.
fn epoch_ms(base: &TimeBase, t: f64) -> i64 {
    (base.epoch_s(t / 1000.0) * 1000.0).round() as i64
}

fn in_window(ms: i64, (earliest, latest): (i64, i64)) -> bool {
    (earliest..=latest).contains(&ms)
}

/// What pass one learns from the values.
#[derive(Default)]
struct Stats {
    rows: u64,
    first_t: f64,
    last_t: f64,
    magnitude_sum: f64,
    max_abs: f64,
    max_at: (u64, usize),
}

impl Stats {
    fn add(&mut self, row: &Row) {
        if self.rows == 0 {
            self.first_t = row.t;
        }
        self.rows += 1;
        self.last_t = row.t;
        let [x, y, z] = row.values;
        self.magnitude_sum += (x * x + y * y + z * z).sqrt();
        for (k, v) in row.values.iter().enumerate() {
            if v.abs() > self.max_abs {
                self.max_abs = v.abs();
                self.max_at = (row.line, k);
            }
        }
    }

    /// The unit: the header's, checked against gravity's size, or
    /// gravity's size alone. A file without gravity is refused.
    fn unit(&self, header: Option<Unit>) -> Result<(f64, Unit), RecordingError> {
        let mean = self.magnitude_sum / self.rows as f64;
        let unit = match header {
            Some(u) => u,
            None if (0.5..=2.0).contains(&mean) => Unit::G,
            None if (5.0..=20.0).contains(&mean) => Unit::MetresPerS2,
            None if mean < 0.3 || (2.0..5.0).contains(&mean) => {
                return Err(RecordingError::Data(format!(
                    "the acceleration averages {mean:.2} (g or m/s²): that is not gravity, so this looks like acceleration without gravity. {}",
                    columns::NEEDS_GRAVITY
                )));
            }
            None => {
                return Err(RecordingError::Data(format!(
                    "cannot tell the unit: the acceleration averages {mean:.2}, neither about 1 (g) nor about 9.8 (m/s²)"
                )));
            }
        };
        let scale = match unit {
            Unit::G => 1.0,
            Unit::MetresPerS2 => 1.0 / G_MS2,
        };
        let mean_g = mean * scale;
        if mean_g < 0.3 {
            return Err(RecordingError::Data(format!(
                "the acceleration averages {mean_g:.2} g: this is acceleration without gravity. {}",
                columns::NEEDS_GRAVITY
            )));
        }
        if self.max_abs * scale > MAX_ACCEL_G {
            return Err(RecordingError::Line {
                line: self.max_at.0,
                what: format!(
                    "{:.1} g on the {} axis is beyond ±{MAX_ACCEL_G} g",
                    self.max_abs * scale,
                    ["x", "y", "z"][self.max_at.1]
                ),
            });
        }
        Ok((scale, unit))
    }
}

/// Pass two: the samples, `chunk` at a time, in time order; `progress`
/// hears the fraction of rows read.
pub fn read(
    data: impl Read,
    plan: &Inspected,
    chunk: usize,
    mut on_samples: impl FnMut(&[RawSample]),
    progress: &mut dyn FnMut(f64),
) -> Result<u64, RecordingError> {
    let mut r = reader(data, plan.delimiter);
    let mut header = csv::StringRecord::new();
    if !r.read_record(&mut header).map_err(|e| csv_error(&e))? {
        return Err(RecordingError::Empty);
    }
    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let layout = Layout {
        time_col: plan.time_col,
        time_kind: plan.time_kind,
        axes: plan.axes,
        decimal_comma: plan.decimal_comma,
        names: &names,
    };
    let mut buf = Vec::with_capacity(chunk);
    let mut last_t = f64::NEG_INFINITY;
    let mut n = 0_u64;
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec).map_err(|e| csv_error(&e))? {
        let Some(row) = layout.row(&rec)? else {
            continue;
        };
        let t_ms = epoch_ms(&plan.time_base, row.t);
        if !in_window(t_ms, plan.window_ms) || row.t < last_t {
            continue;
        }
        last_t = row.t;
        let [x, y, z] = row.values.map(|v| (v * plan.scale_g) as f32);
        buf.push(RawSample {
            t_ms,
            accel_g: Vec3::new(x, y, z),
        });
        n += 1;
        if buf.len() >= chunk {
            on_samples(&buf);
            buf.clear();
            progress(n as f64 / plan.rows.max(1) as f64);
        }
    }
    if !buf.is_empty() {
        on_samples(&buf);
    }
    progress(1.0);
    Ok(n)
}

#[cfg(test)]
mod tests;

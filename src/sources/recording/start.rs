//! When a recording started, for files whose times count from the start:
//! the `--start` a person gives, or the starts phyphox keeps beside its
//! data.

use super::{number, sniff_delimiter};

/// "2026-11-30 08:00" or RFC 3339, local time: epoch seconds.
pub(crate) fn parse_start(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.timestamp_millis() as f64 / 1000.0));
    }
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(t, f).ok())
    .map(|n| Some(crate::domain::days::local_to_unix(n) as f64))
    .ok_or_else(|| format!("\"{t}\" is not a date and time: write it like 2026-11-30 08:00"))
}

/// phyphox keeps the recording's start in `meta/time.csv` beside the
/// data: the (experiment time, system time) of each START.
pub(crate) fn phyphox_starts_in(text: &str) -> Option<Vec<(f64, f64)>> {
    // Written in the export's own format: maybe semicolons and decimal commas.
    let delimiter = sniff_delimiter(text.lines().next()?);
    let decimal_comma = delimiter == b';';
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = r.headers().ok()?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (event, exp, sys) = (col("event")?, col("experiment time")?, col("system time")?);
    let starts: Vec<(f64, f64)> = r
        .records()
        .filter_map(Result::ok)
        .filter(|rec| {
            rec.get(event)
                .is_some_and(|e| e.eq_ignore_ascii_case("START"))
        })
        .filter_map(|rec| {
            Some((
                number(rec.get(exp)?, decimal_comma)?,
                number(rec.get(sys)?, decimal_comma)?,
            ))
        })
        .collect();
    (!starts.is_empty()).then_some(starts)
}

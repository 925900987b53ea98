//! Timestamps are stored in UTC; days are local (the `TZ` environment
//! variable is respected), so a day may last 23 or 25 hours around DST.

use chrono::{DateTime, Local, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// The Unix second of a local wall-clock time. A time skipped by a DST jump
/// maps to the first valid instant after it; a repeated time to the first.
pub(crate) fn local_to_unix(dt: NaiveDateTime) -> i64 {
    let mut probe = dt;
    for _ in 0..4 {
        match Local.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.timestamp(),
            LocalResult::None => probe += chrono::Duration::minutes(30),
        }
    }
    dt.and_utc().timestamp()
}

/// How far past the wall clock a time from outside (a row of an import, a
/// stored second) is still believed: clocks differ by minutes and time
/// zones by hours, never by more than a day. Later rows are refused on
/// import, and a stored second beyond it is not "the newest" (one bad row
/// must not cost a month of detail or move recording into the future).
const TRUSTED_AHEAD_S: i64 = 86_400;

/// The latest second believed at wall-clock second `now_s`.
pub(crate) fn latest_trusted_s(now_s: i64) -> i64 {
    now_s.saturating_add(TRUSTED_AHEAD_S)
}

/// `[start, end)` of a local day in Unix seconds.
pub(crate) fn day_bounds(date: NaiveDate) -> (i64, i64) {
    let start = local_to_unix(date.and_time(NaiveTime::MIN));
    let next = date.succ_opt().unwrap_or(date);
    let end = local_to_unix(next.and_time(NaiveTime::MIN));
    (start, end.max(start + 1))
}

pub fn local_date(t_s: i64) -> NaiveDate {
    local_datetime(t_s).date_naive()
}

pub(crate) fn local_datetime(t_s: i64) -> DateTime<Local> {
    DateTime::from_timestamp(t_s, 0)
        .unwrap_or_default()
        .with_timezone(&Local)
}

/// "1 h 05 min", "42 min", "35 s": durations as a person reads them.
pub(crate) fn format_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// The threshold in force, as words follow it: "an hour", "20 min",
/// "1 h 30 min", "2 hours".
pub(crate) fn threshold_words(threshold_s: i64) -> String {
    let min = threshold_s / 60;
    match (min / 60, min % 60) {
        (1, 0) => "an hour".to_owned(),
        (h, 0) if h > 1 => format!("{h} hours"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(35), "35 s");
        assert_eq!(format_duration(42 * 60 + 5), "42 min");
        assert_eq!(format_duration(3600 + 5 * 60), "1 h 05 min");
    }

    #[test]
    fn a_day_is_24_hours_away_from_dst() {
        let (a, b) = day_bounds(NaiveDate::from_ymd_opt(2026, 6, 10).unwrap());
        assert_eq!(b - a, 86_400);
        assert_eq!(local_date(a), NaiveDate::from_ymd_opt(2026, 6, 10).unwrap());
        assert_eq!(
            local_date(b - 1),
            NaiveDate::from_ymd_opt(2026, 6, 10).unwrap()
        );
    }
}

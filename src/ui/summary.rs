//! The History summary row's comparison with the period before, in words:
//! "sitting −35 min a day vs last week".

use crate::domain::days::format_duration;
use crate::domain::figures::{Period, Summary};

/// "−35 min", "+1 h 05 min", "±0 min".
pub(crate) fn signed_duration(delta_s: i64) -> String {
    let sign = match delta_s.signum() {
        -1 => "−",
        1 => "+",
        _ => "±",
    };
    let text = format_duration(delta_s.abs());
    // Under a minute reads as "±0 min" rather than "+35 s".
    if delta_s.abs() < 60 {
        "±0 min".into()
    } else {
        format!("{sign}{text}")
    }
}

/// "+0.5", "−1.2", "±0.0": one decimal, the same minus sign as durations,
/// and no signed zero ("-0.0" once read as a loss).
pub(crate) fn signed_tenths(delta: f64) -> String {
    let tenths = (delta * 10.0).round();
    if tenths == 0.0 {
        return "±0.0".to_owned();
    }
    let sign = if tenths < 0.0 { "−" } else { "+" };
    format!("{sign}{:.1}", tenths.abs() / 10.0)
}

/// The summary row's changes against the previous period, in words:
/// `["sitting −35 min vs last week", …]`. Empty if either has no data.
pub fn changes(period: Period, now: &Summary, before: &Summary) -> Vec<String> {
    if now.days_with_data == 0 || before.days_with_data == 0 {
        return Vec::new();
    }
    let vs = period.previous_name();
    let per_day = if period == Period::Day { "" } else { " a day" };
    let mut v = vec![format!(
        "sitting {}{per_day} vs {vs}",
        signed_duration(now.sitting_s - before.sitting_s)
    )];
    if let (Some(a), Some(b)) = (now.breaks_per_sitting_hour, before.breaks_per_sitting_hour) {
        v.push(format!("breaks {} per sitting hour", signed_tenths(a - b)));
    }
    v.push(format!(
        "longest streak {}",
        signed_duration(now.longest_streak_s - before.longest_streak_s)
    ));
    if let (Some(a), Some(b)) = (now.mean_tilt_deg, before.mean_tilt_deg) {
        v.push(format!("tilt {}°", signed_tenths(a - b)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_sentences() {
        let a = Summary {
            days_with_data: 5,
            sitting_s: 6 * 3600,
            breaks_per_sitting_hour: Some(2.5),
            longest_streak_s: 3600,
            ..Summary::default()
        };
        let b = Summary {
            sitting_s: 6 * 3600 + 35 * 60,
            breaks_per_sitting_hour: Some(2.0),
            ..a.clone()
        };
        let c = changes(Period::Week, &a, &b);
        assert_eq!(c[0], "sitting −35 min a day vs last week");
        assert_eq!(c[1], "breaks +0.5 per sitting hour");
        assert_eq!(c[2], "longest streak ±0 min");
        assert!(changes(Period::Week, &a, &Summary::default()).is_empty());
    }

    #[test]
    fn no_signed_zero_and_one_minus_sign() {
        assert_eq!(signed_tenths(-0.04), "±0.0");
        assert_eq!(signed_tenths(0.04), "±0.0");
        assert_eq!(signed_tenths(-1.25), "−1.3");
        assert_eq!(signed_tenths(2.0), "+2.0");
        let a = Summary {
            days_with_data: 5,
            breaks_per_sitting_hour: Some(1.0),
            mean_tilt_deg: Some(10.0),
            ..Summary::default()
        };
        let b = Summary {
            breaks_per_sitting_hour: Some(1.02),
            mean_tilt_deg: Some(12.5),
            ..a.clone()
        };
        let c = changes(Period::Week, &a, &b);
        assert_eq!(c[1], "breaks ±0.0 per sitting hour");
        assert_eq!(c[3], "tilt −2.5°");
    }
}

//! The demo sensor: a simulated wearer (`wearer`) and the pacer that plays
//! it at a chosen speed (`pacer`).

pub mod pacer;
pub mod wearer;

use chrono::NaiveTime;

use crate::domain::days::{local_date, local_to_unix};

/// The speed of the demo the window starts: 60× time, so a first-time
/// user sees a streak pass the hour within a minute.
pub(crate) const WINDOW_DEMO_SPEED: f64 = 60.0;

/// "at 60× time", "in real time": a demo's speed in words (`None`: as
/// fast as the machine goes).
pub(crate) fn speed_words(speed: Option<f64>) -> String {
    match speed {
        Some(s) if (s - 1.0).abs() < f64::EPSILON => "in real time".into(),
        Some(s) => format!("at {s:.0}× time"),
        None => "as fast as it can".into(),
    }
}

/// Today 08:00 local time: when the demo wearer's workday starts.
pub(crate) fn default_demo_start() -> i64 {
    let today = local_date(chrono::Utc::now().timestamp());
    local_to_unix(today.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN)))
}

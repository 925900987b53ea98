//! The demo sensor: a simulated wearer (`wearer`) and the pacer that plays
//! it at a chosen speed (`pacer`).

pub mod pacer;
pub mod wearer;

use chrono::NaiveTime;

use crate::domain::days::{local_date, local_to_unix};

/// Today 08:00 local time: when the demo wearer's workday starts.
pub fn default_demo_start() -> i64 {
    let today = local_date(chrono::Utc::now().timestamp());
    local_to_unix(today.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN)))
}

//! A day's figures, with the research definitions used by activity
//! monitors: time per posture, breaks (sit → upright transitions), sitting
//! bouts of 30 min or more, streaks and slouch.

use chrono::NaiveDate;

use crate::domain::config::Config;
use crate::domain::days::day_bounds;
use crate::domain::posture::{Posture, PostureSecond};
use crate::domain::streak::streaks_of;
use crate::store::{Store, StoreError};

/// Field names are the JSON contract of `sitless report --json`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct DayReport {
    pub date: String,
    pub sitting_s: i64,
    pub standing_s: i64,
    pub moving_s: i64,
    pub lying_s: i64,
    pub unknown_s: i64,
    pub breaks: u32,
    pub longest_streak_s: i64,
    pub streaks_over_threshold: u32,
    pub sitting_bouts_over_30min: u32,
    /// Mean trunk tilt while sitting; null without a back sensor.
    pub mean_tilt_deg: Option<f64>,
    pub slouch_s: i64,
    pub recommendations: i64,
    pub routines_completed: i64,
}

/// Computes the figures of one day from its seconds (in time order).
pub fn day_report(date: NaiveDate, seconds: &[PostureSecond], cfg: &Config) -> DayReport {
    let mut r = DayReport {
        date: date.format("%Y-%m-%d").to_string(),
        ..DayReport::default()
    };
    let mut tilt_sum = 0.0_f64;
    let mut tilt_n = 0_u32;
    let mut bout_s = 0_i64;
    let mut prev_t = None;
    let bout_min_s = 30 * 60;
    for s in seconds {
        match s.state {
            Posture::Sitting => r.sitting_s += 1,
            Posture::Standing => r.standing_s += 1,
            Posture::Moving => r.moving_s += 1,
            Posture::Lying => r.lying_s += 1,
            Posture::Unknown => r.unknown_s += 1,
        }
        if s.state == Posture::Sitting
            && let Some(t) = s.tilt_deg
        {
            tilt_sum += f64::from(t);
            tilt_n += 1;
            if t >= cfg.posture.slouch_deg {
                r.slouch_s += 1;
            }
        }
        // A bout is uninterrupted sitting: a missing second ends it too.
        let continues = prev_t.is_some_and(|p: i64| s.t_s == p + 1);
        if s.state == Posture::Sitting && continues {
            bout_s += 1;
        } else {
            if bout_s >= bout_min_s {
                r.sitting_bouts_over_30min += 1;
            }
            bout_s = i64::from(s.state == Posture::Sitting);
        }
        prev_t = Some(s.t_s);
    }
    if bout_s >= bout_min_s {
        r.sitting_bouts_over_30min += 1;
    }
    r.mean_tilt_deg = (tilt_n > 0).then(|| (tilt_sum / f64::from(tilt_n) * 10.0).round() / 10.0);
    let (streaks, breaks) = streaks_of(cfg.streak, seconds.iter().map(|s| (s.t_s, s.state)));
    r.breaks = breaks;
    r.longest_streak_s = streaks
        .iter()
        .map(super::streak::Streak::duration_s)
        .max()
        .unwrap_or(0);
    r.streaks_over_threshold = streaks
        .iter()
        .filter(|s| s.duration_s() >= cfg.streak.threshold_s)
        .count() as u32;
    r
}

/// A stored day: its seconds (for charts) and its report.
pub fn load_day(
    store: &Store,
    date: NaiveDate,
    cfg: &Config,
) -> Result<(Vec<PostureSecond>, DayReport), StoreError> {
    let (start, end) = day_bounds(date);
    let seconds = store.seconds_between(start, end)?;
    let mut r = day_report(date, &seconds, cfg);
    r.recommendations = store.count_recommendations(start, end)?;
    r.routines_completed = store.count_routines_completed(start, end)?;
    Ok((seconds, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(runs: &[(Posture, i64, Option<f32>)]) -> Vec<PostureSecond> {
        let mut t = 1_000;
        let mut v = Vec::new();
        for &(state, n, tilt_deg) in runs {
            for _ in 0..n {
                v.push(PostureSecond {
                    t_s: t,
                    state,
                    tilt_deg,
                    device_id: 1,
                });
                t += 1;
            }
        }
        v
    }

    #[test]
    fn a_small_day_by_hand() {
        use Posture::*;
        let cfg = Config::default();
        let s = secs(&[
            (Sitting, 40 * 60, Some(10.0)),
            (Standing, 60, None),
            (Sitting, 25 * 60, Some(30.0)),
            (Moving, 300, None),
            (Sitting, 10 * 60, Some(10.0)),
            (Unknown, 5, None),
        ]);
        let r = day_report(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), &s, &cfg);
        assert_eq!(r.sitting_s, 75 * 60);
        assert_eq!(r.standing_s, 60);
        assert_eq!(r.moving_s, 300);
        assert_eq!(r.unknown_s, 5);
        assert_eq!(r.breaks, 2);
        // 40 min + 60 s standing + 25 min = one streak of 66 min.
        assert_eq!(r.longest_streak_s, 66 * 60);
        assert_eq!(r.streaks_over_threshold, 1);
        assert_eq!(r.sitting_bouts_over_30min, 1);
        assert_eq!(r.slouch_s, 25 * 60);
        // (40×10 + 25×30 + 10×10) / 75 = 16.67
        assert_eq!(r.mean_tilt_deg, Some(16.7));
    }

    #[test]
    fn an_empty_day_is_all_zero() {
        let r = day_report(
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            &[],
            &Config::default(),
        );
        assert_eq!(r.sitting_s, 0);
        assert_eq!(r.mean_tilt_deg, None);
        assert_eq!(r.longest_streak_s, 0);
    }
}

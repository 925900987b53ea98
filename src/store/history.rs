//! The reads behind the History view, the charts and the day figures:
//! per-day figures from the rollups (`minutes`, `bouts`, `streaks`,
//! `breaks`), never from the per-second table, except for the reference
//! computation the rollups are checked against.
//!
//! Attribution to local days: seconds, minutes and breaks by their time;
//! a sitting bout by the part of it inside the day, classed by its whole
//! length (and counted once, on the day it started); a streak by the day it
//! started in, with its whole length.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::{Store, StoreError};
use crate::domain::days::day_bounds;
use crate::domain::figures::{
    DayDetail, DayFigures, DayIndex, Period, PeriodData, RoutineMark, Summary, days_from_seconds,
    mean_tilt_deg,
};
use crate::domain::posture::Posture;
use crate::domain::streak::{Streak, StreakRules};

/// Sums of the `minutes` rollup over `[start_s, end_s)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MinuteSums {
    /// Seconds per posture, indexed by `Posture::code`.
    pub by_state_s: [i64; Posture::ALL.len()],
    pub sit_tilt_sum_ddeg: i64,
    pub sit_tilt_n: i64,
    pub slouch_s: i64,
}

fn minute_sums(conn: &Connection, start_s: i64, end_s: i64) -> Result<MinuteSums, StoreError> {
    let mut q = conn.prepare_cached(
        "SELECT total(sitting_s), total(standing_s), total(moving_s), total(lying_s),
                total(unknown_s), total(sit_tilt_sum_ddeg), total(sit_tilt_n), total(slouch_s),
                total(not_worn_s), total(desk_s)
         FROM minutes WHERE t_min >= ?1 AND t_min < ?2",
    )?;
    Ok(
        q.query_row([start_s.div_euclid(60), end_s.div_euclid(60)], |r| {
            let g = |i| r.get::<_, f64>(i).map(|v| v as i64);
            Ok(MinuteSums {
                // Indexed by posture code (unknown first).
                by_state_s: [g(4)?, g(0)?, g(1)?, g(2)?, g(3)?, g(8)?, g(9)?],
                sit_tilt_sum_ddeg: g(5)?,
                sit_tilt_n: g(6)?,
                slouch_s: g(7)?,
            })
        })?,
    )
}

impl Store {
    /// The local dates of `[first, last]` with a worn minute, for the
    /// calendar's marks.
    pub(crate) fn dates_with_data(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<NaiveDate>, StoreError> {
        let (start_s, _) = day_bounds(first);
        let (_, end_s) = day_bounds(last);
        let mut q = self.conn.prepare_cached(
            "SELECT t_min FROM minutes WHERE t_min >= ?1 AND t_min < ?2
               AND sitting_s + standing_s + moving_s + lying_s + unknown_s + desk_s > 0
             ORDER BY t_min",
        )?;
        let mut out: Vec<NaiveDate> = Vec::new();
        let mut rows = q.query([start_s.div_euclid(60), end_s.div_euclid(60)])?;
        let mut day_end_s = i64::MIN;
        while let Some(r) = rows.next()? {
            let t_s = r.get::<_, i64>(0)? * 60;
            // One date lookup per day, not per minute.
            if t_s < day_end_s {
                continue;
            }
            let date = crate::domain::days::local_date(t_s);
            day_end_s = day_bounds(date).1;
            out.push(date);
        }
        Ok(out)
    }

    /// The local date of the last stored second, if any.
    pub(crate) fn last_date_with_data(&self) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self.last_second()?.map(crate::domain::days::local_date))
    }

    /// The figures of every day of `[first, last]`, from the rollups.
    pub fn days(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        threshold_s: i64,
    ) -> Result<Vec<DayFigures>, StoreError> {
        let conn = &self.conn;
        let idx = DayIndex::new(first, last);
        let mut out: Vec<DayFigures> = idx.dates.iter().map(|d| DayFigures::empty(*d)).collect();
        for (i, f) in out.iter_mut().enumerate() {
            let (s, e) = idx.bounds(i);
            let m = minute_sums(conn, s, e)?;
            f.sitting_s = m.by_state_s[Posture::Sitting.code() as usize];
            f.standing_s = m.by_state_s[Posture::Standing.code() as usize];
            f.moving_s = m.by_state_s[Posture::Moving.code() as usize];
            f.lying_s = m.by_state_s[Posture::Lying.code() as usize];
            f.unknown_s = m.by_state_s[Posture::Unknown.code() as usize];
            f.not_worn_s = m.by_state_s[Posture::NotWorn.code() as usize];
            f.desk_s = m.by_state_s[Posture::AtDesk.code() as usize];
            f.mean_tilt_deg = mean_tilt_deg(m.sit_tilt_sum_ddeg as f64 / 10.0, m.sit_tilt_n);
            f.slouch_s = m.slouch_s;
        }
        let (start, end) = (idx.start(), idx.end);
        let mut q = conn
            .prepare_cached("SELECT start_s, end_s FROM bouts WHERE end_s > ?1 AND start_s < ?2")?;
        for row in q.query_map([start, end], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (a, b) = row?;
            idx.add_bout(&mut out, a, b);
        }
        let mut q = conn.prepare_cached(
            "SELECT start_s, last_sitting_s FROM streaks WHERE start_s >= ?1 AND start_s < ?2",
        )?;
        for row in q.query_map([start, end], |r| {
            Ok(Streak {
                start_s: r.get(0)?,
                last_sitting_s: r.get(1)?,
            })
        })? {
            let s = row?;
            if let Some(i) = idx.day_of(s.start_s) {
                out[i].add_streak(&s, threshold_s);
            }
        }
        let mut q =
            conn.prepare_cached("SELECT at_s FROM breaks WHERE at_s >= ?1 AND at_s < ?2")?;
        for row in q.query_map([start, end], |r| r.get::<_, i64>(0))? {
            if let Some(i) = idx.day_of(row?) {
                out[i].breaks += 1;
            }
        }
        let mut q = conn.prepare_cached(
            "SELECT started_at_s FROM routine_sessions
             WHERE completed = 1 AND started_at_s >= ?1 AND started_at_s < ?2",
        )?;
        for row in q.query_map([start, end], |r| r.get::<_, i64>(0))? {
            if let Some(i) = idx.day_of(row?) {
                out[i].routines_completed += 1;
            }
        }
        Ok(out)
    }

    /// The same figures computed from the per-second table: the reference
    /// the rollups are tested and benchmarked against.
    pub fn days_from_samples(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        rules: StreakRules,
        slouch_deg: f32,
    ) -> Result<Vec<DayFigures>, StoreError> {
        let (start, _) = day_bounds(first);
        let (_, end) = day_bounds(last);
        let seconds = self.seconds_between(start, end)?;
        let routines: Vec<i64> = self
            .routine_sessions_between(start, end)?
            .iter()
            .filter(|s| s.completed)
            .map(|s| s.started_at_s)
            .collect();
        Ok(days_from_seconds(
            first, last, &seconds, &routines, rules, slouch_deg,
        ))
    }

    pub fn day_detail(&self, date: NaiveDate, threshold_s: i64) -> Result<DayDetail, StoreError> {
        let (start_s, end_s) = day_bounds(date);
        let conn = &self.conn;
        let minutes = self.minutes_between(start_s, end_s)?;
        let mut q = conn.prepare_cached(
            "SELECT start_s, last_sitting_s FROM streaks
             WHERE start_s >= ?1 AND start_s < ?2 ORDER BY start_s",
        )?;
        let streaks = q
            .query_map([start_s, end_s], |r| {
                Ok(Streak {
                    start_s: r.get(0)?,
                    last_sitting_s: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let routines = self
            .routine_sessions_between(start_s, end_s)?
            .into_iter()
            .map(|s| RoutineMark {
                at_s: s.started_at_s,
                routine: s.routine,
                completed: s.completed,
            })
            .collect();
        let figures = self
            .days(date, date, threshold_s)?
            .pop()
            .unwrap_or_else(|| DayFigures::empty(date));
        Ok(DayDetail {
            date,
            start_s,
            end_s,
            minutes,
            streaks,
            routines,
            figures,
        })
    }

    pub fn period_data(
        &self,
        period: Period,
        date: NaiveDate,
        threshold_s: i64,
    ) -> Result<PeriodData, StoreError> {
        let (first, last) = period.range(date);
        let days = self.days(first, last, threshold_s)?;
        let (pf, pl) = period.range(period.step(date, -1));
        let previous = Summary::of(&self.days(pf, pl, threshold_s)?);
        Ok(PeriodData {
            summary: Summary::of(&days),
            days,
            previous,
        })
    }
}

//! Figures of days, weeks and months for the History view, the charts and
//! the exports. Read from the rollups (`minutes`, `bouts`, `streaks`,
//! `breaks`), never from the per-second table; `from_seconds` computes
//! the same figures from seconds, as the reference the rollups are tested
//! and benchmarked against.
//!
//! Attribution to local days: seconds, minutes and breaks by their time;
//! a sitting bout by the part of it inside the day, classed by its whole
//! length; a streak by the day it started in, with its whole length.

use chrono::{Datelike, Duration, NaiveDate};

use crate::domain::days::{day_bounds, local_datetime};
use crate::domain::posture::{Posture, PostureSecond};
use crate::domain::streak::{Streak, StreakRules};

/// Bout classes, as activity-monitor research reports them.
pub(crate) const SHORT_BOUT_S: i64 = 30 * 60;
pub(crate) const LONG_BOUT_S: i64 = 60 * 60;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Period {
    #[default]
    Day,
    Week,
    Month,
}

impl Period {
    pub const ALL: [Self; 3] = [Self::Day, Self::Week, Self::Month];

    pub fn name(self) -> &'static str {
        match self {
            Self::Day => "Day",
            Self::Week => "Week",
            Self::Month => "Month",
        }
    }

    /// First and last date of the period containing `date` (weeks start
    /// on Monday).
    pub fn range(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Self::Day => (date, date),
            Self::Week => {
                let first = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
                (first, first + Duration::days(6))
            }
            Self::Month => {
                let first = date.with_day(1).unwrap_or(date);
                let next = if first.month() == 12 {
                    NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
                };
                (first, next.map_or(date, |n| n - Duration::days(1)))
            }
        }
    }

    /// A date in the period before (`by < 0`) or after (`by > 0`) the one
    /// of `date`.
    pub fn step(self, date: NaiveDate, by: i32) -> NaiveDate {
        let (first, last) = self.range(date);
        match by.cmp(&0) {
            std::cmp::Ordering::Less => first - Duration::days(1),
            std::cmp::Ordering::Greater => last + Duration::days(1),
            std::cmp::Ordering::Equal => date,
        }
    }

    /// "Tue 24 Nov 2026", "Week 48: 23–29 Nov 2026", "November 2026".
    pub fn label(self, date: NaiveDate) -> String {
        let (first, last) = self.range(date);
        match self {
            Self::Day => date.format("%a %-d %b %Y").to_string(),
            // "Week 47: 16–22 Nov 2026", "Week 5: 27 Jan – 2 Feb 2026",
            // "Week 1: 29 Dec 2025 – 4 Jan 2026".
            Self::Week => {
                let from = if first.year() != last.year() {
                    first.format("%-d %b %Y ").to_string()
                } else if first.month() != last.month() {
                    first.format("%-d %b ").to_string()
                } else {
                    first.format("%-d").to_string()
                };
                let dash = if from.ends_with(' ') { "– " } else { "–" };
                format!(
                    "Week {}: {from}{dash}{}",
                    first.iso_week().week(),
                    last.format("%-d %b %Y")
                )
            }
            Self::Month => date.format("%B %Y").to_string(),
        }
    }

    /// "yesterday", "last week", "last month".
    pub(crate) fn previous_name(self) -> &'static str {
        match self {
            Self::Day => "the day before",
            Self::Week => "last week",
            Self::Month => "last month",
        }
    }
}

/// The dates of `[first, last]`.
pub(crate) fn dates(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .collect::<Vec<_>>()
}

/// One row of the `minutes` rollup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinuteRollup {
    pub t_min: i64,
    pub sitting_s: i64,
    pub standing_s: i64,
    pub moving_s: i64,
    pub lying_s: i64,
    pub unknown_s: i64,
    pub sit_tilt_sum_ddeg: i64,
    pub sit_tilt_n: i64,
    pub stand_tilt_sum_ddeg: i64,
    pub stand_tilt_n: i64,
    pub slouch_s: i64,
    pub not_worn_s: i64,
    /// Desk time (V5): at the computer, posture not measured.
    pub desk_s: i64,
}

impl MinuteRollup {
    /// The sums of a minute in the order of the `minutes` table's columns
    /// after `t_min` and of the minutes export: the one place they are
    /// listed.
    pub(crate) const SUM_COLUMNS: [&'static str; 12] = [
        "sitting_s",
        "standing_s",
        "moving_s",
        "lying_s",
        "unknown_s",
        "sit_tilt_sum_ddeg",
        "sit_tilt_n",
        "stand_tilt_sum_ddeg",
        "stand_tilt_n",
        "slouch_s",
        "not_worn_s",
        "desk_s",
    ];

    /// The sums, in `SUM_COLUMNS` order.
    pub(crate) fn sums(&self) -> [i64; 12] {
        [
            self.sitting_s,
            self.standing_s,
            self.moving_s,
            self.lying_s,
            self.unknown_s,
            self.sit_tilt_sum_ddeg,
            self.sit_tilt_n,
            self.stand_tilt_sum_ddeg,
            self.stand_tilt_n,
            self.slouch_s,
            self.not_worn_s,
            self.desk_s,
        ]
    }

    /// A minute from its sums in `SUM_COLUMNS` order.
    pub(crate) fn from_sums(t_min: i64, v: [i64; 12]) -> Self {
        let [
            sitting_s,
            standing_s,
            moving_s,
            lying_s,
            unknown_s,
            sit_tilt_sum_ddeg,
            sit_tilt_n,
            stand_tilt_sum_ddeg,
            stand_tilt_n,
            slouch_s,
            not_worn_s,
            desk_s,
        ] = v;
        Self {
            t_min,
            sitting_s,
            standing_s,
            moving_s,
            lying_s,
            unknown_s,
            sit_tilt_sum_ddeg,
            sit_tilt_n,
            stand_tilt_sum_ddeg,
            stand_tilt_n,
            slouch_s,
            not_worn_s,
            desk_s,
        }
    }
    /// The posture most of the minute (a tie goes to the lower code, so
    /// unknown before sitting).
    pub fn state(&self) -> Posture {
        let by_code = [
            (Posture::Unknown, self.unknown_s),
            (Posture::Sitting, self.sitting_s),
            (Posture::Standing, self.standing_s),
            (Posture::Moving, self.moving_s),
            (Posture::Lying, self.lying_s),
            (Posture::NotWorn, self.not_worn_s),
            (Posture::AtDesk, self.desk_s),
        ];
        by_code
            .iter()
            .enumerate()
            .max_by_key(|&(i, &(_, s))| (s, std::cmp::Reverse(i)))
            .map_or(Posture::Unknown, |(_, &(p, _))| p)
    }

    /// Mean tilt of the minute over its sitting and standing seconds.
    pub fn tilt_deg(&self) -> Option<f64> {
        let n = self.sit_tilt_n + self.stand_tilt_n;
        (n > 0)
            .then(|| (self.sit_tilt_sum_ddeg + self.stand_tilt_sum_ddeg) as f64 / n as f64 / 10.0)
    }
}

/// One day's figures. Field names are the columns of `export --what days`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct DayFigures {
    pub date: NaiveDate,
    pub sitting_s: i64,
    pub standing_s: i64,
    pub moving_s: i64,
    pub lying_s: i64,
    pub unknown_s: i64,
    /// Seconds the sensor sent data but was not on the wearer (non-wear).
    pub not_worn_s: i64,
    /// Desk time: at the computer while no sensor was paired, counted from
    /// the keyboard and mouse. Never sitting.
    pub desk_s: i64,
    /// Sitting in bouts shorter than 30 min.
    pub sit_short_s: i64,
    /// Sitting in bouts of 30 to 60 min.
    pub sit_mid_s: i64,
    /// Sitting in bouts longer than 60 min.
    pub sit_long_s: i64,
    /// Sitting bouts of 30 min or more, counted on the day they started.
    pub sitting_bouts_over_30min: i64,
    pub breaks: i64,
    pub longest_streak_s: i64,
    pub streaks_over_threshold: i64,
    /// Mean trunk tilt while sitting (back sensor), degrees.
    pub mean_tilt_deg: Option<f64>,
    pub slouch_s: i64,
    pub routines_completed: i64,
}

impl DayFigures {
    pub fn empty(date: NaiveDate) -> Self {
        Self {
            date,
            ..Self::default()
        }
    }

    /// Seconds the sensor was on the wearer (not-worn seconds excluded).
    pub(crate) fn worn_s(&self) -> i64 {
        self.sitting_s + self.standing_s + self.moving_s + self.lying_s + self.unknown_s
    }

    pub fn has_data(&self) -> bool {
        self.worn_s() + self.not_worn_s + self.desk_s > 0
    }

    pub(crate) fn breaks_per_sitting_hour(&self) -> Option<f64> {
        (self.sitting_s > 0).then(|| self.breaks as f64 / (self.sitting_s as f64 / 3600.0))
    }

    /// A sitting bout of `whole_s`, of which `inside_s` fall in this day;
    /// `started_here` when its first second does.
    pub(crate) fn add_bout(&mut self, whole_s: i64, inside_s: i64, started_here: bool) {
        if started_here && whole_s >= SHORT_BOUT_S {
            self.sitting_bouts_over_30min += 1;
        }
        if whole_s < SHORT_BOUT_S {
            self.sit_short_s += inside_s;
        } else if whole_s <= LONG_BOUT_S {
            self.sit_mid_s += inside_s;
        } else {
            self.sit_long_s += inside_s;
        }
    }

    pub(crate) fn add_streak(&mut self, s: &Streak, threshold_s: i64) {
        self.longest_streak_s = self.longest_streak_s.max(s.duration_s());
        self.streaks_over_threshold += i64::from(s.duration_s() >= threshold_s);
    }
}

/// Local day boundaries of a run of dates, for bucketing times.
pub(crate) struct DayIndex {
    pub dates: Vec<NaiveDate>,
    starts: Vec<i64>,
    pub end: i64,
}

impl DayIndex {
    pub(crate) fn new(first: NaiveDate, last: NaiveDate) -> Self {
        let dates = dates(first, last);
        let starts: Vec<i64> = dates.iter().map(|d| day_bounds(*d).0).collect();
        let end = day_bounds(last).1;
        Self { dates, starts, end }
    }

    pub(crate) fn start(&self) -> i64 {
        self.starts.first().copied().unwrap_or(self.end)
    }

    pub(crate) fn bounds(&self, i: usize) -> (i64, i64) {
        (
            self.starts[i],
            self.starts.get(i + 1).copied().unwrap_or(self.end),
        )
    }

    /// Adds the sitting bout `[start_s, end_s)` to each day it touches.
    pub(crate) fn add_bout(&self, days: &mut [DayFigures], start_s: i64, end_s: i64) {
        for (i, f) in days.iter_mut().enumerate() {
            let (s, e) = self.bounds(i);
            let inside = end_s.min(e) - start_s.max(s);
            if inside > 0 {
                f.add_bout(end_s - start_s, inside, (s..e).contains(&start_s));
            }
        }
    }

    pub(crate) fn day_of(&self, t_s: i64) -> Option<usize> {
        if t_s < self.start() || t_s >= self.end {
            return None;
        }
        Some(self.starts.partition_point(|&s| s <= t_s) - 1)
    }
}

/// Rounded to a tenth, as every tilt figure is shown and exported.
pub(crate) fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The mean of `n` tilts summing to `sum_deg`, to a tenth of a degree.
pub fn mean_tilt_deg(sum_deg: f64, n: i64) -> Option<f64> {
    (n > 0).then(|| tenth(sum_deg / n as f64))
}

/// The same figures computed from seconds (sorted), the way they would be
/// without rollups: the reference for tests and benchmarks.
pub fn days_from_seconds(
    first: NaiveDate,
    last: NaiveDate,
    seconds: &[PostureSecond],
    routine_starts_s: &[i64],
    rules: StreakRules,
    slouch_deg: f32,
) -> Vec<DayFigures> {
    let idx = DayIndex::new(first, last);
    let mut out: Vec<DayFigures> = idx.dates.iter().map(|d| DayFigures::empty(*d)).collect();
    let mut tilt: Vec<(f64, i64)> = vec![(0.0, 0); out.len()];
    let mut run: Option<(i64, i64)> = None;
    let mut bouts = Vec::new();
    for s in seconds {
        let Some(i) = idx.day_of(s.t_s) else { continue };
        let f = &mut out[i];
        match s.state {
            Posture::Sitting => f.sitting_s += 1,
            Posture::Standing => f.standing_s += 1,
            Posture::Moving => f.moving_s += 1,
            Posture::Lying => f.lying_s += 1,
            Posture::Unknown => f.unknown_s += 1,
            Posture::NotWorn => f.not_worn_s += 1,
            Posture::AtDesk => f.desk_s += 1,
        }
        if s.state == Posture::Sitting {
            if let Some(t) = s.tilt_deg {
                tilt[i].0 += f64::from(t);
                tilt[i].1 += 1;
                f.slouch_s += i64::from(t >= slouch_deg);
            }
            run = match run {
                Some((a, b)) if b == s.t_s => Some((a, b + 1)),
                Some(r) => {
                    bouts.push(r);
                    Some((s.t_s, s.t_s + 1))
                }
                None => Some((s.t_s, s.t_s + 1)),
            };
        }
    }
    bouts.extend(run);
    for (a, b) in bouts {
        idx.add_bout(&mut out, a, b);
    }
    for (f, (sum, n)) in out.iter_mut().zip(&tilt) {
        f.mean_tilt_deg = mean_tilt_deg(*sum, *n);
    }
    let mut tracker = crate::domain::streak::StreakTracker::new(rules);
    let mut events = Vec::new();
    for s in seconds {
        tracker.push(s.t_s, s.state, &mut events);
    }
    tracker.finish(&mut events);
    for e in events {
        match e {
            crate::domain::streak::StreakEvent::Ended(s) => {
                if let Some(i) = idx.day_of(s.start_s) {
                    out[i].add_streak(&s, rules.threshold_s);
                }
            }
            crate::domain::streak::StreakEvent::Break { at_s } => {
                if let Some(i) = idx.day_of(at_s) {
                    out[i].breaks += 1;
                }
            }
            _ => {}
        }
    }
    for &t in routine_starts_s {
        if let Some(i) = idx.day_of(t) {
            out[i].routines_completed += 1;
        }
    }
    out
}

/// A period's figures in a line: days with data count, empty days don't.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    pub days_with_data: u32,
    /// Mean per day with data.
    pub sitting_s: i64,
    pub breaks_per_sitting_hour: Option<f64>,
    pub longest_streak_s: i64,
    pub mean_tilt_deg: Option<f64>,
    /// Mean per day with data.
    pub slouch_s: i64,
    pub routines_completed: i64,
}

impl Summary {
    pub fn of(days: &[DayFigures]) -> Self {
        let with: Vec<&DayFigures> = days.iter().filter(|d| d.has_data()).collect();
        let n = with.len() as i64;
        let sitting: i64 = with.iter().map(|d| d.sitting_s).sum();
        let breaks: i64 = with.iter().map(|d| d.breaks).sum();
        let tilt: Vec<(f64, i64)> = with
            .iter()
            .filter_map(|d| d.mean_tilt_deg.map(|t| (t, d.sitting_s)))
            .collect();
        let tilt_w: i64 = tilt.iter().map(|t| t.1).sum();
        Self {
            days_with_data: n as u32,
            sitting_s: if n > 0 { sitting / n } else { 0 },
            breaks_per_sitting_hour: (sitting > 0)
                .then(|| breaks as f64 / (sitting as f64 / 3600.0)),
            longest_streak_s: with.iter().map(|d| d.longest_streak_s).max().unwrap_or(0),
            mean_tilt_deg: mean_tilt_deg(
                tilt.iter().map(|(t, w)| t * *w as f64).sum::<f64>(),
                tilt_w,
            ),
            slouch_s: if n > 0 {
                with.iter().map(|d| d.slouch_s).sum::<i64>() / n
            } else {
                0
            },
            routines_completed: days.iter().map(|d| d.routines_completed).sum(),
        }
    }
}

/// A routine on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutineMark {
    pub at_s: i64,
    pub routine: String,
    pub completed: bool,
}

/// Everything the Day charts draw, from the rollups.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayDetail {
    pub date: NaiveDate,
    pub start_s: i64,
    pub end_s: i64,
    pub minutes: Vec<MinuteRollup>,
    /// Streaks that started this day, in order.
    pub streaks: Vec<Streak>,
    pub routines: Vec<RoutineMark>,
    pub figures: DayFigures,
}

/// Width of a tilt-distribution bin.
pub(crate) const TILT_BIN_DEG: f64 = 5.0;
/// Bins up to this tilt; steeper minutes go in the last bin.
pub(crate) const TILT_MAX_DEG: f64 = 60.0;

impl DayDetail {
    /// Hours of the day (23, 24 or 25) since local midnight.
    pub fn hours(&self) -> usize {
        ((self.end_s - self.start_s) as usize).div_ceil(3600)
    }

    /// The hours (since local midnight) the Day timeline spans by default:
    /// from the hour of the first worn minute to the end of the hour of the
    /// last, at least `MIN_SPAN_H` hours wide, so a workday fills the chart
    /// instead of a third of it. A day with nothing worn spans all of it.
    pub(crate) fn worn_hours(&self) -> (f64, f64) {
        const MIN_SPAN_H: f64 = 4.0;
        let day_h = (self.end_s - self.start_s) as f64 / 3600.0;
        let worn = |m: &&MinuteRollup| m.state() != Posture::NotWorn;
        let (Some(first), Some(last)) = (
            self.minutes.iter().find(worn),
            self.minutes.iter().rev().find(worn),
        ) else {
            return (0.0, day_h);
        };
        let h = |t_min: i64| (t_min * 60 - self.start_s) as f64 / 3600.0;
        let mut a = h(first.t_min).floor();
        let mut b = h(last.t_min + 1).ceil();
        if b - a < MIN_SPAN_H {
            let grow = MIN_SPAN_H - (b - a);
            a = (a - (grow / 2.0).floor()).max(0.0);
            b = (a + MIN_SPAN_H).min(day_h);
            a = (b - MIN_SPAN_H).max(0.0);
        }
        (a.max(0.0), b.min(day_h))
    }

    /// Local clock hour at the start of each hour of the day ("00"…"23";
    /// on a DST day one is skipped or repeated).
    pub fn hour_labels(&self) -> Vec<String> {
        (0..self.hours())
            .map(|h| {
                local_datetime(self.start_s + h as i64 * 3600)
                    .format("%H")
                    .to_string()
            })
            .collect()
    }

    /// Sitting per hour of the day, in minutes.
    pub fn sitting_min_per_hour(&self) -> Vec<f64> {
        self.min_per_hour(|m| m.sitting_s)
    }

    /// Desk time per hour, in minutes (days counted without a sensor).
    pub fn desk_min_per_hour(&self) -> Vec<f64> {
        self.min_per_hour(|m| m.desk_s)
    }

    fn min_per_hour(&self, seconds: impl Fn(&MinuteRollup) -> i64) -> Vec<f64> {
        let mut v = vec![0.0; self.hours()];
        for m in &self.minutes {
            let h = ((m.t_min * 60 - self.start_s) / 3600) as usize;
            if let Some(x) = v.get_mut(h) {
                *x += seconds(m) as f64 / 60.0;
            }
        }
        v
    }

    /// Lengths of the day's streaks in minutes, in order.
    pub fn streak_min(&self) -> Vec<f64> {
        self.streaks
            .iter()
            .map(|s| s.duration_s() as f64 / 60.0)
            .collect()
    }

    /// Minutes per tilt bin while sitting and while standing, from each
    /// minute's mean tilt (weighted by its seconds with a tilt).
    pub fn tilt_distribution_min(&self) -> (Vec<f64>, Vec<f64>) {
        let bins = (TILT_MAX_DEG / TILT_BIN_DEG) as usize;
        let mut sit = vec![0.0; bins];
        let mut stand = vec![0.0; bins];
        let bin = |mean_deg: f64| ((mean_deg / TILT_BIN_DEG) as usize).min(bins - 1);
        for m in &self.minutes {
            if m.sit_tilt_n > 0 {
                let mean = m.sit_tilt_sum_ddeg as f64 / m.sit_tilt_n as f64 / 10.0;
                sit[bin(mean)] += m.sit_tilt_n as f64 / 60.0;
            }
            if m.stand_tilt_n > 0 {
                let mean = m.stand_tilt_sum_ddeg as f64 / m.stand_tilt_n as f64 / 10.0;
                stand[bin(mean)] += m.stand_tilt_n as f64 / 60.0;
            }
        }
        (sit, stand)
    }
}

/// A Week or Month view's data: its days and the period before.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodData {
    pub days: Vec<DayFigures>,
    pub summary: Summary,
    pub previous: Summary,
}

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;

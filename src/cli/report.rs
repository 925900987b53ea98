//! `sitless report`: one day's figures, as text or JSON.

use std::path::Path;

use chrono::NaiveDate;

use super::open_existing;
use crate::domain::config::Config;
use crate::domain::days::{day_bounds, format_duration, local_date};
use crate::domain::figures::DayFigures;

/// The JSON of `report --json`: the day's figures (the same ones the
/// window and `export --what days` show) and the recommendations made.
#[derive(serde::Serialize)]
struct ReportJson {
    #[serde(flatten)]
    figures: DayFigures,
    recommendations: i64,
    /// Routines started and stopped before they counted as done.
    routines_partial: i64,
    /// Whether anything was recorded that day.
    has_data: bool,
    /// The streak threshold `streaks_over_threshold` counts with.
    threshold_s: i64,
}

pub(super) fn report(
    db: &Path,
    date: Option<NaiveDate>,
    json: bool,
    cfg: &Config,
) -> anyhow::Result<()> {
    let store = open_existing(db)?;
    // On stderr: `--json` readers get only the JSON on stdout.
    super::simulate::say_unfinished(&store);
    let date = date.unwrap_or_else(|| local_date(chrono::Utc::now().timestamp()));
    let threshold_s = store.threshold_s(cfg);
    let (start, end) = day_bounds(date);
    let figures = store
        .days(date, date, threshold_s)?
        .pop()
        .unwrap_or_else(|| DayFigures::empty(date));
    let recommendations = store.count_recommendations(start, end)?;
    let sessions = store.routine_sessions_between(start, end)?;
    let routines_partial = sessions.iter().filter(|s| !s.completed).count() as i64;
    let has_data = figures.worn_s() > 0 || !sessions.is_empty();
    let r = ReportJson {
        figures,
        recommendations,
        routines_partial,
        has_data,
        threshold_s,
    };
    if json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    let f = &r.figures;
    if !has_data {
        let last = store.last_date_with_data()?.map_or_else(
            || "There is no data yet.".to_owned(),
            |d| format!("The last day with data is {d}."),
        );
        println!(
            "No data for {}: the sensor was not worn, or nothing was recorded. {last}",
            f.date.format("%a %-d %b %Y")
        );
        return Ok(());
    }
    let tilt = f.mean_tilt_deg.map_or_else(
        || "none (no back sensor was worn)".to_owned(),
        |t| format!("{t:.1}°"),
    );
    println!("{}", f.date.format("%a %-d %b %Y"));
    println!(
        "  sitting   {:>12}   standing {:>12}",
        format_duration(f.sitting_s),
        format_duration(f.standing_s)
    );
    println!(
        "  walking   {:>12}   lying    {:>12}",
        format_duration(f.moving_s),
        format_duration(f.lying_s)
    );
    println!(
        "  unknown   {:>12}   not worn {:>12}",
        format_duration(f.unknown_s),
        format_duration(f.not_worn_s)
    );
    if f.desk_s > 0 {
        println!(
            "  desk time {:>12}   (at the computer while no sensor was paired; not sitting)",
            format_duration(f.desk_s)
        );
    }
    println!(
        "  breaks {}   longest streak {}   streaks over {} (your threshold): {}   sitting bouts of 30 min or more: {}",
        f.breaks,
        format_duration(f.longest_streak_s),
        crate::domain::days::threshold_words(threshold_s),
        f.streaks_over_threshold,
        f.sitting_bouts_over_30min
    );
    println!(
        "  mean tilt while sitting: {tilt}   slouched {}",
        format_duration(f.slouch_s)
    );
    println!(
        "  recommendations {}   routines done {}   partial {}",
        r.recommendations, f.routines_completed, r.routines_partial
    );
    Ok(())
}

//! `sitless report`: one day's figures, as text or JSON.

use std::path::Path;

use chrono::NaiveDate;

use super::{open_existing, threshold_s};
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
    let date = date.unwrap_or_else(|| local_date(chrono::Utc::now().timestamp()));
    let threshold_s = threshold_s(&store, cfg);
    let (start, end) = day_bounds(date);
    let figures = store
        .days(date, date, threshold_s)?
        .pop()
        .unwrap_or_else(|| DayFigures::empty(date));
    let recommendations = store.count_recommendations(start, end)?;
    let r = ReportJson {
        figures,
        recommendations,
        threshold_s,
    };
    if json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    let f = &r.figures;
    let tilt = f
        .mean_tilt_deg
        .map_or_else(|| "no back sensor".to_owned(), |t| format!("{t:.1}°"));
    println!("{}", f.date);
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
    println!(
        "  breaks {}   longest streak {}   streaks ≥ {} min: {}   bouts ≥ 30 min: {}",
        f.breaks,
        format_duration(f.longest_streak_s),
        threshold_s / 60,
        f.streaks_over_threshold,
        f.sitting_bouts_over_30min
    );
    println!(
        "  mean tilt while sitting {tilt}   slouched {}",
        format_duration(f.slouch_s)
    );
    println!(
        "  recommendations {}   routines completed {}",
        r.recommendations, f.routines_completed
    );
    Ok(())
}

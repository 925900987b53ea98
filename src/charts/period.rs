//! The Week and Month chart: four panels over the days of the period,
//! drawn from the day figures (rollups only).
//! 1. sitting hours stacked by bout length, routines done above each day;
//! 2. breaks per sitting hour;
//! 3. longest streak, against the 30 and 60 minute lines;
//! 4. slouch minutes (bars) and mean tilt while sitting (line).

use chrono::Datelike;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{
    Align, DrawResult, Key, Style, bar_labels, legend, panel, panel_builder, right_axis_px, themed,
};
use super::{BOUT_COLORS, HoverPanel, SECOND_COLOR, posture_color};
use crate::domain::days::format_duration;
use crate::domain::figures::{DayFigures, PeriodData};

fn day_label(d: &DayFigures, n_days: usize) -> String {
    if n_days <= 7 {
        d.date.format("%a %-d").to_string()
    } else {
        d.date.day().to_string()
    }
}

/// Desk time's colour, as in the Day timeline.
fn desk_color() -> RGBColor {
    posture_color(crate::domain::posture::Posture::AtDesk)
}

fn hours(s: i64) -> f64 {
    s as f64 / 3600.0
}

#[allow(
    clippy::too_many_lines,
    reason = "the four Week/Month panels share one layout, one x axis and one hover list"
)]
pub fn days<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &PeriodData,
    style: Style,
) -> DrawResult<Vec<HoverPanel>>
where
    DB::ErrorType: 'static,
{
    let theme = style.theme;
    let days = &p.days;
    let n = days.len().max(1) as f64;
    let labels: Vec<String> = days.iter().map(|d| day_label(d, days.len())).collect();
    let areas = root.split_evenly((4, 1));
    let mut panels = Vec::with_capacity(4);
    let date_of = |d: &DayFigures| d.date.format("%a %-d %b").to_string();

    // 1. Sitting hours by bout length; desk time (no sensor) on top, in
    // its own colour: it is not sitting, but it is the day's desk load.
    let desk = days.iter().any(|d| d.desk_s > 0);
    let top = days
        .iter()
        .map(|d| hours(d.sitting_s + d.desk_s))
        .fold(4.0_f64, f64::max)
        * 1.25;
    let mut c = panel_builder(&areas[0], style, "Sitting (h) by bout length")
        .margin_right(6.0 + right_axis_px(style))
        .build_cartesian_2d(0.0..n, 0.0..top)?;
    themed(&mut c.configure_mesh(), style, style.small_font())
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(4)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    bar_labels(root, &c, &labels, style)?;
    for (i, d) in days.iter().enumerate() {
        let x = i as f64;
        let mut y = 0.0;
        for (s, color) in [d.sit_short_s, d.sit_mid_s, d.sit_long_s]
            .into_iter()
            .zip(BOUT_COLORS)
        {
            let h = hours(s);
            if h > 0.0 {
                c.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.15, y), (x + 0.85, y + h)],
                    color.filled(),
                )))?;
            }
            y += h;
        }
        if d.desk_s > 0 {
            let h = hours(d.desk_s);
            c.draw_series(std::iter::once(Rectangle::new(
                [(x + 0.15, y), (x + 0.85, y + h)],
                desk_color().filled(),
            )))?;
            y += h;
        }
        if d.routines_completed > 0 {
            c.draw_series(std::iter::once(Text::new(
                format!("R{}", d.routines_completed),
                (x + 0.2, y + top * 0.12),
                // The label size, not the small one: it is read, not glanced at.
                style.font().color(&theme.routine_mark()),
            )))?;
        }
    }
    let mut keys = vec![
        (Key::Box(BOUT_COLORS[0]), "< 30 min"),
        (Key::Box(BOUT_COLORS[1]), "30–60 min"),
        (Key::Box(BOUT_COLORS[2]), "> 60 min"),
    ];
    if desk {
        keys.push((Key::Box(desk_color()), "desk time"));
    }
    keys.push((Key::Line(theme.routine_mark()), "R: routines done"));
    legend(&areas[0], &keys, style, Align::Right)?;
    let cells = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                i as f64,
                i as f64 + 1.0,
                format!(
                    "{}: sitting {}\n< 30 min bouts {}, 30–60 min {}, > 60 min {}{}\nroutines done {}",
                    date_of(d),
                    format_duration(d.sitting_s),
                    format_duration(d.sit_short_s),
                    format_duration(d.sit_mid_s),
                    format_duration(d.sit_long_s),
                    if d.desk_s > 0 {
                        format!("\ndesk time {} (keyboard and mouse, not sitting)", format_duration(d.desk_s))
                    } else {
                        String::new()
                    },
                    d.routines_completed
                ),
            )
        })
        .collect();
    panels.push(panel(&c, (0.0, n), cells));

    // 2. Breaks per sitting hour.
    let rate: Vec<Option<f64>> = days
        .iter()
        .map(DayFigures::breaks_per_sitting_hour)
        .collect();
    let top = rate.iter().flatten().copied().fold(2.0_f64, f64::max) * 1.2;
    let mut c = panel_builder(&areas[1], style, "Breaks per sitting hour")
        .margin_right(6.0 + right_axis_px(style))
        .build_cartesian_2d(0.0..n, 0.0..top)?;
    themed(&mut c.configure_mesh(), style, style.small_font())
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(4)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()?;
    bar_labels(root, &c, &labels, style)?;
    c.draw_series(rate.iter().enumerate().filter_map(|(i, r)| {
        let x = i as f64;
        r.map(|r| Rectangle::new([(x + 0.15, 0.0), (x + 0.85, r)], SECOND_COLOR.filled()))
    }))?;
    let cells = days
        .iter()
        .zip(&rate)
        .enumerate()
        .map(|(i, (d, r))| {
            let text = match r {
                Some(r) => format!(
                    "{}: {r:.1} breaks per sitting hour ({} breaks)",
                    date_of(d),
                    d.breaks
                ),
                None => format!("{}: no sitting", date_of(d)),
            };
            (i as f64, i as f64 + 1.0, text)
        })
        .collect();
    panels.push(panel(&c, (0.0, n), cells));

    // 3. Longest streak.
    let top = days
        .iter()
        .map(|d| d.longest_streak_s as f64 / 60.0)
        .fold(75.0_f64, f64::max)
        * 1.15;
    let mut c = panel_builder(&areas[2], style, "Longest streak (min)")
        .margin_right(6.0 + right_axis_px(style))
        .build_cartesian_2d(0.0..n, 0.0..top)?;
    themed(&mut c.configure_mesh(), style, style.small_font())
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(4)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    bar_labels(root, &c, &labels, style)?;
    let threshold_min = style.threshold_s as f64 / 60.0;
    c.draw_series(days.iter().enumerate().map(|(i, d)| {
        let x = i as f64;
        let m = d.longest_streak_s as f64 / 60.0;
        let color = if m >= threshold_min {
            BOUT_COLORS[2]
        } else {
            BOUT_COLORS[1]
        };
        Rectangle::new([(x + 0.15, 0.0), (x + 0.85, m)], color.filled())
    }))?;
    for (limit, color) in super::day::limit_lines(threshold_min, theme) {
        c.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, limit), (n, limit)],
            color.stroke_width(2),
        )))?;
    }
    let cells = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                i as f64,
                i as f64 + 1.0,
                format!(
                    "{}: longest streak {}, {} over {} min",
                    date_of(d),
                    format_duration(d.longest_streak_s),
                    d.streaks_over_threshold,
                    style.threshold_s / 60
                ),
            )
        })
        .collect();
    panels.push(panel(&c, (0.0, n), cells));

    // 4. Slouch minutes (bars, left axis) and mean tilt (line, right axis).
    let top = days
        .iter()
        .map(|d| d.slouch_s as f64 / 60.0)
        .fold(30.0_f64, f64::max)
        * 1.2;
    let tilt_top = days
        .iter()
        .filter_map(|d| d.mean_tilt_deg)
        .fold(30.0_f64, f64::max)
        * 1.2;
    let mut c = panel_builder(
        &areas[3],
        style,
        "Slouched (min, bars) and mean tilt (°, line)",
    )
    .right_y_label_area_size(right_axis_px(style))
    .build_cartesian_2d(0.0..n, 0.0..top)?
    .set_secondary_coord(0.0..n, 0.0..tilt_top);
    themed(&mut c.configure_mesh(), style, style.small_font())
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(4)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    bar_labels(root, &c, &labels, style)?;
    c.configure_secondary_axes()
        .y_labels(4)
        .y_label_formatter(&|v| format!("{v:.0}°"))
        .label_style(style.small_font())
        .axis_style(theme.foreground())
        .draw()?;
    c.draw_series(days.iter().enumerate().map(|(i, d)| {
        let x = i as f64;
        Rectangle::new(
            [(x + 0.2, 0.0), (x + 0.8, d.slouch_s as f64 / 60.0)],
            BOUT_COLORS[0].filled(),
        )
    }))?;
    // The tilt line breaks over days without tilt: a straight line across
    // them would draw values nobody measured.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, d) in days.iter().enumerate() {
        match d.mean_tilt_deg {
            Some(t) => {
                if let Some(run) = runs.last_mut() {
                    run.push((i as f64 + 0.5, t));
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    for run in &runs {
        c.draw_secondary_series(LineSeries::new(
            run.clone(),
            theme.tilt_line().stroke_width(2),
        ))?;
        c.draw_secondary_series(
            run.iter()
                .map(|&p| Circle::new(p, 3, theme.tilt_line().filled())),
        )?;
    }
    let cells = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let tilt = d.mean_tilt_deg.map_or_else(
                || "no tilt (no back sensor)".into(),
                |t| format!("mean tilt {t:.1}°"),
            );
            (
                i as f64,
                i as f64 + 1.0,
                format!(
                    "{}: slouched {}, {tilt}",
                    date_of(d),
                    format_duration(d.slouch_s)
                ),
            )
        })
        .collect();
    let (xs, ys) = c.plotting_area().get_pixel_range();
    panels.push(HoverPanel {
        x_px: (xs.start, xs.end),
        y_px: (ys.start, ys.end),
        x_range: (0.0, n),
        cells,
    });
    Ok(panels)
}

//! The Day charts, drawn from a `DayDetail` (the minute rollups, streaks
//! and routines of one local day).

use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{
    Align, DrawResult, Key, Style, bar_labels, day_builder, legend, legend_height_px, panel, themed,
};
use super::{ALERT_COLOR, HoverPanel, posture_color};
use crate::domain::days::{format_duration, local_datetime, threshold_words};
use crate::domain::figures::{DayDetail, TILT_BIN_DEG, TILT_MAX_DEG};
use crate::domain::posture::Posture;

const BAND_TOP: f64 = -4.0;
const BAND_BOTTOM: f64 = -16.0;
const TILT_MAX: f64 = 60.0;

fn clock(t_s: i64) -> String {
    local_datetime(t_s).format("%H:%M").to_string()
}

/// Hours since the day's local midnight.
fn hour_of(d: &DayDetail, t_s: i64) -> f64 {
    (t_s - d.start_s) as f64 / 3600.0
}

/// State band per minute, tilt line above it, long streaks shaded,
/// routines marked with a line and an "R".
#[allow(
    clippy::too_many_lines,
    reason = "one chart: the state band, tilt line, shading, marks and legend share one coordinate system"
)]
pub fn timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &DayDetail,
    style: Style,
) -> DrawResult<Vec<HoverPanel>>
where
    DB::ErrorType: 'static,
{
    let theme = style.theme;
    let (h0, h1) = if style.whole_day {
        (0.0, (d.end_s - d.start_s) as f64 / 3600.0)
    } else {
        d.worn_hours()
    };
    let shade = posture_color(Posture::Sitting);
    let streak_words = format!("streak over {}", threshold_words(style.threshold_s));
    // Desk time has a key only on days that have it (most days are a
    // sensor's, and a key for what is not drawn is noise).
    let desk = d.minutes.iter().any(|m| m.desk_s > 0);
    let mut keys: Vec<(Key, &str)> = Posture::ALL
        .iter()
        .filter(|&&p| p != Posture::AtDesk || desk)
        .map(|&p| (Key::Box(posture_color(p)), p.label()))
        .collect();
    // Without a back sensor there is no tilt to draw: its area stays (the
    // shading and routine marks use it) but says why it is empty.
    let has_tilt = d.minutes.iter().any(|m| m.tilt_deg().is_some());
    if has_tilt {
        keys.push((Key::Line(theme.tilt_line()), "trunk tilt (°)"));
    }
    keys.extend([
        (Key::Shade(shade), streak_words.as_str()),
        (Key::Line(theme.routine_mark()), "routine (R; r: partial)"),
    ]);
    let lp = style.label_px();
    let left_px = (8.0 + lp * 3.0) as i32;
    let top_px = legend_height_px(root, &keys, style, Align::Left(left_px)) + lp * 0.8;
    let mut chart = day_builder(root, style)
        .margin_top(top_px)
        .build_cartesian_2d(h0..h1, BAND_BOTTOM..TILT_MAX)?;
    let labels = d.hour_labels();
    let span_h = h1 - h0;
    let step_h = if span_h <= 8.0 {
        1.0
    } else if span_h <= 14.0 {
        2.0
    } else {
        3.0
    };
    themed(&mut chart.configure_mesh(), style, style.font())
        .x_labels(((span_h / step_h).round() as usize).max(2) + 1)
        .x_label_formatter(&|h| {
            labels
                .get(h.round().max(0.0) as usize)
                .map_or_else(|| "24".into(), |l| format!("{l}:00"))
        })
        .y_labels(4)
        .y_label_formatter(&|v| {
            if *v >= 0.0 && has_tilt {
                format!("{v:.0}°")
            } else {
                String::new()
            }
        })
        .draw()?;

    // Streaks over the threshold: shaded behind everything, so the eye
    // finds the long sits first.
    let shade = shade.mix(0.3);
    let long: Vec<_> = d
        .streaks
        .iter()
        .filter(|s| s.duration_s() >= style.threshold_s)
        .collect();
    chart.draw_series(long.iter().map(|s| {
        Rectangle::new(
            [
                (hour_of(d, s.start_s), BAND_TOP),
                (hour_of(d, s.last_sitting_s + 1), TILT_MAX),
            ],
            shade.filled(),
        )
    }))?;

    // The posture band: one rectangle per run of equal minutes.
    let mut runs: Vec<(f64, f64, Posture)> = Vec::new();
    for m in &d.minutes {
        let a = hour_of(d, m.t_min * 60);
        let b = a + 1.0 / 60.0;
        let p = m.state();
        match runs.last_mut() {
            Some((_, end, q)) if (*end - a).abs() < 1e-9 && *q == p => *end = b,
            _ => runs.push((a, b, p)),
        }
    }
    chart.draw_series(runs.iter().map(|&(a, b, p)| {
        Rectangle::new([(a, BAND_BOTTOM), (b, BAND_TOP)], posture_color(p).filled())
    }))?;

    // Tilt: one line per stretch of consecutive minutes with a tilt.
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut last_min = None;
    for m in &d.minutes {
        let contiguous = last_min.is_some_and(|l| l + 1 == m.t_min);
        let point = m
            .tilt_deg()
            .map(|t| (hour_of(d, m.t_min * 60 + 30), t.min(TILT_MAX)));
        match point {
            Some(p) => {
                if !contiguous && !segments.last().is_some_and(Vec::is_empty) {
                    segments.push(Vec::new());
                }
                if let Some(seg) = segments.last_mut() {
                    seg.push(p);
                }
            }
            None => segments.push(Vec::new()),
        }
        last_min = Some(m.t_min);
    }
    for seg in segments.into_iter().filter(|s| s.len() > 1) {
        chart.draw_series(LineSeries::new(seg, theme.tilt_line().stroke_width(1)))?;
    }
    if !has_tilt && !d.minutes.is_empty() {
        use plotters::style::text_anchor::{HPos, Pos, VPos};
        chart.draw_series(std::iter::once(Text::new(
            "no trunk tilt: it needs a sensor on the upper back".to_string(),
            (h0 + span_h / 2.0, TILT_MAX / 2.0),
            style
                .font()
                .color(&theme.foreground().mix(0.6))
                .pos(Pos::new(HPos::Center, VPos::Center)),
        )))?;
    }

    // Routines: a line across and an "R" above the band; a partial one
    // (not counted in "Routines done") thinner, with an "r".
    for r in &d.routines {
        let x = hour_of(d, r.at_s);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, BAND_BOTTOM), (x, TILT_MAX)],
            theme
                .routine_mark()
                .stroke_width(if r.completed { 2 } else { 1 }),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            if r.completed { "R" } else { "r" }.to_string(),
            (x, TILT_MAX),
            style.font().color(&theme.routine_mark()),
        )))?;
    }
    legend(root, &keys, style, Align::Left(left_px))?;

    let mut cells: Vec<(f64, f64, String)> = Vec::with_capacity(d.minutes.len());
    for m in &d.minutes {
        let t = m.t_min * 60;
        let a = hour_of(d, t);
        let mut text = format!("{} {}", clock(t), m.state().label());
        if let Some(tilt) = m.tilt_deg() {
            let _ = write!(text, ", tilt {tilt:.0}°");
        }
        if let Some(s) = d
            .streaks
            .iter()
            .find(|s| (s.start_s..=s.last_sitting_s).contains(&t))
        {
            let _ = write!(
                text,
                "\nstreak {}–{} ({})",
                clock(s.start_s),
                clock(s.last_sitting_s + 1),
                format_duration(s.duration_s())
            );
        }
        if let Some(r) = d.routines.iter().find(|r| r.at_s.div_euclid(60) == m.t_min) {
            let _ = write!(
                text,
                "\nroutine: {} ({})",
                crate::domain::session::routine_words(&r.routine),
                if r.completed { "done" } else { "partial" }
            );
        }
        cells.push((a, a + 1.0 / 60.0, text));
    }
    Ok(vec![panel(&chart, (h0, h1), cells)])
}

/// Bars of sitting minutes in each hour, with the 60-minute line.
pub fn hourly<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &DayDetail,
    style: Style,
) -> DrawResult<Vec<HoverPanel>>
where
    DB::ErrorType: 'static,
{
    let bars = d.sitting_min_per_hour();
    let labels = d.hour_labels();
    let n = bars.len() as f64;
    let mut chart = day_builder(root, style).build_cartesian_2d(0.0..n, 0.0..66.0)?;
    themed(&mut chart.configure_mesh(), style, style.font())
        .disable_x_mesh()
        .x_labels((bars.len() / 3).max(2))
        .x_label_formatter(&|h| {
            labels
                .get(h.floor().max(0.0) as usize)
                .cloned()
                .unwrap_or_default()
        })
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("min")
        .draw()?;
    let sit = posture_color(Posture::Sitting);
    chart.draw_series(bars.iter().enumerate().map(|(i, &m)| {
        let x = i as f64;
        Rectangle::new([(x + 0.12, 0.0), (x + 0.88, m)], sit.filled())
    }))?;
    // Desk time (no sensor) stacked on the sitting, in its own colour.
    let desk = d.desk_min_per_hour();
    let desk_color = posture_color(Posture::AtDesk);
    chart.draw_series(
        bars.iter()
            .zip(&desk)
            .enumerate()
            .filter(|(_, (_, k))| **k > 0.0)
            .map(|(i, (&m, &k))| {
                let x = i as f64;
                Rectangle::new([(x + 0.12, m), (x + 0.88, m + k)], desk_color.filled())
            }),
    )?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 60.0), (n, 60.0)],
        ALERT_COLOR.stroke_width(2),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        "60 min".to_string(),
        (0.1, 65.0),
        style.small_font(),
    )))?;
    let cells = bars
        .iter()
        .zip(&desk)
        .enumerate()
        .map(|(i, (m, k))| {
            let from = clock(d.start_s + i as i64 * 3600);
            let to = clock(d.start_s + (i as i64 + 1) * 3600);
            let desk = if *k > 0.0 {
                format!(", {k:.0} min at the computer")
            } else {
                String::new()
            };
            (
                i as f64,
                i as f64 + 1.0,
                format!("{from}–{to}: {m:.0} min sitting{desk}"),
            )
        })
        .collect();
    Ok(vec![panel(&chart, (0.0, n), cells)])
}

/// The day's streaks in order, with the 30 and 60 minute lines.
pub fn streaks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &DayDetail,
    style: Style,
) -> DrawResult<Vec<HoverPanel>>
where
    DB::ErrorType: 'static,
{
    let theme = style.theme;
    let mins = d.streak_min();
    let n = mins.len().max(1) as f64;
    let top = mins.iter().copied().fold(75.0_f64, f64::max) * 1.1;
    let mut chart = day_builder(root, style).build_cartesian_2d(0.0..n, 0.0..top)?;
    let starts: Vec<String> = d.streaks.iter().map(|s| clock(s.start_s)).collect();
    themed(&mut chart.configure_mesh(), style, style.font())
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("min")
        .draw()?;
    bar_labels(root, &chart, &starts, style)?;
    let threshold_min = style.threshold_s as f64 / 60.0;
    chart.draw_series(mins.iter().enumerate().map(|(i, &m)| {
        let x = i as f64;
        let color = if m >= threshold_min {
            super::BOUT_COLORS[2]
        } else {
            super::BOUT_COLORS[1]
        };
        // A streak of seconds still gets a visible bar: its hover slot is
        // there, and an invisible bar would seem to belong to its neighbour.
        Rectangle::new(
            [(x + 0.15, 0.0), (x + 0.85, m.max(top * 0.015))],
            color.filled(),
        )
    }))?;
    for (limit, color) in limit_lines(threshold_min, theme) {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, limit), (n, limit)],
            color.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{limit:.0} min"),
            (0.05, limit + top * 0.03),
            style.small_font(),
        )))?;
    }
    if mins.is_empty() {
        chart.draw_series(std::iter::once(Text::new(
            "No sitting streaks this day".to_string(),
            (0.3, top * 0.5),
            style.font(),
        )))?;
    }
    let cells = d
        .streaks
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                i as f64,
                i as f64 + 1.0,
                format!(
                    "Streak {}: {}–{}, {}",
                    i + 1,
                    clock(s.start_s),
                    clock(s.last_sitting_s + 1),
                    format_duration(s.duration_s())
                ),
            )
        })
        .collect();
    Ok(vec![panel(&chart, (0.0, n), cells)])
}

/// Minutes per 5° tilt bin while sitting (left bar) and standing (right).
pub fn tilt<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &DayDetail,
    style: Style,
) -> DrawResult<Vec<HoverPanel>>
where
    DB::ErrorType: 'static,
{
    let (sit, stand) = d.tilt_distribution_min();
    let top = sit.iter().chain(&stand).copied().fold(10.0_f64, f64::max) * 1.1;
    let mut chart = day_builder(root, style).build_cartesian_2d(0.0..TILT_MAX_DEG, 0.0..top)?;
    themed(&mut chart.configure_mesh(), style, style.font())
        .disable_x_mesh()
        .x_labels(7)
        .x_label_formatter(&|v| format!("{v:.0}°"))
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("min")
        .draw()?;
    let w = TILT_BIN_DEG;
    let sit_c = posture_color(Posture::Sitting);
    let stand_c = posture_color(Posture::Standing);
    chart.draw_series(sit.iter().enumerate().map(|(i, &m)| {
        let x = i as f64 * w;
        Rectangle::new([(x + w * 0.08, 0.0), (x + w * 0.5, m)], sit_c.filled())
    }))?;
    chart.draw_series(stand.iter().enumerate().map(|(i, &m)| {
        let x = i as f64 * w;
        Rectangle::new([(x + w * 0.5, 0.0), (x + w * 0.92, m)], stand_c.filled())
    }))?;
    legend(
        root,
        &[
            (Key::Box(sit_c), "sitting (left)"),
            (Key::Box(stand_c), "standing (right)"),
        ],
        style,
        Align::Left((8.0 + style.label_px() * 3.0) as i32),
    )?;
    if sit.iter().chain(&stand).all(|m| *m == 0.0) {
        chart.draw_series(std::iter::once(Text::new(
            "No tilt this day (it needs a back sensor)".to_string(),
            (2.0, top * 0.5),
            style.font(),
        )))?;
    }
    let cells = sit
        .iter()
        .zip(&stand)
        .enumerate()
        .map(|(i, (s, u))| {
            let a = i as f64 * w;
            let upper = if i + 1 == sit.len() {
                "+".to_string()
            } else {
                format!("–{:.0}", a + w)
            };
            (
                a,
                a + w,
                format!("{a:.0}{upper}°: sitting {s:.0} min, standing {u:.0} min"),
            )
        })
        .collect();
    Ok(vec![panel(&chart, (0.0, TILT_MAX_DEG), cells)])
}

/// The lines a streak chart marks: the threshold in force and, below it,
/// half an hour as a gentler mark.
pub(super) fn limit_lines(threshold_min: f64, theme: super::ChartTheme) -> Vec<(f64, RGBColor)> {
    let mut v = Vec::with_capacity(2);
    if threshold_min > 35.0 {
        v.push((30.0, theme.limit_line()));
    }
    v.push((threshold_min, ALERT_COLOR));
    v
}

#[cfg(test)]
mod tests {
    use super::super::render::{ChartSource, render_file};
    use super::super::{ChartKind, ChartTheme};
    use super::Style;
    use crate::domain::figures::{DayDetail, MinuteRollup};

    fn svg_of(d: &DayDetail) -> String {
        let style = Style {
            theme: ChartTheme::Light,
            scale: 1.0,
            threshold_s: 3600,
            whole_day: false,
        };
        let bytes = render_file(
            ChartKind::Timeline,
            ChartSource::Day(d),
            900,
            300,
            style,
            "t",
            true,
        )
        .expect("drawn");
        String::from_utf8(bytes).expect("SVG is text")
    }

    fn day(minute: impl Fn(i64) -> MinuteRollup) -> DayDetail {
        let start_s = 1_000_000 * 60;
        DayDetail {
            start_s,
            end_s: start_s + 24 * 3600,
            minutes: (600..720).map(|m| minute(start_s / 60 + m)).collect(),
            ..DayDetail::default()
        }
    }

    #[test]
    fn a_day_without_tilt_says_why_its_tilt_area_is_empty_and_desk_time_has_its_key() {
        let desk = day(|t_min| MinuteRollup {
            t_min,
            desk_s: 60,
            ..MinuteRollup::default()
        });
        let svg = svg_of(&desk);
        assert!(svg.contains("no trunk tilt: it needs a sensor on the upper back"));
        assert!(!svg.contains("trunk tilt (°)"));
        assert!(svg.contains("At the computer"));
        let back = day(|t_min| MinuteRollup {
            t_min,
            sitting_s: 60,
            sit_tilt_sum_ddeg: 60 * 150,
            sit_tilt_n: 60,
            ..MinuteRollup::default()
        });
        let svg = svg_of(&back);
        assert!(svg.contains("trunk tilt (°)"));
        assert!(!svg.contains("no trunk tilt"));
        assert!(
            !svg.contains("At the computer"),
            "no desk key without desk time"
        );
    }
}

//! The day's posture timeline: a band of posture colours per minute, the
//! trunk tilt line above it, and streaks over the threshold shaded.

use plotters::prelude::*;

use super::{ChartError, ChartTheme, FONT, RgbImage, posture_color, register_fonts};
use crate::posture::{Posture, PostureSecond};
use crate::streak::{StreakRules, streaks_of};

pub struct TimelineInput<'a> {
    pub day_start_s: i64,
    pub day_end_s: i64,
    /// The day's seconds, in time order.
    pub seconds: &'a [PostureSecond],
    pub rules: StreakRules,
}

/// One minute of the day, as drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinuteCell {
    pub minute: usize,
    pub state: Posture,
    pub tilt_deg: Option<f32>,
}

/// The most frequent posture and the mean tilt of each minute with data.
pub fn minute_cells(day_start_s: i64, seconds: &[PostureSecond]) -> Vec<MinuteCell> {
    let mut cells: Vec<MinuteCell> = Vec::new();
    let mut counts = [0_u32; 5];
    let mut tilt = (0.0_f64, 0_u32);
    let mut current: Option<usize> = None;
    let mut close = |minute: usize, counts: &mut [u32; 5], tilt: &mut (f64, u32)| {
        let (best, _) = counts
            .iter()
            .enumerate()
            .max_by_key(|&(i, &c)| (c, std::cmp::Reverse(i)))
            .unwrap_or((0, &0));
        cells.push(MinuteCell {
            minute,
            state: Posture::from_code(best as i64).unwrap_or(Posture::Unknown),
            tilt_deg: (tilt.1 > 0).then(|| (tilt.0 / f64::from(tilt.1)) as f32),
        });
        *counts = [0; 5];
        *tilt = (0.0, 0);
    };
    for s in seconds {
        let Ok(minute) = usize::try_from((s.t_s - day_start_s).div_euclid(60)) else {
            continue;
        };
        if let Some(m) = current.filter(|&m| m != minute) {
            close(m, &mut counts, &mut tilt);
        }
        current = Some(minute);
        counts[s.state.code() as usize] += 1;
        if let Some(t) = s.tilt_deg {
            tilt.0 += f64::from(t);
            tilt.1 += 1;
        }
    }
    if let Some(m) = current {
        close(m, &mut counts, &mut tilt);
    }
    cells
}

const BAND_TOP: f64 = -4.0;
const BAND_BOTTOM: f64 = -16.0;
const TILT_MAX: f64 = 60.0;

pub fn render(
    input: &TimelineInput<'_>,
    width: u32,
    height: u32,
    theme: ChartTheme,
) -> Result<RgbImage, ChartError> {
    if !(64..=8192).contains(&width) || !(48..=4096).contains(&height) {
        return Err(ChartError::Size(width, height));
    }
    register_fonts();
    let mut pixels = vec![0_u8; width as usize * height as usize * 3];
    draw(input, &mut pixels, width, height, theme).map_err(|e| ChartError::Draw(e.to_string()))?;
    Ok(RgbImage {
        width,
        height,
        pixels,
    })
}

fn draw(
    input: &TimelineInput<'_>,
    pixels: &mut [u8],
    width: u32,
    height: u32,
    theme: ChartTheme,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(pixels, (width, height)).into_drawing_area();
    root.fill(&theme.background())?;
    let hours = (input.day_end_s - input.day_start_s) as f64 / 3600.0;
    let fg = theme.foreground();
    let label_px = (f64::from(height) / 16.0).clamp(11.0, 22.0);
    let font = (FONT, label_px).into_font().color(&fg);
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(label_px * 1.6)
        .y_label_area_size(label_px * 2.6)
        .build_cartesian_2d(0.0..hours, BAND_BOTTOM..TILT_MAX)?;
    chart
        .configure_mesh()
        .x_labels(9)
        .x_label_formatter(&|h| format!("{:02}:00", h.round() as i64))
        .y_labels(4)
        .y_label_formatter(&|d| {
            if *d >= 0.0 {
                format!("{d:.0}°")
            } else {
                String::new()
            }
        })
        .label_style(font.clone())
        .axis_style(fg)
        .bold_line_style(theme.grid())
        .light_line_style(theme.background())
        .draw()?;
    let hour_of = |t_s: i64| (t_s - input.day_start_s) as f64 / 3600.0;

    // Streaks over the threshold: shaded behind everything, so the eye
    // finds the long sits first.
    let (streaks, _) = streaks_of(input.rules, input.seconds.iter().map(|s| (s.t_s, s.state)));
    let shade = posture_color(Posture::Sitting).mix(0.18);
    chart.draw_series(
        streaks
            .iter()
            .filter(|s| s.duration_s() >= input.rules.threshold_s)
            .map(|s| {
                Rectangle::new(
                    [
                        (hour_of(s.start_s), BAND_TOP),
                        (hour_of(s.last_sitting_s + 1), TILT_MAX),
                    ],
                    shade.filled(),
                )
            }),
    )?;

    // The posture band: one rectangle per run of equal minutes.
    let cells = minute_cells(input.day_start_s, input.seconds);
    let mut runs: Vec<(usize, usize, Posture)> = Vec::new();
    for c in &cells {
        match runs.last_mut() {
            Some((_, end, p)) if *end == c.minute && *p == c.state => *end += 1,
            _ => runs.push((c.minute, c.minute + 1, c.state)),
        }
    }
    chart.draw_series(runs.iter().map(|&(a, b, p)| {
        Rectangle::new(
            [(a as f64 / 60.0, BAND_BOTTOM), (b as f64 / 60.0, BAND_TOP)],
            posture_color(p).filled(),
        )
    }))?;

    // Tilt: a line per stretch of minutes that have it, broken at gaps.
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let mut segments = Vec::new();
    let mut last_minute = None;
    for c in &cells {
        let contiguous = last_minute.is_some_and(|m| m + 1 == c.minute);
        match c.tilt_deg {
            Some(t) if contiguous || segment.is_empty() => {
                segment.push((
                    c.minute as f64 / 60.0 + 1.0 / 120.0,
                    f64::from(t).min(TILT_MAX),
                ));
            }
            Some(t) => {
                segments.push(std::mem::take(&mut segment));
                segment.push((
                    c.minute as f64 / 60.0 + 1.0 / 120.0,
                    f64::from(t).min(TILT_MAX),
                ));
            }
            None => segments.push(std::mem::take(&mut segment)),
        }
        last_minute = Some(c.minute);
    }
    segments.push(segment);
    for seg in segments.into_iter().filter(|s| s.len() > 1) {
        chart.draw_series(LineSeries::new(seg, theme.tilt_line().stroke_width(1)))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(t_s: i64, state: Posture, tilt: Option<f32>) -> PostureSecond {
        PostureSecond {
            t_s,
            state,
            tilt_deg: tilt,
            device_id: 1,
        }
    }

    #[test]
    fn minutes_take_the_majority_posture_and_mean_tilt() {
        let mut s: Vec<_> = (0..40)
            .map(|t| sec(t, Posture::Sitting, Some(10.0)))
            .collect();
        s.extend((40..60).map(|t| sec(t, Posture::Standing, Some(20.0))));
        s.push(sec(185, Posture::Moving, None));
        let cells = minute_cells(0, &s);
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].state, Posture::Sitting);
        assert!((cells[0].tilt_deg.unwrap() - 13.333).abs() < 0.01);
        assert_eq!(cells[1].minute, 3);
        assert_eq!(cells[1].tilt_deg, None);
    }

    #[test]
    fn renders_a_day_and_an_empty_day_at_the_asked_size() {
        let s: Vec<_> = (0..7200)
            .map(|t| {
                sec(
                    t,
                    if t < 5000 {
                        Posture::Sitting
                    } else {
                        Posture::Moving
                    },
                    Some(12.0),
                )
            })
            .collect();
        let input = TimelineInput {
            day_start_s: 0,
            day_end_s: 86_400,
            seconds: &s,
            rules: StreakRules::default(),
        };
        let img = render(&input, 640, 200, ChartTheme::Light).unwrap();
        assert_eq!(img.pixels.len(), 640 * 200 * 3);
        let sit = posture_color(Posture::Sitting);
        let has_sitting_colour = img.pixels.chunks(3).any(|p| p == [sit.0, sit.1, sit.2]);
        assert!(has_sitting_colour, "the posture band is drawn");
        let empty = TimelineInput {
            seconds: &[],
            ..input
        };
        let img = render(&empty, 640, 200, ChartTheme::Dark).unwrap();
        assert!(!img.pixels.chunks(3).any(|p| p == [sit.0, sit.1, sit.2]));
        assert!(render(&empty, 10, 10, ChartTheme::Dark).is_err());
    }
}

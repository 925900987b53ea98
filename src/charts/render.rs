//! Entry points: any chart into RGB pixels (the app's textures), or a PNG
//! or SVG file (the `chart` command). Drawing is generic over the plotters
//! backend, so every output shows the same chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, ChartError, ChartKind, ChartTheme, FONT, Hover, RgbImage, register_fonts};
use crate::domain::figures::{DayDetail, PeriodData};

/// The data a chart is drawn from.
#[derive(Clone, Copy, Debug)]
pub enum ChartSource<'a> {
    Day(&'a DayDetail),
    Period(&'a PeriodData),
}

/// How to draw: theme, text scale (the display's pixels per point) and
/// the streak threshold to mark.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub theme: ChartTheme,
    pub scale: f64,
    pub threshold_s: i64,
}

impl Style {
    pub fn label_px(&self) -> f64 {
        (12.0 * self.scale).clamp(9.0, 40.0)
    }

    pub fn font(&self) -> TextStyle<'static> {
        (FONT, self.label_px())
            .into_font()
            .color(&self.theme.foreground())
    }

    pub fn small_font(&self) -> TextStyle<'static> {
        (FONT, self.label_px() * 0.85)
            .into_font()
            .color(&self.theme.foreground())
    }
}

pub type DrawResult<T> = Result<T, Box<dyn std::error::Error>>;

fn check_size(width: u32, height: u32) -> Result<(), ChartError> {
    if (64..=8192).contains(&width) && (48..=8192).contains(&height) {
        Ok(())
    } else {
        Err(ChartError::Size(width, height))
    }
}

/// Draws `kind` into an RGB buffer of `width` × `height` pixels.
pub fn render_rgb(
    kind: ChartKind,
    src: ChartSource<'_>,
    width: u32,
    height: u32,
    style: Style,
) -> Result<Chart, ChartError> {
    check_size(width, height)?;
    register_fonts();
    let mut pixels = vec![0_u8; width as usize * height as usize * 3];
    let hover = {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        let hover = draw(&root, kind, src, style).map_err(|e| ChartError::Draw(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
        hover
    };
    Ok(Chart {
        image: RgbImage {
            width,
            height,
            pixels,
        },
        hover,
    })
}

/// Draws `kind` as an SVG document.
pub fn render_svg(
    kind: ChartKind,
    src: ChartSource<'_>,
    width: u32,
    height: u32,
    style: Style,
) -> Result<String, ChartError> {
    check_size(width, height)?;
    register_fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, kind, src, style).map_err(|e| ChartError::Draw(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    Ok(svg)
}

/// PNG file bytes of an image.
pub fn png_bytes(img: &RgbImage) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.width, img.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
        w.write_image_data(&img.pixels)
            .map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    Ok(out)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    kind: ChartKind,
    src: ChartSource<'_>,
    style: Style,
) -> DrawResult<Hover>
where
    DB::ErrorType: 'static,
{
    root.fill(&style.theme.background())?;
    let panels = match (kind, src) {
        (ChartKind::Timeline, ChartSource::Day(d)) => super::day::timeline(root, d, style)?,
        (ChartKind::Hourly, ChartSource::Day(d)) => super::day::hourly(root, d, style)?,
        (ChartKind::Streaks, ChartSource::Day(d)) => super::day::streaks(root, d, style)?,
        (ChartKind::Tilt, ChartSource::Day(d)) => super::day::tilt(root, d, style)?,
        (ChartKind::Week | ChartKind::Month, ChartSource::Period(p)) => {
            super::period::days(root, p, style)?
        }
        (kind, _) => return Err(format!("{kind:?} needs other data").into()),
    };
    Ok(Hover { panels })
}

/// A one-line legend at the top right of `area`: a swatch and a name each.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(RGBColor, &str)],
    style: Style,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let font = style.small_font();
    let px = style.label_px() * 0.85;
    let (w, _) = area.dim_in_pixel();
    let widths: Vec<i32> = items
        .iter()
        .map(|(_, name)| {
            area.estimate_text_size(name, &font)
                .map_or(60, |(w, _)| w as i32)
        })
        .collect();
    let swatch = px as i32;
    let total: i32 = widths.iter().map(|w| w + swatch * 2 + 8).sum();
    let mut x = (w as i32 - total - 8).max(0);
    let y = 4;
    for ((color, name), tw) in items.iter().zip(widths) {
        area.draw(&Rectangle::new(
            [(x, y + 1), (x + swatch, y + swatch)],
            color.filled(),
        ))?;
        area.draw(&Text::new(
            name.to_string(),
            (x + swatch + 4, y),
            font.clone(),
        ))?;
        x += swatch * 2 + 8 + tw;
    }
    Ok(())
}

/// The pixel ranges of a chart's plotting area, for hover.
pub fn panel<DB: DrawingBackend, X, Y>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_range: (f64, f64),
    cells: Vec<(f64, f64, String)>,
) -> super::HoverPanel
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
{
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    super::HoverPanel {
        x_px: (xs.start, xs.end),
        y_px: (ys.start, ys.end),
        x_range,
        cells,
    }
}

/// Category labels centred under the bars `[i, i + 1)` of a chart whose x
/// axis runs over bar indices (plotters would put them at nice numbers).
/// Every `step`-th label is drawn, so narrow charts stay readable.
pub fn bar_labels<DB: DrawingBackend, Y>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    labels: &[String],
    style: Style,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
    Y: plotters::coord::ranged1d::Ranged,
{
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let n = labels.len().max(1);
    let bar_px = f64::from(xs.end - xs.start) / n as f64;
    let widest = labels.iter().map(String::len).max().unwrap_or(1) as f64;
    let need_px = widest * style.label_px() * 0.6 + 6.0;
    let step = (need_px / bar_px).ceil().max(1.0) as usize;
    let font = style.small_font().pos(Pos::new(HPos::Center, VPos::Top));
    let (ox, oy) = root.get_base_pixel();
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % step == 0) {
        let x = f64::from(xs.start) + (i as f64 + 0.5) * bar_px;
        root.draw(&Text::new(
            label.clone(),
            (x as i32 - ox, ys.end + 4 - oy),
            font.clone(),
        ))?;
    }
    Ok(())
}

/// The Day charts' frame: margins and label areas scaled with the text.
pub fn day_builder<'b, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: Style,
) -> ChartBuilder<'_, 'b, DB> {
    let lp = style.label_px();
    let mut b = ChartBuilder::on(area);
    b.margin(8)
        .margin_top(lp * 1.8)
        .x_label_area_size(lp * 1.8)
        .y_label_area_size(lp * 3.0);
    b
}

/// A Week/Month panel's frame, with its title.
pub fn panel_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    style: Style,
    title: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let lp = style.label_px();
    let mut b = ChartBuilder::on(area);
    b.margin(6)
        .margin_top(lp * 1.7)
        .x_label_area_size(lp * 1.6)
        .y_label_area_size(lp * 3.2)
        .caption(title, style.font());
    b
}

/// Axis, grid and label colours of the theme, on any chart's mesh.
pub fn themed<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
    style: Style,
    labels: TextStyle<'b>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.label_style(labels)
        .axis_style(style.theme.foreground())
        .bold_line_style(style.theme.grid())
        .light_line_style(style.theme.background())
}

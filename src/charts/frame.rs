//! The pieces every chart is built from: the style, the panel frame and
//! axes in the theme's colours, legends and bar labels.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ChartError, ChartTheme, FONT, HoverPanel};

/// How to draw: theme, text scale (the display's pixels per point) and
/// the streak threshold to mark.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub theme: ChartTheme,
    pub scale: f64,
    pub threshold_s: i64,
}

impl Style {
    /// Labels: 13.5 px at 1×, small text 12 px (nothing below that), both
    /// scaled with the display, so text on a high-density screen gets its own pixels.
    pub fn label_px(&self) -> f64 {
        (13.5 * self.scale).clamp(13.5, 48.0)
    }

    pub fn small_px(&self) -> f64 {
        (12.0 * self.scale).clamp(12.0, 44.0)
    }

    pub fn font(&self) -> TextStyle<'static> {
        (FONT, self.label_px())
            .into_font()
            .color(&self.theme.foreground())
    }

    pub fn small_font(&self) -> TextStyle<'static> {
        (FONT, self.small_px())
            .into_font()
            .color(&self.theme.foreground())
    }
}

/// Every drawing step fails with a `ChartError`.
pub type DrawResult<T> = Result<T, ChartError>;

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
    let px = style.small_px();
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
) -> HoverPanel
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
{
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    HoverPanel {
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

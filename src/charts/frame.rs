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
    /// The Day timeline over all 24 hours instead of the worn hours.
    pub whole_day: bool,
}

impl Style {
    /// Labels: 13.5 px at 1×, small text 12 px (nothing below that), both
    /// scaled with the display, so text on a high-density screen gets its own pixels.
    pub(crate) fn label_px(&self) -> f64 {
        (13.5 * self.scale).clamp(13.5, 48.0)
    }

    pub(crate) fn small_px(&self) -> f64 {
        (12.0 * self.scale).clamp(12.0, 44.0)
    }

    pub(crate) fn font(&self) -> TextStyle<'static> {
        (FONT, self.label_px())
            .into_font()
            .color(&self.theme.foreground())
    }

    pub(crate) fn small_font(&self) -> TextStyle<'static> {
        (FONT, self.small_px())
            .into_font()
            .color(&self.theme.foreground())
    }
}

/// Every drawing step fails with a `ChartError`.
pub(crate) type DrawResult<T> = Result<T, ChartError>;

/// How a legend entry shows its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A filled square: bars and bands.
    Box(RGBColor),
    /// A short line: lines drawn over the chart.
    Line(RGBColor),
    /// A pale square: shading behind the chart.
    Shade(RGBColor),
}

/// Legend entries laid out in rows from the left edge of the plot
/// (`left_px`), wrapping before the right edge, so a narrow chart gets a
/// second row instead of text running off it.
struct LegendLayout {
    /// Per entry: x, row.
    places: Vec<(i32, i32)>,
    widths: Vec<i32>,
    rows: i32,
}

/// Where a legend starts: at a left edge (wrapping into rows), or as one
/// row ending at the right edge (beside a centred caption).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left(i32),
    Right,
}

fn legend_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Key, &str)],
    style: Style,
    align: Align,
) -> LegendLayout {
    // Legends at the label size: they are read to decode the colours, so
    // not in the small text of tick labels.
    let font = style.font();
    let swatch = style.label_px() as i32;
    let (w, _) = area.dim_in_pixel();
    let right = w as i32 - 8;
    let widths: Vec<i32> = items
        .iter()
        .map(|(_, name)| {
            area.estimate_text_size(name, &font)
                .map_or(60, |(w, _)| w as i32)
        })
        .collect();
    let mut places = Vec::with_capacity(items.len());
    let left_px = match align {
        Align::Left(x) => x,
        Align::Right => {
            let total: i32 = widths.iter().map(|tw| swatch * 2 + 4 + tw).sum();
            (right - total + swatch).max(0)
        }
    };
    let (mut x, mut row) = (left_px, 0);
    for tw in &widths {
        let need = swatch + 4 + tw;
        if align != Align::Right && x > left_px && x + need > right {
            row += 1;
            x = left_px;
        }
        places.push((x, row));
        x += need + swatch;
    }
    LegendLayout {
        places,
        widths,
        rows: row + 1,
    }
}

/// The height in pixels a legend of `items` takes above a chart.
pub(crate) fn legend_height_px<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Key, &str)],
    style: Style,
    align: Align,
) -> f64 {
    let rows = legend_layout(area, items, style, align).rows;
    f64::from(rows) * style.label_px() * 1.45 + 6.0
}

/// The legend at the top of `area`.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Key, &str)],
    style: Style,
    align: Align,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let layout = legend_layout(area, items, style, align);
    let font = style.font();
    let px = style.label_px();
    let swatch = px as i32;
    let row_px = px * 1.45;
    for (((key, name), (x, row)), _) in items.iter().zip(layout.places).zip(layout.widths) {
        let y = 4 + (f64::from(row) * row_px) as i32;
        match *key {
            Key::Box(c) => area.draw(&Rectangle::new(
                [(x, y + 1), (x + swatch, y + swatch)],
                c.filled(),
            ))?,
            Key::Shade(c) => area.draw(&Rectangle::new(
                [(x, y + 1), (x + swatch, y + swatch)],
                c.mix(0.3).filled(),
            ))?,
            Key::Line(c) => area.draw(&PathElement::new(
                vec![(x, y + swatch / 2), (x + swatch, y + swatch / 2)],
                c.stroke_width(2),
            ))?,
        }
        area.draw(&Text::new(
            name.to_string(),
            (x + swatch + 4, y),
            font.clone(),
        ))?;
    }
    Ok(())
}

/// The pixel ranges of a chart's plotting area, for hover.
pub(crate) fn panel<DB: DrawingBackend, X, Y>(
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
pub(crate) fn bar_labels<DB: DrawingBackend, Y>(
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
pub(crate) fn day_builder<'b, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: Style,
) -> ChartBuilder<'_, 'b, DB> {
    let lp = style.label_px();
    let mut b = ChartBuilder::on(area);
    b.margin(8)
        // Room for the last x label ("60°", "24:00") centred on the edge.
        .margin_right(lp * 1.6)
        .margin_top(lp * 1.8)
        .x_label_area_size(lp * 1.8)
        .y_label_area_size(lp * 3.0);
    b
}

/// A Week/Month panel's frame, with its title.
pub(crate) fn panel_builder<'a, 'b, DB: DrawingBackend>(
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

/// The room on the right of a Week/Month panel: the last panel has a
/// second axis there, the others a margin as wide, so the bars of all four
/// line up under each other.
pub(crate) fn right_axis_px(style: Style) -> f64 {
    style.label_px() * 3.0
}

/// Axis, grid and label colours of the theme, on any chart's mesh.
pub(crate) fn themed<'m, 'a, 'b, X, Y, DB>(
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

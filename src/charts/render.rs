//! Entry points: any chart into RGB pixels (the app's textures), or a PNG
//! or SVG file (the `chart` command). Drawing is generic over the plotters
//! backend, so every output shows the same chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{DrawResult, Style};
use super::raster::{self, Fit, RasterError};
use super::{Chart, ChartError, ChartKind, Hover, RgbImage, register_fonts};
use crate::domain::figures::{DayDetail, PeriodData};

/// The data a chart is drawn from.
#[derive(Clone, Copy, Debug)]
pub enum ChartSource<'a> {
    Day(&'a DayDetail),
    Period(&'a PeriodData),
}

fn check_size(width: u32, height: u32) -> Result<(), ChartError> {
    if (64..=8192).contains(&width) && (48..=8192).contains(&height) {
        Ok(())
    } else {
        Err(ChartError::Size(width, height))
    }
}

/// Draws `kind` into an RGB buffer of `width` × `height` pixels.
///
/// The chart is drawn as SVG and rasterised by resvg, which shapes text
/// with rustybuzz. Plotters' own bitmap text puts each glyph at a rounded
/// pixel from unhinted advances, so small labels drifted apart and
/// together ("st anding"); the SVG path has no such rounding, and the PNG,
/// the SVG and the app's texture are one drawing.
pub fn render_rgb(
    kind: ChartKind,
    src: ChartSource<'_>,
    width: u32,
    height: u32,
    style: Style,
) -> Result<Chart, ChartError> {
    let (svg, hover) = render_svg_with_hover(kind, src, width, height, style, None)?;
    let pixels = rasterise(&svg, width, height, style.theme.background())?;
    Ok(Chart {
        image: RgbImage {
            width,
            height,
            pixels,
        },
        hover,
    })
}

/// The embedded font for resvg, and the family name SVG text must ask for.
fn text_options() -> &'static (resvg::usvg::Options<'static>, String) {
    static OPTIONS: std::sync::OnceLock<(resvg::usvg::Options<'static>, String)> =
        std::sync::OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut opts = resvg::usvg::Options::default();
        let db = opts.fontdb_mut();
        db.load_font_data(epaint_default_fonts::UBUNTU_LIGHT.to_vec());
        let family = db
            .faces()
            .next()
            .and_then(|f| f.families.first())
            .map_or_else(|| "Ubuntu".to_owned(), |(name, _)| name.clone());
        db.set_sans_serif_family(family.clone());
        opts.font_family.clone_from(&family);
        (opts, family)
    })
}

/// Rasterises a chart's SVG into opaque RGB over `background`.
fn rasterise(
    svg: &str,
    width: u32,
    height: u32,
    background: RGBColor,
) -> Result<Vec<u8>, ChartError> {
    let (opts, family) = text_options();
    // Plotters names the family it was given; the font database knows
    // the font by its own name.
    let svg = svg.replace(
        &format!("font-family=\"{}\"", super::FONT),
        &format!("font-family=\"{family}\""),
    );
    let background = [background.0, background.1, background.2];
    let pixels = raster::rasterise(&svg, opts, (width, height), Fit::AsIs, Some(background))
        .map_err(|e| match e {
            RasterError::Size(w, h) => ChartError::Size(w, h),
            RasterError::Svg(e) => ChartError::Draw(format!("the chart's SVG: {e}")),
        })?;
    Ok(pixels
        .into_iter()
        .flat_map(|[r, g, b, _]| [r, g, b])
        .collect())
}

/// A chart file for use outside the app: the same drawing under a title
/// line (what and which period), as SVG or PNG bytes.
pub(crate) fn render_file(
    kind: ChartKind,
    src: ChartSource<'_>,
    width: u32,
    height: u32,
    style: Style,
    title: &str,
    svg: bool,
) -> Result<Vec<u8>, ChartError> {
    let (doc, _) = render_svg_with_hover(kind, src, width, height, style, Some(title))?;
    if svg {
        return Ok(doc.into_bytes());
    }
    let pixels = rasterise(&doc, width, height, style.theme.background())?;
    png_bytes(&RgbImage {
        width,
        height,
        pixels,
    })
}

fn render_svg_with_hover(
    kind: ChartKind,
    src: ChartSource<'_>,
    width: u32,
    height: u32,
    style: Style,
    title: Option<&str>,
) -> Result<(String, Hover), ChartError> {
    check_size(width, height)?;
    register_fonts();
    let mut svg = String::new();
    let hover = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let hover =
            draw(&root, kind, src, style, title).map_err(|e| ChartError::Draw(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
        hover
    };
    Ok((svg, hover))
}

/// PNG file bytes of an image.
pub(crate) fn png_bytes(img: &RgbImage) -> Result<Vec<u8>, ChartError> {
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
    title: Option<&str>,
) -> DrawResult<Hover>
where
    DB::ErrorType: 'static,
{
    root.fill(&style.theme.background())?;
    let root = match title {
        Some(title) => {
            let px = style.label_px() * 1.3;
            let (head, body) = root.split_vertically((px * 1.9) as u32);
            head.draw(&Text::new(
                title.to_owned(),
                ((px * 0.6) as i32, (px * 0.45) as i32),
                (super::FONT, px)
                    .into_font()
                    .color(&style.theme.foreground()),
            ))?;
            body
        }
        None => root.clone(),
    };
    let root = &root;
    let panels = match (kind, src) {
        (ChartKind::Timeline, ChartSource::Day(d)) => super::day::timeline(root, d, style)?,
        (ChartKind::Hourly, ChartSource::Day(d)) => super::day::hourly(root, d, style)?,
        (ChartKind::Streaks, ChartSource::Day(d)) => super::day::streaks(root, d, style)?,
        (ChartKind::Tilt, ChartSource::Day(d)) => super::day::tilt(root, d, style)?,
        (ChartKind::Week | ChartKind::Month, ChartSource::Period(p)) => {
            super::period::days(root, p, style)?
        }
        (kind, _) => return Err(ChartError::Draw(format!("{kind:?} needs other data"))),
    };
    Ok(Hover { panels })
}

//! Entry points: any chart into RGB pixels (the app's textures), or a PNG
//! or SVG file (the `chart` command). Drawing is generic over the plotters
//! backend, so every output shows the same chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{DrawResult, Style};
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
        (kind, _) => return Err(ChartError::Draw(format!("{kind:?} needs other data"))),
    };
    Ok(Hover { panels })
}

//! Charts drawn with plotters into pixel buffers, off the UI thread. Text
//! uses a font compiled into the binary, so charts look the same on every
//! machine and need no system font configuration.

pub mod day;
pub mod frame;
pub mod illustration;
pub mod period;
pub mod raster;
pub mod render;

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor, register_font};

use crate::domain::palette::{self, Rgb};
use crate::domain::posture::Posture;

/// The family name charts ask for; registered once from embedded bytes.
pub(crate) const FONT: &str = "sitless-sans";

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF compiled into egui; failure is a build
        // bug, and charts then just draw without text.
        if register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT).is_err() {
            tracing::error!("chart font could not be registered");
        }
    });
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart size {0}×{1} is not drawable")]
    Size(u32, u32),
    #[error("drawing failed: {0}")]
    Draw(String),
}

/// Plotters reports failures in the backend's own error type; a chart
/// that cannot be drawn is one error to the app, whatever the backend.
impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for ChartError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        Self::Draw(e.to_string())
    }
}

/// What can be drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, clap::ValueEnum)]
pub enum ChartKind {
    /// The day's postures, tilt, long streaks and routines.
    Timeline,
    /// Sitting minutes in each hour of the day.
    Hourly,
    /// The day's streaks in order, against 30 and 60 minutes.
    Streaks,
    /// Tilt while sitting and while standing.
    Tilt,
    /// The days of the week.
    Week,
    /// The days of the month.
    Month,
}

impl ChartKind {
    pub const DAY: [Self; 4] = [Self::Timeline, Self::Hourly, Self::Streaks, Self::Tilt];

    pub fn title(self) -> &'static str {
        match self {
            Self::Timeline => "Postures and trunk tilt",
            Self::Hourly => "Sitting minutes per hour",
            Self::Streaks => "Sitting streaks",
            Self::Tilt => "Trunk tilt",
            Self::Week => "The week",
            Self::Month => "The month",
        }
    }

    pub fn period(self) -> crate::domain::figures::Period {
        match self {
            Self::Week => crate::domain::figures::Period::Week,
            Self::Month => crate::domain::figures::Period::Month,
            _ => crate::domain::figures::Period::Day,
        }
    }
}

/// One plotting area of a drawn chart, in image pixels, with the text to
/// show for each stretch of its x axis under the pointer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HoverPanel {
    pub x_px: (i32, i32),
    pub y_px: (i32, i32),
    pub x_range: (f64, f64),
    /// `[x0, x1)` in chart units, and its text.
    pub cells: Vec<(f64, f64, String)>,
}

/// What the pointer shows over a chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hover {
    pub panels: Vec<HoverPanel>,
}

impl Hover {
    /// The text under the pixel `(x, y)` of the image, if any.
    pub fn text_at(&self, x: f32, y: f32) -> Option<&str> {
        let (p, i) = self.cell_at(x, y)?;
        self.panels[p].cells.get(i).map(|(_, _, t)| t.as_str())
    }

    /// The panel and cell under the pixel `(x, y)`: on a Week or Month
    /// chart the cell is the day's index in the period.
    pub(crate) fn cell_at(&self, x: f32, y: f32) -> Option<(usize, usize)> {
        let (x, y) = (f64::from(x), f64::from(y));
        let (pi, p) = self.panels.iter().enumerate().find(|(_, p)| {
            (f64::from(p.x_px.0)..f64::from(p.x_px.1)).contains(&x)
                && (f64::from(p.y_px.0)..=f64::from(p.y_px.1)).contains(&y)
        })?;
        let span = f64::from(p.x_px.1 - p.x_px.0).max(1.0);
        let v = p.x_range.0 + (x - f64::from(p.x_px.0)) / span * (p.x_range.1 - p.x_range.0);
        let ci = p.cells.iter().position(|(a, b, _)| (*a..*b).contains(&v))?;
        Some((pi, ci))
    }
}

/// A drawn chart: its pixels and its hover texts.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub image: RgbImage,
    pub hover: Hover,
}

/// An RGB image, row-major, 3 bytes per pixel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Colours for a light or dark background.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartTheme {
    Light,
    Dark,
}

impl ChartTheme {
    pub fn background(self) -> RGBColor {
        match self {
            Self::Light => RGBColor(248, 248, 248),
            Self::Dark => RGBColor(27, 27, 27),
        }
    }

    pub(crate) fn foreground(self) -> RGBColor {
        match self {
            Self::Light => RGBColor(40, 40, 40),
            Self::Dark => RGBColor(220, 220, 220),
        }
    }

    pub(crate) fn grid(self) -> RGBColor {
        match self {
            Self::Light => RGBColor(215, 215, 215),
            Self::Dark => RGBColor(60, 60, 60),
        }
    }

    /// Lines that mark limits (30 and 60 minutes).
    pub(crate) fn limit_line(self) -> RGBColor {
        match self {
            Self::Light => RGBColor(120, 120, 120),
            Self::Dark => RGBColor(170, 170, 170),
        }
    }

    /// Routine markers: the text colour, readable on either background
    /// and unlike any posture's colour.
    pub(crate) fn routine_mark(self) -> RGBColor {
        match self {
            // Okabe–Ito blue on white; on dark grey a lighter blue, as
            // the dark one is hard to read there.
            Self::Light => RGBColor(0, 100, 170),
            Self::Dark => RGBColor(120, 185, 255),
        }
    }

    /// The tilt line: the text colour, unlike the routine marks.
    pub(crate) fn tilt_line(self) -> RGBColor {
        self.foreground()
    }
}

/// A palette colour as plotters takes it.
pub(crate) const fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Sitting bouts by length (`palette::BOUTS`).
pub(crate) const BOUT_COLORS: [RGBColor; 3] = [
    rgb(palette::BOUTS[0]),
    rgb(palette::BOUTS[1]),
    rgb(palette::BOUTS[2]),
];
pub(crate) const SECOND_COLOR: RGBColor = rgb(palette::BLUE);
pub(crate) const ALERT_COLOR: RGBColor = rgb(palette::VERMILION);

pub(crate) fn posture_color(p: Posture) -> RGBColor {
    rgb(palette::posture(p))
}

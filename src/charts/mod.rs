//! Charts drawn with plotters into pixel buffers, off the UI thread. Text
//! uses a font compiled into the binary, so charts look the same on every
//! machine and need no system font configuration.

pub mod timeline;

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor, register_font};

use crate::posture::Posture;

/// The family name charts ask for; registered once from embedded bytes.
pub const FONT: &str = "sitless-sans";

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

    pub fn foreground(self) -> RGBColor {
        match self {
            Self::Light => RGBColor(40, 40, 40),
            Self::Dark => RGBColor(220, 220, 220),
        }
    }

    pub fn grid(self) -> RGBColor {
        match self {
            Self::Light => RGBColor(215, 215, 215),
            Self::Dark => RGBColor(60, 60, 60),
        }
    }

    pub fn tilt_line(self) -> RGBColor {
        match self {
            Self::Light => RGBColor(0, 0, 0),
            Self::Dark => RGBColor(255, 255, 255),
        }
    }
}

/// State colours from the Okabe–Ito palette, distinguishable with the
/// common forms of colour blindness; every chart also labels them.
pub fn posture_color(p: Posture) -> RGBColor {
    match p {
        Posture::Sitting => RGBColor(230, 159, 0),
        Posture::Standing => RGBColor(86, 180, 233),
        Posture::Moving => RGBColor(0, 158, 115),
        Posture::Lying => RGBColor(204, 121, 167),
        Posture::Unknown => RGBColor(150, 150, 150),
    }
}

//! Pieces more than one view uses.

pub mod calendar;
pub mod chart_image;
pub mod storage;

/// A palette colour as egui takes it.
pub(crate) fn color(c: crate::domain::palette::Rgb) -> egui::Color32 {
    egui::Color32::from_rgb(c.0, c.1, c.2)
}

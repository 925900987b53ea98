//! Pieces more than one view uses.

pub mod calendar;
pub mod chart_image;
pub mod storage;

/// A palette colour as egui takes it.
pub(crate) fn color(c: crate::domain::palette::Rgb) -> egui::Color32 {
    egui::Color32::from_rgb(c.0, c.1, c.2)
}

/// A small colour sample (legend key, status light), painted rather than
/// typed so it does not depend on the font having a glyph for it.
pub(crate) fn swatch_ui(ui: &mut egui::Ui, color: egui::Color32, round: bool) {
    let size = ui.text_style_height(&egui::TextStyle::Body) * 0.8;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    if round {
        ui.painter().circle_filled(rect.center(), size / 2.0, color);
    } else {
        ui.painter().rect_filled(rect, 2.0, color);
    }
}

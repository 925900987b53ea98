//! A chart texture with the value under the pointer shown as a tooltip.

use egui::{Response, TextureHandle, Vec2};

use crate::charts::Hover;

/// Shows `tex` at `size` points; while the pointer is over it, the text
/// the chart gave for that spot.
pub fn chart_image_ui(
    ui: &mut egui::Ui,
    tex: &TextureHandle,
    size: Vec2,
    hover: &Hover,
    alt_text: &str,
) -> Response {
    let response = ui.add(
        egui::Image::new((tex.id(), size))
            .alt_text(alt_text)
            .sense(egui::Sense::hover()),
    );
    if let Some(pos) = response.hover_pos() {
        // Texture pixels per point: the chart was drawn at pixel size.
        let [w, h] = tex.size();
        let rect = response.rect;
        let x = (pos.x - rect.min.x) / rect.width().max(1.0) * w as f32;
        let y = (pos.y - rect.min.y) / rect.height().max(1.0) * h as f32;
        if let Some(text) = hover.text_at(x, y) {
            let text = text.to_owned();
            response.clone().on_hover_ui_at_pointer(|ui| {
                ui.label(text);
            });
        }
    }
    response
}

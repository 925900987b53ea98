//! A chart texture with the value under the pointer shown as a tooltip.

use egui::{Response, TextureHandle, Vec2};

use crate::charts::Hover;

/// Shows `tex` at `size` points; while the pointer is over it, the text
/// the chart gave for that spot.
pub(crate) fn chart_image_ui(
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
    hover_tip(&response, tex, hover);
    response
}

/// The pixel of `tex` under `pos`.
fn texture_px(response: &Response, tex: &TextureHandle, pos: egui::Pos2) -> (f32, f32) {
    // Texture pixels per point: the chart was drawn at pixel size.
    let [w, h] = tex.size();
    let rect = response.rect;
    let x = (pos.x - rect.min.x) / rect.width().max(1.0) * w as f32;
    let y = (pos.y - rect.min.y) / rect.height().max(1.0) * h as f32;
    (x, y)
}

/// Like `chart_image_ui`, and clickable: the index of the cell (a day of a
/// Week or Month chart) clicked, if any.
pub(crate) fn chart_click_ui(
    ui: &mut egui::Ui,
    tex: &TextureHandle,
    size: Vec2,
    hover: &Hover,
    alt_text: &str,
) -> Option<usize> {
    let response = ui.add(
        egui::Image::new((tex.id(), size))
            .alt_text(alt_text)
            .sense(egui::Sense::click()),
    );
    if response.hovered()
        && response.hover_pos().is_some_and(|p| {
            let (x, y) = texture_px(&response, tex, p);
            hover.cell_at(x, y).is_some()
        })
    {
        ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
    }
    hover_tip(&response, tex, hover);
    if response.clicked() {
        let pos = response.interact_pointer_pos()?;
        let (x, y) = texture_px(&response, tex, pos);
        return hover.cell_at(x, y).map(|(_, cell)| cell);
    }
    None
}

fn hover_tip(response: &Response, tex: &TextureHandle, hover: &Hover) {
    if let Some(pos) = response.hover_pos() {
        let (x, y) = texture_px(response, tex, pos);
        if let Some(text) = hover.text_at(x, y) {
            let text = text.to_owned();
            response.clone().on_hover_ui_at_pointer(|ui| {
                ui.label(text);
            });
        }
    }
}

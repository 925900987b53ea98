//! Pointer events for kittest tests that click a point, not a widget's
//! centre (a bar of a chart, a text field to focus).

use egui_kittest::Harness;

/// A primary click at `at`.
pub(crate) fn click_at<S>(h: &Harness<'_, S>, at: egui::Pos2) {
    h.hover_at(at);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
}

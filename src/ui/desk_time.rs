//! Desk time in the window: what it counts, from what, and what it cannot
//! see. Shown while no sensor or phone is paired.

use egui::{RichText, Ui};

use crate::domain::desk_time::AWAY_AFTER_IDLE_S;
use crate::engine::protocol::DeskTimeStatus;

/// Today's box under the live tiles.
pub(crate) fn desk_time_note_ui(ui: &mut Ui, status: &DeskTimeStatus, break_min: u32) {
    match status {
        DeskTimeStatus::Counting(source) => {
            egui::Frame::group(ui.style())
                .inner_margin(10.0)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(RichText::new("Counting desk time until a sensor is paired").strong());
                    ui.label(format!(
                        "Time at this computer, from your keyboard and mouse (asked of {source}). \
                         A minute without touching either counts as away; {break_min} min away \
                         ends the streak as a break does. Long desk streaks get the same card \
                         and routines as sitting."
                    ));
                    ui.weak(format!(
                        "It cannot tell sitting from standing (a standing desk counts as desk \
                         time too), and reading for over {AWAY_AFTER_IDLE_S} s without touching \
                         anything counts as away. Desk time is never stored as sitting: pair a \
                         sensor or use your phone to measure sitting itself."
                    ));
                });
        }
        DeskTimeStatus::Unavailable(why) => {
            ui.weak(format!(
                "Desk time is not counted: no idle monitor answers in this session ({why})."
            ));
        }
        DeskTimeStatus::Off => {}
    }
}

/// The top bar's word while desk time counts.
pub(crate) fn desk_time_badge_ui(ui: &mut Ui) {
    let blue = crate::domain::palette::posture(crate::domain::posture::Posture::AtDesk);
    super::widgets::swatch_ui(ui, super::widgets::color(blue), true);
    ui.label("Desk time")
        .on_hover_text("Counted from the keyboard and mouse while no sensor is paired");
}

//! The Settings view: reminder rules, active and quiet hours,
//! notifications. Edits a draft; Save sends it to the engine, which applies
//! and stores it.

use egui::{RichText, Ui};

use super::UiAction;
use crate::domain::settings::{DAY_NAMES, Settings};

/// Minutes after midnight as an `HH:MM` drag value pair.
fn time_ui(ui: &mut Ui, label: &str, minutes: &mut u32) {
    let (mut h, mut m) = (*minutes / 60, *minutes % 60);
    ui.label(label);
    ui.add(egui::DragValue::new(&mut h).range(0..=24).suffix(" h"));
    ui.add(
        egui::DragValue::new(&mut m)
            .range(0..=59)
            .speed(5)
            .suffix(" min"),
    );
    *minutes = (h * 60 + m).min(24 * 60);
}

#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
pub fn settings_ui(ui: &mut Ui, draft: &mut Settings, saved: Option<&Settings>) -> Vec<UiAction> {
    let mut actions = Vec::new();
    ui.heading("Settings");
    ui.add_space(6.0);
    ui.label(RichText::new("Reminders").strong());
    egui::Grid::new("reminder_settings")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            let l = ui.label("Remind me after sitting for");
            ui.add(
                egui::DragValue::new(&mut draft.threshold_min)
                    .range(10..=240)
                    .suffix(" min"),
            )
            .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("A break is at least");
            ui.add(
                egui::DragValue::new(&mut draft.break_min)
                    .range(1..=30)
                    .suffix(" min"),
            )
            .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Remind again every");
            ui.add(
                egui::DragValue::new(&mut draft.repeat_min)
                    .range(5..=240)
                    .suffix(" min"),
            )
            .labelled_by(l.id);
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.label(RichText::new("When").strong());
    ui.horizontal(|ui| {
        for (i, name) in DAY_NAMES.iter().enumerate() {
            ui.checkbox(&mut draft.active_days[i], *name);
        }
    });
    ui.horizontal(|ui| {
        time_ui(ui, "From", &mut draft.active_from_min);
        time_ui(ui, "to", &mut draft.active_to_min);
    });
    let mut quiet = draft.quiet.is_some();
    ui.checkbox(&mut quiet, "Quiet hours (no reminders)");
    match (quiet, draft.quiet.as_mut()) {
        (true, Some((from, to))) => {
            ui.horizontal(|ui| {
                time_ui(ui, "From", from);
                time_ui(ui, "to", to);
            });
        }
        (true, None) => draft.quiet = Some((12 * 60, 13 * 60)),
        (false, _) => draft.quiet = None,
    }
    ui.add_space(8.0);
    ui.label(RichText::new("Notifications").strong());
    ui.checkbox(&mut draft.notifications, "Desktop notifications");
    ui.add_enabled(
        draft.notifications,
        egui::Checkbox::new(&mut draft.sound, "Sound"),
    );
    ui.add_space(8.0);
    ui.label(RichText::new("Storage").strong());
    ui.horizontal(|ui| {
        ui.label("Keep second-by-second detail");
        let name = |d: Option<u32>| match d {
            None => "for ever".to_owned(),
            Some(d) if d % 365 == 0 => {
                format!("{} year{}", d / 365, if d == 365 { "" } else { "s" })
            }
            Some(d) => format!("{d} days"),
        };
        egui::ComboBox::from_id_salt("detail_keep_days")
            .selected_text(name(draft.detail_keep_days))
            .show_ui(ui, |ui| {
                for d in [None, Some(730), Some(365), Some(90), Some(30)] {
                    ui.selectable_value(&mut draft.detail_keep_days, d, name(d));
                }
            });
    });
    ui.weak("Charts and figures of every day are kept for ever; older detail is only needed for a samples export.");
    ui.add_space(10.0);
    let changed = saved != Some(&*draft);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(changed, egui::Button::new("Save settings"))
            .clicked()
        {
            actions.push(UiAction::SaveSettings(draft.clone()));
        }
        if ui
            .add_enabled(changed, egui::Button::new("Revert"))
            .clicked()
        {
            *draft = saved.cloned().unwrap_or_default();
        }
        if !changed {
            ui.weak("Saved.");
        }
    });
    actions
}

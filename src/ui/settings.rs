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

/// Living in the tray and starting at login. The autostart switch acts at
/// once (it is a file, not a stored setting); "keep running" is saved.
fn desktop_section_ui(
    ui: &mut Ui,
    draft: &mut Settings,
    desk: &DeskStatus,
    actions: &mut Vec<UiAction>,
) {
    ui.label(RichText::new("Desktop").strong());
    if desk.tray {
        ui.horizontal(|ui| {
            ui.label("Closing the window");
            ui.radio_value(
                &mut draft.keep_running,
                true,
                "keeps Sitless recording in the tray",
            );
            ui.radio_value(&mut draft.keep_running, false, "quits Sitless");
        });
    } else {
        ui.weak("No tray on this desktop, so closing the window quits Sitless.");
    }
    if let Some(on) = desk.autostart {
        let mut want = on;
        let r = ui
            .checkbox(&mut want, "Start Sitless when I log in (in the tray)")
            .on_hover_text("Writes or removes ~/.config/autostart/sitless.desktop");
        if r.changed() {
            actions.push(UiAction::SetAutostart(want));
        }
    }
    if let Some(e) = &desk.autostart_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

/// What the Desktop section shows besides the draft.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeskStatus {
    /// A tray icon is up (closing the window can keep Sitless running).
    pub tray: bool,
    /// Starts at login; `None` where there is no home folder to say.
    pub autostart: Option<bool>,
    /// The desktop's do-not-disturb holds notifications.
    pub do_not_disturb: bool,
    /// Whether the last reminder's notification had buttons.
    pub notification_buttons: Option<bool>,
    /// Writing or removing the autostart entry failed: why.
    pub autostart_error: Option<String>,
}

#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
pub fn settings_ui(
    ui: &mut Ui,
    draft: &mut Settings,
    saved: Option<&Settings>,
    desk: &DeskStatus,
) -> Vec<UiAction> {
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
    if desk.do_not_disturb {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "Do not disturb is on: reminders show only in this window until it is off.",
        );
    }
    if desk.notification_buttons == Some(false) {
        ui.weak(
            "This desktop's notifications have no buttons: answer reminders here or in the tray.",
        );
    }
    ui.add_space(8.0);
    desktop_section_ui(ui, draft, desk, &mut actions);
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

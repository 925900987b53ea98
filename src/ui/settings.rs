//! The Settings view: reminder rules, active and quiet hours,
//! notifications, storage, where the phone's listener listens. Edits a draft; Save sends it to the engine, which applies
//! and stores it.

use egui::{RichText, Ui};

use super::UiAction;
use crate::domain::settings::{DAY_NAMES, Settings};

/// A text field bound to `value`: the text is kept while it is being
/// typed (in egui's memory), parsed at each change, and `value` follows
/// only when it parses. Returns why the text is refused, if it is. An
/// outside change of `value` (Revert, new settings) resets the text.
fn parsed_field_ui<T>(
    ui: &mut Ui,
    id: &str,
    label: egui::Id,
    value: &mut T,
    width: f32,
    format: impl Fn(&T) -> String,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<String>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let key = ui.make_persistent_id(("field", id));
    let (mut text, last) = ui
        .data(|d| d.get_temp::<(String, T)>(key))
        .unwrap_or_else(|| (format(value), value.clone()));
    if last != *value {
        text = format(value);
    }
    let err = {
        let r = ui.add(
            egui::TextEdit::singleline(&mut text)
                .desired_width(width)
                .id_salt(("text", id)),
        );
        let r = r.labelled_by(label);
        let parsed = parse(text.trim());
        if let Ok(v) = &parsed
            && *v != *value
        {
            *value = v.clone();
        }
        // A valid entry is shown in its own form once the field is left
        // ("8" becomes "08:00").
        if r.lost_focus()
            && let Ok(v) = &parsed
        {
            text = format(v);
        }
        parsed.err()
    };
    ui.data_mut(|d| d.insert_temp(key, (text, value.clone())));
    err
}

/// "08:30" for minutes after midnight (24:00 is the end of the day).
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "it is the time fields' formatter, which egui hands a reference"
)]
pub(crate) fn format_clock(minutes: &u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A time of day as people type it: "8", "08", "8:30", "08.30", "0830",
/// "24:00"; minutes after midnight.
pub(crate) fn parse_clock(text: &str) -> Result<u32, String> {
    let bad = || format!("\"{text}\" is not a time: type it as HH:MM, for example 08:30");
    let (h, m) = match text.split_once([':', '.', 'h']) {
        Some((h, m)) => (h.trim(), m.trim()),
        None if text.len() >= 3 && text.chars().all(|c| c.is_ascii_digit()) => {
            text.split_at(text.len() - 2)
        }
        None => (text, "0"),
    };
    let m = if m.is_empty() { "0" } else { m };
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Whole minutes within `range`, as a text field with the range beside it.
fn minutes_ui(
    ui: &mut Ui,
    label: &str,
    value: &mut u32,
    range: std::ops::RangeInclusive<u32>,
    errors: &mut Vec<String>,
) {
    let l = ui.label(label);
    ui.horizontal(|ui| {
        let (lo, hi) = (*range.start(), *range.end());
        let err = parsed_field_ui(ui, label, l.id, value, 48.0, u32::to_string, |t| match t
            .parse::<u32>()
        {
            Ok(v) if range.contains(&v) => Ok(v),
            _ => Err(format!("{label}: from {lo} to {hi} minutes")),
        });
        ui.label("min");
        match err {
            Some(e) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("from {lo} to {hi}"));
                errors.push(e);
            }
            None => {
                ui.weak(format!("({lo}–{hi})"));
            }
        }
    });
    ui.end_row();
}

/// A from–to pair of times; explains a window that runs past midnight and
/// refuses an empty one.
fn hours_ui(ui: &mut Ui, id: &str, what: &str, span: &mut (u32, u32), errors: &mut Vec<String>) {
    ui.horizontal(|ui| {
        let l = ui.label("From");
        let e1 = parsed_field_ui(
            ui,
            &format!("{id}-from"),
            l.id,
            &mut span.0,
            56.0,
            format_clock,
            parse_clock,
        );
        let l = ui.label("to");
        let e2 = parsed_field_ui(
            ui,
            &format!("{id}-to"),
            l.id,
            &mut span.1,
            56.0,
            format_clock,
            parse_clock,
        );
        if let Some(e) = e1.or(e2) {
            ui.colored_label(ui.visuals().error_fg_color, &e);
            errors.push(e);
        } else if span.0 == span.1 {
            let e = format!("{what} start and end at the same time: give them a length");
            ui.colored_label(ui.visuals().error_fg_color, &e);
            errors.push(e);
        } else if span.0 > span.1 {
            ui.weak(format!(
                "Overnight: from {} until {} the next morning",
                format_clock(&span.0),
                format_clock(&span.1)
            ));
        }
    });
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
    ui.checkbox(
        &mut draft.desk_time,
        "Count desk time from the keyboard and mouse while no sensor is paired",
    )
    .on_hover_text(
        "Time at the computer, never counted as sitting; long stretches get the same card",
    );
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
pub(crate) struct DeskStatus {
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
    /// Whose settings these are, in words: the database they are kept in.
    pub kept_in: String,
}

/// Where the phone's listener listens: the address and the port.
fn phone_section_ui(ui: &mut Ui, draft: &mut Settings, errors: &mut Vec<String>) {
    ui.label(RichText::new("Phone").strong());
    egui::Grid::new("phone_settings")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            let l = ui.label("Listen on address");
            ui.horizontal(|ui| {
                let err = parsed_field_ui(
                    ui,
                    "phone_bind",
                    l.id,
                    &mut draft.phone_bind,
                    120.0,
                    ToString::to_string,
                    |t| {
                        t.parse::<std::net::IpAddr>().map_err(|_| {
                            "Listen on address: an IP address such as 0.0.0.0 or 127.0.0.1".into()
                        })
                    },
                );
                match err {
                    Some(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, "an IP address");
                        errors.push(e);
                    }
                    None if draft.phone_bind.is_unspecified() => {
                        ui.weak("(every network: the phone on your Wi-Fi reaches it)");
                    }
                    None if draft.phone_bind.is_loopback() => {
                        ui.weak("(this computer only: no phone reaches it)");
                    }
                    None => {}
                }
            });
            ui.end_row();
            let l = ui.label("Port");
            ui.horizontal(|ui| {
                // Ports below 1024 need root; 0 would be a port the phone
                // cannot be told.
                let err = parsed_field_ui(
                    ui,
                    "phone_port",
                    l.id,
                    &mut draft.phone_port,
                    64.0,
                    u16::to_string,
                    |t| match t.parse::<u16>() {
                        Ok(p) if p >= 1024 => Ok(p),
                        _ => Err("Port: from 1024 to 65535".into()),
                    },
                );
                match err {
                    Some(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, "from 1024 to 65535");
                        errors.push(e);
                    }
                    None => {
                        ui.weak(format!(
                            "(a firewall must let it in: sudo ufw allow {}/tcp)",
                            draft.phone_port
                        ));
                    }
                }
            });
            ui.end_row();
        });
    ui.weak(
        "A paired phone's address changes with these: after saving, type the new one from \
         Sensors into the phone's app.",
    );
}

#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
pub(crate) fn settings_ui(
    ui: &mut Ui,
    draft: &mut Settings,
    saved: Option<&Settings>,
    desk: &DeskStatus,
) -> Vec<UiAction> {
    let mut actions = Vec::new();
    ui.heading("Settings");
    // Settings live in the database: the demo's are not the person's own.
    ui.weak(&desk.kept_in);
    ui.add_space(6.0);
    ui.label(RichText::new("Reminders").strong());
    let mut errors: Vec<String> = Vec::new();
    egui::Grid::new("reminder_settings")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            minutes_ui(
                ui,
                "Remind me after sitting for",
                &mut draft.threshold_min,
                10..=240,
                &mut errors,
            );
            minutes_ui(
                ui,
                "A break is at least",
                &mut draft.break_min,
                1..=30,
                &mut errors,
            );
            minutes_ui(
                ui,
                "Remind again every",
                &mut draft.repeat_min,
                5..=240,
                &mut errors,
            );
        });
    ui.add_space(8.0);
    ui.label(RichText::new("When").strong());
    ui.horizontal(|ui| {
        for (i, name) in DAY_NAMES.iter().enumerate() {
            ui.checkbox(&mut draft.active_days[i], *name);
        }
    });
    ui.label("Active hours (reminders only then)");
    let mut active = (draft.active_from_min, draft.active_to_min);
    hours_ui(ui, "active", "Active hours", &mut active, &mut errors);
    (draft.active_from_min, draft.active_to_min) = active;
    let mut quiet = draft.quiet.is_some();
    ui.checkbox(&mut quiet, "Quiet hours (no reminders)");
    match (quiet, draft.quiet.as_mut()) {
        (true, Some(span)) => hours_ui(ui, "quiet", "Quiet hours", span, &mut errors),
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
    ui.add_space(8.0);
    phone_section_ui(ui, draft, &mut errors);
    ui.add_space(10.0);
    let changed = saved != Some(&*draft);
    // "Saved." confirms a save once it is in force, until the next edit;
    // it is not shown before anything was edited.
    let saved_key = ui.make_persistent_id("settings-saved");
    let mut just_saved: Option<Settings> = ui.data(|d| d.get_temp(saved_key)).flatten();
    if just_saved.as_ref().is_some_and(|s| s != &*draft) {
        just_saved = None;
    }
    ui.horizontal(|ui| {
        let ok = errors.is_empty();
        if ui
            .add_enabled(changed && ok, egui::Button::new("Save settings"))
            .on_disabled_hover_text(if ok {
                "Nothing has changed"
            } else {
                "Correct the fields marked in red first"
            })
            .clicked()
        {
            actions.push(UiAction::SaveSettings(draft.clone()));
            just_saved = Some(draft.clone());
        }
        if ui
            .add_enabled(changed, egui::Button::new("Revert"))
            .clicked()
        {
            *draft = saved.cloned().unwrap_or_default();
            just_saved = None;
        }
        match (&just_saved, changed) {
            (Some(_), false) => {
                ui.label("Saved.");
            }
            (Some(_), true) => {
                ui.weak("Saving…");
            }
            (None, _) => {}
        }
        if !errors.is_empty() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                "Correct the fields marked in red to save.",
            );
        }
    });
    ui.data_mut(|d| d.insert_temp(saved_key, just_saved));
    actions
}

#[cfg(test)]
mod tests {
    use super::{format_clock, parse_clock};

    #[test]
    fn times_are_read_as_people_type_them() {
        for (text, min) in [
            ("8", 480),
            ("08:30", 510),
            ("8.30", 510),
            ("0830", 510),
            ("830", 510),
            ("17:05", 1025),
            ("24:00", 1440),
            ("0:00", 0),
            ("9h15", 555),
        ] {
            assert_eq!(parse_clock(text), Ok(min), "{text}");
        }
        for text in ["", "25", "8:60", "24:01", "noon", "-1", "8:3x"] {
            let e = parse_clock(text).unwrap_err();
            assert!(e.contains("HH:MM"), "{text}: {e}");
        }
        assert_eq!(format_clock(&510), "08:30");
        assert_eq!(format_clock(&1440), "24:00");
    }
}

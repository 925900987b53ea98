//! A date button with a month calendar: days with data are marked, one
//! click on a day picks it (no separate Save), the arrows move a month.

use chrono::{Datelike, Months, NaiveDate};
use egui::{Popup, PopupCloseBehavior, RichText};

/// What the calendar did this frame.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct CalendarOutput {
    /// A day was clicked.
    pub picked: Option<NaiveDate>,
    /// The first day of the month on show while the calendar is open, so
    /// the caller can fetch that month's marks.
    pub month_shown: Option<NaiveDate>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `date` as a button; the calendar opens under it. `has_data` answers
/// for the month shown (`None`: not known yet, nothing is marked);
/// days after `last` cannot be picked.
pub(crate) fn calendar_button_ui(
    ui: &mut egui::Ui,
    id_salt: &str,
    date: NaiveDate,
    last: NaiveDate,
    has_data: &dyn Fn(NaiveDate) -> Option<bool>,
) -> CalendarOutput {
    let mut out = CalendarOutput::default();
    let button = ui
        .button(date.format("%-d %b %Y").to_string())
        .on_hover_text("Pick a date; marked days have data");
    let month_id = ui.make_persistent_id((id_salt, "month"));
    if button.clicked() {
        ui.data_mut(|d| d.insert_temp(month_id, month_start(date)));
    }
    let popup = Popup::from_toggle_button_response(&button)
        .close_behavior(PopupCloseBehavior::CloseOnClickOutside)
        .accessible_name("Calendar");
    let popup_id = popup.get_id();
    popup.show(|ui| {
        let mut month = ui
            .data(|d| d.get_temp::<NaiveDate>(month_id))
            .unwrap_or_else(|| month_start(date));
        ui.horizontal(|ui| {
            if ui.button("‹").on_hover_text("Previous month").clicked() {
                month = month - Months::new(1);
            }
            ui.strong(month.format("%B %Y").to_string());
            let next = month + Months::new(1);
            if ui
                .add_enabled(next <= last, egui::Button::new("›"))
                .on_hover_text("Next month")
                .clicked()
            {
                month = next;
            }
        });
        ui.data_mut(|d| d.insert_temp(month_id, month));
        out.month_shown = Some(month);
        let mut unknown = false;
        egui::Grid::new((id_salt, "days"))
            .spacing([2.0, 2.0])
            .show(ui, |ui| {
                for name in ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"] {
                    ui.weak(name);
                }
                ui.end_row();
                let lead = month.weekday().num_days_from_monday();
                for _ in 0..lead {
                    ui.label("");
                }
                let mut col = lead;
                for day in month.iter_days().take_while(|d| d.month() == month.month()) {
                    let known = has_data(day);
                    unknown |= known.is_none() && day <= last;
                    let marked = known == Some(true);
                    // The digits alone (no padding), centred in the button,
                    // so the underline sits under them; a day known to have
                    // no data is dim, in every month alike.
                    let text = RichText::new(day.day().to_string()).monospace();
                    let text = match known {
                        Some(true) => text.strong().underline(),
                        Some(false) => text.color(ui.visuals().weak_text_color()),
                        None => text,
                    };
                    let b = egui::Button::new(text)
                        .selected(day == date)
                        .min_size(egui::vec2(28.0, 22.0));
                    let r = ui.add_enabled(day <= last, b).on_hover_text(if marked {
                        "Has data"
                    } else {
                        "No data"
                    });
                    if r.clicked() {
                        out.picked = Some(day);
                    }
                    col += 1;
                    if col == 7 {
                        ui.end_row();
                        col = 0;
                    }
                }
            });
        ui.weak(if unknown {
            "Finding the days with data…"
        } else {
            "Underlined days have data; dim days have none."
        });
    });
    if out.picked.is_some() {
        Popup::close_id(ui.ctx(), popup_id);
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Datelike as _;
    use chrono::NaiveDate;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn open(has: &'static dyn Fn(NaiveDate) -> Option<bool>) -> Harness<'static> {
        let date = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let mut h = Harness::new_ui(move |ui| {
            super::calendar_button_ui(ui, "t", date, last, has);
        });
        h.get_by_label("5 Nov 2026").click();
        h.run();
        h
    }

    #[test]
    fn days_are_their_digits_and_the_marks_say_what_is_known() {
        let h = open(&|d: NaiveDate| Some(d.day0().is_multiple_of(2)));
        // "5", not " 5": the underline sits under the digits.
        h.get_by_label("5");
        assert!(h.query_by_label(" 5").is_none());
        h.get_by_label("Underlined days have data; dim days have none.");
        drop(h);
        let h = open(&|_| None);
        h.get_by_label("Finding the days with data…");
    }
}

//! The History view: a day, a week or a month, with date navigation, a
//! summary row compared with the period before, the charts (drawn by the
//! chart worker, cached here as textures) and CSV export.
//!
//! The charts are kept in `ChartSlots`, as Today's timeline is; a period
//! whose data is still arriving is redrawn at most every
//! `CHART_MIN_INTERVAL`.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};

use super::chart_slots::{ChartSlots, Shown, chart_width_px};
use super::transfer::{
    ExportDialog, TransferAction, Transfers, default_export_path, export_dialog_ui,
    import_dialog_ui, job_outcome_ui, job_progress_ui,
};
use super::widgets::calendar::calendar_button_ui;
use super::widgets::chart_image::{chart_click_ui, chart_image_ui};
use crate::charts::{Chart, ChartKind, ChartTheme};
use crate::domain::days::format_duration;
use crate::domain::figures::Period;
use crate::engine::protocol::{ChartRequest, DatesRequest, SummaryRequest, SummaryView};
use crate::transfer::export::ExportKind;

/// A request unanswered this long is sent again (the calendar's marks).
const REQUEST_TIMEOUT_S: f64 = 5.0;

/// What the History view asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum HistoryAction {
    Chart(ChartRequest),
    Summary(SummaryRequest),
    /// The days with data of a month, for the calendar's marks.
    Dates(DatesRequest),
    Transfer(TransferAction),
}

#[derive(Default)]
pub struct HistoryPage {
    /// The next frame starts at the top of the page (a bar opened its day).
    pub(crate) scroll_to_top: bool,
    pub period: Period,
    /// The date shown (any date of the period); `None` until first shown
    /// (then today).
    pub date: Option<NaiveDate>,
    charts: ChartSlots,
    summary: Option<SummaryView>,
    /// The summary's changes in words, made once when it arrives.
    summary_changes: Vec<String>,
    summary_requested: Option<(SummaryRequest, f64)>,
    /// Export and import: dialogs, progress, outcomes.
    pub transfers: Transfers,
    data_version: u64,
    /// The Day timeline over 24 hours instead of the worn hours.
    pub whole_day: bool,
    /// Per month (its first day): the version read and its days with data.
    data_dates: HashMap<NaiveDate, (u64, std::collections::HashSet<NaiveDate>)>,
    dates_requested: Option<(DatesRequest, f64)>,
}

impl HistoryPage {
    /// New data was committed: live periods are redrawn (throttled).
    pub(crate) fn on_commit(&mut self) {
        self.data_version += 1;
    }

    pub fn period(&self) -> Period {
        self.period
    }

    pub fn summary(&self) -> Option<&SummaryView> {
        self.summary.as_ref()
    }

    /// Charts with a texture now (for tests: what is on screen).
    pub fn charts_shown(&self) -> usize {
        self.charts.count_shown()
    }

    pub(crate) fn on_chart(
        &mut self,
        ctx: &egui::Context,
        req: &ChartRequest,
        result: &Result<Box<Chart>, String>,
    ) {
        self.charts.on_chart(ctx, req, result);
    }

    /// The window is gone and its textures with it: every chart is drawn
    /// again for the next one.
    pub(crate) fn forget_textures(&mut self) {
        self.charts.clear();
    }

    pub(crate) fn on_dates(&mut self, req: DatesRequest, dates: Vec<NaiveDate>) {
        if self.dates_requested.is_some_and(|(r, _)| r == req) {
            self.dates_requested = None;
        }
        self.data_dates
            .insert(req.month, (req.data_version, dates.into_iter().collect()));
    }

    /// Whether `day` has data, if its month is known.
    fn has_data(&self, day: NaiveDate) -> Option<bool> {
        let month = day.with_day(1)?;
        self.data_dates.get(&month).map(|(_, s)| s.contains(&day))
    }

    /// Asks for a month's marks when they are missing or stale.
    fn dates_due(&mut self, month: NaiveDate, today: NaiveDate, now: f64) -> Option<DatesRequest> {
        let live = month <= today && today < month + chrono::Months::new(1);
        let req = DatesRequest {
            month,
            data_version: if live { self.data_version } else { 0 },
        };
        let have = self.data_dates.get(&month).map(|(v, _)| *v);
        let asked = self
            .dates_requested
            .is_some_and(|(r, at)| r == req && now - at < REQUEST_TIMEOUT_S);
        if have == Some(req.data_version) || asked {
            return None;
        }
        self.dates_requested = Some((req, now));
        Some(req)
    }

    pub(crate) fn on_summary(&mut self, v: SummaryView) {
        if self.summary_requested.is_some_and(|(r, _)| r == v.request) {
            self.summary_requested = None;
        }
        self.summary_changes = super::summary::changes(v.request.period, &v.summary, &v.previous);
        self.summary = Some(v);
    }

    /// An import ended: its outcome, and History shows the day it began.
    pub(crate) fn on_imported(&mut self, result: Result<(String, NaiveDate), String>) {
        self.transfers.import_progress = None;
        self.transfers.import_failed = result.is_err();
        let asked = self.transfers.import_asked.take();
        self.transfers.import_message = Some(match result {
            Ok((words, day)) => {
                // Past days changed: what was read of them is stale.
                self.charts.clear();
                self.summary = None;
                self.summary_requested = None;
                self.data_dates.clear();
                self.period = Period::Day;
                self.date = Some(day);
                words
            }
            Err(e) => {
                // The dialog comes back as it was typed, with the reason
                // beside its Import button.
                if self.transfers.import.is_none() {
                    self.transfers.import = asked.map(|d| super::transfer::ImportDialog {
                        error: Some(e.clone()),
                        ..d
                    });
                }
                e
            }
        });
    }

    pub(crate) fn on_exported(&mut self, result: Result<(PathBuf, String), String>) {
        self.transfers.export_progress = None;
        self.transfers.export_failed = result.is_err();
        self.transfers.export_message = Some(match result {
            Ok((path, count)) => format!("Exported {count} to {}", path.display()),
            Err(e) => format!("Export failed: {e}"),
        });
    }

    /// The version a chart of a period should show: periods that include
    /// `today` change as data arrives, older ones do not.
    fn version_for(&self, period: Period, date: NaiveDate, today: NaiveDate) -> u64 {
        let (first, last) = period.range(date);
        if (first..=last).contains(&today) {
            self.data_version
        } else {
            0
        }
    }
}

/// The History view. `today` is the newest data's local date.
#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
pub(crate) fn history_ui(
    ui: &mut egui::Ui,
    model: &mut HistoryPage,
    today: NaiveDate,
    now: f64,
) -> Vec<HistoryAction> {
    let mut actions = Vec::new();
    model.charts.next_frame();
    // A bar clicked further down opened its day: its header is what the
    // person needs to see next, so the page starts at the top again.
    if std::mem::take(&mut model.scroll_to_top) {
        ui.scroll_to_cursor(Some(egui::Align::TOP));
    }
    let mut period = model.period();
    let mut date = model.date.unwrap_or(today);

    ui.horizontal_wrapped(|ui| {
        for p in Period::ALL {
            ui.selectable_value(&mut period, p, p.name());
        }
        ui.separator();
        if ui
            .button("Previous")
            .on_hover_text(format!("Previous {}", period.name().to_lowercase()))
            .clicked()
        {
            date = period.step(date, -1);
        }
        let at_end = period.range(date).1 >= today;
        if ui
            .add_enabled(!at_end, egui::Button::new("Next"))
            .on_hover_text(format!("Next {}", period.name().to_lowercase()))
            .clicked()
        {
            date = period.step(date, 1);
        }
        let (first, last) = period.range(date);
        let shows_today = (first..=last).contains(&today);
        if ui
            .add_enabled(!shows_today, egui::Button::new("Back to today"))
            .clicked()
        {
            date = today;
        }
        let cal = calendar_button_ui(ui, "history_date", date, today, &|d| model.has_data(d));
        if let Some(d) = cal.picked {
            date = d.min(today);
            // A picked day is shown as that day.
            period = Period::Day;
        }
        if let Some(month) = cal.month_shown
            && let Some(req) = model.dates_due(month, today, now)
        {
            actions.push(HistoryAction::Dates(req));
        }
        ui.separator();
        ui.strong(period.label(date));
    });
    if period != model.period() || Some(date) != model.date {
        model.period = period;
        model.date = Some(date);
    }
    let (first, last) = period.range(date);
    let version = model.version_for(period, date, today);

    // The summary row, with the change against the period before.
    let want = SummaryRequest {
        period,
        date: first,
        data_version: version,
    };
    let summary_shown = model.summary.as_ref().map(|s| s.request);
    let awaiting = model
        .summary_requested
        .is_some_and(|(r, at)| r == want && now - at < REQUEST_TIMEOUT_S);
    if summary_shown != Some(want) && !awaiting {
        actions.push(HistoryAction::Summary(want));
        model.summary_requested = Some((want, now));
    }
    ui.add_space(4.0);
    // In its own scope: the row's widgets come and go as the summary
    // arrives, and must not shift the ids of the widgets after it (a
    // click on Export… would otherwise miss in the frame it changes).
    ui.scope(|ui| {
        match model
            .summary
            .as_ref()
            .filter(|s| (s.request.period, s.request.date) == (period, first))
        {
            Some(v) if v.summary.days_with_data > 0 => {
                let s = &v.summary;
                let per_day = if period == Period::Day { "" } else { " a day" };
                ui.horizontal_wrapped(|ui| {
                    // Each figure moves to the next line whole; none breaks
                    // inside its value ("3 h 08 / min").
                    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                    ui.label(format!("Sitting {}{per_day}", format_duration(s.sitting_s)));
                    ui.separator();
                    match s.breaks_per_sitting_hour {
                        Some(b) => ui.label(format!("{b:.1} breaks per sitting hour")),
                        None => ui.label("no sitting"),
                    };
                    ui.separator();
                    ui.label(format!(
                        "Longest streak {}",
                        format_duration(s.longest_streak_s)
                    ));
                    ui.separator();
                    if let Some(t) = s.mean_tilt_deg {
                        ui.label(format!(
                            "Tilt {t:.1}°, slouched {}{per_day}",
                            format_duration(s.slouch_s)
                        ));
                        ui.separator();
                    }
                    ui.label(format!("Routines done {}", s.routines_completed));
                    if period != Period::Day {
                        ui.separator();
                        let n = s.days_with_data;
                        ui.label(format!(
                            "{n} day{} with data",
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                });
                if !model.summary_changes.is_empty() {
                    ui.weak(model.summary_changes.join(" · "));
                }
            }
            Some(_) => {
                ui.label(format!(
                    "No data for this {}. The sensor was not worn, or nothing was recorded.",
                    period.name().to_lowercase()
                ));
            }
            None => {
                ui.weak("Reading…");
            }
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Export…").clicked() {
            model.transfers.export = Some(ExportDialog {
                what: ExportKind::Days,
                first,
                last,
                path: default_export_path(ExportKind::Days, first, last),
                checked: None,
            });
        }
        if ui
            .button("Import…")
            .on_hover_text("A recording from a phone or another accelerometer logger")
            .clicked()
        {
            model.transfers.import = Some(super::transfer::ImportDialog::default());
        }
        let t = &model.transfers;
        job_progress_ui(ui, "Importing…", t.import_progress);
        job_progress_ui(ui, "Exporting…", t.export_progress);
    });
    let t = &model.transfers;
    if t.import_progress.is_none() {
        job_outcome_ui(ui, t.import_message.as_deref(), t.import_failed);
    }
    if t.export_progress.is_none() {
        job_outcome_ui(ui, t.export_message.as_deref(), t.export_failed);
    }
    ui.add_space(4.0);

    // Charts, at the panel's pixel size.
    let ppp = ui.ctx().pixels_per_point();
    let theme = if ui.visuals().dark_mode {
        ChartTheme::Dark
    } else {
        ChartTheme::Light
    };
    let avail_pt = ui.available_width().max(200.0);
    let width_px = chart_width_px(avail_pt, ppp);
    let kinds: &[(ChartKind, f32)] = match period {
        Period::Day => &[
            (ChartKind::Timeline, 210.0),
            (ChartKind::Hourly, 180.0),
            (ChartKind::Streaks, 180.0),
            (ChartKind::Tilt, 180.0),
        ],
        Period::Week => &[(ChartKind::Week, 620.0)],
        Period::Month => &[(ChartKind::Month, 620.0)],
    };
    if period == Period::Day {
        ui.checkbox(&mut model.whole_day, "Whole day (24 h)")
            .on_hover_text("Off: the timeline spans the hours the sensor was worn");
    }
    let mut open_day: Option<NaiveDate> = None;
    let mut retry_in: Option<f64> = None;
    for &(kind, height_pt) in kinds {
        let req = ChartRequest {
            kind,
            date: first,
            width_px,
            height_px: (height_pt * ppp).round() as u32,
            theme,
            scale_centi: (ppp * 100.0).round() as u32,
            whole_day: model.whole_day && kind == ChartKind::Timeline,
            data_version: version,
        };
        match model.charts.due(&req, now) {
            Ok(true) => {
                model.charts.requested(&req, now);
                actions.push(HistoryAction::Chart(req));
            }
            Ok(false) => {}
            Err(wait_s) => retry_in = Some(retry_in.map_or(wait_s, |r: f64| r.min(wait_s))),
        }
        ui.strong(kind.title());
        let size = egui::vec2(width_px as f32 / ppp, height_pt);
        match model.charts.shown(&req) {
            Shown::Chart(tex, hover) => {
                let alt = format!("{} chart", kind.title());
                if period == Period::Day {
                    chart_image_ui(ui, tex, size, hover, &alt);
                } else if let Some(i) = chart_click_ui(ui, tex, size, hover, &alt) {
                    // A click on a day's bar opens that day.
                    open_day = first.checked_add_days(chrono::Days::new(i as u64));
                }
            }
            Shown::Error(e) => {
                ui.label(format!("This chart could not be drawn: {e}"));
            }
            Shown::Drawing => {
                ui.allocate_ui(size, |ui| {
                    ui.centered_and_justified(|ui| ui.weak("Drawing…"));
                });
            }
        }
        ui.add_space(6.0);
    }
    if let Some(day) = open_day.filter(|d| *d <= today) {
        model.period = Period::Day;
        model.date = Some(day);
        model.scroll_to_top = true;
        ui.ctx().request_repaint();
    }
    if let Some(wait) = retry_in {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(wait.max(0.01)));
    }
    model.charts.evict();

    if let Some(a) = export_dialog_ui(ui, &mut model.transfers) {
        actions.push(HistoryAction::Transfer(a));
    }
    if let Some(a) = import_dialog_ui(ui, &mut model.transfers) {
        actions.push(HistoryAction::Transfer(a));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A period that includes today follows the data; an older one does not.
    #[test]
    fn only_periods_with_today_follow_new_data() {
        let mut m = HistoryPage::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let last_week = NaiveDate::from_ymd_opt(2026, 11, 17).unwrap();
        m.on_commit();
        assert_eq!(m.version_for(Period::Week, today, today), 1);
        assert_eq!(m.version_for(Period::Week, last_week, today), 0);
    }

    /// A failed import gives the dialog back as typed, with the reason by
    /// its Import button.
    #[test]
    fn a_failed_import_keeps_the_path_typed_and_says_why_in_the_dialog() {
        use egui_kittest::Harness;
        use egui_kittest::kittest::Queryable;
        let file = tempfile::NamedTempFile::new().unwrap();
        let typed = file.path().display().to_string();
        let mut m = HistoryPage::default();
        m.transfers.import = Some(super::super::transfer::ImportDialog {
            path: typed.clone(),
            start: "2026-11-30 08:00".into(),
            ..Default::default()
        });
        let mut actions = Vec::new();
        {
            let mut h = Harness::new_ui(|ui| {
                actions.extend(import_dialog_ui(ui, &mut m.transfers));
            });
            h.get_by_label("Import").click();
            h.run();
        }
        assert_eq!(actions.len(), 1, "the import was asked for");
        assert!(
            m.transfers.import.is_none(),
            "the dialog closed while it runs"
        );
        let why = "it has no time column (columns: a, b, c)";
        m.on_imported(Err(why.into()));
        let back = m.transfers.import.clone().expect("the dialog is back");
        assert_eq!(back.path, typed);
        assert_eq!(back.start, "2026-11-30 08:00");
        assert_eq!(back.error.as_deref(), Some(why));
        let h = Harness::new_ui(|ui| {
            import_dialog_ui(ui, &mut m.transfers);
        });
        h.get_by_label(why);
        drop(h);
        // A later success leaves no dialog behind.
        m.transfers.import = None;
        m.on_imported(Ok((
            "imported".into(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        )));
        assert!(m.transfers.import.is_none());
    }
}

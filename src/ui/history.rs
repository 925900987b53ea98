//! The History view: a day, a week or a month, with date navigation, a
//! summary row compared with the period before, the charts (drawn by the
//! chart worker, cached here as textures) and CSV export.
//!
//! Texture cache: one slot per (chart, period, pixel size, theme, scale);
//! a slot keeps its last texture while a newer version is drawn, so data
//! arriving never blanks a chart, and a period whose data is still
//! arriving is redrawn at most every `CHART_MIN_INTERVAL`.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use egui::{ColorImage, TextureHandle, TextureOptions};

use super::CHART_MIN_INTERVAL;
use super::transfer::{
    ExportDialog, TransferAction, Transfers, default_export_path, export_dialog_ui,
    import_dialog_ui, job_status_ui,
};
use super::widgets::calendar::calendar_button_ui;
use super::widgets::chart_image::{chart_click_ui, chart_image_ui};
use crate::charts::{Chart, ChartKind, ChartTheme, Hover};
use crate::domain::days::format_duration;
use crate::domain::figures::Period;
use crate::engine::protocol::{DatesRequest, HistoryChartRequest, SummaryRequest, SummaryView};
use crate::transfer::export::ExportKind;

/// Slots kept (textures of recently seen periods and sizes).
const MAX_SLOTS: usize = 40;
/// A request unanswered this long (dropped as superseded) is sent again.
const REQUEST_TIMEOUT_S: f64 = 5.0;
/// Widths are rounded to this many pixels, so a window being resized
/// does not ask for a chart at every pixel.
const WIDTH_STEP_PX: u32 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SlotKey {
    kind: ChartKind,
    first: NaiveDate,
    width_px: u32,
    height_px: u32,
    theme: ChartTheme,
    scale_centi: u32,
    whole_day: bool,
}

impl SlotKey {
    fn of(r: &HistoryChartRequest) -> Self {
        Self {
            kind: r.kind,
            first: r.kind.period().range(r.date).0,
            width_px: r.width_px,
            height_px: r.height_px,
            theme: r.theme,
            scale_centi: r.scale_centi,
            whole_day: r.whole_day,
        }
    }
}

#[derive(Default)]
struct Slot {
    texture: Option<TextureHandle>,
    hover: Hover,
    shown_version: Option<u64>,
    awaiting: Option<(u64, f64)>,
    last_request_at: Option<f64>,
    last_used: u64,
    error: Option<String>,
}

/// What the History view asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum HistoryAction {
    Chart(HistoryChartRequest),
    Summary(SummaryRequest),
    /// The days with data of a month, for the calendar's marks.
    Dates(DatesRequest),
    Transfer(TransferAction),
}

#[derive(Default)]
pub struct HistoryPage {
    pub period: Period,
    /// The date shown (any date of the period); `None` until first shown
    /// (then today).
    pub date: Option<NaiveDate>,
    slots: HashMap<SlotKey, Slot>,
    summary: Option<SummaryView>,
    /// The summary's changes in words, made once when it arrives.
    summary_changes: Vec<String>,
    summary_requested: Option<(SummaryRequest, f64)>,
    /// Export and import: dialogs, progress, outcomes.
    pub transfers: Transfers,
    data_version: u64,
    frame: u64,
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
        self.slots.values().filter(|s| s.texture.is_some()).count()
    }

    pub(crate) fn on_chart(
        &mut self,
        ctx: &egui::Context,
        req: HistoryChartRequest,
        result: Result<Box<Chart>, String>,
    ) {
        let slot = self.slots.entry(SlotKey::of(&req)).or_default();
        if slot.awaiting.is_some_and(|(v, _)| v == req.data_version) {
            slot.awaiting = None;
        }
        match result {
            Ok(chart) => {
                let img = &chart.image;
                let image =
                    ColorImage::from_rgb([img.width as usize, img.height as usize], &img.pixels);
                let name = format!("history-{:?}", req.kind);
                match slot.texture.as_mut() {
                    Some(t) => t.set(image, TextureOptions::LINEAR),
                    None => {
                        slot.texture = Some(ctx.load_texture(name, image, TextureOptions::LINEAR));
                    }
                }
                slot.hover = chart.hover;
                slot.shown_version = Some(req.data_version);
                slot.error = None;
            }
            Err(e) => slot.error = Some(e),
        }
    }

    /// The window is gone and its textures with it: every chart is drawn
    /// again for the next one.
    pub(crate) fn forget_textures(&mut self) {
        self.slots.clear();
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
        self.transfers.import_message = Some(match result {
            Ok((words, day)) => {
                // Past days changed: what was read of them is stale.
                self.slots.clear();
                self.summary = None;
                self.summary_requested = None;
                self.data_dates.clear();
                self.period = Period::Day;
                self.date = Some(day);
                words
            }
            Err(e) => e,
        });
    }

    pub(crate) fn on_exported(&mut self, result: Result<(PathBuf, String), String>) {
        self.transfers.export_progress = None;
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

    /// Whether to ask for `req` now; `Err(wait)` while throttled.
    fn chart_due(&mut self, req: HistoryChartRequest, now: f64) -> Result<bool, f64> {
        let frame = self.frame;
        let slot = self.slots.entry(SlotKey::of(&req)).or_default();
        slot.last_used = frame;
        if slot.shown_version == Some(req.data_version) {
            return Ok(false);
        }
        if let Some((v, at)) = slot.awaiting
            && (v == req.data_version || slot.shown_version.is_none())
            && now - at < REQUEST_TIMEOUT_S
        {
            return Ok(false);
        }
        // A chart already shown waits its turn; a new one goes at once.
        if slot.texture.is_some()
            && let Some(at) = slot.last_request_at
        {
            let wait = CHART_MIN_INTERVAL.as_secs_f64() - (now - at);
            if wait > 0.0 {
                return Err(wait);
            }
        }
        Ok(true)
    }

    fn requested(&mut self, req: &HistoryChartRequest, now: f64) {
        let slot = self.slots.entry(SlotKey::of(req)).or_default();
        slot.awaiting = Some((req.data_version, now));
        slot.last_request_at = Some(now);
    }

    /// Keeps the cache bounded: the least recently shown slots go.
    fn evict(&mut self) {
        while self.slots.len() > MAX_SLOTS {
            let Some(oldest) = self
                .slots
                .iter()
                .min_by_key(|(_, s)| s.last_used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            self.slots.remove(&oldest);
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
    model.frame += 1;
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
        job_status_ui(
            ui,
            "Importing…",
            t.import_progress,
            t.import_message.as_deref(),
        );
        job_status_ui(
            ui,
            "Exporting…",
            t.export_progress,
            t.export_message.as_deref(),
        );
    });
    ui.add_space(4.0);

    // Charts, at the panel's pixel size.
    let ppp = ui.ctx().pixels_per_point();
    let theme = if ui.visuals().dark_mode {
        ChartTheme::Dark
    } else {
        ChartTheme::Light
    };
    let avail_pt = ui.available_width().max(200.0);
    let width_px = ((avail_pt * ppp) as u32 / WIDTH_STEP_PX).max(8) * WIDTH_STEP_PX;
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
        let req = HistoryChartRequest {
            kind,
            date: first,
            width_px,
            height_px: (height_pt * ppp).round() as u32,
            theme,
            scale_centi: (ppp * 100.0).round() as u32,
            whole_day: model.whole_day && kind == ChartKind::Timeline,
            data_version: version,
        };
        match model.chart_due(req, now) {
            Ok(true) => {
                model.requested(&req, now);
                actions.push(HistoryAction::Chart(req));
            }
            Ok(false) => {}
            Err(wait_s) => retry_in = Some(retry_in.map_or(wait_s, |r: f64| r.min(wait_s))),
        }
        ui.strong(kind.title());
        let size = egui::vec2(width_px as f32 / ppp, height_pt);
        let slot = model.slots.get(&SlotKey::of(&req));
        match (slot.and_then(|s| s.texture.as_ref()), slot) {
            (Some(tex), Some(s)) => {
                let alt = format!("{} chart", kind.title());
                if period == Period::Day {
                    chart_image_ui(ui, tex, size, &s.hover, &alt);
                } else if let Some(i) = chart_click_ui(ui, tex, size, &s.hover, &alt) {
                    // A click on a day's bar opens that day.
                    open_day = first.checked_add_days(chrono::Days::new(i as u64));
                }
            }
            (_, Some(Slot { error: Some(e), .. })) => {
                ui.label(format!("This chart could not be drawn: {e}"));
            }
            _ => {
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
        ui.ctx().request_repaint();
    }
    if let Some(wait) = retry_in {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(wait.max(0.01)));
    }
    model.evict();

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

    fn req(date: NaiveDate, width_px: u32, data_version: u64) -> HistoryChartRequest {
        HistoryChartRequest {
            kind: ChartKind::Week,
            date,
            width_px,
            height_px: 600,
            theme: ChartTheme::Light,
            scale_centi: 100,
            whole_day: false,
            data_version,
        }
    }

    fn chart() -> Chart {
        Chart {
            image: crate::charts::RgbImage {
                width: 2,
                height: 1,
                pixels: vec![0; 6],
            },
            hover: Hover::default(),
        }
    }

    /// Cached per (chart, period, size, theme, scale); new data redraws the
    /// current period at most twice a second and never an older one.
    #[test]
    fn charts_are_cached_and_redrawn_at_most_twice_a_second() {
        let ctx = egui::Context::default();
        let mut m = HistoryPage::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let last_week = NaiveDate::from_ymd_opt(2026, 11, 17).unwrap();
        m.on_commit();
        assert_eq!(m.version_for(Period::Week, today, today), 1);
        assert_eq!(m.version_for(Period::Week, last_week, today), 0);

        let r = req(today, 800, 1);
        assert_eq!(m.chart_due(r, 0.0), Ok(true));
        m.requested(&r, 0.0);
        assert_eq!(m.chart_due(r, 0.1), Ok(false), "awaiting its answer");
        m.on_chart(&ctx, r, Ok(Box::new(chart())));
        assert_eq!(m.chart_due(r, 0.2), Ok(false), "shown: cached");
        // New data 0.2 s after the last request: wait the rest of 0.5 s.
        m.on_commit();
        let newer = req(today, 800, 2);
        let wait = m.chart_due(newer, 0.2).unwrap_err();
        assert!((wait - 0.3).abs() < 1e-9, "{wait}");
        assert_eq!(m.chart_due(newer, 0.5), Ok(true));
        // Another size is another slot, asked at once.
        assert_eq!(m.chart_due(req(today, 960, 2), 0.5), Ok(true));
        // A week in the past is drawn once and kept whatever arrives.
        let old = req(last_week, 800, 0);
        m.requested(&old, 1.0);
        m.on_chart(&ctx, old, Ok(Box::new(chart())));
        m.on_commit();
        assert_eq!(m.chart_due(old, 9.0), Ok(false));
        assert_eq!(m.charts_shown(), 2);
    }
}

//! The `sitless-charts` worker: figures and charts read from the rollups on
//! its own connection, drawn with plotters, sent to the UI as pixels.

use super::protocol::{
    ChartJob, ChartRequest, DatesRequest, DayView, SummaryRequest, SummaryView, UiEvent,
};
use super::ui_queue::UiSender;
use crate::charts::Chart;
use crate::charts::frame::Style;
use crate::charts::render::{ChartSource, render_rgb};
use crate::domain::config::Config;
use crate::domain::days::day_bounds;
use crate::domain::figures::{DayDetail, Period, PeriodData, Summary};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use std::sync::mpsc::Receiver;

/// The worker's last loaded data, so the four Day charts, Today's
/// figures and timeline (or a redraw at a new size) read the database once.
#[derive(Default)]
pub(super) struct ChartCache {
    day: Option<((NaiveDate, u64, i64), DayDetail)>,
    period: Option<((Period, NaiveDate, u64, i64), PeriodData)>,
}

impl ChartCache {
    fn day_detail(
        &mut self,
        store: &Store,
        date: NaiveDate,
        data_version: u64,
        threshold_s: i64,
    ) -> Result<&DayDetail, StoreError> {
        let key = (date, data_version, threshold_s);
        let fresh = match self.day.take() {
            Some((k, d)) if k == key => d,
            _ => store.day_detail(date, threshold_s)?,
        };
        Ok(&self.day.insert((key, fresh)).1)
    }
}

pub(super) fn chart_loop(rx: &Receiver<ChartJob>, store: &Store, cfg: &Config, ui: &UiSender) {
    let mut cache = ChartCache::default();
    while let Ok(first) = rx.recv() {
        // Take everything queued: only the newest Today request matters,
        // and a History chart asked again (new size or data) replaces the
        // older request for the same chart.
        let mut today = None;
        let mut summaries: Vec<SummaryRequest> = Vec::new();
        let mut charts: Vec<ChartRequest> = Vec::new();
        let mut dates: Vec<DatesRequest> = Vec::new();
        let mut job = Some(first);
        while let Some(j) = job.take().or_else(|| rx.try_recv().ok()) {
            match j {
                ChartJob::Today(r) => today = Some(r),
                ChartJob::Dates(r) => {
                    dates.retain(|d| d.month != r.month);
                    dates.push(r);
                }
                ChartJob::Summary(r) => {
                    summaries.retain(|s| s.period != r.period);
                    summaries.push(r);
                }
                ChartJob::Chart(r) => {
                    charts.retain(|c| c.slot() != r.slot());
                    charts.push(r);
                }
            }
        }
        // Settings may have moved the streak threshold the charts mark.
        let threshold_s = store.threshold_s(cfg);
        if let Some(req) = today {
            today_view(store, &mut cache, req, threshold_s, ui);
        }
        for req in dates {
            let last = req
                .month
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(req.month);
            match store.dates_with_data(req.month, last) {
                Ok(v) => ui.send(UiEvent::DataDates(req, v)),
                Err(e) => tracing::warn!("days with data not read: {e}"),
            }
        }
        for req in summaries {
            match summary_view(store, req, threshold_s) {
                Ok(v) => ui.send(UiEvent::Summary(Box::new(v))),
                Err(e) => ui.send(UiEvent::Error(format!("Could not read the history: {e}"))),
            }
        }
        for req in charts {
            send_chart(store, &mut cache, req, threshold_s, ui);
        }
    }
}

/// Today: the day's figures and routines, then its timeline, drawn as any
/// other chart.
pub(super) fn today_view(
    store: &Store,
    cache: &mut ChartCache,
    req: ChartRequest,
    threshold_s: i64,
    ui: &UiSender,
) {
    let (start, end) = day_bounds(req.date);
    let figures = cache
        .day_detail(store, req.date, req.data_version, threshold_s)
        .map(|d| d.figures.clone());
    let result = figures.and_then(|f| Ok((f, store.routine_sessions_between(start, end)?)));
    match result {
        Ok((figures, sessions)) => ui.send(UiEvent::Day(Box::new(DayView {
            date: req.date,
            figures,
            sessions,
            request: req,
        }))),
        Err(e) => {
            ui.send(UiEvent::Error(format!("Could not read today's data: {e}")));
            return;
        }
    }
    send_chart(store, cache, req, threshold_s, ui);
}

/// Draws one chart and sends it, or why it could not be drawn.
fn send_chart(
    store: &Store,
    cache: &mut ChartCache,
    req: ChartRequest,
    threshold_s: i64,
    ui: &UiSender,
) {
    let chart = draw_chart(store, cache, req, threshold_s)
        .map(Box::new)
        .map_err(|e| e.to_string());
    if let Err(e) = &chart {
        tracing::warn!("{:?} chart not drawn: {e}", req.kind);
    }
    ui.send(UiEvent::Chart(req, chart));
}

pub(super) fn summary_view(
    store: &Store,
    req: SummaryRequest,
    threshold_s: i64,
) -> Result<SummaryView, StoreError> {
    let (first, last) = req.period.range(req.date);
    let days = store.days(first, last, threshold_s)?;
    let (pf, pl) = req.period.range(req.period.step(req.date, -1));
    let before = store.days(pf, pl, threshold_s)?;
    let summary = Summary::of(&days);
    let previous = Summary::of(&before);
    Ok(SummaryView {
        request: req,
        summary,
        previous,
    })
}

/// Why a chart was not drawn.
#[derive(Debug, thiserror::Error)]
pub(super) enum ChartJobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
}

pub(super) fn draw_chart(
    store: &Store,
    cache: &mut ChartCache,
    req: ChartRequest,
    threshold_s: i64,
) -> Result<Chart, ChartJobError> {
    let style = Style {
        theme: req.theme,
        scale: f64::from(req.scale_centi) / 100.0,
        threshold_s,
        whole_day: req.whole_day,
    };
    let period = req.kind.period();
    let src = if period == Period::Day {
        ChartSource::Day(cache.day_detail(store, req.date, req.data_version, threshold_s)?)
    } else {
        let key = (
            period,
            period.range(req.date).0,
            req.data_version,
            threshold_s,
        );
        let fresh = match cache.period.take() {
            Some((k, p)) if k == key => p,
            _ => store.period_data(period, req.date, threshold_s)?,
        };
        ChartSource::Period(&cache.period.insert((key, fresh)).1)
    };
    Ok(render_rgb(
        req.kind,
        src,
        req.width_px,
        req.height_px,
        style,
    )?)
}

//! The charts a page shows, kept as textures: one request throttle and one
//! texture cache for the Today timeline and the History charts alike.
//!
//! One slot per (chart, period, pixel size, theme, scale, whole day). A
//! slot keeps its last texture while a newer version is drawn, so data
//! arriving never blanks a chart; a chart already shown is asked again at
//! most every `CHART_MIN_INTERVAL`; a request left unanswered (dropped as
//! superseded, or answered while the window was closed) is sent again
//! after `REQUEST_TIMEOUT_S`. While a window is resized, the nearest size
//! already drawn stands in until the new size arrives.

use std::collections::HashMap;

use chrono::NaiveDate;
use egui::{ColorImage, TextureHandle, TextureOptions};

use super::CHART_MIN_INTERVAL;
use crate::charts::{Chart, ChartKind, ChartTheme, Hover};
use crate::engine::protocol::ChartRequest;

/// Slots kept (textures of recently seen periods and sizes).
const MAX_SLOTS: usize = 40;
/// A request unanswered this long (dropped as superseded) is sent again.
const REQUEST_TIMEOUT_S: f64 = 5.0;
/// Widths are rounded to this many pixels, so a window being resized
/// does not ask for a chart at every pixel.
const WIDTH_STEP_PX: u32 = 16;

/// A chart's width in pixels for `width_pt` points, rounded down to the
/// slot step (at least eight steps).
pub(crate) fn chart_width_px(width_pt: f32, pixels_per_point: f32) -> u32 {
    ((width_pt * pixels_per_point).max(0.0) as u32 / WIDTH_STEP_PX).max(8) * WIDTH_STEP_PX
}

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
    fn of(r: &ChartRequest) -> Self {
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

    /// The same chart at another size (a stand-in while resizing).
    fn same_chart(&self, other: &Self) -> bool {
        (self.kind, self.first, self.theme, self.whole_day)
            == (other.kind, other.first, other.theme, other.whole_day)
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

/// What a page shows for one chart request.
pub(crate) enum Shown<'a> {
    Chart(&'a TextureHandle, &'a Hover),
    Error(&'a str),
    Drawing,
}

#[derive(Default)]
pub(crate) struct ChartSlots {
    slots: HashMap<SlotKey, Slot>,
    frame: u64,
}

impl ChartSlots {
    /// A new frame: slots not used for longest are the first to go.
    pub(crate) fn next_frame(&mut self) {
        self.frame += 1;
    }

    /// Whether to ask for `req` now; `Err(wait_s)` while throttled.
    pub(crate) fn due(&mut self, req: &ChartRequest, now: f64) -> Result<bool, f64> {
        let frame = self.frame;
        let slot = self.slots.entry(SlotKey::of(req)).or_default();
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
        // A chart that could not be drawn is not asked for every frame.
        if slot.error.is_some()
            && slot
                .last_request_at
                .is_some_and(|at| now - at < REQUEST_TIMEOUT_S)
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

    /// `req` was handed to the chart worker at `now`.
    pub(crate) fn requested(&mut self, req: &ChartRequest, now: f64) {
        let slot = self.slots.entry(SlotKey::of(req)).or_default();
        slot.awaiting = Some((req.data_version, now));
        slot.last_request_at = Some(now);
    }

    /// A chart arrived. Only a slot that asked for it keeps it (the other
    /// page's charts pass by).
    pub(crate) fn on_chart(
        &mut self,
        ctx: &egui::Context,
        req: &ChartRequest,
        result: &Result<Box<Chart>, String>,
    ) {
        let Some(slot) = self.slots.get_mut(&SlotKey::of(req)) else {
            return;
        };
        if slot.awaiting.is_some_and(|(v, _)| v == req.data_version) {
            slot.awaiting = None;
        }
        match result {
            Ok(chart) => {
                let img = &chart.image;
                let image =
                    ColorImage::from_rgb([img.width as usize, img.height as usize], &img.pixels);
                if let Some(t) = slot.texture.as_mut() {
                    t.set(image, TextureOptions::LINEAR);
                } else {
                    let name = format!("chart-{:?}", req.kind);
                    slot.texture = Some(ctx.load_texture(name, image, TextureOptions::LINEAR));
                }
                slot.hover = chart.hover.clone();
                slot.shown_version = Some(req.data_version);
                slot.error = None;
            }
            Err(e) => slot.error = Some(e.clone()),
        }
    }

    /// What to show for `req`: its chart, else the same chart at the
    /// nearest size drawn, else its error, else that it is being drawn.
    pub(crate) fn shown(&self, req: &ChartRequest) -> Shown<'_> {
        let key = SlotKey::of(req);
        let own = self.slots.get(&key);
        if let Some(s) = own
            && let Some(t) = &s.texture
        {
            return Shown::Chart(t, &s.hover);
        }
        if let Some(e) = own.and_then(|s| s.error.as_deref()) {
            return Shown::Error(e);
        }
        let stand_in = self
            .slots
            .iter()
            .filter(|(k, s)| k.same_chart(&key) && s.texture.is_some())
            .min_by_key(|(k, _)| k.width_px.abs_diff(key.width_px));
        match stand_in {
            Some((_, s)) => match &s.texture {
                Some(t) => Shown::Chart(t, &s.hover),
                None => Shown::Drawing,
            },
            None => Shown::Drawing,
        }
    }

    /// Charts with a texture now (for tests: what is on screen).
    pub(crate) fn count_shown(&self) -> usize {
        self.slots.values().filter(|s| s.texture.is_some()).count()
    }

    /// The window is gone and its textures with it, or the data read is
    /// stale: every chart is drawn again.
    pub(crate) fn clear(&mut self) {
        self.slots.clear();
    }

    /// Keeps the cache bounded: the least recently shown slots go.
    pub(crate) fn evict(&mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn req(date: NaiveDate, width_px: u32, data_version: u64) -> ChartRequest {
        ChartRequest {
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

    #[allow(clippy::unnecessary_wraps, reason = "the shape a chart arrives in")]
    fn chart() -> Result<Box<Chart>, String> {
        Ok(Box::new(Chart {
            image: crate::charts::RgbImage {
                width: 2,
                height: 1,
                pixels: vec![0; 6],
            },
            hover: Hover::default(),
        }))
    }

    /// Cached per (chart, period, size, theme, scale); new data redraws a
    /// chart at most twice a second, and a chart of the same version never.
    #[test]
    fn charts_are_cached_and_redrawn_at_most_twice_a_second() {
        let ctx = egui::Context::default();
        let mut m = ChartSlots::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let last_week = NaiveDate::from_ymd_opt(2026, 11, 17).unwrap();

        let r = req(today, 800, 1);
        assert_eq!(m.due(&r, 0.0), Ok(true));
        m.requested(&r, 0.0);
        assert_eq!(m.due(&r, 0.1), Ok(false), "awaiting its answer");
        m.on_chart(&ctx, &r, &chart());
        assert_eq!(m.due(&r, 0.2), Ok(false), "shown: cached");
        // New data 0.2 s after the last request: wait the rest of 0.5 s.
        let newer = req(today, 800, 2);
        let wait = m.due(&newer, 0.2).unwrap_err();
        assert!((wait - 0.3).abs() < 1e-9, "{wait}");
        assert_eq!(m.due(&newer, 0.5), Ok(true));
        // Another size is another slot, asked at once; until it arrives
        // the size drawn stands in.
        let wider = req(today, 960, 2);
        assert_eq!(m.due(&wider, 0.5), Ok(true));
        assert!(matches!(m.shown(&wider), Shown::Chart(..)));
        // A week in the past is drawn once and kept.
        let old = req(last_week, 800, 0);
        m.due(&old, 1.0).unwrap();
        m.requested(&old, 1.0);
        m.on_chart(&ctx, &old, &chart());
        assert_eq!(m.due(&old, 9.0), Ok(false));
        assert_eq!(m.count_shown(), 2);
    }

    /// A chart nobody here asked for (the other page's) is not kept; an
    /// answer lost is asked again after the timeout.
    #[test]
    fn only_asked_charts_are_kept_and_lost_answers_are_asked_again() {
        let ctx = egui::Context::default();
        let mut m = ChartSlots::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        m.on_chart(&ctx, &req(today, 800, 1), &chart());
        assert_eq!(m.count_shown(), 0);
        assert!(matches!(m.shown(&req(today, 800, 1)), Shown::Drawing));

        let r = req(today, 800, 1);
        assert_eq!(m.due(&r, 0.0), Ok(true));
        m.requested(&r, 0.0);
        assert_eq!(m.due(&r, 4.9), Ok(false));
        assert_eq!(m.due(&r, 5.1), Ok(true), "no answer in 5 s: ask again");
        m.requested(&r, 5.1);
        m.on_chart(&ctx, &r, &Err("no room".into()));
        assert!(matches!(m.shown(&r), Shown::Error("no room")));
        assert_eq!(
            m.due(&r, 6.0),
            Ok(false),
            "an error is not asked every frame"
        );
        assert_eq!(m.due(&r, 10.2), Ok(true));
    }

    #[test]
    fn widths_go_in_steps() {
        assert_eq!(chart_width_px(800.0, 1.0), 800);
        assert_eq!(chart_width_px(807.0, 1.0), 800);
        assert_eq!(chart_width_px(400.0, 2.0), 800);
        assert_eq!(chart_width_px(3.0, 1.0), 128, "at least eight steps");
    }
}

//! The Today view: live posture, tilt and streak, the recommendation card,
//! today's totals and the posture timeline.

use egui::{Color32, RichText, Ui};

use super::chart_slots::{Shown, chart_width_px};
use super::state::AppState;
use super::{TodayPage, UiAction};
use crate::charts::ChartKind;
use crate::domain::days::{format_duration, local_datetime};
use crate::domain::posture::{LiveNote, Posture};
use crate::engine::protocol::{ChartRequest, SensorState};
use crate::routines::catalog::Catalog;

const TIMELINE_HEIGHT_PT: f32 = 220.0;

fn color32(p: Posture) -> Color32 {
    super::widgets::color(crate::domain::palette::posture(p))
}

/// What the first-run guide needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FirstRun {
    /// Bluetooth works here (a sensor can be paired).
    pub bluetooth: bool,
}

/// The whole view. `wall_now_s` is the injected clock for "today";
/// `first_run` shows the guide (no sensor paired, no demo, nothing today).
pub(crate) fn today_ui(
    ui: &mut Ui,
    state: &AppState,
    model: &mut TodayPage,
    wall_now_s: i64,
    first_run: Option<FirstRun>,
) -> Vec<UiAction> {
    let mut actions = Vec::new();
    if let Some(f) = first_run {
        first_run_ui(ui, f, &mut actions);
        ui.add_space(12.0);
    }
    for err in [&state.error, &state.unfinished_import]
        .into_iter()
        .flatten()
    {
        ui.colored_label(ui.visuals().error_fg_color, err);
        ui.add_space(6.0);
    }
    if let Some(card) = &model.card {
        let streak_now = model.live.and_then(|l| l.streak);
        let at_desk = model.live.is_some_and(|l| l.posture == Posture::AtDesk);
        recommendation_card_ui(ui, card, (streak_now, at_desk), &mut actions);
        ui.add_space(8.0);
    }
    live_tiles_ui(ui, model, state.threshold_s());
    if let Some(desk) = &state.desk_time {
        ui.add_space(8.0);
        let break_min = state.settings.as_ref().map_or(2, |s| s.break_min);
        super::desk_time::desk_time_note_ui(ui, desk, break_min);
    }
    ui.add_space(12.0);
    totals_ui(ui, model, state.today(wall_now_s), state.threshold_s());
    ui.add_space(12.0);
    timeline_ui(
        ui,
        model,
        state.today(wall_now_s),
        state.threshold_s(),
        &mut actions,
    );
    actions
}

pub(crate) use crate::domain::days::threshold_words;

/// Sensor name and connection state, for the top bar.
pub(crate) fn sensor_status_ui(ui: &mut Ui, state: &AppState) {
    let Some(s) = &state.sensor else {
        ui.label("Starting…");
        return;
    };
    let (dot, link) = match s.state {
        SensorState::Streaming => (
            super::widgets::color(crate::domain::palette::GREEN),
            "streaming",
        ),
        SensorState::Finished => (Color32::GRAY, "finished"),
        SensorState::NoSensor => (Color32::GRAY, "not connected"),
    };
    super::widgets::swatch_ui(ui, dot, true);
    let speed = s
        .speed
        .filter(|x| (*x - 1.0).abs() > f64::EPSILON)
        .map(|x| format!(" · {x:.0}× time"))
        .unwrap_or_default();
    ui.label(format!("{}: {link}{speed}", s.name));
    if let (Some(t), Some(_)) = (state.latest_t_s, s.speed) {
        ui.weak(format!(
            "Sensor time {}",
            local_datetime(t).format("%a %H:%M")
        ));
    }
}

/// The guide a first run shows instead of zeros with no pointer.
fn first_run_ui(ui: &mut Ui, f: FirstRun, actions: &mut Vec<UiAction>) {
    egui::Frame::group(ui.style())
        .fill(ui.visuals().faint_bg_color)
        .inner_margin(14.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new("Welcome to Sitless").size(20.0).strong());
            ui.label(
                "Sitless needs a motion sensor to see when you sit. Wear it in a trouser \
                 pocket or strapped to the thigh (for sitting and standing), or on the upper \
                 back (for trunk tilt). Nothing leaves this computer.",
            );
            ui.add_space(6.0);
            ui.label(RichText::new("1. Pair a sensor, or use your phone").strong());
            ui.label(format!(
                "A {} over Bluetooth: open Sensors, press Scan, choose where you wear it, \
                 then Pair. No sensor? A phone in a trouser pocket works too, over your Wi-Fi: \
                 open Sensors, then Use my phone.",
                crate::sources::ble::SensorModel::labels_in_words("or"),
            ));
            ui.horizontal(|ui| {
                // Sensors explains a missing Bluetooth, and pairs a phone
                // without it.
                if ui.button("Open Sensors").clicked() {
                    actions.push(UiAction::Show(super::View::Sensors));
                }
                if !f.bluetooth {
                    ui.weak(
                        "Bluetooth isn't available on this computer right now; a phone works \
                         without it.",
                    );
                }
            });
            ui.add_space(6.0);
            ui.label(RichText::new("2. Or try the demo first").strong());
            ui.label(
                "A simulated wearer lives a workday at 60 times real speed: an hour of \
                 sitting passes in a minute, so you see a break card within a couple of \
                 minutes. Its data goes to a separate demo database; leave the demo any time.",
            );
            if ui.button("Try the demo").clicked() {
                actions.push(UiAction::Demo(true));
            }
        });
}

fn recommendation_card_ui(
    ui: &mut Ui,
    card: &crate::domain::reminder::ReminderDue,
    (streak_now, at_desk): (Option<crate::domain::streak::Streak>, bool),
    actions: &mut Vec<UiAction>,
) {
    egui::Frame::group(ui.style())
        .fill(ui.visuals().faint_bg_color)
        .stroke(egui::Stroke::new(2.0, color32(Posture::Sitting)))
        .inner_margin(12.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let routine = Catalog::builtin().routine(&card.routine);
            ui.heading("Time to get up");
            ui.label(&card.reason);
            // The reason was true when the card came; the streak has gone
            // on since, and the card says by how much.
            if let Some(s) = streak_now.filter(|s| {
                s.start_s == card.streak.start_s && s.duration_s() >= card.streak.duration_s() + 60
            }) {
                ui.weak(format!(
                    "Since then still {}: {} in this streak now.",
                    if at_desk {
                        "at the computer"
                    } else {
                        "sitting"
                    },
                    crate::domain::days::format_duration(s.duration_s())
                ));
            }
            if let Some(r) = routine {
                ui.weak(format!("Recommended: {}. {}", r.name, r.summary));
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if let Some(r) = routine
                    && ui.button(format!("Start {}", r.name)).clicked()
                {
                    actions.push(UiAction::StartRoutine {
                        routine: r.id.clone(),
                        card: Some(card.clone()),
                    });
                }
                if ui.button("Snooze 15 min").clicked() {
                    actions.push(UiAction::Snooze {
                        shown_at_s: card.at_s,
                        minutes: 15,
                    });
                }
                if ui.button("Snooze 30 min").clicked() {
                    actions.push(UiAction::Snooze {
                        shown_at_s: card.at_s,
                        minutes: 30,
                    });
                }
                if ui.button("Dismiss").clicked() {
                    actions.push(UiAction::Dismiss {
                        shown_at_s: card.at_s,
                    });
                }
            });
        });
}

/// A tile's big value, announced with its title ("Posture: Sitting") so a
/// screen reader does not read a bare number.
fn tile_value_ui(ui: &mut Ui, title: &str, text: RichText) {
    let spoken = format!("{title}: {}", text.text());
    ui.label(text.size(26.0).strong())
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &spoken));
}

/// A tile `width_pt` wide (outside), so a row of tiles fills the window.
fn tile_ui(ui: &mut Ui, title: &str, width_pt: f32, add: impl FnOnce(&mut Ui)) {
    const MARGIN: f32 = 10.0;
    egui::Frame::group(ui.style())
        .inner_margin(MARGIN)
        .show(ui, |ui| {
            // The frame adds its margin and a 1-point stroke on each side.
            ui.set_width(width_pt - 2.0 * (MARGIN + 1.0));
            ui.set_min_height(70.0);
            ui.vertical(|ui| {
                ui.weak(title);
                add(ui);
            });
        });
}

/// How many tiles a row holds at `avail_pt` and how wide each is: three
/// across a wide window (sharing all of it), fewer when it is narrow.
pub(crate) fn tile_layout(avail_pt: f32, spacing_pt: f32) -> (usize, f32) {
    const MIN_TILE_PT: f32 = 190.0;
    let cols = (1..=3)
        .rev()
        .find(|&n| n as f32 * MIN_TILE_PT + (n - 1) as f32 * spacing_pt <= avail_pt)
        .unwrap_or(1);
    let w = (avail_pt - (cols - 1) as f32 * spacing_pt) / cols as f32;
    (cols, w.max(MIN_TILE_PT.min(avail_pt)))
}

fn live_tiles_ui(ui: &mut Ui, model: &TodayPage, threshold_s: i64) {
    let live = model.live;
    let (_, w) = tile_layout(ui.available_width(), ui.spacing().item_spacing.x);
    ui.horizontal_wrapped(|ui| {
        tile_ui(ui, "Posture", w, |ui| {
            let p = live.map_or(Posture::Unknown, |l| l.posture);
            let note = live.and_then(|l| l.note);
            if note == Some(LiveNote::AwayFromDesk) {
                // Desk time sees no one at the keyboard: not a posture.
                tile_value_ui(ui, "Posture", RichText::new("Away").color(Color32::GRAY));
                ui.label("Nobody has touched the keyboard or mouse for a minute.");
            } else {
                tile_value_ui(ui, "Posture", RichText::new(p.label()).color(color32(p)));
                if let Some(note) = note {
                    ui.label(note.words());
                }
            }
        });
        tile_ui(ui, "Trunk tilt", w, |ui| {
            let text = live
                .and_then(|l| l.tilt_deg)
                .map_or_else(|| "—".to_owned(), |t| format!("{t:.0}°"));
            tile_value_ui(ui, "Trunk tilt", RichText::new(text));
            if live.is_some_and(|l| l.tilt_deg.is_none()) {
                ui.weak("needs a back sensor, calibrated once (Sensors, Calibrate…)");
            }
        });
        // Desk time makes desk streaks, never sitting ones.
        let title = if live.is_some_and(|l| l.posture == Posture::AtDesk) {
            "Desk streak"
        } else {
            "Sitting streak"
        };
        tile_ui(ui, title, w, |ui| {
            let streak = live.and_then(|l| l.streak);
            match streak {
                Some(s) => {
                    let d = s.duration_s();
                    // Live updates come by the minute (LiveKey): seconds
                    // here would stand still.
                    let shown = if d < 60 {
                        "under a minute".to_owned()
                    } else {
                        format_duration(d)
                    };
                    tile_value_ui(ui, title, RichText::new(shown));
                    let threshold = threshold_s.max(1);
                    let frac = (d as f32 / threshold as f32).min(1.0);
                    let text = if d >= threshold {
                        format!("{} min: over {}", d / 60, threshold_words(threshold))
                    } else {
                        format!("{} of {} min", d / 60, threshold / 60)
                    };
                    ui.add(
                        egui::ProgressBar::new(frac)
                            .desired_width(ui.available_width())
                            .text(text),
                    );
                }
                None => {
                    tile_value_ui(ui, title, RichText::new("none"));
                }
            }
        });
    });
}

fn totals_ui(ui: &mut Ui, model: &TodayPage, today: chrono::NaiveDate, threshold_s: i64) {
    ui.heading("Today");
    let longest_s = model.longest_streak_s(today);
    let Some(r) = &model.figures else {
        ui.weak("No data yet today.");
        return;
    };
    egui::Grid::new("today_totals")
        .num_columns(4)
        .spacing([24.0, 6.0])
        .show(ui, |ui| {
            let tilt = r
                .mean_tilt_deg
                .map_or_else(|| "—".to_owned(), |t| format!("{t:.0}°"));
            let rows: [(&str, String, &str, String); 3] = [
                (
                    "Sitting",
                    format_duration(r.sitting_s),
                    "Breaks",
                    r.breaks.to_string(),
                ),
                (
                    "Standing",
                    format_duration(r.standing_s),
                    "Longest streak",
                    format_duration(longest_s),
                ),
                (
                    "Walking",
                    format_duration(r.moving_s),
                    "Mean tilt sitting",
                    tilt,
                ),
            ];
            for (a, av, b, bv) in rows {
                ui.weak(a);
                ui.label(RichText::new(av).strong());
                ui.weak(b);
                ui.label(RichText::new(bv).strong());
                ui.end_row();
            }
            ui.weak("Slouched");
            ui.label(RichText::new(format_duration(r.slouch_s)).strong());
            ui.weak(format!("Streaks over {}", threshold_words(threshold_s)));
            ui.label(RichText::new(r.streaks_over_threshold.to_string()).strong());
            ui.end_row();
            // Only on days the sensor was taken off: an always-zero row
            // would be noise on every other day.
            if r.not_worn_s > 0 {
                ui.weak("Not worn");
                ui.label(RichText::new(format_duration(r.not_worn_s)).strong());
                ui.end_row();
            }
            // Only on days counted from the keyboard and mouse.
            if r.desk_s > 0 {
                ui.weak("Desk time");
                ui.label(RichText::new(format_duration(r.desk_s)).strong());
                ui.end_row();
            }
        });
}

fn timeline_ui(
    ui: &mut Ui,
    model: &mut TodayPage,
    today: chrono::NaiveDate,
    threshold_s: i64,
    actions: &mut Vec<UiAction>,
) {
    ui.horizontal(|ui| {
        ui.heading("Today's posture");
        ui.add_space(12.0);
        ui.checkbox(&mut model.whole_day, "Whole day (24 h)")
            .on_hover_text("Off: the timeline spans the hours the sensor was worn");
    });
    let width_pt = ui.available_width().max(100.0);
    let ppp = ui.ctx().pixels_per_point();
    let want = ChartRequest {
        kind: ChartKind::Timeline,
        date: today,
        width_px: chart_width_px(width_pt, ppp),
        height_px: (TIMELINE_HEIGHT_PT * ppp).round() as u32,
        theme: TodayPage::theme(ui.visuals().dark_mode),
        scale_centi: (ppp * 100.0).round() as u32,
        whole_day: model.whole_day,
        data_version: 0,
    };
    match model.chart_due(want, ui.input(|input| input.time)) {
        Ok(Some(req)) => actions.push(UiAction::RequestDay(req)),
        Ok(None) => {}
        // Throttled: come back when a request is allowed, not every frame.
        Err(retry_in) => ui.ctx().request_repaint_after(retry_in),
    }
    let size = egui::vec2(width_pt, TIMELINE_HEIGHT_PT);
    match model.chart_shown() {
        Shown::Chart(tex, hover) => {
            super::widgets::chart_image::chart_image_ui(
                ui,
                tex,
                size,
                hover,
                &timeline_alt(threshold_s),
            );
        }
        Shown::Error(e) => {
            ui.label(format!("The timeline could not be drawn: {e}"));
        }
        Shown::Drawing => {
            ui.allocate_ui(size, |ui| {
                ui.centered_and_justified(|ui| ui.weak("Drawing the timeline…"));
            });
        }
    }
    // The chart carries the one legend (it is the same in exports).
}

/// The timeline's description for screen readers, with its key.
fn timeline_alt(threshold_s: i64) -> String {
    let states: Vec<&str> = Posture::ALL.iter().map(|p| p.label()).collect();
    format!(
        "Timeline of today's postures and trunk tilt. Key: {}, trunk tilt line, \
         shading: streak over {}, R: routine",
        states.join(", "),
        threshold_words(threshold_s)
    )
}

#[cfg(test)]
mod tests {
    use super::threshold_words;

    #[test]
    fn tiles_share_a_wide_row_and_wrap_in_a_narrow_one() {
        let (cols, w) = super::tile_layout(1800.0, 8.0);
        assert_eq!(cols, 3);
        assert!((w * 3.0 + 16.0 - 1800.0).abs() < 0.01, "the row is filled");
        assert_eq!(super::tile_layout(600.0, 8.0).0, 3);
        assert_eq!(super::tile_layout(500.0, 8.0).0, 2);
        let (cols, w) = super::tile_layout(300.0, 8.0);
        assert_eq!((cols, w), (1, 300.0));
    }

    #[test]
    fn a_card_left_up_says_how_long_the_streak_has_gone_on() {
        use crate::domain::reminder::ReminderDue;
        use crate::domain::streak::Streak;
        use egui_kittest::Harness;
        use egui_kittest::kittest::Queryable;
        let at = Streak {
            start_s: 1000,
            last_sitting_s: 1000 + 3599,
        };
        let card = ReminderDue {
            at_s: 1000 + 3599,
            streak: at,
            routine: "movement-break".into(),
            reason: "60 min sitting without a break: stand up and walk for 2 minutes.".into(),
        };
        let later = Streak {
            last_sitting_s: 1000 + 80 * 60 - 1,
            ..at
        };
        let h = Harness::new_ui(|ui| {
            super::recommendation_card_ui(ui, &card, (Some(later), false), &mut Vec::new());
        });
        h.get_by_label("Since then still sitting: 1 h 20 min in this streak now.");
        // Just shown: nothing to add.
        let h = Harness::new_ui(|ui| {
            super::recommendation_card_ui(ui, &card, (Some(at), false), &mut Vec::new());
        });
        assert!(h.query_by_label_contains("Since then").is_none());
    }

    #[test]
    fn desk_time_is_shown_as_desk_time_with_what_it_cannot_see() {
        use crate::domain::figures::DayFigures;
        use crate::domain::posture::Posture;
        use crate::domain::streak::Streak;
        use crate::engine::protocol::{DeskTimeStatus, Live, UiEvent};
        use egui_kittest::Harness;
        use egui_kittest::kittest::Queryable;
        let now_s = 1_772_438_400 + 3 * 3600;
        let mut state = crate::ui::state::AppState::new(3600);
        state.apply(&UiEvent::DeskTime(DeskTimeStatus::Counting("the X server")));
        let streak = Streak {
            start_s: now_s - 70 * 60,
            last_sitting_s: now_s,
        };
        let mut model = crate::ui::TodayPage {
            live: Some(Live {
                t_s: now_s,
                posture: Posture::AtDesk,
                tilt_deg: None,
                streak: Some(streak),
                walking_total_s: 0,
                note: None,
            }),
            card: Some(crate::domain::reminder::ReminderDue {
                at_s: now_s - 10 * 60,
                streak: Streak {
                    last_sitting_s: now_s - 10 * 60,
                    ..streak
                },
                routine: "movement-break".into(),
                reason: "60 min at the computer without a break: stand up and walk for 2 minutes."
                    .into(),
            }),
            figures: Some(DayFigures {
                desk_s: 3 * 3600 + 5 * 60,
                ..DayFigures::default()
            }),
            ..Default::default()
        };
        let h = Harness::builder()
            .with_size(egui::vec2(900.0, 1000.0))
            .build_ui(|ui| {
                super::today_ui(ui, &state, &mut model, now_s, None);
            });
        h.get_by_label("Posture: At the computer");
        h.get_by_label("Desk streak: 1 h 10 min");
        h.get_by_label("Since then still at the computer: 1 h 10 min in this streak now.");
        h.get_by_label("Counting desk time until a sensor is paired");
        h.get_by_label_contains("a standing desk counts as desk time too");
        h.get_by_label("3 h 05 min");
        assert!(h.query_by_label("Sitting streak").is_none());
        drop(h);
        // Away: said on the posture tile.
        model.live = model.live.map(|l| Live {
            note: Some(crate::domain::posture::LiveNote::AwayFromDesk),
            ..l
        });
        let h = Harness::new_ui(|ui| {
            super::today_ui(ui, &state, &mut model, now_s, None);
        });
        h.get_by_label("Posture: Away");
        h.get_by_label("Nobody has touched the keyboard or mouse for a minute.");
        drop(h);
        // A streak in its first minute: live updates come by the minute, so
        // no seconds that would stand still.
        model.live = model.live.map(|l| Live {
            note: None,
            streak: Some(Streak {
                start_s: now_s - 25,
                last_sitting_s: now_s,
            }),
            ..l
        });
        let h = Harness::new_ui(|ui| {
            super::today_ui(ui, &state, &mut model, now_s, None);
        });
        h.get_by_label("Desk streak: under a minute");
        drop(h);
        // No idle monitor: said, not hidden.
        state.apply(&UiEvent::DeskTime(DeskTimeStatus::Unavailable(
            "X11: no display".into(),
        )));
        let h = Harness::new_ui(|ui| {
            super::today_ui(ui, &state, &mut model, now_s, None);
        });
        h.get_by_label_contains("Desk time is not counted: no idle monitor answers");
    }

    #[test]
    fn thresholds_in_words() {
        assert_eq!(threshold_words(3600), "an hour");
        assert_eq!(threshold_words(20 * 60), "20 min");
        assert_eq!(threshold_words(90 * 60), "1 h 30 min");
        assert_eq!(threshold_words(7200), "2 hours");
    }
}

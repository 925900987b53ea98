//! The Routines view (catalog, today's history, tips) and the player.

use egui::{Color32, RichText, Ui, vec2};

use super::UiAction;
use crate::domain::days::{format_duration, local_datetime};
use crate::domain::session::RoutineSession;
use crate::routines::catalog::{Catalog, Check};
use crate::routines::player::{Announcement, Player};

/// A routine being played, with what is needed to record it.
pub struct ActivePlayer {
    pub player: Player,
    pub started_at_s: i64,
    pub reason: Option<String>,
    pub recommended_at_s: Option<i64>,
    /// The last announcement, shown until the next phase settles.
    pub announcement: Option<String>,
}

impl ActivePlayer {
    pub fn session(&self, ended_at_s: i64) -> RoutineSession {
        let s = self.player.summary();
        RoutineSession {
            routine: self.player.routine_id.clone(),
            started_at_s: self.started_at_s,
            ended_at_s: ended_at_s.max(self.started_at_s),
            completed: s.completed,
            phases_done: s.phases_done,
            phases_total: s.phases_total,
            active_s: s.active_s,
            steps: self.player.steps_record(),
            reason: self.reason.clone(),
            recommended_at_s: self.recommended_at_s,
        }
    }

    pub(crate) fn announce(&mut self, a: Option<Announcement>, catalog: &Catalog) {
        let Some(a) = a else { return };
        self.announcement = Some(match a {
            Announcement::SwitchSides(side) => format!("Switch sides: now the {}.", side.label()),
            Announcement::NextStep(_) => {
                let name = catalog
                    .exercise(&self.player.phase().exercise)
                    .map_or("", |e| e.name.as_str());
                format!("Next: {name}.")
            }
            Announcement::Stopped | Announcement::Finished => {
                ended_words(&self.player.summary(), a == Announcement::Stopped)
            }
        });
    }
}

/// How a routine ended, in one sentence: whether it counts as done (the
/// rule is `counts_as_done`), said the same way for a stop and a finish.
fn ended_words(s: &crate::routines::player::Summary, stopped: bool) -> String {
    let (done, total) = (s.phases_done, s.phases_total);
    let ended = if stopped { "stopped" } else { "ended" };
    if !stopped && done == total {
        "Routine finished: every step done. Well done.".to_owned()
    } else if s.completed {
        let verb = if stopped { "stopped" } else { "finished" };
        format!("Routine {verb}: {done} of {total} steps done, so it counts as done.")
    } else if done == 0 {
        if stopped {
            "Routine stopped before any step was done: nothing is counted.".to_owned()
        } else {
            "Routine ended with every step skipped: nothing is counted.".to_owned()
        }
    } else {
        format!(
            "Routine {ended}: {done} of {total} steps done. It is kept as partial \
             (a routine counts as done from two thirds of its steps)."
        )
    }
}

/// An exercise's drawing, `width` points wide, in the theme's colours;
/// `mirrored` for the second side of a step. Each drawing is rasterised
/// once per size and theme and kept as a texture (measured: 0.3 ms at
/// 110 px, 1.1 ms at 260 px, 4 ms at 520 px on a 2× screen; once, so it
/// stays on the window's thread rather than a worker round trip).
pub(crate) fn figure_ui(ui: &mut Ui, figure: &str, width: f32, mirrored: bool, alt: &str) {
    use crate::charts::illustration::{ASPECT, Palette, rasterise};
    let ppp = ui.ctx().pixels_per_point();
    let width_px = (width * ppp).round().max(16.0) as u32;
    let v = ui.visuals();
    let rgb = |c: Color32| [c.r(), c.g(), c.b()];
    let palette = Palette {
        ink: rgb(v.strong_text_color()),
        floor: rgb(v.weak_text_color()),
        accent: if v.dark_mode {
            crate::domain::palette::ACCENT_DARK
        } else {
            crate::domain::palette::VERMILION
        }
        .into(),
    };
    let key = egui::Id::unique(("figure", figure, width_px, palette));
    let tex = ui
        .data(|d| d.get_temp::<Option<egui::TextureHandle>>(key))
        .unwrap_or_else(|| {
            let t = rasterise(figure, width_px, palette, false)
                .map_err(|e| tracing::error!("figure not drawn: {e}"))
                .ok()
                .map(|img| {
                    ui.ctx().load_texture(
                        format!("figure-{figure}"),
                        egui::ColorImage::from_rgba_unmultiplied(
                            [img.width as usize, img.height as usize],
                            &img.pixels,
                        ),
                        egui::TextureOptions::LINEAR,
                    )
                });
            ui.data_mut(|d| d.insert_temp(key, t.clone()));
            t
        });
    let size = vec2(width, width / ASPECT);
    match tex {
        Some(t) => {
            // The second side: the same texture, read right to left.
            let uv = if mirrored {
                egui::Rect::from_min_max(egui::pos2(1.0, 0.0), egui::pos2(0.0, 1.0))
            } else {
                egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0))
            };
            ui.add(egui::Image::new((t.id(), size)).uv(uv).alt_text(alt));
        }
        None => {
            ui.allocate_exact_size(size, egui::Sense::hover());
        }
    }
}

fn step_text(reps: Option<u32>, duration_s: Option<u32>, sides: bool) -> String {
    let per = if sides { " each side" } else { "" };
    match (reps, duration_s) {
        (Some(n), _) => format!("{n} reps{per}"),
        (_, Some(d)) => format!("{}{per}", format_duration(i64::from(d))),
        _ => String::new(),
    }
}

pub(crate) fn routines_ui(
    ui: &mut Ui,
    catalog: &Catalog,
    sessions: &[RoutineSession],
) -> Vec<UiAction> {
    let mut actions = Vec::new();
    ui.heading("Routines");
    ui.weak(&catalog.safety);
    ui.add_space(8.0);
    for r in &catalog.routines {
        egui::Frame::group(ui.style())
            .inner_margin(10.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    if let Some(e) = r.steps.first().and_then(|s| catalog.exercise(&s.exercise)) {
                        figure_ui(ui, &e.figure, 110.0, false, &format!("Drawing: {}", e.name));
                    }
                    ui.vertical(|ui| {
                        ui.label(RichText::new(&r.name).strong().size(17.0));
                        ui.label(&r.summary);
                        for s in &r.steps {
                            let name = catalog
                                .exercise(&s.exercise)
                                .map_or("", |e| e.name.as_str());
                            ui.weak(format!(
                                "• {name}: {}",
                                step_text(s.reps, s.duration_s, s.sides)
                            ));
                        }
                        if ui.button(format!("Start {}", r.name)).clicked() {
                            actions.push(UiAction::StartRoutine {
                                routine: r.id.clone(),
                                card: None,
                            });
                        }
                    });
                });
            });
        ui.add_space(4.0);
    }
    ui.add_space(8.0);
    ui.heading("Done today");
    if sessions.is_empty() {
        ui.weak("Nothing yet today.");
    }
    for s in sessions {
        let name = catalog
            .routine(&s.routine)
            .map_or(s.routine.as_str(), |r| r.name.as_str());
        let state = crate::routines::player::outcome_words(s.phases_done, s.phases_total);
        ui.label(format!(
            "{}  {name}: {state}, {} active",
            local_datetime(s.started_at_s).format("%H:%M"),
            format_duration(s.active_s)
        ));
    }
    ui.add_space(8.0);
    ui.heading("Everyday habits");
    for t in &catalog.tips {
        ui.label(RichText::new(&t.title).strong());
        ui.label(&t.text);
        ui.add_space(4.0);
    }
    actions
}

/// What the player asks of the app.
pub(crate) enum PlayerAction {
    Close,
}

/// The player for the active routine. `now` is the UI clock in seconds.
#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
pub(crate) fn player_ui(
    ui: &mut Ui,
    active: &mut ActivePlayer,
    catalog: &Catalog,
    now: f64,
) -> Option<PlayerAction> {
    let mut action = None;
    let routine_name = catalog
        .routine(&active.player.routine_id)
        .map_or(active.player.routine_id.as_str(), |r| r.name.as_str());
    ui.heading(routine_name);
    if let Some(reason) = &active.reason {
        ui.weak(reason);
    }
    // One line kept for announcements whether or not there is one, so
    // "Switch sides" or "Next: …" appearing does not move the buttons.
    // "Nothing is counted" is no success: said in the plain text colour.
    let nothing_done = active.player.is_finished() && active.player.summary().phases_done == 0;
    let announce_color = if nothing_done {
        ui.visuals().text_color()
    } else if ui.visuals().dark_mode {
        super::widgets::color(crate::domain::palette::ANNOUNCE_DARK)
    } else {
        super::widgets::color(crate::domain::palette::ANNOUNCE_LIGHT)
    };
    ui.add(
        egui::Label::new(
            RichText::new(active.announcement.as_deref().unwrap_or(" "))
                .size(18.0)
                .color(announce_color),
        )
        .truncate(),
    );
    ui.add_space(6.0);
    if active.player.is_finished() {
        let s = active.player.summary();
        ui.label(format!(
            "{} of {} steps done, {} active.",
            s.phases_done,
            s.phases_total,
            format_duration(s.active_s)
        ));
        if ui.button("Close").clicked() {
            action = Some(PlayerAction::Close);
        }
        return action;
    }
    let phase = active.player.phase().clone();
    let exercise = catalog.exercise(&phase.exercise);
    ui.label(format!(
        "Step {} of {}",
        active.player.phase_index() + 1,
        active.player.phase_count()
    ));
    ui.horizontal(|ui| {
        if let Some(e) = exercise {
            let second_side = phase.side == Some(crate::routines::player::Side::Right);
            figure_ui(
                ui,
                &e.figure,
                260.0,
                second_side,
                &format!("Drawing: {}", e.name),
            );
        }
        ui.vertical(|ui| {
            let side = phase
                .side
                .map(|s| format!(" ({})", s.label()))
                .unwrap_or_default();
            ui.label(
                RichText::new(format!(
                    "{}{side}",
                    exercise.map_or("", |e| e.name.as_str())
                ))
                .size(20.0)
                .strong(),
            );
            let big = |ui: &mut Ui, text: String| {
                ui.label(RichText::new(text).size(34.0).strong());
            };
            match (phase.check, active.player.remaining_s(now), phase.reps) {
                (Some(Check::Walking), _, _) => {
                    let left = active.player.walk_remaining_s().unwrap_or(0);
                    big(ui, format!("{} to walk", format_duration(left)));
                    ui.weak("The sensor counts your walking; this step finishes by itself.");
                }
                (None, Some(left), _) => big(ui, format!("{:.0} s", left.ceil())),
                (None, None, Some(n)) => big(ui, format!("{n} reps")),
                _ => {}
            }
            // Kept in place when not paused, so the layout does not move.
            let paused = if active.player.is_paused() {
                "Paused. Press space or Resume to go on."
            } else {
                " "
            };
            ui.weak(paused);
        });
    });
    // The buttons come before the cues: a step with more (or longer) cues
    // must not move them from under the pointer.
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let pause = if active.player.is_paused() {
            "Resume"
        } else {
            "Pause"
        };
        // As wide as the wider word, so Pause/Resume does not move the rest.
        let pause_button = egui::Button::new(pause).min_size(vec2(70.0, 0.0));
        if ui.add(pause_button).clicked() || ui.input(|i| i.key_pressed(egui::Key::Space)) {
            active.player.toggle_pause(now);
        }
        if ui
            .add_enabled(active.player.can_go_back(), egui::Button::new("Back"))
            .on_hover_text("To the previous step")
            .on_disabled_hover_text("This is the first step")
            .clicked()
        {
            active.player.back(now);
            active.announcement = None;
        }
        if ui
            .button("Restart step")
            .on_hover_text("This step again from its start")
            .clicked()
        {
            active.player.restart(now);
        }
        if phase.reps.is_some() && ui.button("Done").clicked() {
            let a = active.player.done(now);
            active.announce(a, catalog);
        }
        if ui.button("Skip").clicked() {
            let a = active.player.skip(now);
            active.announce(a, catalog);
        }
        // Stopping shows what was done (and whether it counts) before
        // the player closes, as finishing does.
        if ui.button("Stop routine").clicked() {
            let a = active.player.stop(now);
            active.announce(a, catalog);
        }
    });
    if let Some(e) = exercise {
        ui.add_space(6.0);
        for cue in &e.cues {
            ui.label(format!("• {cue}"));
        }
    }
    ui.add_space(8.0);
    ui.weak(&catalog.safety);
    // A countdown needs a frame when the shown second changes, no more.
    if let (false, Some(left)) = (active.player.is_paused(), active.player.remaining_s(now)) {
        let to_next = left - (left.ceil() - 1.0);
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(to_next.clamp(0.02, 1.0)));
    }
    action
}

//! The Routines view (catalog, today's history, tips) and the player.

use egui::{Color32, RichText, Stroke, Ui, vec2};

use super::UiAction;
use crate::domain::days::{format_duration, local_datetime};
use crate::domain::session::RoutineSession;
use crate::routines::catalog::{Catalog, Check, Figure};
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

    pub fn announce(&mut self, a: Option<Announcement>, catalog: &Catalog) {
        let Some(a) = a else { return };
        self.announcement = Some(match a {
            Announcement::SwitchSides(side) => format!("Switch sides: now the {}.", side.label()),
            Announcement::NextStep(_) => {
                let name = catalog
                    .exercise(&self.player.phase().exercise)
                    .map_or("", |e| e.name.as_str());
                format!("Next: {name}.")
            }
            Announcement::Finished => "Routine finished. Well done.".to_owned(),
        });
    }
}

/// A stick figure from the catalog, drawn to fit `width` points.
pub fn figure_ui(ui: &mut Ui, figure: &Figure, width: f32) {
    let scale = width / 100.0;
    let (rect, _) = ui.allocate_exact_size(vec2(width, 60.0 * scale), egui::Sense::hover());
    let p = |x: f32, y: f32| rect.min + vec2(x * scale, y * scale);
    let painter = ui.painter_at(rect);
    let ink = ui.visuals().strong_text_color();
    let stroke = Stroke::new((2.5 * scale).max(1.5), ink);
    painter.line_segment(
        [p(2.0, 56.0), p(98.0, 56.0)],
        Stroke::new(1.0, ui.visuals().weak_text_color()),
    );
    for line in &figure.lines {
        let pts: Vec<_> = line.chunks_exact(2).map(|c| p(c[0], c[1])).collect();
        painter.add(egui::Shape::line(pts, stroke));
    }
    let [hx, hy, r] = figure.head;
    painter.circle_stroke(p(hx, hy), r * scale, stroke);
}

fn step_text(reps: Option<u32>, duration_s: Option<u32>, sides: bool) -> String {
    let per = if sides { " each side" } else { "" };
    match (reps, duration_s) {
        (Some(n), _) => format!("{n} reps{per}"),
        (_, Some(d)) => format!("{}{per}", format_duration(i64::from(d))),
        _ => String::new(),
    }
}

pub fn routines_ui(ui: &mut Ui, catalog: &Catalog, sessions: &[RoutineSession]) -> Vec<UiAction> {
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
                    if let Some(f) = r
                        .steps
                        .first()
                        .and_then(|s| catalog.exercise(&s.exercise))
                        .and_then(|e| catalog.figure(&e.figure))
                    {
                        figure_ui(ui, f, 90.0);
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
        let state = if s.completed {
            "finished".to_owned()
        } else {
            format!("{} of {} steps", s.phases_done, s.phases_total)
        };
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
pub enum PlayerAction {
    Close,
}

/// The player for the active routine. `now` is the UI clock in seconds.
#[allow(
    clippy::too_many_lines,
    reason = "a view is its widgets in layout order"
)]
pub fn player_ui(
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
    if let Some(a) = &active.announcement {
        ui.label(
            RichText::new(a)
                .size(18.0)
                .color(Color32::from_rgb(0, 158, 115)),
        );
    }
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
        if let Some(f) = exercise.and_then(|e| catalog.figure(&e.figure)) {
            figure_ui(ui, f, 260.0);
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
            if active.player.is_paused() {
                ui.weak("Paused. Press space or Resume to go on.");
            }
        });
    });
    if let Some(e) = exercise {
        for cue in &e.cues {
            ui.label(format!("• {cue}"));
        }
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let pause = if active.player.is_paused() {
            "Resume"
        } else {
            "Pause"
        };
        if ui.button(pause).clicked() || ui.input(|i| i.key_pressed(egui::Key::Space)) {
            active.player.toggle_pause(now);
        }
        if ui.button("Back").clicked() {
            active.player.back(now);
            active.announcement = None;
        }
        if phase.reps.is_some() && ui.button("Done").clicked() {
            let a = active.player.done(now);
            active.announce(a, catalog);
        }
        if ui.button("Skip").clicked() {
            let a = active.player.skip(now);
            active.announce(a, catalog);
        }
        if ui.button("Stop routine").clicked() {
            action = Some(PlayerAction::Close);
        }
    });
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

//! The `sitless-posture` worker: samples through the pipeline, seconds to
//! the writer, live state and reminders to the UI, and the commands that
//! change what the pipeline does (snooze, settings, calibration).

use super::protocol::{Command, Live, Pose, PostureMsg, UiEvent};
use super::ui_queue::UiSender;
use crate::domain::config::Config;
use crate::domain::days::{day_bounds, local_date};
use crate::domain::posture::Posture;
use crate::domain::sample::Placement;
use crate::domain::settings::Settings;
use crate::domain::streak::StreakEvent;
use crate::engine::notify::{Notifier, Request};
use crate::engine::recorder::Recorder;
use crate::pipeline::SensorInput;
use crate::sources::ble::{ForPipeline, PairedSensor};
use crate::store::writer::{Outcome, WriteOp};
use crate::store::{Store, StoreError};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// Replays today (and at least the last six hours) into the pipeline: a
/// streak that was running when the app closed goes on, and today's totals
/// and routines feed the recommender.
pub(super) fn resume_today(
    store: &Store,
    recorder: &mut Recorder,
    now_s: i64,
) -> Result<(), StoreError> {
    let (day_start, day_end) = day_bounds(local_date(now_s));
    let recent = store.seconds_between(day_start.min(now_s - 6 * 3600), now_s + 1)?;
    recorder.pipeline_mut().resume_from(recent);
    // Each sensor's features since then, so a reference learned after the
    // restart corrects the seconds before it too. Best effort: without
    // them only the seconds from now on can be corrected.
    let devices: Vec<i64> = recorder
        .pipeline_mut()
        .calibrations()
        .map(|(d, _)| d)
        .collect();
    for device_id in devices {
        match store.features_between(device_id, day_start.min(now_s - 6 * 3600), now_s + 1) {
            Ok(f) => recorder.pipeline_mut().resume_features(device_id, &f),
            Err(e) => tracing::warn!("features of device {device_id} not read: {e}"),
        }
    }
    for s in store.routine_sessions_between(day_start, day_end)? {
        recorder
            .pipeline_mut()
            .record_routine(s.started_at_s, &s.routine);
    }
    Ok(())
}

/// What the posture thread owns.
pub(super) struct PostureState {
    pub(super) recorder: Recorder,
    /// The wizard's standing windows per sensor, waiting for the sitting pose.
    pub(super) standing:
        std::collections::BTreeMap<Placement, Vec<crate::pipeline::window::Window>>,
    pub(super) settings: Settings,
    pub(super) base_config: Config,
    pub(super) notifier: Notifier,
    /// This thread's read connection (today's replay, calibrations).
    pub(super) reader: Option<Store>,
    /// The paired phone's input (the thigh): set and cleared by the
    /// phone's coordinator.
    pub(super) phone_input: Option<crate::pipeline::SensorInput>,
    /// The paired Bluetooth sensors, as last announced.
    pub(super) ble_paired: Vec<PairedSensor>,
    /// Desk time's device row and its worker's switch, when desk time is
    /// counted (only while no sensor or phone feeds the pipeline).
    pub(super) desk: Option<(i64, std::sync::Arc<super::desk_time::DeskTimeSwitch>)>,
}

impl PostureState {
    /// Desk time counts while the setting is on and nothing else measures.
    pub(super) fn switch_desk_time(&self) {
        if let Some((_, switch)) = &self.desk {
            let measured = !self.ble_paired.is_empty() || self.phone_input.is_some();
            switch.set(self.settings.desk_time && !measured);
        }
    }

    /// The pipeline's inputs follow the paired Bluetooth sensors and the
    /// phone. Pairing the phone forgets a thigh sensor and the other way
    /// round, so both on the thigh is only the moment between the two
    /// announcements: the phone, paired last, is then the one.
    fn apply_inputs(&mut self, ui: &UiSender) {
        let Some(reader) = &self.reader else {
            ui.send(UiEvent::Error(
                "cannot read the sensors' calibration: the database could not be opened".into(),
            ));
            return;
        };
        let inputs = sensor_inputs(reader, &self.ble_paired);
        match inputs {
            Ok(mut inputs) => {
                if let Some(p) = &self.phone_input {
                    inputs.retain(|i| i.placement != p.placement);
                    inputs.push(*p);
                }
                self.recorder
                    .pipeline_mut()
                    .set_inputs(&inputs, self.base_config.posture);
            }
            Err(e) => ui.send(UiEvent::Error(format!(
                "cannot read the sensors' calibration: {e}"
            ))),
        }
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one message loop whose arms are a few lines each"
)]
pub(super) fn posture_loop(
    rx: &Receiver<PostureMsg>,
    state: &mut PostureState,
    writer: &SyncSender<WriteOp>,
    ui: &UiSender,
) {
    let live_every = Duration::from_millis(250);
    let mut last_live: Option<Instant> = None;
    let mut live: Option<Live> = None;
    let mut live_dirty = false;
    let mut shown: Option<LiveKey> = None;
    let mut thigh_seen = false;
    loop {
        // Wake up when a coalesced live update is owed, not otherwise.
        let msg = if live_dirty {
            match rx.recv_timeout(live_every) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            }
        };
        let timed_out = msg.is_none();
        match msg {
            Some(PostureMsg::Samples(parts)) => {
                let since = Instant::now();
                for (placement, samples) in parts {
                    let out = state.recorder.push(placement, &samples);
                    live_dirty |= live_from(out, placement, &mut live, &mut thigh_seen);
                    forward_events(out, since, &state.settings, &state.notifier, ui);
                }
            }
            Some(PostureMsg::Ble(ForPipeline::Samples(b))) => {
                let out = state.recorder.push(b.placement, &b.samples);
                live_dirty |= live_from(out, b.placement, &mut live, &mut thigh_seen);
                forward_events(out, Instant::now(), &state.settings, &state.notifier, ui);
            }
            Some(PostureMsg::Command(cmd)) => {
                let now_s = live.map_or(0, |l| l.t_s);
                let reminder = state.recorder.pipeline_mut().reminder_mut();
                let (shown_at_s, outcome) = match cmd {
                    Command::Snooze {
                        shown_at_s,
                        minutes,
                    } => {
                        reminder.snooze(now_s, minutes * 60);
                        state.notifier.close();
                        (shown_at_s, Outcome::Snoozed)
                    }
                    Command::Dismiss { shown_at_s } => {
                        reminder.dismiss(now_s);
                        state.notifier.close();
                        (shown_at_s, Outcome::Dismissed)
                    }
                    Command::Started { shown_at_s } => {
                        // Doing the routine is the answer; ask again only
                        // after a full repeat interval if still sitting.
                        reminder.dismiss(now_s);
                        state.notifier.close();
                        (shown_at_s, Outcome::Started)
                    }
                    Command::RoutinePlaying(on) => {
                        reminder.holds.routine_playing = on;
                        if on {
                            state.notifier.close();
                        }
                        continue;
                    }
                    Command::ScreenLocked(on) => {
                        reminder.holds.screen_locked = on;
                        continue;
                    }
                    Command::PauseReminders(pause) => {
                        reminder.holds.paused_until_s = pause.map(|p| pause_end_s(p, now_s));
                        if pause.is_some() {
                            state.notifier.close();
                        }
                        ui.send(UiEvent::Paused(reminder.holds.paused_until_s));
                        continue;
                    }
                    Command::Settings(new) => {
                        let new = new.sanitized();
                        state
                            .recorder
                            .pipeline_mut()
                            .apply_settings(&new, state.base_config);
                        let _ = writer.send(WriteOp::Settings(new.clone()));
                        ui.send(UiEvent::Settings(new.clone()));
                        state.settings = new;
                        state.switch_desk_time();
                        continue;
                    }
                    Command::CalibrationPose {
                        placement,
                        pose,
                        seconds,
                    } => {
                        calibration_pose(
                            &mut state.standing,
                            &mut state.recorder,
                            (placement, pose, seconds),
                            state.base_config,
                            ui,
                        );
                        continue;
                    }
                    Command::RoutineDone(session) => {
                        state
                            .recorder
                            .pipeline_mut()
                            .record_routine(session.started_at_s, &session.routine);
                        let _ = writer.send(WriteOp::RoutineSession(session));
                        continue;
                    }
                };
                let _ = writer.send(WriteOp::Outcome {
                    shown_at_s,
                    outcome,
                    at_s: now_s,
                });
            }
            Some(PostureMsg::Ble(ForPipeline::Sensors(paired))) => {
                // A thigh sensor paired over Bluetooth forgot the phone.
                if paired.iter().any(|p| {
                    state
                        .phone_input
                        .is_some_and(|ph| ph.placement == p.placement)
                }) {
                    state.phone_input = None;
                }
                state.ble_paired = paired;
                state.apply_inputs(ui);
                state.switch_desk_time();
            }
            Some(PostureMsg::Phone(input)) => {
                state.phone_input = input;
                state.apply_inputs(ui);
                state.switch_desk_time();
            }
            Some(PostureMsg::Desk { at_desk_s, now_s }) => {
                if let Some((device_id, _)) = state.desk {
                    let out = state.recorder.push_desk(device_id, &at_desk_s, now_s);
                    forward_events(out, Instant::now(), &state.settings, &state.notifier, ui);
                    if !out.seconds.is_empty() || live.is_some_and(|l| l.posture == Posture::AtDesk)
                    {
                        live_dirty |= desk_live(&mut live, &at_desk_s, now_s);
                    }
                }
            }
            Some(PostureMsg::SourceDone) => {
                // A finite script (tests) ended: settle and store the rest.
                let out = state.recorder.flush_pending();
                forward_events(out, Instant::now(), &state.settings, &state.notifier, ui);
                live_dirty = true;
            }
            None => {}
        }
        // Live updates are coalesced to four a second: smooth enough to
        // read, few enough that the UI repaints only when it matters.
        let owed = live_dirty && (timed_out || last_live.is_none_or(|t| t.elapsed() >= live_every));
        if let (true, Some(l)) = (owed, live.as_mut()) {
            l.streak = state.recorder.pipeline_mut().current_streak();
            // Only what changes the screen costs a frame.
            let key = LiveKey::of(l);
            if shown != Some(key) {
                shown = Some(key);
                ui.send(UiEvent::Live(*l));
            }
            last_live = Some(Instant::now());
            live_dirty = false;
        }
    }
    // Settle what the pipeline still holds (the last, partial second and
    // any run the minimum bout was holding back) into the writer. The
    // links have already handed on everything and saved where their
    // history resumes, so a second left here would be lost for good.
    state.recorder.flush_pending();
}

/// One step of the calibration wizard: keep the standing windows, and
/// after the sitting pose compute and apply the calibration (the recorder
/// stores it with the device on its next batch).
pub(super) fn calibration_pose(
    standing: &mut std::collections::BTreeMap<Placement, Vec<crate::pipeline::window::Window>>,
    recorder: &mut Recorder,
    (placement, pose, seconds): (Placement, Pose, u32),
    base: Config,
    ui: &UiSender,
) {
    // The first second of a pose is the move into it, and the newest
    // window lags the countdown by the link's batching: the middle of the
    // pose is what counts.
    let wanted = seconds.saturating_sub(2).max(2) as usize;
    let windows = recorder.pipeline_mut().recent_windows(placement, wanted);
    if windows.len() < wanted {
        ui.send(UiEvent::Calibrated {
            placement,
            result: Err(format!(
                "only {} of {seconds} seconds of data arrived from the {placement} sensor; is it streaming?",
                windows.len()
            )),
        });
        standing.remove(&placement);
        return;
    }
    match pose {
        Pose::StandStill => {
            standing.insert(placement, windows);
        }
        Pose::SitUpright => {
            let Some(stand) = standing.remove(&placement) else {
                ui.send(UiEvent::Calibrated {
                    placement,
                    result: Err("stand still first, then sit".into()),
                });
                return;
            };
            let min_deg = crate::pipeline::calibration::min_separation_deg(placement);
            let result = crate::pipeline::calibration::calibrate(&stand, &windows, min_deg)
                .map(|cal| {
                    recorder
                        .pipeline_mut()
                        .set_calibration(placement, cal, base.posture);
                })
                .map_err(|e| e.to_string());
            ui.send(UiEvent::Calibrated { placement, result });
        }
    }
}

/// What the live tiles show, at the resolution they show it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct LiveKey {
    posture: Posture,
    tilt_deg: Option<i32>,
    streak_start_s: Option<i64>,
    /// Whole minutes, as the tile shows it ("under a minute" before the
    /// first): a frame a second would cost a software renderer a tenth of
    /// a core through every streak's first minute.
    streak_min: Option<i64>,
    /// The player's walking check needs the total while the wearer walks.
    walking_total_s: i64,
    note: Option<crate::domain::posture::LiveNote>,
}

impl LiveKey {
    fn of(l: &Live) -> Self {
        Self {
            posture: l.posture,
            tilt_deg: l.tilt_deg.map(|t| t.round() as i32),
            streak_start_s: l.streak.map(|s| s.start_s),
            streak_min: l.streak.map(|s| s.duration_s() / 60),
            walking_total_s: l.walking_total_s,
            note: l.note,
        }
    }
}

/// Takes the newest classification of a push into the live display; true
/// if there was one.
fn live_from(
    out: &crate::pipeline::PipelineOutput,
    placement: Placement,
    live: &mut Option<Live>,
    thigh_seen: &mut bool,
) -> bool {
    let Some(c) = out.live else {
        return false;
    };
    update_live(live, placement, c, thigh_seen);
    if let Some(l) = live.as_mut() {
        l.note = out.note;
    }
    true
}

/// Desk time on the live display: at the computer, or away from it.
fn desk_live(live: &mut Option<Live>, at_desk_s: &[i64], now_s: i64) -> bool {
    let here = at_desk_s.last() == Some(&now_s);
    let l = live.get_or_insert(Live {
        t_s: now_s,
        posture: Posture::AtDesk,
        tilt_deg: None,
        streak: None,
        walking_total_s: 0,
        note: None,
    });
    l.t_s = now_s;
    l.posture = Posture::AtDesk;
    l.tilt_deg = None;
    l.note = (!here).then_some(crate::domain::posture::LiveNote::AwayFromDesk);
    true
}

/// Folds one sensor's newest classification into the live display: posture
/// from the thigh when it has one, tilt from the back.
pub(super) fn update_live(
    live: &mut Option<Live>,
    placement: Placement,
    c: crate::pipeline::classify::Classified,
    thigh_seen: &mut bool,
) {
    *thigh_seen |= placement == Placement::Thigh;
    let l = live.get_or_insert(Live {
        t_s: c.t_s,
        posture: c.state,
        tilt_deg: None,
        streak: None,
        walking_total_s: 0,
        note: None,
    });
    l.t_s = l.t_s.max(c.t_s);
    // Count a walking second once, from the sensor that decides posture.
    let decides = placement == Placement::Thigh || !*thigh_seen;
    if decides && c.state == Posture::Moving {
        l.walking_total_s += 1;
    }
    match placement {
        Placement::Thigh if c.state != Posture::Unknown => l.posture = c.state,
        Placement::Thigh => {}
        Placement::Back => {
            l.tilt_deg = c.tilt_deg;
            if l.posture == Posture::Unknown {
                l.posture = c.state;
            }
        }
    }
}

pub(super) fn forward_events(
    out: &crate::pipeline::PipelineOutput,
    since: Instant,
    settings: &Settings,
    notifier: &Notifier,
    ui: &UiSender,
) {
    for r in &out.reminders {
        ui.send(UiEvent::Reminder(r.clone(), since));
        if settings.notifications {
            notifier.notify(Request {
                due: r.clone(),
                since,
                sound: settings.sound,
            });
        }
    }
    for e in &out.streak_events {
        if let StreakEvent::Ended(s) = e {
            ui.send(UiEvent::StreakEnded(*s));
            // The break was taken: the card has nothing left to say.
            notifier.close();
        }
    }
}

/// When a pause from the tray ends: an hour on, or the next local midnight.
fn pause_end_s(p: crate::desktop::Pause, now_s: i64) -> i64 {
    match p {
        crate::desktop::Pause::Hour => now_s + 3600,
        crate::desktop::Pause::UntilTomorrow => {
            let (_, end) = crate::domain::days::day_bounds(crate::domain::days::local_date(now_s));
            end
        }
    }
}

/// Pipeline inputs for paired sensors, with their stored calibrations.
pub(super) fn sensor_inputs(
    store: &Store,
    paired: &[PairedSensor],
) -> Result<Vec<SensorInput>, StoreError> {
    paired
        .iter()
        .map(|p| {
            Ok(SensorInput {
                placement: p.placement,
                device_id: p.device_id,
                calibration: store.device_calibration(p.device_id)?,
            })
        })
        .collect()
}

//! The synchronous heart of Sitless: raw samples in, stored seconds and
//! streak/reminder events out. No threads and no I/O here, so the headless
//! commands, the GUI engine, tests and benchmarks all run exactly this.
//! Method and sources: `docs/posture.md`.

pub mod calibration;
pub mod classify;
pub mod fusion;
pub mod gait;
pub mod history;
pub mod hypothesis;
pub mod min_bout;
pub mod nonwear;
pub mod reference;
pub mod window;

use std::collections::BTreeMap;

use crate::domain::calibration::Calibration;
use crate::domain::features::SecondFeatures;
use crate::pipeline::classify::{Classified, Judged, SensorClassifier};
use crate::pipeline::fusion::Fusion;
use crate::pipeline::history::ChannelHistory;
use crate::pipeline::min_bout::MinBout;
use crate::pipeline::nonwear::WearStatus;
use crate::pipeline::window::{Window, Windower};
use chrono::Timelike;

use crate::domain::config::Config;
use crate::domain::days::{day_bounds, local_date, local_datetime};
use crate::domain::posture::{Posture, PostureConfig, PostureSecond};
use crate::domain::reminder::{Reminder, ReminderDue, ReminderRules};
use crate::domain::sample::{Placement, RawSample};
use crate::domain::settings::Settings;
use crate::domain::streak::{Streak, StreakEvent, StreakRules, StreakTracker};
use crate::routines::catalog::Catalog;
use crate::routines::recommend::{Context, recommend};

/// One sensor feeding the pipeline.
#[derive(Clone, Copy, Debug)]
pub struct SensorInput {
    pub placement: Placement,
    pub device_id: i64,
    pub calibration: Calibration,
}

struct Channel {
    device_id: i64,
    windower: Windower,
    classifier: SensorClassifier,
    /// The last few windows, for the calibration wizard.
    recent: std::collections::VecDeque<Window>,
    /// The seconds kept to be classified again.
    history: ChannelHistory,
    /// The sensor lies still: it may be off the wearer (reminders wait).
    still: bool,
    /// ...and has been still long enough to be called not worn.
    not_worn: bool,
}

impl Channel {
    fn new(i: &SensorInput, posture: PostureConfig) -> Self {
        Self {
            device_id: i.device_id,
            windower: Windower::new(),
            classifier: SensorClassifier::new(i.placement, posture, i.calibration),
            recent: std::collections::VecDeque::new(),
            history: ChannelHistory::default(),
            still: false,
            not_worn: false,
        }
    }
}

const RECENT_WINDOWS: usize = 30;

/// Where to classify again from: nothing yet, everything kept, or a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Again {
    Nothing,
    All,
    From(i64),
}

impl Again {
    /// The earlier of this and `from_s` (`None`: everything).
    fn and(self, from_s: Option<i64>) -> Self {
        match (self, from_s) {
            (Self::All, _) | (_, None) => Self::All,
            (Self::Nothing, Some(t)) => Self::From(t),
            (Self::From(x), Some(t)) => Self::From(x.min(t)),
        }
    }
}

/// Everything a batch of samples produced.
#[derive(Debug, Default)]
pub struct PipelineOutput {
    /// Final seconds, in time order, ready to store.
    pub seconds: Vec<PostureSecond>,
    pub streak_events: Vec<StreakEvent>,
    pub reminders: Vec<ReminderDue>,
    /// The newest classification before the minimum-bout delay, for a live
    /// display that should not lag by the minimum bout.
    pub live: Option<Classified>,
    /// Seconds already handed on whose posture changed: the references
    /// were learned or corrected, or the sensor turned out not to be worn.
    pub relabels: Vec<PostureSecond>,
    /// The posture each relabelled second had before (same order).
    pub relabelled_from: Vec<Posture>,
    /// Each sensor's features of the seconds judged (and of seconds whose
    /// features changed), to be kept for classifying again after a restart.
    pub features: Vec<(i64, SecondFeatures)>,
    /// What the live display should say besides the posture.
    pub note: Option<crate::domain::posture::LiveNote>,
}

impl PipelineOutput {
    pub fn clear(&mut self) {
        self.seconds.clear();
        self.streak_events.clear();
        self.reminders.clear();
        self.live = None;
        self.relabels.clear();
        self.relabelled_from.clear();
        self.features.clear();
        self.note = None;
    }
}

/// What the recommender needs, kept up to date second by second.
#[derive(Debug, Default)]
struct Measured {
    slouch_deg: f32,
    streak_tilt_s: i64,
    streak_slouch_s: i64,
    /// `[start, end)` of the local day being counted.
    day: (i64, i64),
    day_sitting_s: i64,
    day_desk_s: i64,
    /// The streak's sitting and desk seconds (which of the two it is).
    streak_sitting_s: i64,
    streak_desk_s: i64,
    day_long_streaks: u32,
    /// Routines done: (when, routine id), oldest first.
    routines: Vec<(i64, String)>,
}

impl Measured {
    fn second(&mut self, s: &PostureSecond, in_streak: bool) {
        if s.t_s >= self.day.1 || s.t_s < self.day.0 {
            self.day = day_bounds(local_date(s.t_s));
            self.day_sitting_s = 0;
            self.day_desk_s = 0;
            self.day_long_streaks = 0;
        }
        if s.state == Posture::AtDesk {
            self.day_desk_s += 1;
            self.streak_desk_s += i64::from(in_streak);
        }
        if s.state == Posture::Sitting {
            self.day_sitting_s += 1;
            self.streak_sitting_s += i64::from(in_streak);
            if let (true, Some(t)) = (in_streak, s.tilt_deg) {
                self.streak_tilt_s += 1;
                self.streak_slouch_s += i64::from(t >= self.slouch_deg);
            }
        }
    }

    fn event(&mut self, e: &StreakEvent) {
        match e {
            StreakEvent::Started(_) => {
                self.streak_tilt_s = 0;
                self.streak_slouch_s = 0;
                self.streak_sitting_s = 0;
                self.streak_desk_s = 0;
            }
            StreakEvent::ReachedThreshold(_) => self.day_long_streaks += 1,
            _ => {}
        }
    }

    fn context(&self, t_s: i64, streak: Streak, threshold_s: i64) -> Context {
        Context {
            streak_s: streak.duration_s(),
            threshold_s,
            slouch_share: (self.streak_tilt_s > 0)
                .then(|| self.streak_slouch_s as f32 / self.streak_tilt_s as f32),
            today_sitting_s: self.day_sitting_s + self.day_desk_s,
            today_long_streaks: self.day_long_streaks,
            local_hour: local_datetime(t_s).hour(),
            done_today: self
                .routines
                .iter()
                .filter(|(at, _)| (self.day.0..self.day.1).contains(at))
                .map(|(_, id)| id.clone())
                .collect(),
            last_routine: self.routines.last().map(|(_, id)| id.clone()),
            at_desk: self.streak_desk_s > self.streak_sitting_s,
        }
    }
}

pub struct Pipeline {
    channels: BTreeMap<Placement, Channel>,
    fusion: Fusion,
    min_bout: MinBout<PostureSecond>,
    streaks: StreakTracker,
    reminder: Reminder,
    reminder_rules: ReminderRules,
    /// When reminders may fire; `None` (headless replays): at any time.
    reminder_window: Option<Settings>,
    measured: Measured,
    fused: Vec<PostureSecond>,
    posture_cfg: PostureConfig,
    /// What fusion produced, before the minimum bout, and what was handed
    /// on after it: kept (a day or so) to classify again.
    fused_history: std::collections::VecDeque<PostureSecond>,
    emitted: std::collections::VecDeque<PostureSecond>,
    judged: Vec<Judged>,
}

impl Pipeline {
    pub fn new(
        inputs: &[SensorInput],
        posture: PostureConfig,
        rules: StreakRules,
        reminder: ReminderRules,
    ) -> Self {
        let channels = inputs
            .iter()
            .map(|i| (i.placement, Channel::new(i, posture)))
            .collect();
        let placements: Vec<_> = inputs.iter().map(|i| i.placement).collect();
        Self {
            channels,
            fusion: Fusion::new(&placements),
            min_bout: MinBout::new(posture.min_bout_s),
            streaks: StreakTracker::new(rules),
            reminder: Reminder::new(reminder),
            reminder_rules: reminder,
            reminder_window: None,
            measured: Measured {
                slouch_deg: posture.slouch_deg,
                ..Measured::default()
            },
            fused: Vec::new(),
            posture_cfg: posture,
            fused_history: std::collections::VecDeque::new(),
            emitted: std::collections::VecDeque::new(),
            judged: Vec::new(),
        }
    }

    /// Changes the sensors feeding the pipeline (a sensor paired, forgotten
    /// or replaced). Channels of sensors that stay keep their state; the
    /// streak, reminder and day figures go on.
    pub(crate) fn set_inputs(&mut self, inputs: &[SensorInput], posture: PostureConfig) {
        let mut out = Vec::new();
        self.fusion.flush(&mut out);
        self.fused.extend(out);
        let mut channels = BTreeMap::new();
        for i in inputs {
            let ch = match self.channels.remove(&i.placement) {
                Some(ch) if ch.device_id == i.device_id => ch,
                _ => Channel::new(i, posture),
            };
            channels.insert(i.placement, ch);
        }
        self.channels = channels;
        let placements: Vec<_> = inputs.iter().map(|i| i.placement).collect();
        self.fusion.expect(&placements);
    }

    /// Sensors feeding the pipeline now.
    pub fn placements(&self) -> Vec<Placement> {
        self.channels.keys().copied().collect()
    }

    /// The newest `n` one-second windows of the sensor at `placement`.
    pub(crate) fn recent_windows(&self, placement: Placement, n: usize) -> Vec<Window> {
        self.channels.get(&placement).map_or_else(Vec::new, |c| {
            c.recent
                .iter()
                .skip(c.recent.len().saturating_sub(n))
                .copied()
                .collect()
        })
    }

    /// Uses a new calibration for the sensor at `placement` (the wizard).
    pub(crate) fn set_calibration(
        &mut self,
        placement: Placement,
        calibration: Calibration,
        posture: PostureConfig,
    ) {
        if let Some(ch) = self.channels.get_mut(&placement) {
            ch.classifier = SensorClassifier::new(placement, posture, calibration);
        }
    }

    /// What the source of the sensor at `placement` knows of how it is
    /// worn (a phone in a pocket).
    pub(crate) fn set_wearing_prior(
        &mut self,
        placement: Placement,
        prior: crate::domain::sample::WearingPrior,
    ) {
        if let Some(ch) = self.channels.get_mut(&placement) {
            ch.classifier.set_wearing_prior(prior);
        }
    }

    /// Replays stored seconds into the streak tracker, so a streak that was
    /// in progress when the app closed goes on after it restarts.
    pub(crate) fn resume_from(&mut self, stored: impl IntoIterator<Item = PostureSecond>) {
        let mut events = Vec::new();
        for s in stored {
            self.emitted.push_back(s);
            self.fused_history.push_back(s);
            events.clear();
            self.streaks.push(s.t_s, s.state, &mut events);
            for e in &events {
                self.measured.event(e);
            }
            self.measured.second(&s, self.streaks.current().is_some());
        }
        if let Some(streak) = self.streaks.current() {
            self.reminder.resume(streak);
        }
    }

    /// Applies the user's settings: streak and reminder rules, and the
    /// hours and days reminders may fire.
    pub(crate) fn apply_settings(&mut self, settings: &Settings, base: Config) {
        let cfg = settings.apply(base);
        self.streaks.set_rules(cfg.streak);
        // A running streak is measured against a new threshold; a snooze
        // survives a save that changes something else.
        self.reminder
            .change_rules(cfg.reminder, self.streaks.current());
        self.reminder_rules = cfg.reminder;
        self.reminder_window = Some(settings.clone());
    }

    /// A routine was done (or partly done) at `t_s`: the recommender avoids
    /// offering it again straight away.
    pub(crate) fn record_routine(&mut self, t_s: i64, routine: &str) {
        self.measured.routines.push((t_s, routine.to_owned()));
    }

    pub fn current_streak(&self) -> Option<Streak> {
        self.streaks.current()
    }

    pub(crate) fn reminder_mut(&mut self) -> &mut Reminder {
        &mut self.reminder
    }

    /// Each sensor's references in use now: `(device_id, calibration)`.
    pub(crate) fn calibrations(&self) -> impl Iterator<Item = (i64, Calibration)> + '_ {
        self.channels
            .values()
            .map(|c| (c.device_id, c.classifier.calibration()))
    }

    /// The references the sensor at `placement` uses now.
    pub fn refs(&self, placement: Placement) -> Option<reference::Refs> {
        self.channels.get(&placement).map(|c| c.classifier.refs())
    }

    /// Feeds samples of one sensor, in time order.
    pub fn push(&mut self, placement: Placement, samples: &[RawSample], out: &mut PipelineOutput) {
        let Some(ch) = self.channels.get_mut(&placement) else {
            return;
        };
        let mut judged = std::mem::take(&mut self.judged);
        for &s in samples {
            if let Some(w) = ch.windower.push(s) {
                if ch.recent.len() == RECENT_WINDOWS {
                    ch.recent.pop_front();
                }
                ch.recent.push_back(w);
                ch.classifier.push(w, &mut judged);
            }
        }
        self.take_judged(placement, &mut judged, out);
        self.judged = judged;
        self.settle(out, false);
        out.note = self.note();
    }

    /// What the live display should say: a thigh without a reference
    /// cannot tell postures; a sensor lying still may be off the wearer.
    pub fn note(&self) -> Option<crate::domain::posture::LiveNote> {
        use crate::domain::posture::LiveNote;
        // Only once it is called not worn: two minutes of sitting very
        // still (a back sensor, a film) is not worth a word yet.
        let still = self.channels.values().any(|c| c.not_worn);
        let learning = self.channels.iter().any(|(p, c)| {
            let refs = c.classifier.refs();
            *p == Placement::Thigh && (refs.upright.is_none() || refs.tentative)
        });
        if still {
            Some(LiveNote::SeemsNotWorn)
        } else if learning {
            Some(LiveNote::LearningReference)
        } else {
            None
        }
    }

    /// End of input: closes open windows and pending runs.
    pub fn flush(&mut self, out: &mut PipelineOutput) {
        let mut judged = std::mem::take(&mut self.judged);
        let placements: Vec<Placement> = self.channels.keys().copied().collect();
        for placement in placements {
            if let Some(ch) = self.channels.get_mut(&placement) {
                if let Some(w) = ch.windower.flush() {
                    ch.classifier.push(w, &mut judged);
                }
                ch.classifier.flush(&mut judged);
            }
            self.take_judged(placement, &mut judged, out);
        }
        self.judged = judged;
        self.fusion.flush(&mut self.fused);
        self.settle(out, true);
    }

    /// Hands judged seconds of one sensor to fusion, keeps them for
    /// classifying again, and classifies again when they say so.
    fn take_judged(
        &mut self,
        placement: Placement,
        judged: &mut Vec<Judged>,
        out: &mut PipelineOutput,
    ) {
        let Some(ch) = self.channels.get_mut(&placement) else {
            judged.clear();
            return;
        };
        let mut again = Again::Nothing;
        for j in judged.drain(..) {
            out.live = Some(j.classified);
            out.features.push((ch.device_id, j.features));
            ch.history.push(j.features, j.classified);
            ch.still = matches!(j.wear, WearStatus::Still { .. } | WearStatus::NotWorn);
            ch.not_worn = j.features.not_worn;
            self.fusion
                .push(placement, ch.device_id, j.classified, &mut self.fused);
            if let WearStatus::NowNotWorn { from_s } = j.wear {
                for f in ch.history.mark_not_worn(from_s, j.features.t_s) {
                    out.features.push((ch.device_id, f));
                }
                again = again.and(Some(from_s));
            }
            if let Some(c) = j.change {
                again = again.and(c.from_s);
            }
        }
        match again {
            Again::Nothing => {}
            Again::All => self.classify_again(placement, None, out),
            Again::From(t) => self.classify_again(placement, Some(t), out),
        }
    }

    fn settle(&mut self, out: &mut PipelineOutput, end: bool) {
        let first_new = out.seconds.len();
        for s in self.fused.drain(..) {
            self.fused_history.push_back(s);
            self.min_bout.push(s, &mut out.seconds);
        }
        if end {
            self.min_bout.flush(&mut out.seconds);
        }
        self.emitted
            .extend(out.seconds[first_new..].iter().copied());
        history::trim(&mut self.fused_history);
        history::trim(&mut self.emitted);
        self.take_final(first_new, out);
    }

    /// Desk time: `at_desk_s` are the seconds at the computer (increasing),
    /// and everything up to `now_s` has been looked at, so the seconds
    /// between them were away. Counted only while no sensor feeds the
    /// pipeline: a sensor's seconds say more than the keyboard does.
    pub(crate) fn push_desk(
        &mut self,
        device_id: i64,
        at_desk_s: &[i64],
        now_s: i64,
        out: &mut PipelineOutput,
    ) {
        if !self.channels.is_empty() {
            return;
        }
        let first_new = out.seconds.len();
        out.seconds
            .extend(at_desk_s.iter().map(|&t_s| PostureSecond {
                t_s,
                device_id,
                state: Posture::AtDesk,
                tilt_deg: None,
            }));
        self.take_final(first_new, out);
        let before = out.streak_events.len();
        self.streaks.advance_to(now_s, &mut out.streak_events);
        for e in &out.streak_events[before..] {
            self.reminder.on_streak_event(e);
            self.measured.event(e);
        }
    }

    /// Final seconds from `first_new` on: streaks, the day's measures, and
    /// the reminders they make due.
    fn take_final(&mut self, first_new: usize, out: &mut PipelineOutput) {
        for s in &out.seconds[first_new..] {
            let before = out.streak_events.len();
            self.streaks.push(s.t_s, s.state, &mut out.streak_events);
            for e in &out.streak_events[before..] {
                self.reminder.on_streak_event(e);
                self.measured.event(e);
            }
            self.measured.second(s, self.streaks.current().is_some());
            // Outside active hours a due reminder waits: it fires when the
            // window opens if the wearer is still sitting.
            let allowed = self
                .reminder_window
                .as_ref()
                .is_none_or(|w| w.reminders_allowed(s.t_s));
            // A sensor lying still may be on a desk: hold the reminder until
            // it moves (then it fires) or turns out not to be worn.
            let allowed = allowed && !self.channels.values().any(|c| c.still);
            let due = if allowed {
                self.reminder.poll(s.t_s, self.streaks.current())
            } else {
                None
            };
            if let Some(mut due) = due {
                let ctx = self
                    .measured
                    .context(s.t_s, due.streak, self.reminder_rules.threshold_s);
                if let Some(top) = recommend(&ctx, Catalog::builtin()).into_iter().next() {
                    due.routine = top.routine_id;
                    due.reason = top.reason;
                }
                out.reminders.push(due);
            }
        }
    }
}

#[cfg(test)]
mod desk_tests {
    use super::*;
    use crate::domain::config::Config;

    fn pipeline(inputs: &[SensorInput]) -> Pipeline {
        let c = Config::default().consistent();
        Pipeline::new(inputs, c.posture, c.streak, c.reminder)
    }

    #[test]
    fn desk_seconds_remind_in_desk_words_and_only_without_a_sensor() {
        let mut p = pipeline(&[]);
        let mut out = PipelineOutput::default();
        let t0 = 1_772_438_400 + 2 * 3600;
        let mut reminders = Vec::new();
        for step in 0..40 {
            out.clear();
            let from = t0 + step * 120;
            let secs: Vec<i64> = (from..from + 120).collect();
            p.push_desk(7, &secs, from + 119, &mut out);
            assert!(
                out.seconds
                    .iter()
                    .all(|s| s.state == Posture::AtDesk && s.device_id == 7)
            );
            reminders.extend(out.reminders.clone());
        }
        let first = reminders
            .first()
            .expect("a reminder after an hour at the computer");
        assert_eq!(first.streak.duration_s(), 3600);
        assert!(first.reason.contains("at the computer"), "{}", first.reason);
        // With a sensor feeding the pipeline the keyboard says nothing.
        let mut p = pipeline(&[SensorInput {
            placement: Placement::Thigh,
            device_id: 1,
            calibration: Calibration::default(),
        }]);
        out.clear();
        p.push_desk(7, &[t0, t0 + 1], t0 + 1, &mut out);
        assert!(out.seconds.is_empty() && p.current_streak().is_none());
    }
}

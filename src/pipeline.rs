//! The synchronous heart of Sitless: raw samples in, stored seconds and
//! streak/reminder events out. No threads and no I/O here, so the headless
//! commands, the GUI engine, tests and benchmarks all run exactly this.

use std::collections::BTreeMap;

use crate::posture::calibration::Calibration;
use crate::posture::classify::{Classified, SensorClassifier};
use crate::posture::fusion::Fusion;
use crate::posture::min_bout::MinBout;
use crate::posture::window::Windower;
use crate::posture::{PostureConfig, PostureSecond};
use crate::reminder::{Reminder, ReminderDue, ReminderRules};
use crate::sensor::{Placement, RawSample};
use crate::streak::{Streak, StreakEvent, StreakRules, StreakTracker};

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
}

impl PipelineOutput {
    pub fn clear(&mut self) {
        self.seconds.clear();
        self.streak_events.clear();
        self.reminders.clear();
        self.live = None;
    }
}

pub struct Pipeline {
    channels: BTreeMap<Placement, Channel>,
    fusion: Fusion,
    min_bout: MinBout<PostureSecond>,
    streaks: StreakTracker,
    reminder: Reminder,
    fused: Vec<PostureSecond>,
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
            .map(|i| {
                (
                    i.placement,
                    Channel {
                        device_id: i.device_id,
                        windower: Windower::new(),
                        classifier: SensorClassifier::new(i.placement, posture, i.calibration),
                    },
                )
            })
            .collect();
        let placements: Vec<_> = inputs.iter().map(|i| i.placement).collect();
        Self {
            channels,
            fusion: Fusion::new(&placements),
            min_bout: MinBout::new(posture.min_bout_s),
            streaks: StreakTracker::new(rules),
            reminder: Reminder::new(reminder),
            fused: Vec::new(),
        }
    }

    /// Replays stored seconds into the streak tracker, so a streak that was
    /// in progress when the app closed goes on after it restarts.
    pub fn resume_from(&mut self, stored: impl IntoIterator<Item = PostureSecond>) {
        let mut ignored = Vec::new();
        for s in stored {
            self.streaks.push(s.t_s, s.state, &mut ignored);
        }
        if let Some(streak) = self.streaks.current() {
            self.reminder.resume(streak);
        }
    }

    pub fn current_streak(&self) -> Option<Streak> {
        self.streaks.current()
    }

    pub fn reminder_mut(&mut self) -> &mut Reminder {
        &mut self.reminder
    }

    /// Each sensor's references in use now: `(device_id, calibration)`.
    pub fn calibrations(&self) -> impl Iterator<Item = (i64, Calibration)> + '_ {
        self.channels
            .values()
            .map(|c| (c.device_id, c.classifier.calibration()))
    }

    /// Samples that arrived late and were dropped (out-of-order input).
    pub fn late_samples(&self) -> u64 {
        self.channels
            .values()
            .map(|c| c.windower.late_samples)
            .sum::<u64>()
            + self.fusion.late_results
    }

    /// Feeds samples of one sensor, in time order.
    pub fn push(&mut self, placement: Placement, samples: &[RawSample], out: &mut PipelineOutput) {
        let Some(ch) = self.channels.get_mut(&placement) else {
            return;
        };
        for &s in samples {
            if let Some(w) = ch.windower.push(s) {
                let c = ch.classifier.classify(&w);
                out.live = Some(c);
                self.fusion
                    .push(placement, ch.device_id, c, &mut self.fused);
            }
        }
        self.settle(out, false);
    }

    /// End of input: closes open windows and pending runs.
    pub fn flush(&mut self, out: &mut PipelineOutput) {
        for (&placement, ch) in &mut self.channels {
            if let Some(w) = ch.windower.flush() {
                let c = ch.classifier.classify(&w);
                out.live = Some(c);
                self.fusion
                    .push(placement, ch.device_id, c, &mut self.fused);
            }
        }
        self.fusion.flush(&mut self.fused);
        self.settle(out, true);
    }

    fn settle(&mut self, out: &mut PipelineOutput, end: bool) {
        let first_new = out.seconds.len();
        for s in self.fused.drain(..) {
            self.min_bout.push(s, &mut out.seconds);
        }
        if end {
            self.min_bout.flush(&mut out.seconds);
        }
        for s in &out.seconds[first_new..] {
            let before = out.streak_events.len();
            self.streaks.push(s.t_s, s.state, &mut out.streak_events);
            for e in &out.streak_events[before..] {
                self.reminder.on_streak_event(e);
            }
            if let Some(due) = self.reminder.poll(s.t_s, self.streaks.current()) {
                out.reminders.push(due);
            }
        }
    }
}

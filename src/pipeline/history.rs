//! Classifying again: each sensor's recent seconds are kept with their
//! features, and when its references are learned or corrected, or a still
//! run turns out to be a sensor off the wearer, the seconds from the
//! change on are classified again, fused again and put through the
//! minimum bout again. Seconds already handed on whose posture changed
//! come out as relabels; the streak is rebuilt from the corrected seconds.
//! Method: `docs/posture.md`, "Recovery".

use std::collections::VecDeque;

use super::Pipeline;
use super::PipelineOutput;
use super::classify::{BackHold, Classified};
use super::fusion::{Slot, merge};
use super::min_bout::MinBout;
use crate::domain::features::SecondFeatures;
use crate::domain::posture::PostureSecond;
use crate::domain::sample::Placement;
use crate::domain::streak::StreakTracker;

/// How far back seconds are kept to be classified again, s: the current
/// day and the night before it.
pub(crate) const KEEP_S: i64 = 30 * 3600;
/// Seconds before a change that the minimum bout sees again, for context.
const CONTEXT_S: i64 = 60;

/// One sensor's recent seconds, in time order.
#[derive(Clone, Debug, Default)]
pub(crate) struct ChannelHistory {
    items: VecDeque<(SecondFeatures, Classified)>,
}

impl ChannelHistory {
    pub(crate) fn push(&mut self, f: SecondFeatures, c: Classified) {
        if self.items.back().is_some_and(|(b, _)| b.t_s >= f.t_s) {
            return;
        }
        self.items.push_back((f, c));
        while self
            .items
            .front()
            .is_some_and(|(a, _)| f.t_s - a.t_s > KEEP_S)
        {
            self.items.pop_front();
        }
    }

    fn index_from(&self, from_s: Option<i64>) -> usize {
        from_s.map_or(0, |t| self.items.partition_point(|(f, _)| f.t_s < t))
    }

    pub(crate) fn get(&self, t_s: i64) -> Option<Classified> {
        self.items
            .binary_search_by_key(&t_s, |(f, _)| f.t_s)
            .ok()
            .map(|i| self.items[i].1)
    }

    /// Marks `[from_s, to_s]` as not worn; returns the features changed.
    pub(crate) fn mark_not_worn(&mut self, from_s: i64, to_s: i64) -> Vec<SecondFeatures> {
        let start = self.index_from(Some(from_s));
        let mut changed = Vec::new();
        for (f, _) in self.items.range_mut(start..) {
            if f.t_s > to_s {
                break;
            }
            if !f.not_worn {
                f.not_worn = true;
                changed.push(*f);
            }
        }
        changed
    }
}

/// Drops what is older than `KEEP_S` before the newest second.
pub fn trim(v: &mut VecDeque<PostureSecond>) {
    let Some(newest) = v.back().map(|s| s.t_s) else {
        return;
    };
    while v.front().is_some_and(|s| newest - s.t_s > KEEP_S) {
        v.pop_front();
    }
}

impl Pipeline {
    /// Features of seconds stored before a restart, classified with the
    /// references in use, so a reference learned later corrects them too.
    pub(crate) fn resume_features(&mut self, device_id: i64, features: &[SecondFeatures]) {
        for ch in self.channels.values_mut() {
            if ch.device_id != device_id {
                continue;
            }
            let mut hold = BackHold::default();
            for f in features {
                let c = ch.classifier.reclassify(f, &mut hold);
                ch.history.push(*f, c);
            }
        }
    }

    /// Classifies the sensor at `placement` again from `from_s` on
    /// (`None`: all it kept) and hands on what changed.
    pub(super) fn classify_again(
        &mut self,
        placement: Placement,
        from_s: Option<i64>,
        out: &mut PipelineOutput,
    ) {
        // What fusion already produced goes through first, so every second
        // is in the histories before they are rewritten.
        self.settle(out, false);
        let Some(ch) = self.channels.get_mut(&placement) else {
            return;
        };
        let start = ch.history.index_from(from_s);
        let mut hold = BackHold::default();
        let super::Channel {
            history,
            classifier,
            ..
        } = ch;
        for (f, c) in history.items.range_mut(start..) {
            *c = classifier.reclassify(f, &mut hold);
        }
        let first_s = ch.history.items.get(start).map(|(f, _)| f.t_s);
        let Some(first_s) = first_s else {
            return;
        };
        self.fuse_again(first_s);
        self.min_bout_again(first_s, out);
        self.rebuild_streak();
    }

    fn slot_at(&self, t_s: i64) -> Slot {
        let mut slot = Slot::default();
        for (&p, ch) in &self.channels {
            let c = ch.history.get(t_s).map(|c| (ch.device_id, c));
            match p {
                Placement::Thigh => slot.thigh = c,
                Placement::Back => slot.back = c,
            }
        }
        slot
    }

    fn fuse_again(&mut self, from_s: i64) {
        let start = self.fused_history.partition_point(|s| s.t_s < from_s);
        for i in start..self.fused_history.len() {
            let t_s = self.fused_history[i].t_s;
            if let Some(m) = merge(t_s, self.slot_at(t_s)) {
                self.fused_history[i] = m;
            }
        }
    }

    fn min_bout_again(&mut self, from_s: i64, out: &mut PipelineOutput) {
        let start = self
            .fused_history
            .partition_point(|s| s.t_s < from_s - CONTEXT_S);
        let mut fresh = MinBout::new(self.posture_cfg.min_bout_s);
        let mut redone = Vec::new();
        for s in self.fused_history.range(start..) {
            fresh.push(*s, &mut redone);
        }
        self.min_bout = fresh;
        let emitted_last = self.emitted.back().map_or(i64::MIN, |s| s.t_s);
        for r in redone {
            if r.t_s > emitted_last {
                self.emitted.push_back(r);
                out.seconds.push(r);
                continue;
            }
            if let Ok(i) = self.emitted.binary_search_by_key(&r.t_s, |s| s.t_s) {
                let e = &mut self.emitted[i];
                if e.state != r.state || e.device_id != r.device_id {
                    out.relabelled_from.push(e.state);
                    e.state = r.state;
                    e.device_id = r.device_id;
                    out.relabels.push(*e);
                }
            }
        }
    }

    /// The streak and the day's figures from the corrected seconds.
    fn rebuild_streak(&mut self) {
        let before = self.streaks.current();
        let mut tracker = StreakTracker::new(self.streaks.rules());
        let routines = std::mem::take(&mut self.measured.routines);
        self.measured = super::Measured {
            slouch_deg: self.measured.slouch_deg,
            routines,
            ..super::Measured::default()
        };
        let mut events = Vec::new();
        for s in &self.emitted {
            events.clear();
            tracker.push(s.t_s, s.state, &mut events);
            for e in &events {
                self.measured.event(e);
            }
            self.measured.second(s, tracker.current().is_some());
        }
        self.streaks = tracker;
        match (before, self.streaks.current()) {
            (Some(a), Some(b)) if a.start_s == b.start_s => {}
            (_, Some(b)) => self.reminder.resume(b),
            (Some(a), None) => self
                .reminder
                .on_streak_event(&crate::domain::streak::StreakEvent::Ended(a)),
            (None, None) => {}
        }
    }
}

/// Every second a pipeline handed on, with its relabels applied: the
/// seconds as the store ends up with them (tests, evaluations, benches).
#[derive(Clone, Debug, Default)]
pub struct FinalSeconds {
    seconds: std::collections::BTreeMap<i64, PostureSecond>,
}

impl FinalSeconds {
    /// Takes the seconds and relabels out of `out` (in that order, as the
    /// store applies them).
    pub fn take(&mut self, out: &mut PipelineOutput) {
        for s in out.seconds.drain(..) {
            self.seconds.entry(s.t_s).or_insert(s);
        }
        out.relabelled_from.clear();
        for r in out.relabels.drain(..) {
            if let Some(e) = self.seconds.get_mut(&r.t_s) {
                *e = r;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.seconds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seconds.is_empty()
    }

    pub fn get(&self, t_s: i64) -> Option<&PostureSecond> {
        self.seconds.get(&t_s)
    }

    pub fn into_vec(self) -> Vec<PostureSecond> {
        self.seconds.into_values().collect()
    }
}

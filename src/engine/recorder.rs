//! Headless recording: samples through the pipeline into the store writer.
//! `simulate`, `import` and the GUI engine's posture thread all use this.

use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::posture::Posture;
use crate::domain::sample::{Placement, RawSample};
use crate::domain::streak::{Streak, StreakEvent};
use crate::pipeline::calibration::{CalibrationError, calibrate};
use crate::pipeline::window::{Window, Windower};
use crate::pipeline::{Pipeline, PipelineOutput, SensorInput};
use crate::sources::demo::wearer::{CALIBRATION_SIT, CALIBRATION_STAND, DemoSecond, DemoWearer};
use crate::store::writer::{StoreWriter, WriteOp};
use crate::store::{Store, StoreError};

/// Totals of a recording, for the one-line summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordSummary {
    pub raw_samples: u64,
    pub seconds: u64,
    pub sitting_s: u64,
    pub streaks: Vec<Streak>,
    pub reminders: u64,
    /// Seconds classified again after they were stored.
    pub relabelled: u64,
}

pub struct Recorder {
    pipeline: Pipeline,
    writer: std::sync::mpsc::SyncSender<WriteOp>,
    out: PipelineOutput,
    summary: RecordSummary,
    /// Calibrations last handed to the writer, to store only changes.
    stored_calibrations: Vec<(i64, Calibration)>,
}

impl Recorder {
    pub fn new(inputs: &[SensorInput], cfg: &Config, writer: &StoreWriter) -> Self {
        Self::with_sender(inputs, cfg, writer.sender())
    }

    /// A recorder into a writer that belongs to someone else (the running
    /// engine's, for an import from the window).
    pub(crate) fn with_sender(
        inputs: &[SensorInput],
        cfg: &Config,
        writer: std::sync::mpsc::SyncSender<WriteOp>,
    ) -> Self {
        Self {
            pipeline: Pipeline::new(inputs, cfg.posture, cfg.streak, cfg.reminder),
            writer,
            out: PipelineOutput::default(),
            summary: RecordSummary::default(),
            stored_calibrations: inputs
                .iter()
                .map(|i| (i.device_id, i.calibration))
                .collect(),
        }
    }

    pub(crate) fn pipeline_mut(&mut self) -> &mut Pipeline {
        &mut self.pipeline
    }

    /// Feeds samples; returns what they produced (already sent to the writer).
    pub fn push(&mut self, placement: Placement, samples: &[RawSample]) -> &PipelineOutput {
        self.out.clear();
        self.pipeline.push(placement, samples, &mut self.out);
        self.summary.raw_samples += samples.len() as u64;
        self.forward();
        &self.out
    }

    /// Desk time up to `now_s` (see `Pipeline::push_desk`); returns what it
    /// produced (already sent to the writer).
    pub(crate) fn push_desk(
        &mut self,
        device_id: i64,
        at_desk_s: &[i64],
        now_s: i64,
    ) -> &PipelineOutput {
        self.out.clear();
        self.pipeline
            .push_desk(device_id, at_desk_s, now_s, &mut self.out);
        self.forward();
        &self.out
    }

    fn forward(&mut self) {
        let o = &self.out;
        self.summary.seconds += o.seconds.len() as u64;
        self.summary.sitting_s += o
            .seconds
            .iter()
            .filter(|s| s.state == Posture::Sitting)
            .count() as u64;
        for e in &o.streak_events {
            if let StreakEvent::Ended(s) = e {
                self.summary.streaks.push(*s);
            }
        }
        self.summary.reminders += o.reminders.len() as u64;
        // A send fails only if the writer thread is gone; its own error
        // was already reported, and there is nothing better to do here.
        if !o.seconds.is_empty() {
            let _ = self.writer.send(WriteOp::Seconds(o.seconds.clone()));
        }
        // After the seconds they correct: the writer applies them in order.
        if !o.relabels.is_empty() {
            self.summary.relabelled += o.relabels.len() as u64;
            for (r, was) in o.relabels.iter().zip(&o.relabelled_from) {
                let now = u64::from(r.state == Posture::Sitting);
                let before = u64::from(*was == Posture::Sitting);
                self.summary.sitting_s = (self.summary.sitting_s + now).saturating_sub(before);
            }
            let _ = self.writer.send(WriteOp::Relabel(o.relabels.clone()));
        }
        if !o.features.is_empty() {
            let _ = self.writer.send(WriteOp::Features(o.features.clone()));
        }
        for r in &o.reminders {
            let _ = self.writer.send(WriteOp::Reminder(r.clone()));
        }
        // A reference learned from walking is kept with the device, so the
        // next start does not have to wait for a walk.
        for (device_id, calibration) in self.pipeline.calibrations() {
            let known = self
                .stored_calibrations
                .iter_mut()
                .find(|(d, _)| *d == device_id);
            match known {
                Some((_, c)) if *c == calibration => continue,
                Some((_, c)) => *c = calibration,
                None => self.stored_calibrations.push((device_id, calibration)),
            }
            let _ = self.writer.send(WriteOp::Calibration {
                device_id,
                calibration,
            });
        }
    }

    /// Settles everything pending (end of a finite source) without ending
    /// the recording; returns what that produced.
    pub(crate) fn flush_pending(&mut self) -> &PipelineOutput {
        self.out.clear();
        self.pipeline.flush(&mut self.out);
        self.forward();
        &self.out
    }

    /// Ends the recording: flushes the pipeline into the writer.
    pub fn finish(mut self) -> RecordSummary {
        self.flush_pending();
        // The streak still running at the end counts as a streak too.
        self.summary.streaks.extend(self.pipeline.current_streak());
        self.summary
    }
}

/// The device row of a demo sensor at `placement`, created on first use.
pub fn register_demo_device(
    store: &Store,
    placement: Placement,
    now_s: i64,
) -> Result<i64, StoreError> {
    store.ensure_device(
        &format!("demo:{placement}"),
        "demo",
        &format!("Demo sensor ({placement})"),
        placement,
        now_s,
    )
}

/// The windows of a demo wearer's calibration prelude: what the wizard
/// would record (stand still, then sit upright) for one placement.
pub fn demo_calibration(
    wearer: &DemoWearer,
    placement: Placement,
) -> Result<Calibration, CalibrationError> {
    let mut w = wearer.clone();
    let mut sec = DemoSecond::default();
    let mut windower = Windower::new();
    let mut windows: Vec<Window> = Vec::new();
    for _ in 0..CALIBRATION_SIT.end {
        if !w.next_second(&mut sec) {
            break;
        }
        let samples = match placement {
            Placement::Thigh => &sec.thigh,
            Placement::Back => &sec.back,
        };
        for &s in samples {
            windows.extend(windower.push(s));
        }
    }
    windows.extend(windower.flush());
    let t0 = wearer.next_t_s();
    let pick = |r: std::ops::Range<u32>| -> Vec<Window> {
        windows
            .iter()
            .filter(|w| r.contains(&u32::try_from(w.t_s - t0).unwrap_or(u32::MAX)))
            .copied()
            .collect()
    };
    let min_deg = crate::pipeline::calibration::min_separation_deg(placement);
    calibrate(&pick(CALIBRATION_STAND), &pick(CALIBRATION_SIT), min_deg)
}

/// Plays a whole demo script through a recorder as fast as possible. The
/// sensors are interleaved second by second, as they would arrive live, so
/// fusion sees both before it moves on.
pub(crate) fn play_demo(
    wearer: &mut DemoWearer,
    recorder: &mut Recorder,
    placements: &[Placement],
) {
    let mut sec = DemoSecond::default();
    while wearer.next_second(&mut sec) {
        for &p in placements {
            recorder.push(
                p,
                if p == Placement::Thigh {
                    &sec.thigh
                } else {
                    &sec.back
                },
            );
        }
    }
}

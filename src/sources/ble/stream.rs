//! What a link does with what arrives: samples batched for the pipeline,
//! sequence numbers saved where the next history fetch resumes, and the
//! Sitless profile's history (backfill) fetched before live packets.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::model::sitless;
use super::stamp::{ArrivalStamper, LinkStats, SeqTracker};
use super::{ForPipeline, PairedSensor, SampleBatch, Shared};
use crate::domain::sample::RawSample;
use crate::store::device_write::DeviceWrite;
use crate::store::writer::WriteOp;

/// Saves where the sensor's next history fetch starts (through the writer).
pub(super) async fn persist_seq(shared: &Shared, device_id: i64, next: u32) {
    let op = WriteOp::Device(DeviceWrite::NextSeq { device_id, next });
    if let Err(e) = shared.write(op).await {
        tracing::warn!("cannot store the sensor's sequence number: {e}");
    }
}

pub(super) struct LinkData {
    pub(super) stats: LinkStats,
    pub(super) seq: SeqTracker,
    pub(super) pending: Vec<RawSample>,
    /// (when, next sequence number) for the lagged save, oldest first.
    pub(super) persisted: VecDeque<(Instant, u32)>,
    pub(super) stamper: Option<ArrivalStamper>,
}

impl LinkData {
    /// Hands the pending samples on; true if none are left. A full
    /// receiver gives them back, and they wait for the next try.
    pub(super) fn flush(&mut self, sensor: &PairedSensor, shared: &Shared) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let n = self.pending.len() as u64;
        let batch = SampleBatch {
            device_id: sensor.device_id,
            placement: sensor.placement,
            samples: std::mem::take(&mut self.pending),
        };
        match (shared.pipeline)(ForPipeline::Samples(batch)) {
            None => {
                self.stats.samples += n;
                true
            }
            Some(back) => {
                if let ForPipeline::Samples(back) = back {
                    // Newer samples may have arrived meanwhile: keep order.
                    let mut samples = back.samples;
                    samples.append(&mut self.pending);
                    self.pending = samples;
                }
                false
            }
        }
    }

    /// Saves the sequence number the pipeline had half a minute ago: by
    /// then its seconds are stored, so a crash re-fetches rather than loses.
    /// Returns the sequence number due to be saved now, if any.
    pub(super) fn lagged_seq(&mut self) -> Option<u32> {
        const LAG: Duration = Duration::from_secs(30);
        let now = Instant::now();
        if let Some(next) = self.seq.next()
            && self
                .persisted
                .back()
                .is_none_or(|(t, _)| now - *t >= Duration::from_secs(5))
        {
            self.persisted.push_back((now, next));
        }
        let mut due = None;
        while let Some(&(t, s)) = self.persisted.front() {
            if now - t < LAG {
                break;
            }
            due = Some(s);
            self.persisted.pop_front();
        }
        due
    }
}

/// Live packets held back while the history is fetched, so samples reach
/// the pipeline in time order.
pub(super) struct HistoryFetch {
    pub(super) started: Instant,
    pub(super) packets: Vec<sitless::Packet>,
    pub(super) live: Vec<sitless::Packet>,
}

impl HistoryFetch {
    pub(super) const TIMEOUT: Duration = Duration::from_secs(30);

    pub(super) fn new() -> Self {
        Self {
            started: Instant::now(),
            packets: Vec::new(),
            live: Vec::new(),
        }
    }

    pub(super) fn finish(mut self, period_ms: u16, now_ms: i64, link: &mut LinkData) {
        let from_history: u64 = self.packets.iter().map(|p| p.accel_g.len() as u64).sum();
        let before = link.stats.samples + link.pending.len() as u64;
        self.packets.sort_by_key(|p| p.seq);
        for p in &self.packets {
            accept_packet(p, period_ms, now_ms, link, true);
        }
        let fresh_history = link.stats.samples + link.pending.len() as u64 - before;
        link.stats.from_history += fresh_history.min(from_history);
        self.live.sort_by_key(|p| p.seq);
        for p in &self.live {
            accept_packet(p, period_ms, now_ms, link, false);
        }
    }
}

/// Handles a Sitless notification; true when a history fetch completed.
pub(super) fn on_sitless(
    uuid: &uuid::Uuid,
    value: &[u8],
    period_ms: u16,
    now_ms: i64,
    link: &mut LinkData,
    history: &mut Option<HistoryFetch>,
) -> bool {
    if *uuid == sitless::SAMPLES {
        match sitless::decode_samples(value) {
            Ok(p) => match history {
                Some(h) => h.live.push(p),
                None => accept_packet(&p, period_ms, now_ms, link, false),
            },
            Err(e) => link.stats.count_error(e),
        }
    } else if *uuid == sitless::HISTORY {
        match sitless::decode_history(value) {
            Ok(sitless::HistoryPdu::Records(p)) => match history {
                Some(h) => h.packets.push(p),
                // Records nobody asked for (a fetch that timed out): still
                // new data if their numbers are.
                None => accept_packet(&p, period_ms, now_ms, link, true),
            },
            Ok(sitless::HistoryPdu::End { .. }) => {
                if let Some(h) = history.take() {
                    h.finish(period_ms, now_ms, link);
                    return true;
                }
            }
            Err(e) => link.stats.count_error(e),
        }
    }
    false
}

pub(super) fn accept_packet(
    p: &sitless::Packet,
    period_ms: u16,
    now_ms: i64,
    link: &mut LinkData,
    stored: bool,
) {
    let new = link.seq.accept(p.seq, p.accel_g.len(), &mut link.stats);
    let Some(time_cs) = p.time_cs else {
        if stored {
            // Recorded before the sensor's clock was set: no way to date it.
            link.stats.undated += new.len() as u64;
        } else {
            let s = link
                .stamper
                .get_or_insert_with(|| ArrivalStamper::new(period_ms));
            for a in &p.accel_g[new] {
                link.pending.push(s.stamp(now_ms, *a));
            }
        }
        return;
    };
    let t0 = sitless::device_cs_to_unix_ms(time_cs, now_ms);
    for i in new {
        link.pending.push(RawSample {
            t_ms: t0 + i as i64 * i64::from(period_ms),
            accel_g: p.accel_g[i],
        });
    }
}

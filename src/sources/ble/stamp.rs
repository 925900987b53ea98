//! Turning packets into timed samples, and keeping count: which sequence
//! numbers arrived twice, which never came, which packets were malformed.
//! Pure code, so link drops and bad packets are tested without a radio.

use crate::domain::sample::RawSample;
use crate::domain::vector::Vec3;

use super::decode::DecodeError;

/// Counts of one link, shown in the Sensors view and printed by `record`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkStats {
    /// Samples handed to the pipeline.
    pub samples: u64,
    /// Samples that arrived again (live and history overlap) and were discarded.
    pub repeats: u64,
    /// Sequence numbers that never arrived (neither live nor from history).
    pub lost: u64,
    /// Samples fetched from the sensor's history after a reconnect.
    pub from_history: u64,
    /// Payloads rejected by the decoder, by reason.
    pub bad_length: u64,
    pub implausible: u64,
    /// History samples recorded before the sensor's clock was set.
    pub undated: u64,
    /// Link losses so far.
    pub drops: u64,
    /// Sequence numbers that jumped far ahead or back (a sensor restart,
    /// or one bad packet), re-synchronised on.
    pub seq_jumps: u64,
}

impl LinkStats {
    pub fn malformed(&self) -> u64 {
        self.bad_length + self.implausible
    }

    pub(crate) fn count_error(&mut self, e: DecodeError) {
        match e {
            // A frame that does not add up (a cut delta block) is a
            // length fault too.
            DecodeError::Length { .. } | DecodeError::Frame(_) => self.bad_length += 1,
            DecodeError::Implausible | DecodeError::Period(_) | DecodeError::Rate(_) => {
                self.implausible += 1;
            }
        }
    }
}

/// Stamps samples that carry no time (micro:bit, Thingy) by arrival. BLE
/// delivers notifications in bursts, one per connection interval, so each
/// sample is placed one period after the previous one; the chain is
/// re-anchored to the clock when it drifts more than `MAX_DRIFT_MS`
/// (after a gap, or a sensor running fast or slow).
///
/// The wall clock can step. A step forward leaves a gap of that length (the
/// clock was most likely set right). A step back would stamp new samples
/// over seconds already stored, which the store would refuse (first write
/// wins), losing them: instead the step is absorbed into an offset, so
/// stamps keep going forward from where they were. For the same reason the
/// first stamp is never older than a floor (the newest stored second).
#[derive(Debug, Clone)]
pub(crate) struct ArrivalStamper {
    period_ms: i64,
    next_ms: Option<i64>,
    /// Added to the clock; grows by each step back.
    offset_ms: i64,
    last_clock_ms: Option<i64>,
    floor_ms: i64,
    /// Steps back of the clock absorbed so far.
    pub clock_steps_back: u64,
}

impl ArrivalStamper {
    pub(crate) const MAX_DRIFT_MS: i64 = 1_000;

    pub(crate) fn new(period_ms: u16) -> Self {
        Self::with_floor(period_ms, i64::MIN)
    }

    /// A stamper whose stamps start no earlier than `floor_ms`.
    pub(crate) fn with_floor(period_ms: u16, floor_ms: i64) -> Self {
        Self {
            period_ms: i64::from(period_ms.max(1)),
            next_ms: None,
            offset_ms: 0,
            last_clock_ms: None,
            floor_ms,
            clock_steps_back: 0,
        }
    }

    /// A new chain (after a reconnect, perhaps at another rate); the offset
    /// and the floor stay, so a reconnect never steps back either.
    pub(crate) fn restart(&mut self, period_ms: u16) {
        if let Some(next) = self.next_ms.take() {
            self.floor_ms = self.floor_ms.max(next - self.period_ms);
        }
        self.period_ms = i64::from(period_ms.max(1));
    }

    pub(crate) fn stamp(&mut self, now_ms: i64, accel_g: Vec3) -> RawSample {
        if let Some(last) = self.last_clock_ms
            && now_ms < last - Self::MAX_DRIFT_MS
        {
            self.offset_ms += last - now_ms;
            self.clock_steps_back += 1;
            tracing::warn!(
                "the system clock stepped back {} s; sensor times go on from where they were",
                (last - now_ms) / 1000
            );
        }
        self.last_clock_ms = Some(now_ms);
        let now = now_ms.saturating_add(self.offset_ms).max(self.floor_ms);
        let t_ms = match self.next_ms {
            Some(t) if (t - now).abs() <= Self::MAX_DRIFT_MS => t,
            _ => now,
        };
        self.next_ms = Some(t_ms + self.period_ms);
        RawSample { t_ms, accel_g }
    }
}

/// Sequence accounting for the Sitless profile: which samples are new,
/// which are repeats, and how many were skipped.
///
/// Live and history overlap by at most the lagged resume point (30 s), so
/// a packet far behind is not a repeat: the sensor restarted its counter,
/// or the packet before it jumped far ahead by mistake. Either way the
/// tracker follows the new numbers, instead of discarding everything that
/// comes after as "repeats"; a jump ahead undone at once is not counted
/// as lost.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeqTracker {
    /// The next sequence number expected; `None` before the first packet.
    next: Option<u32>,
    /// The far jump ahead of the last packet, if it was one.
    last_jump: Option<u32>,
}

impl SeqTracker {
    /// A distance this far is a jump, not a gap or an overlap: ten minutes
    /// of samples at 50 Hz.
    pub(crate) const FAR: u32 = 30_000;

    pub(crate) fn new(next: Option<u32>) -> Self {
        Self {
            next,
            last_jump: None,
        }
    }

    pub(crate) fn next(&self) -> Option<u32> {
        self.next
    }

    /// How many of `n` samples starting at `seq` are new (they are the last
    /// ones of the packet); counts repeats and gaps into `stats`.
    pub(crate) fn accept(
        &mut self,
        seq: u32,
        n: usize,
        stats: &mut LinkStats,
    ) -> std::ops::Range<usize> {
        let n32 = n as u32;
        let Some(next) = self.next else {
            self.next = Some(seq.wrapping_add(n32));
            return 0..n;
        };
        let last_jump = self.last_jump.take();
        // Distance ahead of what was expected, wrapping as the counter does.
        let ahead = seq.wrapping_sub(next) as i32;
        if ahead >= 0 {
            let ahead = ahead.unsigned_abs();
            if ahead > Self::FAR {
                stats.seq_jumps += 1;
                self.last_jump = Some(ahead);
            }
            stats.lost += u64::from(ahead);
            self.next = Some(seq.wrapping_add(n32));
            return 0..n;
        }
        let behind = ahead.unsigned_abs();
        if behind > Self::FAR {
            match last_jump {
                // Back to where the stream was: the jump was one bad packet.
                Some(j) => stats.lost = stats.lost.saturating_sub(u64::from(j)),
                None => stats.seq_jumps += 1,
            }
            self.next = Some(seq.wrapping_add(n32));
            return 0..n;
        }
        let dup = (behind as usize).min(n);
        stats.repeats += dup as u64;
        if dup < n {
            self.next = Some(seq.wrapping_add(n32));
        }
        dup..n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> Vec3 {
        Vec3::new(0.0, 0.0, 1.0)
    }

    #[test]
    fn arrival_chain_absorbs_bursts_and_reanchors_after_a_gap() {
        let mut s = ArrivalStamper::new(40);
        // Three samples arriving in one burst at 1000 ms.
        let t: Vec<_> = (0..3).map(|_| s.stamp(1_000, g()).t_ms).collect();
        assert_eq!(t, [1_000, 1_040, 1_080]);
        // A later burst continues the chain.
        assert_eq!(s.stamp(1_130, g()).t_ms, 1_120);
        // Five seconds of silence: the chain starts again at the clock.
        assert_eq!(s.stamp(6_200, g()).t_ms, 6_200);
        assert_eq!(s.stamp(6_210, g()).t_ms, 6_240);
    }

    #[test]
    fn a_clock_stepping_back_never_stamps_over_what_was_stamped() {
        let mut s = ArrivalStamper::new(40);
        let hour = 3_600_000;
        let t0 = 10 * hour;
        let before: Vec<_> = (0..25).map(|i| s.stamp(t0 + i * 40, g()).t_ms).collect();
        // The clock is set back an hour: stamps go on, one period apart.
        let after = s.stamp(t0 + 1_000 - hour, g()).t_ms;
        assert_eq!(after, before[24] + 40);
        assert_eq!(s.clock_steps_back, 1);
        // And keep the clock's pace from there (the step is taken as
        // happening between two readings, 40 ms apart).
        assert_eq!(s.stamp(t0 + 6_000 - hour, g()).t_ms, t0 + 5_960);
        // A step forward is followed: a gap of that length.
        assert_eq!(s.stamp(t0 + 7_000 + hour, g()).t_ms, t0 + 6_960 + 2 * hour);
        // Small jitter is not a step.
        let mut j = ArrivalStamper::new(40);
        j.stamp(5_000, g());
        j.stamp(4_500, g());
        assert_eq!(j.clock_steps_back, 0);
    }

    #[test]
    fn stamps_start_after_the_floor_and_a_reconnect_keeps_going_forward() {
        // The newest stored second ends at 20 s; the clock says 10 s.
        let mut s = ArrivalStamper::with_floor(20, 20_000);
        assert_eq!(s.stamp(10_000, g()).t_ms, 20_000);
        assert_eq!(s.stamp(10_020, g()).t_ms, 20_020);
        // Reconnect at 40 ms per sample: never before the last stamp.
        s.restart(40);
        assert!(s.stamp(10_030, g()).t_ms >= 20_020);
    }

    #[test]
    fn sequence_accounting() {
        let mut st = LinkStats::default();
        let mut q = SeqTracker::default();
        assert_eq!(q.accept(100, 2, &mut st), 0..2);
        assert_eq!(q.accept(102, 2, &mut st), 0..2);
        // The same packet again: both repeats.
        assert_eq!(q.accept(102, 2, &mut st), 2..2);
        assert_eq!(st.repeats, 2);
        // Overlapping by one.
        assert_eq!(q.accept(103, 2, &mut st), 1..2);
        assert_eq!(st.repeats, 3);
        // Skipping 105..=109: five lost.
        assert_eq!(q.accept(110, 2, &mut st), 0..2);
        assert_eq!(st.lost, 5);
        assert_eq!(q.next(), Some(112));
    }

    #[test]
    fn a_far_jump_is_followed_and_one_bad_packet_costs_nothing_after_it() {
        let mut st = LinkStats::default();
        let mut q = SeqTracker::default();
        assert_eq!(q.accept(1_000_000, 2, &mut st), 0..2);
        // One packet far ahead, then the stream goes on where it was.
        assert_eq!(q.accept(1_900_000, 2, &mut st), 0..2);
        assert_eq!(q.accept(1_000_002, 2, &mut st), 0..2, "not a repeat");
        assert_eq!(q.accept(1_000_004, 2, &mut st), 0..2);
        assert_eq!((st.lost, st.repeats, st.seq_jumps), (0, 0, 1));
        // The sensor restarts its counter: followed, counted once.
        assert_eq!(q.accept(0, 2, &mut st), 0..2);
        assert_eq!(q.accept(2, 2, &mut st), 0..2);
        assert_eq!((st.lost, st.repeats, st.seq_jumps), (0, 0, 2));
        // A real overlap is still a repeat.
        assert_eq!(q.accept(2, 2, &mut st), 2..2);
        assert_eq!(st.repeats, 2);
    }

    #[test]
    fn sequence_wraps() {
        let mut st = LinkStats::default();
        let mut q = SeqTracker::new(Some(u32::MAX - 1));
        assert_eq!(q.accept(u32::MAX - 1, 2, &mut st), 0..2);
        assert_eq!(q.accept(0, 2, &mut st), 0..2);
        assert_eq!((st.lost, st.repeats), (0, 0));
        assert_eq!(q.next(), Some(2));
    }
}

//! A phone as a live sensor over Wi-Fi: the phone's app pushes its
//! accelerometer to a listener on this computer (`listener`), each app's
//! messages decoded in a file of its own (`sensor_logger`), and the
//! samples put in order here (`PhoneStream`) before the pipeline gets them.
//!
//! ```text
//! phone ──HTTP POST /push/SECRET──▶ listener (tokio, on the engine's
//!   runtime thread `sitless-phone`) ──Push──▶ PhoneStream: de-duplicated,
//!   put in order within REORDER_MS, dated by the phone's clock (corrected
//!   when it runs ahead) ──samples──▶ sitless-posture (as a thigh sensor)
//! ```
//!
//! A phone in a trouser pocket is a thigh sensor; it is a device row of
//! model `phone` (address `phone`), and its secret lives in the settings
//! table. The listener runs only while a phone is paired.

pub mod address;
pub mod listener;
pub mod phyphox;
pub mod run;
pub(crate) mod sensor_logger;

use std::collections::{BTreeMap, HashSet, VecDeque};

use crate::domain::sample::RawSample;
use crate::domain::vector::Vec3;

pub use crate::domain::sample::{PHONE_ADDRESS, PHONE_MODEL};

/// How far back in the phone's time a late push is still put in order:
/// pushes held back by a locked screen arrive in bursts, sometimes out of
/// order, within a few batch periods of each other. At least this, and at
/// least two of the longest batches seen (the app's batch period is set
/// by the person, 1 s by default).
pub(crate) const REORDER_MS: i64 = 5_000;
/// The longest batch period the reorder window follows.
const MAX_BATCH_MS: i64 = 60_000;
/// A phone quiet this long is no longer "streaming" (Sensor Logger pushes
/// every second by default).
pub const PHONE_QUIET_MS: i64 = 30_000;
/// A phone clock this far ahead of the computer's is corrected.
const AHEAD_MS: i64 = 2_000;
/// Messages remembered to drop a push sent twice.
const MESSAGES_KEPT: usize = 4_096;

/// A new pairing secret: 128 bits from the operating system, as hex.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        use std::fmt::Write;
        let _ = write!(hex, "{b:02x}");
        hex
    }))
}

/// What happened to the samples of one push.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accepted {
    pub new: usize,
    /// Already had (a push sent twice, an overlap).
    pub duplicate: usize,
    /// Older than what the pipeline already has: too late to put in order.
    pub too_late: usize,
}

/// The phone's samples, put in order and de-duplicated.
#[derive(Debug, Default)]
pub(crate) struct PhoneStream {
    pending: BTreeMap<i64, Vec3>,
    /// The newest sample handed on (phone time, corrected).
    released_ms: Option<i64>,
    /// Correction to the phone's clock when it runs ahead (≤ 0).
    offset_ms: i64,
    /// (session, message) pairs seen, oldest first.
    seen: VecDeque<(String, u64)>,
    seen_set: HashSet<(String, u64)>,
    /// When the last push arrived (computer time, ms).
    pub last_push_ms: Option<i64>,
    /// The longest push seen, in phone time (ms).
    batch_ms: i64,
}

impl PhoneStream {
    /// Takes a push's samples (in the phone's time) that arrived at
    /// `arrival_ms`. A message seen before is dropped whole.
    pub(crate) fn accept(
        &mut self,
        session: Option<&str>,
        message_id: Option<u64>,
        samples: &[RawSample],
        arrival_ms: i64,
    ) -> Accepted {
        self.last_push_ms = Some(arrival_ms);
        if let (Some(s), Some(m)) = (session, message_id) {
            let key = (s.to_owned(), m);
            if self.seen_set.contains(&key) {
                return Accepted {
                    duplicate: samples.len(),
                    ..Accepted::default()
                };
            }
            self.seen.push_back(key.clone());
            self.seen_set.insert(key);
            while self.seen.len() > MESSAGES_KEPT {
                if let Some(old) = self.seen.pop_front() {
                    self.seen_set.remove(&old);
                }
            }
        }
        // A sample cannot be from the future: a phone clock ahead of this
        // computer's is corrected by the most it is ahead (network delay
        // only ever makes pushes look later, never earlier).
        if let Some(newest) = samples.iter().map(|s| s.t_ms).max() {
            let ahead = newest.saturating_sub(arrival_ms);
            if ahead > AHEAD_MS && -ahead < self.offset_ms {
                self.offset_ms = -ahead;
            }
        }
        if let (Some(first), Some(last)) = (
            samples.iter().map(|s| s.t_ms).min(),
            samples.iter().map(|s| s.t_ms).max(),
        ) {
            self.batch_ms = self.batch_ms.max((last - first).min(MAX_BATCH_MS));
        }
        let mut got = Accepted::default();
        for s in samples {
            let t = s.t_ms.saturating_add(self.offset_ms);
            if self.released_ms.is_some_and(|r| t <= r) {
                got.too_late += 1;
            } else if self.pending.insert(t, s.accel_g).is_some() {
                got.duplicate += 1;
            } else {
                got.new += 1;
            }
        }
        got
    }

    /// The samples that can go on: all but the last `REORDER_MS` of phone
    /// time, or all of them once the phone has been quiet that long.
    pub(crate) fn release(&mut self, now_ms: i64) -> Vec<RawSample> {
        let Some((&newest, _)) = self.pending.last_key_value() else {
            return Vec::new();
        };
        let window_ms = self.reorder_ms();
        let quiet = self
            .last_push_ms
            .is_none_or(|t| now_ms.saturating_sub(t) >= window_ms);
        let keep = if quiet {
            self.pending.split_off(&i64::MAX)
        } else {
            self.pending.split_off(&(newest - window_ms))
        };
        let out: Vec<RawSample> = std::mem::replace(&mut self.pending, keep)
            .into_iter()
            .map(|(t_ms, accel_g)| RawSample { t_ms, accel_g })
            .collect();
        if let Some(last) = out.last() {
            self.released_ms = Some(last.t_ms);
        }
        out
    }

    /// How much of the newest phone time is held back to put late pushes
    /// in order.
    fn reorder_ms(&self) -> i64 {
        REORDER_MS.max(2 * self.batch_ms)
    }

    /// How far the phone's clock is corrected (ms; 0 when it is not ahead).
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t_ms: i64) -> RawSample {
        RawSample {
            t_ms,
            accel_g: Vec3::new(0.0, 0.0, 1.0),
        }
    }

    fn times(v: &[RawSample]) -> Vec<i64> {
        v.iter().map(|s| s.t_ms).collect()
    }

    #[test]
    fn late_twice_and_out_of_order_pushes_count_each_sample_once() {
        let mut p = PhoneStream::default();
        let t0 = 1_000_000;
        // Batches of 1 s (10 samples), the second one late, one sent twice.
        let batch =
            |k: i64| -> Vec<RawSample> { (0..10).map(|i| s(t0 + k * 1000 + i * 100)).collect() };
        assert_eq!(p.accept(Some("a"), Some(0), &batch(0), t0 + 1000).new, 10);
        assert_eq!(p.accept(Some("a"), Some(2), &batch(2), t0 + 3000).new, 10);
        assert_eq!(p.accept(Some("a"), Some(1), &batch(1), t0 + 3100).new, 10);
        let twice = p.accept(Some("a"), Some(1), &batch(1), t0 + 3200);
        assert_eq!((twice.new, twice.duplicate), (0, 10));
        // The same samples under another message id: still once.
        assert_eq!(
            p.accept(Some("a"), Some(9), &batch(1), t0 + 3300).duplicate,
            10
        );
        // Nothing within the last 5 s of phone time goes yet.
        assert!(p.release(t0 + 3300).is_empty());
        // The phone goes quiet: everything goes, in order, once.
        let out = p.release(t0 + 9000);
        assert_eq!(
            times(&out),
            (0..30).map(|i| t0 + i * 100).collect::<Vec<_>>()
        );
        // A push older than what went on is too late (counted, not stored).
        assert_eq!(
            p.accept(Some("a"), Some(3), &batch(0), t0 + 9100).too_late,
            10
        );
        assert!(p.release(t0 + 20_000).is_empty());
    }

    #[test]
    fn a_phone_clock_ahead_is_corrected_one_behind_is_trusted() {
        let mut p = PhoneStream::default();
        // The phone's clock is 60 s ahead.
        let got = p.accept(None, None, &[s(160_000), s(160_100)], 100_200);
        assert_eq!(got.new, 2);
        assert_eq!(p.offset_ms(), -59_900);
        let out = p.release(200_000);
        assert_eq!(times(&out), vec![100_100, 100_200]);
        // Behind (or pushes late): times kept as the phone gave them.
        let mut q = PhoneStream::default();
        q.accept(None, None, &[s(40_000)], 100_000);
        assert_eq!(q.offset_ms(), 0);
        assert_eq!(times(&q.release(200_000)), vec![40_000]);
    }

    #[test]
    fn secrets_are_long_and_differ() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}

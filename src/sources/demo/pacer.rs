//! Plays the demo wearer at a chosen speed on the `sitless-demo` thread,
//! interleaving the thigh and back sensors second by second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::wearer::{DemoScript, DemoSecond, DemoWearer};
use crate::domain::sample::{Placement, RawSample};

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Simulated seconds per real second; infinity means as fast as possible.
    pub speed: f64,
    pub seed: u64,
    /// A fixed script (tests); `None` plays endless seeded workdays.
    pub script: Option<DemoScript>,
    /// The clock that paces the demo; `None` is the real clock. Tests
    /// inject a `PaceClock` and move it on when they are ready.
    pub pace: Option<PaceClock>,
}

/// A manual clock for the demo's pacing: seconds that pass only when
/// `advance` is called.
#[derive(Clone, Debug, Default)]
pub struct PaceClock(Arc<std::sync::atomic::AtomicU64>);

impl PaceClock {
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::Relaxed);
    }

    fn elapsed_s(&self) -> f64 {
        self.0.load(Ordering::Relaxed) as f64
    }
}

impl DemoOptions {
    /// Simulated seconds per real second; `None` is as fast as possible.
    pub(crate) fn pace_speed(&self) -> Option<f64> {
        (self.speed.is_finite() && self.speed > 0.0).then_some(self.speed)
    }
}

/// What the pacer hands on: one message of interleaved samples, or the end
/// of a finite script.
pub(crate) enum Paced {
    Samples(Vec<(Placement, Vec<RawSample>)>),
    Done,
}

/// Plays `wearer` until `stop` is set, the script ends (unless `endless`)
/// or `send` returns false (the receiver is gone).
pub(crate) fn play(
    mut wearer: DemoWearer,
    opts: &DemoOptions,
    endless: bool,
    stop: &AtomicBool,
    mut send: impl FnMut(Paced) -> bool,
) {
    let speed = opts.pace_speed();
    let tick = Duration::from_millis(50);
    let started = Instant::now();
    let sim0 = wearer.next_t_s();
    let mut sec = DemoSecond::default();
    let mut next_seed = opts.seed;
    while !stop.load(Ordering::Relaxed) {
        let elapsed_s = opts
            .pace
            .as_ref()
            .map_or_else(|| started.elapsed().as_secs_f64(), PaceClock::elapsed_s);
        let target_s = speed.map_or(i64::MAX, |x| sim0 + (elapsed_s * x) as i64);
        let mut parts = Vec::new();
        // At most ten simulated minutes per message keeps messages small.
        while wearer.next_t_s() <= target_s && parts.len() < 1200 {
            if !wearer.next_second(&mut sec) {
                if endless {
                    next_seed = next_seed.wrapping_add(1);
                    wearer.extend(DemoScript::workday(next_seed, 24.0));
                    continue;
                }
                break;
            }
            parts.push((Placement::Thigh, sec.thigh.clone()));
            parts.push((Placement::Back, sec.back.clone()));
        }
        let done = wearer.is_done() && !endless;
        if !parts.is_empty() && !send(Paced::Samples(parts)) {
            return;
        }
        if done {
            send(Paced::Done);
            return;
        }
        if speed.is_some() {
            std::thread::sleep(tick);
        }
    }
}

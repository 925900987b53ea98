//! Minimum bout: a run of one posture shorter than the minimum (default
//! 10 s) is merged into the run before it, as activity monitors do so that a
//! shift in the chair is not a "stand-up". Output is delayed by at most the
//! minimum bout length.

use crate::domain::posture::{Posture, PostureSecond};

#[derive(Debug, Clone)]
pub struct MinBout<T> {
    bout_s: usize,
    confirmed: Option<Posture>,
    /// The current run that differs from `confirmed`, not yet long enough.
    pending: Vec<T>,
    pending_state: Option<Posture>,
}

/// What the filter needs from an item: its posture, and a way to relabel it.
pub trait HasPosture {
    fn posture(&self) -> Posture;
    fn set_posture(&mut self, p: Posture);
    /// Seconds since the epoch, to notice a gap that splits runs.
    fn second(&self) -> i64;
}

impl<T: HasPosture> MinBout<T> {
    pub fn new(min_bout_s: u32) -> Self {
        Self {
            bout_s: min_bout_s as usize,
            confirmed: None,
            pending: Vec::new(),
            pending_state: None,
        }
    }

    /// Pushes one second; emits the seconds whose posture is final.
    pub fn push(&mut self, item: T, out: &mut Vec<T>) {
        let p = item.posture();
        // A gap in time ends a pending run: it stood on its own.
        let gap = self
            .pending
            .last()
            .is_some_and(|last| item.second() != last.second() + 1);
        if gap {
            self.confirm_pending(out);
        }
        match (self.confirmed, self.pending_state) {
            (None, _) => {
                self.confirmed = Some(p);
                out.push(item);
            }
            (Some(c), None) if c == p => out.push(item),
            (Some(_), None) => {
                self.pending_state = Some(p);
                self.pending.push(item);
            }
            (Some(_), Some(ps)) if ps == p => {
                self.pending.push(item);
                if self.pending.len() >= self.bout_s {
                    self.confirm_pending(out);
                }
            }
            (Some(c), Some(_)) => {
                // The pending run ended short: it takes the confirmed posture.
                for mut it in self.pending.drain(..) {
                    it.set_posture(c);
                    out.push(it);
                }
                self.pending_state = None;
                if p == c {
                    out.push(item);
                } else {
                    self.pending_state = Some(p);
                    self.pending.push(item);
                }
            }
        }
    }

    fn confirm_pending(&mut self, out: &mut Vec<T>) {
        if let Some(ps) = self.pending_state.take() {
            self.confirmed = Some(ps);
            out.append(&mut self.pending);
        }
    }

    /// End of input: a pending run is emitted as it was measured.
    pub fn flush(&mut self, out: &mut Vec<T>) {
        self.confirm_pending(out);
    }
}

impl HasPosture for PostureSecond {
    fn posture(&self) -> Posture {
        self.state
    }
    fn set_posture(&mut self, p: Posture) {
        self.state = p;
    }
    fn second(&self) -> i64 {
        self.t_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::posture::PostureSecond;

    fn run(states: &[(Posture, usize)], min: u32) -> Vec<Posture> {
        let mut f = MinBout::new(min);
        let mut out = Vec::new();
        let mut t = 0;
        for &(p, n) in states {
            for _ in 0..n {
                let s = PostureSecond {
                    t_s: t,
                    state: p,
                    tilt_deg: None,
                    device_id: 1,
                };
                f.push(s, &mut out);
                t += 1;
            }
        }
        f.flush(&mut out);
        assert_eq!(out.len(), t as usize, "every second comes out once");
        assert!(out.windows(2).all(|w| w[1].t_s == w[0].t_s + 1), "in order");
        out.iter().map(|s| s.state).collect()
    }

    use Posture::{Sitting as Si, Standing as St};

    #[test]
    fn a_bout_shorter_than_the_minimum_is_merged_into_the_one_before() {
        let out = run(&[(Si, 30), (St, 9), (Si, 30)], 10);
        assert!(out.iter().all(|&p| p == Si));
    }

    #[test]
    fn a_bout_of_exactly_the_minimum_stands() {
        let out = run(&[(Si, 30), (St, 10), (Si, 30)], 10);
        assert_eq!(out.iter().filter(|&&p| p == St).count(), 10);
        assert_eq!(out[30], St);
    }

    #[test]
    fn flicker_between_two_other_postures_is_absorbed() {
        let out = run(
            &[(Si, 20), (St, 4), (Posture::Moving, 4), (St, 4), (Si, 5)],
            10,
        );
        assert!(out.iter().all(|&p| p == Si));
    }
}

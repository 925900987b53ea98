//! Minimum bout: a run of one posture shorter than the minimum (default
//! 10 s) is merged into the run before it, as activity monitors do so that a
//! shift in the chair is not a "stand-up". Short runs of other postures
//! that together last the minimum (with no more than a quarter of it back in the
//! posture before between them) are one bout of the commonest of them.
//! Output is delayed by at most the minimum bout plus that quarter.

use crate::domain::posture::{Posture, PostureSecond};

#[derive(Debug, Clone)]
pub(crate) struct MinBout<T> {
    bout_s: usize,
    confirmed: Option<Posture>,
    /// The seconds since the confirmed posture was last seen, none of them
    /// in it, not yet long enough to stand.
    pending: Vec<T>,
}

/// What the filter needs from an item: its posture, and a way to relabel it.
pub(crate) trait HasPosture {
    fn posture(&self) -> Posture;
    fn set_posture(&mut self, p: Posture);
    /// Seconds since the epoch, to notice a gap that splits runs.
    fn second(&self) -> i64;
}

impl<T: HasPosture> MinBout<T> {
    pub(crate) fn new(min_bout_s: u32) -> Self {
        Self {
            bout_s: min_bout_s as usize,
            confirmed: None,
            pending: Vec::new(),
        }
    }

    /// Pushes one second; emits the seconds whose posture is final.
    pub(crate) fn push(&mut self, item: T, out: &mut Vec<T>) {
        let p = item.posture();
        // A gap in time ends a pending run: it stood on its own.
        let gap = self
            .pending
            .last()
            .is_some_and(|last| item.second() != last.second() + 1);
        if gap {
            self.flush(out);
        }
        let Some(c) = self.confirmed else {
            self.confirmed = Some(p);
            out.push(item);
            return;
        };
        if self.pending.is_empty() && p == c {
            out.push(item);
            return;
        }
        self.pending.push(item);
        let back = self
            .pending
            .iter()
            .rev()
            .take_while(|it| it.posture() == c)
            .count();
        let other = self.pending.iter().filter(|it| it.posture() != c).count();
        if back >= self.return_s() && other < self.bout_s {
            // Back in the confirmed posture, and what differed was short:
            // it takes the confirmed posture.
            for mut it in self.pending.drain(..) {
                it.set_posture(c);
                out.push(it);
            }
        } else if other >= self.bout_s {
            // Other postures for the minimum bout, with at most a second or
            // two of the confirmed one between them (stairs that flicker
            // between moving and standing): one bout of the commonest.
            let top = commonest(
                self.pending
                    .iter()
                    .map(HasPosture::posture)
                    .filter(|&q| q != c),
            );
            self.confirmed = Some(top);
            for mut it in self.pending.drain(..) {
                it.set_posture(top);
                out.push(it);
            }
        }
    }

    /// Seconds back in the confirmed posture that end a pending stretch: a
    /// second or two of it inside other postures is flicker.
    fn return_s(&self) -> usize {
        self.bout_s / 4 + 1
    }

    /// End of input (or a gap): what is pending is emitted as measured.
    pub(crate) fn flush(&mut self, out: &mut Vec<T>) {
        if let Some(last) = self.pending.last() {
            self.confirmed = Some(last.posture());
        }
        out.append(&mut self.pending);
    }
}

/// The posture seen most often (the first to reach it on a tie).
fn commonest(postures: impl Iterator<Item = Posture>) -> Posture {
    let mut count: Vec<(Posture, usize)> = Vec::new();
    for q in postures {
        match count.iter_mut().find(|(x, _)| *x == q) {
            Some(e) => e.1 += 1,
            None => count.push((q, 1)),
        }
    }
    count
        .iter()
        .fold(None::<(Posture, usize)>, |best, &(q, n)| match best {
            Some((_, b)) if b >= n => best,
            _ => Some((q, n)),
        })
        .map_or(Posture::Unknown, |(q, _)| q)
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
    fn flicker_between_two_other_postures_is_absorbed_when_short() {
        let out = run(
            &[(Si, 20), (St, 3), (Posture::Moving, 3), (St, 3), (Si, 5)],
            10,
        );
        assert!(out.iter().all(|&p| p == Si));
    }

    #[test]
    fn flicker_that_lasts_the_minimum_is_one_bout_of_its_commonest_posture() {
        use Posture::Moving as Mo;
        // Stairs: moving, with a second or two that reads as standing.
        let mut steps = vec![(St, 30)];
        for _ in 0..10 {
            steps.extend([(Mo, 4), (St, 2)]);
        }
        steps.push((St, 30));
        let out = run(&steps, 10);
        assert!(out[..30].iter().all(|&p| p == St));
        let stairs = &out[30..90];
        assert!(
            stairs.iter().filter(|&&p| p == Mo).count() >= 50,
            "{stairs:?}"
        );
        assert!(out[90..].iter().all(|&p| p == St));
    }
}

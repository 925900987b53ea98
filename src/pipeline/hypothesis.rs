//! The most likely upright before gait has shown it, so that a worn thigh
//! is never hours of "unknown": the people who sit most walk least.
//!
//! Clues, weakest first:
//! - **People sit most.** The direction the thigh rests in most is sitting;
//!   a direction 60–120° from it where the wearer also rests is standing or
//!   lying on the side. Of those, standing is where the wearer moves
//!   about: weight shifts, a step or two, getting up (`active` seconds).
//! - **The source's way of wearing it** (`WearingPrior`): a phone in a
//!   trouser pocket lies along the thigh, so upright is its long axis, up
//!   or down, whichever the wearer has stood in.
//!
//! Until gait confirms a reference, classification uses this hypothesis
//! and the window says it is not sure yet; when gait comes, every stored
//! second is classified again with the confirmed reference.

use crate::domain::sample::WearingPrior;
use crate::domain::vector::Vec3;

/// A direction the thigh rests in, and how often it did.
#[derive(Clone, Copy, Debug)]
struct Cluster {
    sum: Vec3,
    still_s: u32,
    /// Moving (not still) seconds near it: where the wearer moves about.
    active_s: u32,
}

impl Cluster {
    fn centre(&self) -> Option<Vec3> {
        self.sum.normalized()
    }
}

/// Still seconds this close to a cluster's centre join it.
const JOIN_DEG: f32 = 25.0;
/// Moving seconds this close to a cluster's centre count for it.
const ACTIVE_DEG: f32 = 30.0;
/// Clusters kept (the smallest goes when a new one needs room).
const MAX_CLUSTERS: usize = 8;
/// Still seconds a direction needs before it is a place the wearer rests.
const MIN_STILL_S: u32 = 10;
/// A phone's long axis within this of gravity is standing.
const PRIOR_STAND_DEG: f32 = 45.0;

/// The running hypothesis for one sensor.
#[derive(Clone, Debug, Default)]
pub(crate) struct Hypothesis {
    clusters: Vec<Cluster>,
    prior: Option<WearingPrior>,
    /// The phone's long axis with the sign the wearer stood in.
    prior_up: Option<Vec3>,
}

impl Hypothesis {
    pub(crate) fn set_prior(&mut self, prior: WearingPrior) {
        self.prior = Some(prior);
    }

    /// The source's prior axis for upright, if it has one (unsigned).
    pub(crate) fn prior_axis(&self) -> Option<Vec3> {
        match self.prior? {
            WearingPrior::PhoneInPocket => Some(Vec3::new(0.0, 1.0, 0.0)),
        }
    }

    /// Feeds one worn, non-gait second.
    pub(crate) fn push(&mut self, d: Vec3, still: bool) {
        if still && let Some(axis) = self.prior_axis() {
            for up in [axis, axis * -1.0] {
                if d.angle_deg(up) <= PRIOR_STAND_DEG {
                    self.prior_up = Some(up);
                }
            }
        }
        let near = |c: &Cluster, deg: f32| c.centre().is_some_and(|m| m.angle_deg(d) <= deg);
        if !still {
            if let Some(c) = self.clusters.iter_mut().find(|c| near(c, ACTIVE_DEG)) {
                c.active_s += 1;
            }
            return;
        }
        if let Some(c) = self.clusters.iter_mut().find(|c| near(c, JOIN_DEG)) {
            // Capped so a long sit does not freeze the centre.
            if c.still_s < 3_600 {
                c.sum = c.sum + d;
            }
            c.still_s += 1;
            return;
        }
        if self.clusters.len() == MAX_CLUSTERS
            && let Some(i) = (0..self.clusters.len()).min_by_key(|&i| self.clusters[i].still_s)
        {
            self.clusters.swap_remove(i);
        }
        self.clusters.push(Cluster {
            sum: d,
            still_s: 1,
            active_s: 0,
        });
    }

    /// The most likely upright now, and whether there is one at all; with
    /// no clue beyond "people sit most", `Sitting(direction)`.
    pub(crate) fn guess(&self) -> Guess {
        if let Some(axis) = self.prior_axis() {
            return Guess::Upright(self.prior_up.unwrap_or(axis));
        }
        let rested: Vec<&Cluster> = self
            .clusters
            .iter()
            .filter(|c| c.still_s >= MIN_STILL_S)
            .collect();
        let Some(seat) = rested.iter().max_by_key(|c| c.still_s) else {
            return Guess::None;
        };
        let Some(seat_dir) = seat.centre() else {
            return Guess::None;
        };
        let upright = rested
            .iter()
            .filter_map(|c| Some((c, c.centre()?)))
            .filter(|(_, m)| (60.0..=120.0).contains(&m.angle_deg(seat_dir)))
            .max_by_key(|(c, _)| (c.active_s, c.still_s));
        match upright {
            Some((_, m)) => Guess::Upright(m),
            None => Guess::Sitting(seat_dir),
        }
    }
}

/// What the hypothesis says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Guess {
    None,
    /// Only a resting direction, taken as sitting.
    Sitting(Vec3),
    Upright(Vec3),
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIT: Vec3 = Vec3::new(1.0, 0.0, 0.0);
    const UP: Vec3 = Vec3::new(0.0, 0.0, 1.0);
    const SIDE: Vec3 = Vec3::new(0.0, 1.0, 0.0);

    #[test]
    fn the_commonest_rest_is_sitting_and_standing_is_where_the_wearer_moves() {
        let mut h = Hypothesis::default();
        assert_eq!(h.guess(), Guess::None);
        for _ in 0..600 {
            h.push(SIT, true);
        }
        assert_eq!(h.guess(), Guess::Sitting(SIT));
        // Lying on the side for longer than standing, but still.
        for _ in 0..300 {
            h.push(SIDE, true);
        }
        for _ in 0..60 {
            h.push(UP, true);
        }
        for _ in 0..20 {
            h.push(UP.rotate_about(SIDE, 0.2), false);
        }
        assert_eq!(h.guess(), Guess::Upright(UP));
    }

    #[test]
    fn a_phone_is_upright_along_its_long_axis_the_way_up_it_was_stood_in() {
        let mut h = Hypothesis::default();
        h.set_prior(WearingPrior::PhoneInPocket);
        assert_eq!(h.guess(), Guess::Upright(SIDE));
        h.push(SIDE * -1.0, true);
        assert_eq!(h.guess(), Guess::Upright(SIDE * -1.0));
    }
}

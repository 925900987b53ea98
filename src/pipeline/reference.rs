//! A sensor's references, learned only from recognised gait: upright (the
//! mean direction while walking, refined by standing still just after),
//! and for a thigh its forward direction (the axis it swings along) with
//! the sign that sitting shows. Repeated gait that disagrees with the
//! reference replaces it: the sensor slipped, was put on differently, or
//! the reference was wrong from the start. Every change says from which
//! second on the stored seconds should be classified again.
//! Method: `docs/posture.md`, "References" and "Recovery".

use std::collections::VecDeque;

use super::gait::{Motion, principal};
use super::hypothesis::{Guess, Hypothesis};
use crate::domain::features::SecondFeatures;
use crate::domain::vector::Vec3;
use forward::{add_projected, jump_since};

/// The references in use.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Refs {
    pub upright: Option<Vec3>,
    /// Unit, perpendicular to `upright`. Its sign is known when
    /// `forward_signed` is set; otherwise only the axis is.
    pub forward: Option<Vec3>,
    pub forward_signed: bool,
    /// Not confirmed by gait yet: the most likely hypothesis
    /// (`hypothesis.rs`); the live note says "Not sure yet" while it is.
    pub tentative: bool,
    /// With no upright at all, the direction taken as sitting (tentative).
    pub seat: Option<Vec3>,
}

use crate::domain::sample::WearingPrior;

/// The references changed: classify again every second from `from_s` on
/// (`None`: every second kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RefChange {
    pub from_s: Option<i64>,
}

#[derive(Clone, Debug)]
pub(crate) struct ReferenceLearner {
    refs: Refs,
    /// Since when the current upright is believed (`None`: from the start).
    since_s: Option<i64>,
    /// Gait directions that do not fit the reference, newest last.
    challengers: VecDeque<(i64, Vec3)>,
    last_agree_s: Option<i64>,
    gait_mean: Option<Vec3>,
    /// Still standing just after walking: the refined upright.
    stand_sum: Vec3,
    stand_n: u32,
    /// Scatter of the swing axes (perpendicular to upright).
    swing: [[f32; 3]; 3],
    swing_n: u32,
    /// The forward axis the votes were counted against, and the last gait
    /// second whose own swing fitted it.
    committed_axis: Option<Vec3>,
    axis_ok_s: Option<i64>,
    /// `axis_ok_s` as it was when the current walk began, and the last
    /// gait second: a turn found during a walk may have happened at any
    /// time since the walk before (the first strides of this one can
    /// still fit the old axis while the fading swing moves).
    axis_ok_before_walk_s: Option<i64>,
    last_gait_s: Option<i64>,
    /// Gait seconds in a row that fit the reference.
    agree_run: u32,
    /// Weight left of the standing so far at each standing second.
    stand_fade: f32,
    /// `last_agree_s` when the current walk began.
    agree_before_walk_s: Option<i64>,
    /// The upright the stored seconds were last classified with.
    announced_upright: Option<Vec3>,
    /// The last quiet seated second, and the first second since gait last
    /// fitted at which the thigh's quiet direction jumped (a slip, or
    /// lying down).
    last_horizontal: Option<Vec3>,
    horizontal_jump_s: Option<i64>,
    /// `horizontal_jump_s` when the current walk began.
    jump_before_walk_s: Option<i64>,
    /// Since when the committed axis holds (`None`: as long as upright).
    axis_since_s: Option<i64>,
    votes: (u32, u32),
    /// The axis the votes were last reset or recounted at: the committed
    /// axis may creep from it by small steps, and once it has gone far
    /// the votes no longer say which side forward is.
    votes_axis: Option<Vec3>,
    /// Quiet seconds with the thigh far from upright (one in five), kept
    /// so they can vote once a forward axis is known.
    horizontal: VecDeque<Vec3>,
    horizontal_tick: u32,
    /// Quiet seconds of the last two minutes: standing that supports a new
    /// reference.
    quiet: VecDeque<(i64, Vec3)>,
    /// A coherent new direction waiting for standing to confirm it.
    pending: Option<Pending>,
    /// The gait run in progress, held until it is long enough to teach.
    run: Vec<(i64, Vec3, [[f32; 3]; 3])>,
    run_taught: bool,
    /// Pedalling seconds of the last five minutes.
    cyclic: VecDeque<i64>,
    /// Quiet standing seconds in a row that fit the reference.
    stand_run: u32,
    hypothesis: Hypothesis,
    /// The hypothesis the stored seconds were last classified with.
    guess: Guess,
}

/// A new upright seen in gait, waiting for the wearer to stand near it
/// (before, within the last two minutes, or at any time after, until gait
/// that fits the old reference comes back).
#[derive(Clone, Copy, Debug)]
struct Pending {
    upright: Vec3,
    from_s: Option<i64>,
    support: u32,
    /// Quiet seconds about square to it: seated, as a thigh mostly is.
    seated: u32,
}

#[path = "reference_tuning.rs"]
mod tuning;
#[allow(
    clippy::wildcard_imports,
    reason = "the learner reads every one of its tuning figures"
)]
use tuning::*;

/// Weight left of the standing seen so far at each standing second, on a
/// thigh (its pocket slips); a back sensor keeps all of it, so its tilt is
/// measured from the wearer's usual stance, not their last one.
pub(crate) const THIGH_STAND_FADE: f32 = 0.98;

impl ReferenceLearner {
    /// Starts from a stored upright (or none).
    pub(crate) fn new(upright: Option<Vec3>) -> Self {
        Self {
            refs: Refs {
                upright,
                ..Refs::default()
            },
            since_s: None,
            challengers: VecDeque::new(),
            last_agree_s: None,
            gait_mean: upright,
            stand_sum: Vec3::default(),
            stand_n: 0,
            swing: [[0.0; 3]; 3],
            swing_n: 0,
            committed_axis: None,
            axis_ok_s: None,
            axis_ok_before_walk_s: None,
            last_gait_s: None,
            agree_run: 0,
            stand_fade: 1.0,
            agree_before_walk_s: None,
            announced_upright: upright,
            last_horizontal: None,
            horizontal_jump_s: None,
            jump_before_walk_s: None,
            axis_since_s: None,
            votes: (0, 0),
            votes_axis: None,
            horizontal: VecDeque::new(),
            horizontal_tick: 0,
            run: Vec::new(),
            run_taught: false,
            quiet: VecDeque::new(),
            pending: None,
            cyclic: VecDeque::new(),
            stand_run: 0,
            hypothesis: Hypothesis::default(),
            guess: Guess::None,
        }
    }

    /// Standing counts fade by `fade` per standing second (1: never).
    #[must_use]
    pub(crate) fn with_standing_fade(mut self, fade: f32) -> Self {
        self.stand_fade = fade.clamp(0.5, 1.0);
        self
    }

    /// The references to classify with: the confirmed ones, or until
    /// there are any, the most likely hypothesis.
    pub(crate) fn refs(&self) -> Refs {
        if self.refs.upright.is_some() {
            return self.refs;
        }
        match self.guess {
            Guess::None => self.refs,
            Guess::Sitting(seat) => Refs {
                seat: Some(seat),
                tentative: true,
                ..self.refs
            },
            Guess::Upright(u) => Refs {
                upright: Some(u),
                forward: None,
                forward_signed: false,
                tentative: true,
                seat: None,
            },
        }
    }

    /// The references confirmed by gait (or calibration) only.
    pub(crate) fn confirmed(&self) -> Refs {
        self.refs
    }

    /// What the source knows of how the sensor is worn.
    pub(crate) fn set_prior(&mut self, prior: WearingPrior) {
        self.hypothesis.set_prior(prior);
        self.guess = self.hypothesis.guess();
    }

    /// Feeds the hypothesis while no reference is confirmed; a guess that
    /// changed classifies every second kept again.
    fn guess_second(&mut self, d: Vec3, still: bool) -> Option<RefChange> {
        if self.refs.upright.is_some() {
            return None;
        }
        self.hypothesis.push(d, still);
        let g = self.hypothesis.guess();
        let moved = match (self.guess, g) {
            (Guess::Upright(a), Guess::Upright(b)) | (Guess::Sitting(a), Guess::Sitting(b)) => {
                a.angle_deg(b) > GUESS_MOVE_DEG
            }
            (a, b) => a != b,
        };
        if !moved {
            return None;
        }
        self.guess = g;
        Some(RefChange { from_s: None })
    }

    /// Feeds one second and its motion; says when the references changed.
    pub(crate) fn push(&mut self, f: &SecondFeatures, m: &Motion) -> Option<RefChange> {
        if f.not_worn {
            return None;
        }
        if f.cyclic {
            self.cyclic.push_back(f.t_s);
            while self
                .cyclic
                .front()
                .is_some_and(|t| f.t_s - t > CHALLENGE_WINDOW_S)
            {
                self.cyclic.pop_front();
            }
        }
        if f.gait {
            return self.gait_second(f.t_s, f.gravity, m);
        }
        // One second without a stride inside a walk keeps the run; two end
        // it.
        if self.run.last().is_some_and(|(t, _, _)| f.t_s > t + 1) {
            self.run.clear();
            self.run_taught = false;
        }
        let d = f.gravity;
        let quiet = f.intensity_g < QUIET_G;
        // Only a still second supports a new reference: a slow pedal
        // stroke can be quiet enough, and it must not confirm the
        // direction it pedalled in.
        let still = f.intensity_g < STILL_G && !f.cyclic;
        if still && let Some(c) = self.quiet_second(f.t_s, d) {
            return Some(c);
        }
        if let Some(c) = self.guess_second(d, still) {
            return Some(c);
        }
        let gait_mean = self.gait_mean?;
        let upright = self.refs.upright?;
        let standing = quiet && d.angle_deg(gait_mean) <= STAND_DEG;
        self.stand_run = if standing { self.stand_run + 1 } else { 0 };
        if self.stand_run >= STAND_FITS_S && self.pending.is_none() {
            // Standing where the reference says upright is proves it as
            // well as a walk does: a slip found later happened after this
            // (short walks can miss the stride test now and then).
            self.last_agree_s = Some(f.t_s);
            self.horizontal_jump_s = None;
        }
        if standing {
            // The standing of the last minute or two counts most, so
            // standing after a small slip (one gait still fits) moves
            // upright to where the sensor now sits; after a bicycle ride
            // the wearer stands where they always did.
            self.stand_sum = self.stand_sum * self.stand_fade + d;
            self.stand_n += 1;
            if self.stand_n >= STAND_MIN_N {
                let refined = self.stand_sum.normalized()?;
                if refined.angle_deg(upright) > 1.0 {
                    self.refs.upright = Some(refined);
                    self.update_forward();
                }
                // Not announced as a change: a relaxed stance at a standing
                // desk moves this too, and classifying the day again from
                // it cost a realistic day 0.7 % (the live seconds follow).
            }
            return None;
        }
        let incline = d.angle_deg(upright);
        if quiet && (35.0..=145.0).contains(&incline) {
            self.seated_direction(f.t_s, d);
        }
        if !quiet || !(60.0..=120.0).contains(&incline) {
            return None;
        }
        self.horizontal_second(d, upright)
    }

    /// A gait second: held until its run is long enough to teach (a
    /// second or two of fidgeting can look like a stride), then taught.
    fn gait_second(&mut self, t_s: i64, d: Vec3, m: &Motion) -> Option<RefChange> {
        // A second that missed the stride test inside a walk (a turn, an
        // uneven step) does not end the run.
        let contiguous = self.run.last().is_some_and(|(t, _, _)| t_s <= t + 2);
        if !contiguous {
            self.run.clear();
            self.run_taught = false;
        }
        self.run.push((t_s, d, m.scatter));
        if !self.run_taught && self.run.len() < MIN_RUN_S {
            return None;
        }
        self.run_taught = true;
        let pending: Vec<_> = self.run.drain(..).collect();
        // Keep the newest, so the next second can tell it follows on.
        if let Some(&last) = pending.last() {
            self.run.push(last);
        }
        let mut change = None;
        for (t, d, scatter) in pending {
            if let Some(c) = self.gait(t, d, &scatter) {
                change = Some(c);
            }
        }
        change
    }

    /// A quiet second: kept as possible support for a new direction, and
    /// counted for the one waiting.
    fn quiet_second(&mut self, t_s: i64, d: Vec3) -> Option<RefChange> {
        self.quiet.push_back((t_s, d));
        while self
            .quiet
            .front()
            .is_some_and(|(t, _)| t_s - t > SUPPORT_WINDOW_S)
        {
            self.quiet.pop_front();
        }
        let p = self.pending.as_mut()?;
        let a = d.angle_deg(p.upright);
        p.support += u32::from(a <= SUPPORT_DEG);
        // Standing that fits the reference in use is not sitting square
        // to a new one (a horizontal candidate is square to standing).
        let stands_now = self.gait_mean.is_some_and(|g| d.angle_deg(g) <= STAND_DEG);
        p.seated += u32::from((75.0..=105.0).contains(&a) && !stands_now);
        if p.support < SUPPORT_S && p.seated < SEATED_SUPPORT_S {
            return None;
        }
        let p = *p;
        self.adopt(p.upright, p.from_s);
        Some(RefChange { from_s: p.from_s })
    }

    /// A quiet second with the thigh well off upright (seated, mostly):
    /// if its direction moved far from the last such second's (more than
    /// crossing the legs does), a slip in the pocket may have happened
    /// here; the next walk tells.
    fn seated_direction(&mut self, t_s: i64, d: Vec3) {
        // The first jump since gait last fitted: later ones may be
        // standing and sitting judged against a reference the slip made
        // wrong.
        if let Some(last) = self.last_horizontal
            && last.angle_deg(d) > ROLL_JUMP_DEG
            && self.horizontal_jump_s.is_none()
        {
            self.horizontal_jump_s = Some(t_s);
        }
        self.last_horizontal = Some(d);
    }

    /// A quiet second with the thigh near horizontal: kept, and a vote for
    /// which side of the swing axis forward is (sitting, mostly).
    fn horizontal_second(&mut self, d: Vec3, upright: Vec3) -> Option<RefChange> {
        self.horizontal_tick += 1;
        if self.horizontal_tick.is_multiple_of(HORIZONTAL_EVERY) {
            if self.horizontal.len() == HORIZONTAL_KEEP {
                self.horizontal.pop_front();
            }
            self.horizontal.push_back(d);
        }
        let axis = self.committed_axis?;
        let across = (d - upright * d.dot(upright)).normalized()?;
        let c = across.dot(axis);
        if c.abs() < 35_f32.to_radians().cos() {
            return None;
        }
        if c > 0.0 {
            self.votes.0 += 1;
        } else {
            self.votes.1 += 1;
        }
        let before = self.refs;
        self.update_forward();
        let flipped = self.refs.forward_signed
            && before.forward_signed
            && self
                .refs
                .forward
                .zip(before.forward)
                .is_some_and(|(a, b)| a.dot(b) < 0.0);
        (self.refs.forward_signed != before.forward_signed || flipped).then_some(RefChange {
            from_s: self.axis_since_s.or(self.since_s),
        })
    }

    fn gait(&mut self, t_s: i64, d: Vec3, scatter: &[[f32; 3]; 3]) -> Option<RefChange> {
        match self.gait_mean {
            Some(g) if d.angle_deg(g) <= AGREE_DEG => {
                self.agree_run += 1;
                self.agree(t_s, d, g, scatter)
            }
            _ => {
                self.agree_run = 0;
                self.challengers.push_back((t_s, d));
                while self
                    .challengers
                    .front()
                    .is_some_and(|(t, _)| t_s - t > CHALLENGE_WINDOW_S)
                {
                    self.challengers.pop_front();
                }
                let need = if self.gait_mean.is_none() {
                    LEARN_S
                } else {
                    CHALLENGE_S
                };
                if self.challengers.len() < need {
                    return None;
                }
                // Among pedalling, a stroke now and then passes for a
                // stride: a bicycle is a posture, never a new reference.
                let since = self.challengers.front().map_or(t_s, |c| c.0);
                let pedalled = self.cyclic.iter().filter(|&&c| c >= since).count();
                if pedalled * 2 >= self.challengers.len() {
                    self.challengers.pop_front();
                    return None;
                }
                let mean = self
                    .challengers
                    .iter()
                    .fold(Vec3::default(), |a, (_, v)| a + *v)
                    .normalized()?;
                if self
                    .challengers
                    .iter()
                    .any(|(_, v)| v.angle_deg(mean) > COHERENT_DEG)
                {
                    // Not one direction: drop the oldest and keep looking.
                    self.challengers.pop_front();
                    return None;
                }
                // Seconds after the last walk that fitted the old
                // reference are classified again; a first reference, or
                // one that never had a walk fit it, applies to them all.
                let walk_before = self.last_agree_s.or(self.since_s);
                let from_s = if self.gait_mean.is_some() {
                    jump_since(self.horizontal_jump_s, walk_before)
                } else {
                    walk_before
                };
                let support = self
                    .quiet
                    .iter()
                    .filter(|(_, q)| q.angle_deg(mean) <= SUPPORT_DEG)
                    .count() as u32;
                let seated = self
                    .quiet
                    .iter()
                    .filter(|(_, q)| {
                        (75.0..=105.0).contains(&q.angle_deg(mean))
                            && self.gait_mean.is_none_or(|g| q.angle_deg(g) > STAND_DEG)
                    })
                    .count() as u32;
                // A long coherent first walk stands on its own: pedalling
                // was ruled out above, and a person who walks on for half
                // a minute without stopping must not wait for standing. A
                // replacement still needs standing or sitting near it (a
                // ride whose every stroke passed for a stride must not).
                let fits_prior = self.hypothesis.prior_axis().is_some_and(|a| {
                    mean.angle_deg(a).min(mean.angle_deg(a * -1.0)) <= PRIOR_AGREE_DEG
                });
                if support >= SUPPORT_S
                    || seated >= SEATED_SUPPORT_S
                    || (self.gait_mean.is_none() && self.challengers.len() >= UNSUPPORTED_S)
                    || fits_prior
                {
                    self.adopt(mean, from_s);
                    return Some(RefChange { from_s });
                }
                self.pending = Some(Pending {
                    upright: mean,
                    from_s,
                    support,
                    seated,
                });
                None
            }
        }
    }

    /// Gait that fits the reference: it follows slowly, and the swing
    /// teaches the forward axis.
    fn agree(&mut self, t_s: i64, d: Vec3, g: Vec3, scatter: &[[f32; 3]; 3]) -> Option<RefChange> {
        // A stray second within reach of a reference that is 35° off
        // (strides vary) must not wipe the evidence against it: only a
        // few agreeing seconds in a row do.
        let new_walk = self.last_gait_s.is_none_or(|l| t_s - l > NEW_WALK_GAP_S);
        if new_walk {
            self.agree_before_walk_s = self.last_agree_s;
            self.jump_before_walk_s = self.horizontal_jump_s;
        }
        if self.agree_run >= AGREE_RUN_S {
            self.last_agree_s = Some(t_s);
            self.challengers.clear();
            self.pending = None;
            self.horizontal_jump_s = None;
        }
        self.gait_mean = (g * 0.95 + d * 0.05).normalized().or(Some(g));
        if self.stand_n < STAND_MIN_N {
            self.refs.upright = self.gait_mean;
        }
        let u = self.refs.upright?;
        // Upright moved far from what the stored seconds were classified
        // with: classify them again from where the slip seems to be.
        let mut change = None;
        if self
            .announced_upright
            .is_some_and(|a| a.angle_deg(u) > ANNOUNCE_DEG)
        {
            self.announced_upright = Some(u);
            change = Some(RefChange {
                from_s: jump_since(
                    self.jump_before_walk_s,
                    self.agree_before_walk_s.or(self.since_s),
                ),
            });
        }
        // The scatter with the vertical (bounce, heel strikes) taken
        // out: what is left is the swing. Older walks fade, so a
        // sensor that turned in the pocket is followed.
        let mut own = [[0.0; 3]; 3];
        add_projected(&mut own, scatter, u);
        if new_walk {
            self.axis_ok_before_walk_s = self.axis_ok_s;
        }
        self.last_gait_s = Some(t_s);
        if let (Some(a), Some(c)) = (principal(&own), self.committed_axis)
            && a.dot(c).abs() >= AXIS_AGREE_DEG.to_radians().cos()
        {
            self.axis_ok_s = Some(t_s);
        }
        for (row, o) in self.swing.iter_mut().zip(own) {
            for (x, y) in row.iter_mut().zip(o) {
                *x = *x * SWING_FADE + y;
            }
        }
        self.swing_n += 1;
        let axis = self.forward_axis();
        match (axis, self.committed_axis) {
            (Some(a), None) => {
                // The first forward axis: the sitting seen before it
                // votes now.
                self.committed_axis = Some(a);
                self.votes_axis = Some(a);
                self.recount_votes();
                self.update_forward();
                // Even unsigned, the axis tells lying on the side from
                // sitting: the seconds since upright was learned are
                // classified again with it.
                return Some(RefChange {
                    from_s: self.axis_since_s.or(self.since_s),
                });
            }
            (Some(a), Some(c))
                if a.dot(self.votes_axis.unwrap_or(c)).abs()
                    < AXIS_AGREE_DEG.to_radians().cos() =>
            {
                // The sensor turned about the thigh, at once or by small
                // steps since the votes were counted: forward is
                // elsewhere and sitting must sign it again. The old votes
                // cannot say which side: a turn of 140° leaves the axis
                // 40° from the old one with forward on its other side.
                self.votes = (0, 0);
                self.committed_axis = Some(a);
                self.votes_axis = Some(a);
                self.update_forward();
                // From the jump that looks like the slip, if there was one
                // since the walk before; else from that walk.
                self.axis_since_s = jump_since(
                    self.jump_before_walk_s,
                    self.axis_ok_before_walk_s.or(self.since_s),
                );
                return Some(RefChange {
                    from_s: self.axis_since_s,
                });
            }
            // Small changes are followed (the eigenvector's sign
            // is already aligned with the committed one).
            (Some(a), Some(_)) => self.committed_axis = Some(a),
            _ => {}
        }
        self.update_forward();
        change
    }

    fn adopt(&mut self, upright: Vec3, since_s: Option<i64>) {
        self.refs = Refs {
            upright: Some(upright),
            ..Refs::default()
        };
        self.announced_upright = Some(upright);
        self.agree_run = 0;
        self.since_s = since_s;
        self.gait_mean = Some(upright);
        self.last_agree_s = self.challengers.back().map(|(t, _)| *t);
        self.challengers.clear();
        self.pending = None;
        self.quiet.clear();
        self.stand_sum = Vec3::default();
        self.stand_n = 0;
        self.swing = [[0.0; 3]; 3];
        self.swing_n = 0;
        self.committed_axis = None;
        self.axis_ok_s = None;
        self.axis_ok_before_walk_s = None;
        self.last_gait_s = None;
        self.last_horizontal = None;
        self.horizontal_jump_s = None;
        self.axis_since_s = since_s;
        self.horizontal.clear();
        self.votes = (0, 0);
        self.votes_axis = None;
    }
}

#[path = "reference_forward.rs"]
mod forward;

#[cfg(test)]
#[path = "reference_tests.rs"]
mod tests;

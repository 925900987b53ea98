//! The forward direction of a thigh sensor (the axis it swings along in
//! gait, signed by the side sitting lies on) and where a change began
//! (`docs/posture.md`, "References"). Part of the reference learner.

use super::{HORIZONTAL_EVERY, ReferenceLearner, SWING_MIN_N, VOTES_MIN, VOTES_RATIO};
use crate::domain::vector::Vec3;
use crate::pipeline::gait::principal;

impl ReferenceLearner {
    pub(super) fn forward_axis(&self) -> Option<Vec3> {
        if self.swing_n < SWING_MIN_N {
            return None;
        }
        let u = self.refs.upright?;
        let a = principal(&self.swing)?;
        let a = (a - u * a.dot(u)).normalized()?;
        // An eigenvector's sign is arbitrary: keep the one the votes were
        // counted against.
        Some(match self.committed_axis {
            Some(c) if a.dot(c) < 0.0 => a * -1.0,
            _ => a,
        })
    }

    /// Votes of the kept horizontal seconds (one in five, so each counts
    /// five) against the committed axis.
    pub(super) fn recount_votes(&mut self) {
        let (Some(axis), Some(u)) = (self.committed_axis, self.refs.upright) else {
            return;
        };
        let mut votes = (0, 0);
        for d in &self.horizontal {
            let Some(across) = (*d - u * d.dot(u)).normalized() else {
                continue;
            };
            let c = across.dot(axis);
            if c >= 35_f32.to_radians().cos() {
                votes.0 += HORIZONTAL_EVERY;
            } else if c <= -(35_f32.to_radians().cos()) {
                votes.1 += HORIZONTAL_EVERY;
            }
        }
        self.votes = votes;
    }

    pub(super) fn update_forward(&mut self) {
        let Some(axis) = self.committed_axis.or_else(|| self.forward_axis()) else {
            return;
        };
        let (pos, neg) = self.votes;
        let sign = if neg > pos { -1.0 } else { 1.0 };
        // Signed once one side wins clearly; it stays signed while that
        // side keeps the majority (a night on the front does not undo a
        // day of sitting).
        let same_side = self.refs.forward.is_some_and(|f| f.dot(axis * sign) > 0.0);
        let signed = pos + neg >= VOTES_MIN
            && (pos >= VOTES_RATIO * neg
                || neg >= VOTES_RATIO * pos
                || self.refs.forward_signed && same_side && pos != neg);
        self.refs.forward = Some(axis * sign);
        self.refs.forward_signed = signed;
    }
}

/// Adds `P·S·P` to `m`, with `P` the projection off `u`.
pub(super) fn add_projected(m: &mut [[f32; 3]; 3], scatter: &[[f32; 3]; 3], u: Vec3) {
    let uu = [u.x, u.y, u.z];
    let p = |i: usize, j: usize| f32::from(u8::from(i == j)) - uu[i] * uu[j];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            let mut v = 0.0;
            for (k, srow) in scatter.iter().enumerate() {
                for (l, s) in srow.iter().enumerate() {
                    v += p(i, k) * s * p(l, j);
                }
            }
            *x += v;
        }
    }
}

/// Where a change found now began: at the jump that looks like the slip,
/// if there was one after `walk_before` (the last walk that fitted the old
/// references); else from that walk.
pub(super) fn jump_since(jump: Option<i64>, walk_before: Option<i64>) -> Option<i64> {
    match (jump, walk_before) {
        (Some(j), Some(w)) if j > w => Some(j),
        (Some(j), None) => Some(j),
        _ => walk_before,
    }
}

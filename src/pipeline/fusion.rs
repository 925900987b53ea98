//! Merges the per-second results of up to two sensors into one posture
//! stream: the thigh decides sitting vs upright, the back gives the tilt and
//! recognises lying (trunk horizontal while the thigh is horizontal too).

use std::collections::BTreeMap;

use super::classify::Classified;
use crate::domain::posture::{Posture, PostureSecond};
use crate::domain::sample::Placement;

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Slot {
    pub(super) thigh: Option<(i64, Classified)>,
    pub(super) back: Option<(i64, Classified)>,
}

#[derive(Debug)]
pub(crate) struct Fusion {
    expect_thigh: bool,
    expect_back: bool,
    slots: BTreeMap<i64, Slot>,
    newest_s: i64,
    /// Last second emitted; a late result for it or earlier is dropped.
    emitted_up_to: Option<i64>,
    pub late_results: u64,
}

impl Fusion {
    /// How long a second waits for the other sensor before it goes alone.
    pub(crate) const WAIT_S: i64 = 3;

    pub(crate) fn new(placements: &[Placement]) -> Self {
        Self {
            expect_thigh: placements.contains(&Placement::Thigh),
            expect_back: placements.contains(&Placement::Back),
            slots: BTreeMap::new(),
            newest_s: i64::MIN,
            emitted_up_to: None,
            late_results: 0,
        }
    }

    /// Changes which sensors a second waits for.
    pub(crate) fn expect(&mut self, placements: &[Placement]) {
        self.expect_thigh = placements.contains(&Placement::Thigh);
        self.expect_back = placements.contains(&Placement::Back);
    }

    pub(crate) fn push(
        &mut self,
        placement: Placement,
        device_id: i64,
        c: Classified,
        out: &mut Vec<PostureSecond>,
    ) {
        if self.emitted_up_to.is_some_and(|e| c.t_s <= e) {
            self.late_results += 1;
            return;
        }
        let slot = self.slots.entry(c.t_s).or_default();
        match placement {
            Placement::Thigh => slot.thigh = Some((device_id, c)),
            Placement::Back => slot.back = Some((device_id, c)),
        }
        self.newest_s = self.newest_s.max(c.t_s);
        self.drain(false, out);
    }

    pub(crate) fn flush(&mut self, out: &mut Vec<PostureSecond>) {
        self.drain(true, out);
    }

    fn drain(&mut self, all: bool, out: &mut Vec<PostureSecond>) {
        while let Some(entry) = self.slots.first_entry() {
            let t_s = *entry.key();
            let slot = *entry.get();
            let complete = (!self.expect_thigh || slot.thigh.is_some())
                && (!self.expect_back || slot.back.is_some());
            if !(all || complete || t_s <= self.newest_s - Self::WAIT_S) {
                break;
            }
            entry.remove();
            self.emitted_up_to = Some(t_s);
            if let Some(s) = merge(t_s, slot) {
                out.push(s);
            }
        }
    }
}

pub(super) fn merge(t_s: i64, slot: Slot) -> Option<PostureSecond> {
    let tilt_deg = slot.back.and_then(|(_, b)| b.tilt_deg);
    let (device_id, state) = match (slot.thigh, slot.back) {
        (Some((_, t)), Some((bd, b)))
            if t.state == Posture::Sitting && b.state == Posture::Lying =>
        {
            (bd, Posture::Lying)
        }
        (Some((td, t)), Some((bd, b))) => {
            // A thigh that knows nothing, or lies on a desk while the back
            // sensor is still worn, leaves the decision to the back.
            let thigh_out = t.state == Posture::Unknown
                || t.state == Posture::NotWorn && b.state != Posture::NotWorn;
            if thigh_out {
                (bd, b.state)
            } else {
                (td, t.state)
            }
        }
        (Some((td, t)), None) => (td, t.state),
        (None, Some((bd, b))) => (bd, b.state),
        (None, None) => return None,
    };
    Some(PostureSecond {
        t_s,
        state,
        tilt_deg,
        device_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(t_s: i64, state: Posture, tilt: Option<f32>) -> Classified {
        Classified {
            t_s,
            state,
            tilt_deg: tilt,
        }
    }

    #[test]
    fn thigh_decides_state_back_gives_tilt() {
        let mut f = Fusion::new(&[Placement::Thigh, Placement::Back]);
        let mut out = Vec::new();
        f.push(Placement::Thigh, 1, c(10, Posture::Sitting, None), &mut out);
        assert!(out.is_empty(), "waits for the back sensor");
        f.push(
            Placement::Back,
            2,
            c(10, Posture::Standing, Some(22.0)),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].state, Posture::Sitting);
        assert_eq!(out[0].tilt_deg, Some(22.0));
        assert_eq!(out[0].device_id, 1);
    }

    #[test]
    fn a_missing_sensor_does_not_stall_the_stream() {
        let mut f = Fusion::new(&[Placement::Thigh, Placement::Back]);
        let mut out = Vec::new();
        for t in 0..10 {
            f.push(Placement::Thigh, 1, c(t, Posture::Standing, None), &mut out);
        }
        assert_eq!(out.len(), 10 - Fusion::WAIT_S as usize);
        f.flush(&mut out);
        assert_eq!(out.len(), 10);
        f.push(
            Placement::Back,
            2,
            c(3, Posture::Sitting, Some(1.0)),
            &mut out,
        );
        assert_eq!(f.late_results, 1);
    }

    #[test]
    fn horizontal_thigh_and_trunk_is_lying() {
        let mut f = Fusion::new(&[Placement::Thigh, Placement::Back]);
        let mut out = Vec::new();
        f.push(Placement::Thigh, 1, c(0, Posture::Sitting, None), &mut out);
        f.push(
            Placement::Back,
            2,
            c(0, Posture::Lying, Some(85.0)),
            &mut out,
        );
        assert_eq!(out[0].state, Posture::Lying);
    }
}

//! Tests of `reference.rs`: learning, recovery, slips and turns.

use super::*;

const UP: Vec3 = Vec3::new(0.0, 0.0, 1.0);
const FWD: Vec3 = Vec3::new(1.0, 0.0, 0.0);

fn sec(t_s: i64, gravity: Vec3, gait: bool, intensity_g: f32) -> SecondFeatures {
    SecondFeatures {
        t_s,
        gravity: gravity.normalized().unwrap(),
        intensity_g,
        gait,
        cyclic: false,
        not_worn: false,
    }
}

fn swing() -> Motion {
    // Swinging along x, bouncing more along z.
    let mut scatter = [[0.0; 3]; 3];
    scatter[0][0] = 0.04;
    scatter[2][2] = 0.09;
    Motion {
        gait: true,
        scatter,
        ..Motion::default()
    }
}

/// Stands still for ten seconds, then walks: people stand before and
/// after they walk, and that standing confirms a new upright.
fn walk(l: &mut ReferenceLearner, t: std::ops::Range<i64>, dir: Vec3) -> Vec<RefChange> {
    let stand = (t.start - 10..t.start)
        .filter_map(|s| l.push(&sec(s, dir, false, 0.02), &Motion::default()));
    let mut changes: Vec<RefChange> = stand.collect();
    changes.extend(t.filter_map(|t| l.push(&sec(t, dir, true, 0.3), &swing())));
    changes
}

#[test]
fn a_first_walk_teaches_upright_and_applies_to_everything_before() {
    let mut l = ReferenceLearner::new(None);
    // A car ride first: vibration, but no gait.
    for t in 0..600 {
        assert!(
            l.push(&sec(t, FWD, false, 0.2), &Motion::default())
                .is_none()
        );
    }
    let changes = walk(&mut l, 600..620, UP);
    // The standing before the walk is a first guess (the only rest seen
    // is taken as sitting); the walk then confirms upright. Both apply to
    // every second kept.
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| c.from_s.is_none()), "{changes:?}");
    assert!(l.confirmed().upright.is_some());
    assert!(l.refs().upright.unwrap().angle_deg(UP) < 0.1);
}

#[test]
fn a_slip_is_relearned_within_half_a_minute_of_walking() {
    let mut l = ReferenceLearner::new(None);
    walk(&mut l, 0..60, UP);
    let slipped = Vec3::new(0.0, 1.0, 0.2);
    let changes = walk(&mut l, 1000..1060, slipped);
    // The new upright, then the swing axis learned against it: both
    // from the last walk that fitted the old one.
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| c.from_s == Some(59)), "{changes:?}");
    assert!(l.refs().upright.unwrap().angle_deg(slipped) < 0.5);
    // Stairs now and then (more flexed) do not move it.
    let stairs = Vec3::new(0.6, 1.0, 0.2);
    assert!(walk(&mut l, 2000..2012, stairs).is_empty());
}

#[test]
fn forward_is_the_swing_axis_signed_by_where_sitting_lies() {
    let mut l = ReferenceLearner::new(None);
    walk(&mut l, 0..60, UP);
    let r = l.refs();
    assert!(r.forward.unwrap().dot(FWD).abs() > 0.99);
    assert!(!r.forward_signed);
    // Sitting: gravity along -x in this mounting, so forward is -x.
    let mut change = None;
    for t in 100..500 {
        change = change.or(l.push(
            &sec(t, Vec3::new(-1.0, 0.05, 0.1), false, 0.02),
            &Motion::default(),
        ));
    }
    assert!(change.is_some());
    let r = l.refs();
    assert!(r.forward_signed);
    assert!(r.forward.unwrap().dot(FWD) < -0.99);
}

#[test]
fn standing_after_a_walk_refines_upright() {
    let mut l = ReferenceLearner::new(None);
    let flexed = Vec3::new(0.14, 0.0, 0.99); // walking leans ~8° forward
    walk(&mut l, 0..30, flexed);
    for t in 30..90 {
        l.push(&sec(t, UP, false, 0.02), &Motion::default());
    }
    assert!(l.refs().upright.unwrap().angle_deg(UP) < 1.0);
}

#[test]
fn pedalling_without_standing_near_it_does_not_replace_a_walked_reference() {
    let mut l = ReferenceLearner::new(None);
    walk(&mut l, 0..60, UP);
    let pedal = UP.rotate_about(Vec3::new(0.0, 1.0, 0.0), 55_f32.to_radians());
    // Ten minutes that look like strides, then standing after getting
    // off the bicycle, far from where the thigh pedalled.
    for t in 1000..1600 {
        assert!(l.push(&sec(t, pedal, true, 0.3), &swing()).is_none());
    }
    for t in 1600..1700 {
        assert!(
            l.push(&sec(t, UP, false, 0.02), &Motion::default())
                .is_none()
        );
    }
    assert!(l.refs().upright.unwrap().angle_deg(UP) < 2.0);
}

/// A swing along `axis` (perpendicular to z), bouncing along z.
fn swing_along(axis: Vec3) -> Motion {
    let mut scatter = [[0.0; 3]; 3];
    let a = [axis.x, axis.y, axis.z];
    for (i, row) in scatter.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = 0.04 * a[i] * a[j];
        }
    }
    scatter[2][2] += 0.09;
    Motion {
        gait: true,
        scatter,
        ..Motion::default()
    }
}

fn sit(l: &mut ReferenceLearner, t: std::ops::Range<i64>, forward: Vec3) {
    for t in t {
        l.push(
            &sec(t, forward + Vec3::new(0.0, 0.0, 0.1), false, 0.02),
            &Motion::default(),
        );
    }
}

#[test]
fn a_turn_in_the_pocket_past_ninety_degrees_is_signed_again_by_the_sitting_after_it() {
    // Forward +x, signed by an hour of sitting.
    let mut l = ReferenceLearner::new(None);
    for t in (0..600).step_by(60) {
        let stand = (t - 10..t).map(|s| sec(s, UP, false, 0.02));
        for s in stand {
            l.push(&s, &Motion::default());
        }
        for g in t..t + 40 {
            l.push(&sec(g, UP, true, 0.3), &swing_along(FWD));
        }
    }
    sit(&mut l, 1000..4600, FWD);
    assert!(l.refs().forward_signed);
    assert!(l.refs().forward.unwrap().dot(FWD) > 0.99);
    // The sensor turns 140° about the thigh: forward is now 140° round,
    // 40° from the old axis line but on its other side.
    let turned = FWD.rotate_about(UP, 140_f32.to_radians());
    let mut changed = false;
    for t in 5000..5600 {
        changed |= l
            .push(&sec(t, UP, true, 0.3), &swing_along(turned))
            .is_some();
    }
    assert!(changed, "the turn is a reference change");
    assert!(!l.refs().forward_signed, "the old sitting cannot sign it");
    sit(&mut l, 6000..6600, turned);
    let r = l.refs();
    assert!(r.forward_signed);
    assert!(
        r.forward.unwrap().dot(turned) > 0.95,
        "forward follows the sitting after the turn: {:?}",
        r.forward
    );
}

#[test]
fn a_slip_smaller_than_a_challenge_is_followed_by_the_standing_after_it() {
    let mut l = ReferenceLearner::new(None).with_standing_fade(THIGH_STAND_FADE);
    walk(&mut l, 0..60, UP);
    // Standing after the walk refines upright.
    for t in 60..120 {
        l.push(&sec(t, UP, false, 0.02), &Motion::default());
    }
    // Seated; at 1000 the sensor slips while seated: it turns 70° in
    // the pocket and tilts 25° (less than the 30° a challenge needs).
    let tilt = |v: Vec3| v.rotate_about(Vec3::new(0.0, 1.0, 0.0), 25_f32.to_radians());
    let seated = Vec3::new(-1.0, 0.05, 0.1);
    sit(&mut l, 200..1000, seated);
    for t in 1000..1600 {
        l.push(
            &sec(t, tilt(seated) + Vec3::new(0.0, 2.7, 0.0), false, 0.02),
            &Motion::default(),
        );
    }
    // The next walk, in the slipped mounting, and standing after it.
    walk(&mut l, 2000..2090, tilt(UP));
    for t in 2090..2190 {
        l.push(&sec(t, tilt(UP), false, 0.02), &Motion::default());
    }
    assert!(
        l.refs().upright.unwrap().angle_deg(tilt(UP)) < 5.0,
        "upright follows: {:?}",
        l.refs().upright
    );
}

#[test]
fn strokes_among_pedalling_never_make_a_first_reference() {
    let mut l = ReferenceLearner::new(None);
    let pedal = UP.rotate_about(Vec3::new(0.0, 1.0, 0.0), 55_f32.to_radians());
    // An exercise bike: mostly pedalling, one stroke in three passing for
    // a stride, for ten minutes.
    for t in 0..600 {
        let mut f = sec(t, pedal, t % 3 == 0, 0.3);
        f.cyclic = t % 3 != 0;
        l.push(&f, &swing());
    }
    assert!(l.confirmed().upright.is_none());
    // Then a real walk of 40 s, no standing: it makes the reference.
    for t in 700..740 {
        l.push(&sec(t, UP, true, 0.3), &swing());
    }
    assert!(l.confirmed().upright.unwrap().angle_deg(UP) < 1.0);
}

#[test]
fn with_no_walk_the_commonest_rest_is_sitting_and_a_phone_is_upright_along_its_length() {
    let mut l = ReferenceLearner::new(None);
    for t in 0..100 {
        l.push(&sec(t, FWD, false, 0.01), &Motion::default());
    }
    let r = l.refs();
    assert!(r.tentative && r.upright.is_none());
    assert!(r.seat.unwrap().angle_deg(FWD) < 1.0);
    assert!(l.confirmed() == Refs::default(), "a guess is never stored");
    let mut phone = ReferenceLearner::new(None);
    phone.set_prior(WearingPrior::PhoneInPocket);
    let down = Vec3::new(0.0, -1.0, 0.0);
    phone.push(&sec(0, down, false, 0.01), &Motion::default());
    let r = phone.refs();
    assert!(r.tentative && r.upright.unwrap().angle_deg(down) < 1.0);
    // Gait along the phone's length confirms it at once (no standing).
    for t in 10..20 {
        phone.push(&sec(t, down, true, 0.3), &swing());
    }
    assert!(phone.confirmed().upright.unwrap().angle_deg(down) < 1.0);
}

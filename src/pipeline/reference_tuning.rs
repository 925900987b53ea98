//! The reference learner's tuning: how much agreement, support and time
//! each decision needs. Each figure was set against the real recordings
//! (`docs/posture.md`), not only the generated days.

/// Quiet seconds near a new direction that confirm it: people stand
/// before or after they walk (a door, a crossing, a desk), while after a
/// bicycle ride the thigh stands far from where it pedalled.
pub(super) const SUPPORT_S: u32 = 5;
/// ...or this many quiet seconds 75–105° from it: half a minute of sitting,
/// which a pedalling direction (35° from sitting) never gets.
pub(super) const SEATED_SUPPORT_S: u32 = 30;
pub(super) const SUPPORT_DEG: f32 = 20.0;
pub(super) const SUPPORT_WINDOW_S: i64 = 120;

/// Consecutive gait seconds before a run teaches anything.
pub(super) const MIN_RUN_S: usize = 6;
/// Gait seconds that agree with each other before a first reference.
pub(super) const LEARN_S: usize = 8;
/// Quiet standing seconds in a row that prove the reference still fits.
pub(super) const STAND_FITS_S: u32 = 5;
/// A guess that moved this far is announced (stored seconds classified
/// again).
pub(super) const GUESS_MOVE_DEG: f32 = 20.0;
/// Gait this close to the source's prior axis needs no standing or
/// sitting to confirm it.
pub(super) const PRIOR_AGREE_DEG: f32 = 35.0;
/// Coherent gait seconds that make a reference without standing or
/// sitting to confirm it.
pub(super) const UNSUPPORTED_S: usize = 30;
/// Disagreeing gait seconds, agreeing with each other, that replace it.
pub(super) const CHALLENGE_S: usize = 20;
/// Challengers older than this are forgotten, s.
pub(super) const CHALLENGE_WINDOW_S: i64 = 300;
/// Gait within this of the reference agrees with it.
pub(super) const AGREE_DEG: f32 = 30.0;
/// A group of gait directions is coherent when all are this close to
/// their mean.
pub(super) const COHERENT_DEG: f32 = 20.0;
/// Still seconds this close to the walking direction are standing and
/// refine upright (walking leans the thigh forward a little).
pub(super) const STAND_DEG: f32 = 20.0;
pub(super) const STAND_MIN_N: u32 = 20;
/// One horizontal quiet second in this many is kept to vote later, for
/// up to a day of them.
pub(super) const HORIZONTAL_EVERY: u32 = 5;
pub(super) const HORIZONTAL_KEEP: usize = 86_400 / HORIZONTAL_EVERY as usize;

/// Weight left of the swing seen so far at each new gait second.
pub(super) const SWING_FADE: f32 = 0.97;
/// A forward axis this far from the one in use replaces it.
pub(super) const AXIS_AGREE_DEG: f32 = 30.0;
/// Swing axes needed for a forward direction.
pub(super) const SWING_MIN_N: u32 = 10;
/// Agreeing gait seconds in a row that clear the evidence against the
/// reference.
pub(super) const AGREE_RUN_S: u32 = 5;
/// An upright that moved this far without a challenge is announced as a
/// change (the stored seconds are classified again).
pub(super) const ANNOUNCE_DEG: f32 = 12.0;
/// A quiet horizontal thigh whose direction moves this much from one such
/// second to the next turned about itself (crossed legs: 30–40°).
pub(super) const ROLL_JUMP_DEG: f32 = 50.0;
/// Gait this long after the last gait second starts a new walk, s.
pub(super) const NEW_WALK_GAP_S: i64 = 60;
/// Sitting-like seconds needed to sign the forward direction, and by how
/// much one side must win.
pub(super) const VOTES_MIN: u32 = 300;
pub(super) const VOTES_RATIO: u32 = 2;
pub(super) const QUIET_G: f32 = 0.1;
/// Standing or sitting still: real standing measured 0.003–0.02 g.
pub(super) const STILL_G: f32 = 0.04;

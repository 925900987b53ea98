//! A routine done, as recorded.

/// A routine done, in full or in part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutineSession {
    pub routine: String,
    pub started_at_s: i64,
    pub ended_at_s: i64,
    pub completed: bool,
    pub phases_done: u32,
    pub phases_total: u32,
    pub active_s: i64,
    /// Each phase in order, `exercise[:side]=done|skipped|pending`,
    /// comma-separated.
    pub steps: String,
    /// Why it was recommended, when it was started from a card.
    pub reason: Option<String>,
    /// The card (`recommendations.shown_at_s`) it was started from.
    pub recommended_at_s: Option<i64>,
}

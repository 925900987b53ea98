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

/// A routine's id in words, as the catalog names it ("movement-break" is
/// "Movement break"): for the places that have the id but not the catalog
/// (the charts' hover).
pub fn routine_words(id: &str) -> String {
    let spaced = id.replace('-', " ");
    let mut c = spaced.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

impl RoutineSession {
    /// A routine with nothing done (every step skipped) is not kept: the
    /// player says "nothing is counted", and nothing is.
    pub fn worth_keeping(&self) -> bool {
        self.phases_done > 0
    }
}

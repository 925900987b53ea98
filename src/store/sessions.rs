//! Recommendations shown and routines done.

use rusqlite::params;

use super::{Store, StoreError};
use crate::domain::reminder::ReminderDue;
use crate::domain::session::RoutineSession;

impl Store {
    pub(crate) fn insert_recommendation_tx(
        tx: &rusqlite::Transaction<'_>,
        due: &ReminderDue,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO recommendations (shown_at_s, streak_start_s, streak_s, routine, reason)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(shown_at_s) DO NOTHING",
            params![
                due.at_s,
                due.streak.start_s,
                due.streak.duration_s(),
                due.routine,
                due.reason
            ],
        )?;
        Ok(())
    }

    pub(crate) fn count_recommendations(
        &self,
        start_s: i64,
        end_s: i64,
    ) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM recommendations WHERE shown_at_s >= ?1 AND shown_at_s < ?2",
            [start_s, end_s],
            |r| r.get(0),
        )?)
    }

    pub(crate) fn insert_routine_session_tx(
        tx: &rusqlite::Transaction<'_>,
        s: &RoutineSession,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO routine_sessions (routine, started_at_s, ended_at_s, completed,
             phases_done, phases_total, active_s, steps, reason, recommended_at_s)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                s.routine,
                s.started_at_s,
                s.ended_at_s,
                s.completed,
                s.phases_done,
                s.phases_total,
                s.active_s,
                s.steps,
                s.reason,
                s.recommended_at_s
            ],
        )?;
        Ok(())
    }

    /// Routine sessions started in `[start_s, end_s)`, oldest first.
    pub(crate) fn routine_sessions_between(
        &self,
        start_s: i64,
        end_s: i64,
    ) -> Result<Vec<RoutineSession>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT routine, started_at_s, ended_at_s, completed, phases_done, phases_total,
                    active_s, steps, reason, recommended_at_s
             FROM routine_sessions WHERE started_at_s >= ?1 AND started_at_s < ?2
             ORDER BY started_at_s",
        )?;
        let rows = stmt.query_map([start_s, end_s], |r| {
            Ok(RoutineSession {
                routine: r.get(0)?,
                started_at_s: r.get(1)?,
                ended_at_s: r.get(2)?,
                completed: r.get(3)?,
                phases_done: r.get(4)?,
                phases_total: r.get(5)?,
                active_s: r.get(6)?,
                steps: r.get(7)?,
                reason: r.get(8)?,
                recommended_at_s: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

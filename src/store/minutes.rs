//! The `minutes` rollup as rows, for the Day charts, exports and restores.

use rusqlite::params;

use super::{Store, StoreError};
use crate::domain::figures::MinuteRollup;

impl Store {
    /// The minute rollups of `[start_s, end_s)`, in time order.
    pub fn minutes_between(
        &self,
        start_s: i64,
        end_s: i64,
    ) -> Result<Vec<MinuteRollup>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t_min, sitting_s, standing_s, moving_s, lying_s, unknown_s,
                    sit_tilt_sum_ddeg, sit_tilt_n, stand_tilt_sum_ddeg, stand_tilt_n, slouch_s
             FROM minutes WHERE t_min >= ?1 AND t_min < ?2 ORDER BY t_min",
        )?;
        let rows = stmt.query_map([start_s.div_euclid(60), end_s.div_euclid(60)], |r| {
            Ok(MinuteRollup {
                t_min: r.get(0)?,
                sitting_s: r.get(1)?,
                standing_s: r.get(2)?,
                moving_s: r.get(3)?,
                lying_s: r.get(4)?,
                unknown_s: r.get(5)?,
                sit_tilt_sum_ddeg: r.get(6)?,
                sit_tilt_n: r.get(7)?,
                stand_tilt_sum_ddeg: r.get(8)?,
                stand_tilt_n: r.get(9)?,
                slouch_s: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Restores minute rollups from an export; a minute already stored is
    /// kept as it is (it may hold more than the export). Returns how many
    /// were added.
    pub(super) fn restore_minutes(
        &mut self,
        minutes: &[MinuteRollup],
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO minutes (t_min, sitting_s, standing_s, moving_s, lying_s, unknown_s,
                     sit_tilt_sum_ddeg, sit_tilt_n, stand_tilt_sum_ddeg, stand_tilt_n, slouch_s)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(t_min) DO NOTHING",
            )?;
            for m in minutes {
                n += stmt.execute(params![
                    m.t_min,
                    m.sitting_s,
                    m.standing_s,
                    m.moving_s,
                    m.lying_s,
                    m.unknown_s,
                    m.sit_tilt_sum_ddeg,
                    m.sit_tilt_n,
                    m.stand_tilt_sum_ddeg,
                    m.stand_tilt_n,
                    m.slouch_s
                ])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }
}

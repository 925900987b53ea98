//! The `minutes` rollup as rows, for the Day charts, exports and restores.

use rusqlite::params_from_iter;

use super::{Store, StoreError};
use crate::domain::figures::MinuteRollup;

impl Store {
    /// The minute rollups of `[start_s, end_s)`, in time order.
    pub(crate) fn minutes_between(
        &self,
        start_s: i64,
        end_s: i64,
    ) -> Result<Vec<MinuteRollup>, StoreError> {
        let sql = format!(
            "SELECT t_min, {} FROM minutes WHERE t_min >= ?1 AND t_min < ?2 ORDER BY t_min",
            MinuteRollup::SUM_COLUMNS.join(", ")
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([start_s.div_euclid(60), end_s.div_euclid(60)], |r| {
            let mut v = [0_i64; MinuteRollup::SUM_COLUMNS.len()];
            for (i, x) in v.iter_mut().enumerate() {
                *x = r.get(i + 1)?;
            }
            Ok(MinuteRollup::from_sums(r.get(0)?, v))
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
            let sql = format!(
                "INSERT INTO minutes (t_min, {}) VALUES (?1, {}) ON CONFLICT(t_min) DO NOTHING",
                MinuteRollup::SUM_COLUMNS.join(", "),
                (2..=MinuteRollup::SUM_COLUMNS.len() + 1)
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut stmt = tx.prepare_cached(&sql)?;
            for m in minutes {
                let values = std::iter::once(m.t_min).chain(m.sums());
                n += stmt.execute(params_from_iter(values))?;
            }
        }
        tx.commit()?;
        Ok(n)
    }
}

//! The `samples` table: one classified second per row.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::domain::posture::{Posture, PostureSecond};
use crate::domain::sample::Placement;

/// Seconds of `[start_s, end_s)` in time order (also inside a transaction).
pub(crate) fn seconds_in(
    conn: &Connection,
    start_s: i64,
    end_s: i64,
) -> Result<Vec<PostureSecond>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t_s, device_id, state, tilt_ddeg FROM samples
             WHERE t_s >= ?1 AND t_s < ?2 ORDER BY t_s",
    )?;
    let rows = stmt.query_map([start_s, end_s], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (t_s, device_id, state, tilt) = row?;
        let state = Posture::from_code(state)
            .ok_or_else(|| StoreError::Corrupt(format!("posture code {state} at {t_s}")))?;
        Ok(PostureSecond {
            t_s,
            state,
            tilt_deg: tilt.map(|d| d as f32 / 10.0),
            device_id,
        })
    })
    .collect()
}

pub(crate) fn tilt_to_ddeg(tilt_deg: Option<f32>) -> Option<i64> {
    tilt_deg
        .filter(|t| t.is_finite())
        .map(|t| (t * 10.0).round().clamp(0.0, 1800.0) as i64)
}

impl Store {
    /// Inserts seconds; the ones actually inserted (not stored before) are
    /// appended to `inserted`, for the rollups.
    pub(crate) fn insert_seconds_tx(
        tx: &rusqlite::Transaction<'_>,
        seconds: &[PostureSecond],
        inserted: &mut Vec<PostureSecond>,
    ) -> Result<usize, StoreError> {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO samples (t_s, device_id, state, tilt_ddeg) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(t_s) DO NOTHING",
        )?;
        let mut n = 0;
        for s in seconds {
            let added = stmt.execute(params![
                s.t_s,
                s.device_id,
                s.state.code(),
                tilt_to_ddeg(s.tilt_deg)
            ])?;
            if added == 1 {
                inserted.push(*s);
            }
            n += added;
        }
        Ok(n)
    }

    /// Seconds in `[start_s, end_s)`, in time order.
    pub fn seconds_between(
        &self,
        start_s: i64,
        end_s: i64,
    ) -> Result<Vec<PostureSecond>, StoreError> {
        seconds_in(&self.conn, start_s, end_s)
    }

    pub(crate) fn last_second(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT max(t_s) FROM samples", [], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Calls `f` with each stored second of `[start_s, end_s)` in time
    /// order, with its device's address and placement (streamed, so a
    /// year of seconds is never all in memory).
    /// Calls `f` with each stored second of `[start_s, end_s)`, its
    /// device's address and placement, in time order; `f`'s error stops it.
    pub(crate) fn for_each_sample<E: From<StoreError>>(
        &self,
        start_s: i64,
        end_s: i64,
        mut f: impl FnMut(&PostureSecond, &str, Placement) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.t_s, s.device_id, s.state, s.tilt_ddeg, d.address, d.placement
             FROM samples s JOIN devices d ON d.id = s.device_id
             WHERE s.t_s >= ?1 AND s.t_s < ?2 ORDER BY s.t_s",
            )
            .map_err(StoreError::from)?;
        let mut rows = stmt.query([start_s, end_s]).map_err(StoreError::from)?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            let t_s: i64 = r.get(0).map_err(StoreError::from)?;
            let code: i64 = r.get(2).map_err(StoreError::from)?;
            let state = Posture::from_code(code)
                .ok_or_else(|| StoreError::Corrupt(format!("posture code {code} at {t_s}")))?;
            let tilt: Option<i64> = r.get(3).map_err(StoreError::from)?;
            let address: String = r.get(4).map_err(StoreError::from)?;
            let name: String = r.get(5).map_err(StoreError::from)?;
            let placement = Placement::parse(&name)
                .ok_or_else(|| StoreError::Corrupt(format!("placement {name:?} of {address}")))?;
            let s = PostureSecond {
                t_s,
                state,
                tilt_deg: tilt.map(|d| d as f32 / 10.0),
                device_id: r.get(1).map_err(StoreError::from)?,
            };
            f(&s, &address, placement)?;
            n += 1;
        }
        Ok(n)
    }

    /// Deletes per-second detail older than `before_s`, at most `max_rows`
    /// at a time (rollups stay); returns how many went.
    pub(crate) fn prune_samples(&self, before_s: i64, max_rows: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM samples WHERE t_s IN
                 (SELECT t_s FROM samples WHERE t_s < ?1 ORDER BY t_s LIMIT ?2)",
            [before_s, max_rows],
        )?)
    }
}

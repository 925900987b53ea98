//! The `features` table: each sensor's per-second features, a minute per
//! row (six bytes a second), kept for a couple of days so stored seconds
//! can be classified again after a restart (`docs/posture.md`).

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, StoreError};
use crate::domain::features::{PACKED_LEN, SecondFeatures, pack_minute, unpack_minute};

/// How long features are kept, s: long enough to correct the current day
/// after a restart, short enough not to weigh on the database.
pub(crate) const FEATURES_KEEP_S: i64 = 2 * 86_400;

impl Store {
    /// Stores features (a second already stored is overwritten: a still
    /// run found to be non-wear is marked afterwards).
    pub(crate) fn put_features_tx(
        tx: &Transaction<'_>,
        features: &[(i64, SecondFeatures)],
    ) -> Result<(), StoreError> {
        let mut by_minute: BTreeMap<(i64, i64), Vec<SecondFeatures>> = BTreeMap::new();
        for (device_id, f) in features {
            by_minute
                .entry((*device_id, f.t_s.div_euclid(60)))
                .or_default()
                .push(*f);
        }
        let mut get =
            tx.prepare_cached("SELECT data FROM features WHERE device_id = ?1 AND t_min = ?2")?;
        let mut put = tx.prepare_cached(
            "INSERT INTO features (device_id, t_min, data) VALUES (?1, ?2, ?3)
             ON CONFLICT(device_id, t_min) DO UPDATE SET data = excluded.data",
        )?;
        for ((device_id, t_min), secs) in by_minute {
            let old: Option<Vec<u8>> = get
                .query_row(params![device_id, t_min], |r| r.get(0))
                .optional()?;
            let mut slots = [None; 60];
            if let Some(old) = old {
                // A damaged minute is replaced rather than failing the
                // commit: features are a convenience, not the record.
                for f in unpack_minute(t_min, &old).unwrap_or_default() {
                    slots[f.t_s.rem_euclid(60) as usize] = Some(f);
                }
            }
            for f in secs {
                slots[f.t_s.rem_euclid(60) as usize] = Some(f);
            }
            put.execute(params![device_id, t_min, pack_minute(&slots)])?;
        }
        Ok(())
    }

    /// Drops features older than `before_s`.
    pub(crate) fn prune_features_tx(
        tx: &Transaction<'_>,
        before_s: i64,
    ) -> Result<usize, StoreError> {
        // Per device, so the primary key (device_id, t_min) finds the old
        // minutes instead of a scan at every commit.
        Ok(tx.execute(
            "DELETE FROM features WHERE device_id IN (SELECT id FROM devices) AND t_min < ?1",
            [before_s.div_euclid(60)],
        )?)
    }

    /// A device's features in `[start_s, end_s)`, in time order.
    pub(crate) fn features_between(
        &self,
        device_id: i64,
        start_s: i64,
        end_s: i64,
    ) -> Result<Vec<SecondFeatures>, StoreError> {
        let mut q = self.conn.prepare_cached(
            "SELECT t_min, data FROM features WHERE device_id = ?1 AND t_min >= ?2 AND t_min < ?3
             ORDER BY t_min",
        )?;
        let rows = q.query_map(
            params![device_id, start_s.div_euclid(60), end_s.div_euclid(60) + 1],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (t_min, data) = row?;
            let secs = unpack_minute(t_min, &data).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "features of minute {t_min}: {} bytes, {} expected",
                    data.len(),
                    60 * PACKED_LEN
                ))
            })?;
            out.extend(
                secs.into_iter()
                    .filter(|f| (start_s..end_s).contains(&f.t_s)),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sample::Placement;
    use crate::domain::vector::Vec3;

    fn f(t_s: i64, not_worn: bool) -> SecondFeatures {
        SecondFeatures {
            t_s,
            gravity: Vec3::new(0.0, 0.6, 0.8),
            intensity_g: 0.05,
            gait: false,
            cyclic: false,
            not_worn,
        }
    }

    #[test]
    fn features_round_trip_merge_per_minute_and_prune() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(&dir.path().join("f.db")).unwrap();
        let d = st
            .ensure_device("aa", "demo", "x", Placement::Thigh, 0)
            .unwrap();
        let tx = st.conn_mut().transaction().unwrap();
        Store::put_features_tx(
            &tx,
            &[(d, f(600, false)), (d, f(601, false)), (d, f(700, false))],
        )
        .unwrap();
        // Marked not worn afterwards: the second is overwritten, its
        // neighbour in the minute kept.
        Store::put_features_tx(&tx, &[(d, f(601, true))]).unwrap();
        tx.commit().unwrap();
        let got = st.features_between(d, 0, 1000).unwrap();
        assert_eq!(
            got.iter().map(|x| (x.t_s, x.not_worn)).collect::<Vec<_>>(),
            [(600, false), (601, true), (700, false)]
        );
        assert_eq!(st.features_between(d, 601, 700).unwrap().len(), 1);
        let tx = st.conn_mut().transaction().unwrap();
        assert_eq!(Store::prune_features_tx(&tx, 660).unwrap(), 1);
        tx.commit().unwrap();
        assert_eq!(st.features_between(d, 0, 1000).unwrap().len(), 1);
    }
}

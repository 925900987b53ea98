//! The `devices` table: paired sensors, their calibration and where their
//! history fetch resumes.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::domain::calibration::Calibration;
use crate::domain::sample::Placement;
use crate::domain::vector::Vec3;

fn find_device(conn: &Connection, address: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM devices WHERE address = ?1",
            [address],
            |r| r.get(0),
        )
        .optional()?)
}

fn device_id(conn: &Connection, address: &str) -> Result<i64, StoreError> {
    find_device(conn, address)?.ok_or(StoreError::Sql(rusqlite::Error::QueryReturnedNoRows))
}

/// A paired sensor as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeviceRow {
    pub id: i64,
    pub address: String,
    pub model: String,
    pub name: String,
    pub placement: Placement,
    pub added_at_s: i64,
    pub next_seq: Option<u32>,
}

impl Store {
    /// The device row for `address`, created on first use. Looked up
    /// first, so a known device needs no write (a read-only database
    /// still starts).
    pub fn ensure_device(
        &self,
        address: &str,
        model: &str,
        name: &str,
        placement: Placement,
        now_s: i64,
    ) -> Result<i64, StoreError> {
        if let Some(id) = find_device(&self.conn, address)? {
            return Ok(id);
        }
        self.conn.execute(
            "INSERT INTO devices (address, model, name, placement, added_at_s)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(address) DO NOTHING",
            params![address, model, name, placement.as_str(), now_s],
        )?;
        device_id(&self.conn, address)
    }

    /// Stores a paired Bluetooth sensor (again, if it was forgotten). A
    /// sensor already worn at `placement` is forgotten: one per placement.
    pub(super) fn pair_device(
        &mut self,
        address: &str,
        model: &str,
        name: &str,
        placement: Placement,
        now_s: i64,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE devices SET forgotten_at_s = ?3
             WHERE placement = ?1 AND address <> ?2 AND model <> 'demo' AND forgotten_at_s IS NULL",
            params![placement.as_str(), address, now_s],
        )?;
        tx.execute(
            "INSERT INTO devices (address, model, name, placement, added_at_s)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(address) DO UPDATE SET model = ?2, name = ?3, placement = ?4,
                 forgotten_at_s = NULL",
            params![address, model, name, placement.as_str(), now_s],
        )?;
        // A phone forgotten by this pairing takes its secret with it: its
        // URL stops working as when it is forgotten by name.
        tx.execute(
            "DELETE FROM settings WHERE key IN ('phone_secret', 'phone_phyphox') AND NOT EXISTS
                 (SELECT 1 FROM devices WHERE address = ?1 AND forgotten_at_s IS NULL)",
            [crate::domain::sample::PHONE_ADDRESS],
        )?;
        let id = device_id(&tx, address)?;
        tx.commit()?;
        Ok(id)
    }

    /// Paired Bluetooth sensors (not the demo, not the row that holds an
    /// imported recording, not forgotten), oldest first.
    pub(crate) fn paired_devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id, address, model, name, placement, added_at_s, next_seq FROM devices
             WHERE model NOT IN ('demo', 'csv') AND forgotten_at_s IS NULL ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, address, model, name, placement, added_at_s, next_seq) = row?;
            let placement = Placement::parse(&placement).ok_or_else(|| {
                StoreError::Corrupt(format!("placement {placement:?} of {address}"))
            })?;
            out.push(DeviceRow {
                id,
                address,
                model,
                name,
                placement,
                added_at_s,
                next_seq: next_seq.and_then(|s| u32::try_from(s).ok()),
            });
        }
        Ok(out)
    }

    /// Forgets a paired sensor; false if no paired sensor has that address.
    /// A forgotten phone's secret (or phyphox address) goes with it: its
    /// URL stops working.
    pub(super) fn forget_device(&self, address: &str, now_s: i64) -> Result<bool, StoreError> {
        let forgot = self.conn.execute(
            "UPDATE devices SET forgotten_at_s = ?2
             WHERE address = ?1 AND model <> 'demo' AND forgotten_at_s IS NULL",
            params![address, now_s],
        )? == 1;
        if forgot && address == crate::domain::sample::PHONE_ADDRESS {
            self.conn.execute(
                "DELETE FROM settings WHERE key IN ('phone_secret', 'phone_phyphox')",
                [],
            )?;
        }
        Ok(forgot)
    }

    pub(super) fn rename_device(&self, address: &str, name: &str) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE devices SET name = ?2 WHERE address = ?1",
            params![address, name],
        )? == 1)
    }

    /// Where the next history fetch of a Sitless-profile sensor starts.
    pub(super) fn set_next_seq(&self, device_id: i64, next_seq: u32) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE devices SET next_seq = ?2 WHERE id = ?1",
            params![device_id, i64::from(next_seq)],
        )?;
        Ok(())
    }

    /// The stored calibration of a device (empty if none yet).
    pub(crate) fn device_calibration(&self, device_id: i64) -> Result<Calibration, StoreError> {
        let v = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<Option<Vec3>> {
            let (x, y, z): (Option<f64>, Option<f64>, Option<f64>) =
                (r.get(i)?, r.get(i + 1)?, r.get(i + 2)?);
            Ok(match (x, y, z) {
                (Some(x), Some(y), Some(z)) => Vec3::new(x as f32, y as f32, z as f32).normalized(),
                _ => None,
            })
        };
        Ok(self
            .conn
            .query_row(
                "SELECT upright_x, upright_y, upright_z, sitting_x, sitting_y, sitting_z
                 FROM devices WHERE id = ?1",
                [device_id],
                |r| {
                    Ok(Calibration {
                        upright: v(r, 0)?,
                        sitting: v(r, 3)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    pub(crate) fn set_calibration_tx(
        tx: &rusqlite::Transaction<'_>,
        device_id: i64,
        cal: &Calibration,
    ) -> Result<(), StoreError> {
        let xyz = |v: Option<Vec3>| {
            v.map_or([None; 3], |v| {
                [
                    Some(f64::from(v.x)),
                    Some(f64::from(v.y)),
                    Some(f64::from(v.z)),
                ]
            })
        };
        let [ux, uy, uz] = xyz(cal.upright);
        let [sx, sy, sz] = xyz(cal.sitting);
        tx.execute(
            "UPDATE devices SET upright_x = ?2, upright_y = ?3, upright_z = ?4,
             sitting_x = ?5, sitting_y = ?6, sitting_z = ?7 WHERE id = ?1",
            params![device_id, ux, uy, uz, sx, sy, sz],
        )?;
        Ok(())
    }
}

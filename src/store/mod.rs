//! Storage: the only module that speaks SQL. One `SQLite` file (WAL), written
//! by one writer thread (`writer`), read through separate connections.

pub mod rollup;
pub mod schema;
pub mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::domain::calibration::Calibration;
use crate::domain::posture::{Posture, PostureSecond};
use crate::domain::reminder::ReminderDue;
use crate::domain::sample::Placement;
use crate::domain::settings::Settings;
use crate::domain::vector::Vec3;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the database file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database {path} could not be upgraded: {source}")]
    Migrate {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the database holds a value it should not: {0}")]
    Corrupt(String),
    #[error("{path} is not a Sitless database (it is not an SQLite file); it was left untouched")]
    NotSqlite { path: PathBuf },
    #[error("the database {path} is damaged ({detail}); it was left untouched")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "another Sitless is already recording into {path}; close it first, or choose another database"
    )]
    InUse { path: PathBuf },
}

/// Why writing failed, in the words the UI shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFault {
    ReadOnly,
    Full,
    Damaged,
    Busy,
    Other,
}

impl WriteFault {
    pub fn of(e: &StoreError) -> Self {
        use rusqlite::ErrorCode as C;
        let code = match e {
            StoreError::Sql(e) | StoreError::Open { source: e, .. } => e.sqlite_error_code(),
            StoreError::Migrate { .. } | StoreError::Create { .. } => None,
            StoreError::Damaged { .. } | StoreError::NotSqlite { .. } => return Self::Damaged,
            StoreError::InUse { .. } => return Self::Busy,
            StoreError::Corrupt(_) => return Self::Other,
        };
        match code {
            Some(C::ReadOnly | C::PermissionDenied | C::CannotOpen) => Self::ReadOnly,
            Some(C::DiskFull) => Self::Full,
            Some(C::DatabaseCorrupt | C::NotADatabase) => Self::Damaged,
            Some(C::DatabaseBusy | C::DatabaseLocked) => Self::Busy,
            _ => Self::Other,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::ReadOnly => "the database cannot be written (read-only file or folder)",
            Self::Full => "the disk is full",
            Self::Damaged => "the database file is damaged",
            Self::Busy => "the database is busy",
            Self::Other => "the database refused the write",
        }
    }
}

/// Holds the database for one recording process. An advisory lock
/// (`flock`) on the database file itself, so it works in a read-only
/// folder too, and the kernel drops it when the process dies, even by
/// SIGKILL. `SQLite`'s own locks are POSIX record locks, which do not
/// interact with `flock` on Linux; the descriptor stays open until every
/// connection of this process is closed (closing a descriptor of the file
/// would otherwise drop `SQLite`'s POSIX locks).
#[derive(Debug)]
pub struct DbLock {
    _file: std::fs::File,
}

impl DbLock {
    /// Creates the file if needed and takes the lock, or says who has it.
    pub fn acquire(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
        let file = std::fs::File::open(path).map_err(|source| StoreError::Create {
            path: path.to_owned(),
            source,
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse {
                path: path.to_owned(),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Create {
                path: path.to_owned(),
                source,
            }),
        }
    }
}

/// Refuses a file that is there but is not `SQLite`, before `SQLite` is
/// given a chance to treat it as one.
fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        // Not readable: the open below reports it in SQLite's words.
        return Ok(());
    };
    let mut header = [0_u8; 16];
    let mut n = 0;
    while n < header.len() {
        match f.read(&mut header[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return Ok(()),
        }
    }
    // An empty file is a database not yet written (we create it so).
    if n == 0 || header == *b"SQLite format 3\0" {
        Ok(())
    } else {
        Err(StoreError::NotSqlite {
            path: path.to_owned(),
        })
    }
}

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

/// One row of the `minutes` rollup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinuteRollup {
    pub t_min: i64,
    pub sitting_s: i64,
    pub standing_s: i64,
    pub moving_s: i64,
    pub lying_s: i64,
    pub unknown_s: i64,
    pub sit_tilt_sum_ddeg: i64,
    pub sit_tilt_n: i64,
    pub stand_tilt_sum_ddeg: i64,
    pub stand_tilt_n: i64,
    pub slouch_s: i64,
}

impl MinuteRollup {
    /// The posture most of the minute (a tie goes to the lower code, so
    /// unknown before sitting).
    pub fn state(&self) -> Posture {
        let by_code = [
            (Posture::Unknown, self.unknown_s),
            (Posture::Sitting, self.sitting_s),
            (Posture::Standing, self.standing_s),
            (Posture::Moving, self.moving_s),
            (Posture::Lying, self.lying_s),
        ];
        by_code
            .iter()
            .enumerate()
            .max_by_key(|&(i, &(_, s))| (s, std::cmp::Reverse(i)))
            .map_or(Posture::Unknown, |(_, &(p, _))| p)
    }

    /// Mean tilt of the minute over its sitting and standing seconds.
    pub fn tilt_deg(&self) -> Option<f64> {
        let n = self.sit_tilt_n + self.stand_tilt_n;
        (n > 0)
            .then(|| (self.sit_tilt_sum_ddeg + self.stand_tilt_sum_ddeg) as f64 / n as f64 / 10.0)
    }
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

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
        check_header(path)?;
        match Self::open_with(path, false) {
            // In a read-only folder a WAL database cannot even be read (its
            // shared-memory file cannot be created). Opened as immutable,
            // the main file is read without it, so the data is shown; the
            // writer reports the refusal and keeps the new rows.
            Err(StoreError::Open { source, .. })
                if source.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) =>
            {
                tracing::warn!("{}: opened read-only ({source})", path.display());
                Self::open_with(path, true)
            }
            other => other,
        }
    }

    fn open_with(path: &Path, immutable: bool) -> Result<Self, StoreError> {
        let open_err = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                StoreError::Damaged {
                    path: path.to_owned(),
                    detail: source.to_string(),
                }
            }
            _ => StoreError::Open {
                path: path.to_owned(),
                source,
            },
        };
        let mut conn = if immutable {
            Connection::open_with_flags(
                immutable_uri(path),
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        }
        .map_err(open_err)?;
        if !immutable {
            // WAL lets the UI's reader run while the writer commits; NORMAL
            // sync in WAL mode is still crash-safe for the database file.
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(open_err)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(open_err)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        schema::migrations()
            .to_latest(&mut conn)
            .map_err(|source| match source {
                rusqlite_migration::Error::RusqliteError { err, .. } => open_err(err),
                source => StoreError::Migrate {
                    path: path.to_owned(),
                    source,
                },
            })?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Simulates a full disk: the file may not grow past `pages` pages
    /// (`SQLite` never shrinks the limit below the current size).
    pub fn set_max_pages(&self, pages: u64) -> Result<(), StoreError> {
        self.conn.pragma_update(
            None,
            "max_page_count",
            i64::try_from(pages).unwrap_or(i64::MAX),
        )?;
        Ok(())
    }

    pub fn page_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

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
    pub fn pair_device(
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
        let id = device_id(&tx, address)?;
        tx.commit()?;
        Ok(id)
    }

    /// Paired Bluetooth sensors (not the demo, not forgotten), oldest first.
    pub fn paired_devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id, address, model, name, placement, added_at_s, next_seq FROM devices
             WHERE model <> 'demo' AND forgotten_at_s IS NULL ORDER BY id",
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
            let placement = match placement.as_str() {
                "thigh" => Placement::Thigh,
                "back" => Placement::Back,
                other => return Err(StoreError::Corrupt(format!("placement {other:?}"))),
            };
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
    pub fn forget_device(&self, address: &str, now_s: i64) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE devices SET forgotten_at_s = ?2
             WHERE address = ?1 AND model <> 'demo' AND forgotten_at_s IS NULL",
            params![address, now_s],
        )? == 1)
    }

    pub fn rename_device(&self, address: &str, name: &str) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE devices SET name = ?2 WHERE address = ?1",
            params![address, name],
        )? == 1)
    }

    /// Where the next history fetch of a Sitless-profile sensor starts.
    pub fn set_next_seq(&self, device_id: i64, next_seq: u32) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE devices SET next_seq = ?2 WHERE id = ?1",
            params![device_id, i64::from(next_seq)],
        )?;
        Ok(())
    }

    /// The stored calibration of a device (empty if none yet).
    pub fn device_calibration(&self, device_id: i64) -> Result<Calibration, StoreError> {
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

    /// Inserts seconds in one transaction. A second already stored is kept
    /// as it was: the first write wins, so replays never double count.
    /// Rollups are kept up to date in the same transaction.
    pub fn insert_seconds(&mut self, seconds: &[PostureSecond]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut rollups = rollup::Rollups::new(rollup::RollupRules::default());
        rollups.prepare(&tx)?;
        let mut inserted = Vec::new();
        let n = Self::insert_seconds_tx(&tx, seconds, &mut inserted)?;
        rollups.apply(&tx, &mut inserted)?;
        tx.commit()?;
        Ok(n)
    }

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

    /// Seconds in `[start_s, end_s)`, in time order.
    pub fn seconds_between(
        &self,
        start_s: i64,
        end_s: i64,
    ) -> Result<Vec<PostureSecond>, StoreError> {
        seconds_in(&self.conn, start_s, end_s)
    }

    pub fn last_second(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT max(t_s) FROM samples", [], |r| r.get(0))
            .optional()?
            .flatten())
    }

    pub fn count_recommendations(&self, start_s: i64, end_s: i64) -> Result<i64, StoreError> {
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

    /// The stored reminder settings, defaults if none; a value that does
    /// not parse is reported and replaced by defaults, never trusted.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'reminders'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match json {
            None => Settings::default(),
            Some(j) => serde_json::from_str::<Settings>(&j).map_or_else(
                |e| {
                    tracing::warn!("stored settings unreadable ({e}); using defaults");
                    Settings::default()
                },
                Settings::sanitized,
            ),
        })
    }

    pub fn save_settings(&mut self, s: &Settings) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        Self::save_settings_tx(&tx, s)?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn save_settings_tx(
        tx: &rusqlite::Transaction<'_>,
        s: &Settings,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(s).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('reminders', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [json],
        )?;
        Ok(())
    }

    /// Routine sessions started in `[start_s, end_s)`, oldest first.
    pub fn routine_sessions_between(
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

    pub fn count_routines_completed(&self, start_s: i64, end_s: i64) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM routine_sessions
             WHERE completed = 1 AND started_at_s >= ?1 AND started_at_s < ?2",
            [start_s, end_s],
            |r| r.get(0),
        )?)
    }

    /// Calls `f` with each stored second of `[start_s, end_s)` in time
    /// order, with its device's address and placement (streamed, so a
    /// year of seconds is never all in memory).
    pub fn for_each_sample(
        &self,
        start_s: i64,
        end_s: i64,
        mut f: impl FnMut(&PostureSecond, &str, Placement) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.t_s, s.device_id, s.state, s.tilt_ddeg, d.address, d.placement
             FROM samples s JOIN devices d ON d.id = s.device_id
             WHERE s.t_s >= ?1 AND s.t_s < ?2 ORDER BY s.t_s",
        )?;
        let mut rows = stmt.query([start_s, end_s])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let t_s: i64 = r.get(0)?;
            let code: i64 = r.get(2)?;
            let state = Posture::from_code(code)
                .ok_or_else(|| StoreError::Corrupt(format!("posture code {code} at {t_s}")))?;
            let tilt: Option<i64> = r.get(3)?;
            let address: String = r.get(4)?;
            let placement = match r.get::<_, String>(5)?.as_str() {
                "back" => Placement::Back,
                _ => Placement::Thigh,
            };
            let s = PostureSecond {
                t_s,
                state,
                tilt_deg: tilt.map(|d| d as f32 / 10.0),
                device_id: r.get(1)?,
            };
            f(&s, &address, placement)?;
            n += 1;
        }
        Ok(n)
    }

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
    pub fn restore_minutes(&mut self, minutes: &[MinuteRollup]) -> Result<usize, StoreError> {
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

    /// Deletes per-second detail older than `before_s`, at most `max_rows`
    /// at a time (rollups stay); returns how many went.
    pub fn prune_samples(&self, before_s: i64, max_rows: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM samples WHERE t_s IN
                 (SELECT t_s FROM samples WHERE t_s < ?1 ORDER BY t_s LIMIT ?2)",
            [before_s, max_rows],
        )?)
    }

    /// The database file's size in bytes (pages in use × page size).
    pub fn size_bytes(&self) -> Result<u64, StoreError> {
        let size: i64 = self.conn.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )?;
        Ok(size.max(0) as u64)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

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

fn tilt_to_ddeg(tilt_deg: Option<f32>) -> Option<i64> {
    tilt_deg
        .filter(|t| t.is_finite())
        .map(|t| (t * 10.0).round().clamp(0.0, 1800.0) as i64)
}

/// `file:` URI of `path` opened immutable (no locks, no WAL files).
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Creates the file with owner-only permissions if it does not exist yet,
/// so posture data is never readable by other users of the machine.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let err = |source| StoreError::Create {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(t_s: i64, state: Posture, tilt: Option<f32>, device_id: i64) -> PostureSecond {
        PostureSecond {
            t_s,
            state,
            tilt_deg: tilt,
            device_id,
        }
    }

    #[test]
    fn data_survives_reopening_and_duplicates_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("s.db");
        {
            let mut st = Store::open(&path).unwrap();
            let d = st
                .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
                .unwrap();
            assert_eq!(
                st.ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 5)
                    .unwrap(),
                d
            );
            let n = st
                .insert_seconds(&[
                    sec(10, Posture::Sitting, Some(12.34), d),
                    sec(11, Posture::Standing, None, d),
                ])
                .unwrap();
            assert_eq!(n, 2);
            let n = st
                .insert_seconds(&[sec(10, Posture::Lying, None, d)])
                .unwrap();
            assert_eq!(n, 0, "first write wins");
        }
        let st = Store::open(&path).unwrap();
        let rows = st.seconds_between(0, 100).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].state, Posture::Sitting);
        assert_eq!(rows[0].tilt_deg, Some(12.3));
        assert_eq!(st.last_second().unwrap(), Some(11));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        Store::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        let text = b"my shopping list: apples, pears\n".repeat(200);
        std::fs::write(&path, &text).unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(matches!(e, StoreError::NotSqlite { .. }), "{e}");
        assert!(e.to_string().contains("is not a Sitless database"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), text);
    }

    #[test]
    fn a_damaged_database_is_reported_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let mut st = Store::open(&path).unwrap();
            let d = st
                .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
                .unwrap();
            let rows: Vec<_> = (0..5000)
                .map(|t| sec(t, Posture::Sitting, Some(10.0), d))
                .collect();
            st.insert_seconds(&rows).unwrap();
            st.conn
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                .unwrap();
        }
        // Keep the header, scramble the schema page.
        let mut bytes = std::fs::read(&path).unwrap();
        for b in &mut bytes[100..4096] {
            *b = 0x5A;
        }
        std::fs::write(&path, &bytes).unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(matches!(e, StoreError::Damaged { .. }), "{e}");
        assert!(e.to_string().contains("is damaged"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "never overwritten");
    }

    #[test]
    fn a_second_recorder_on_one_database_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let first = DbLock::acquire(&path).unwrap();
        let e = DbLock::acquire(&path).expect_err("in use");
        assert!(matches!(e, StoreError::InUse { .. }), "{e}");
        // Readers are not locked out.
        assert!(Store::open(&path).is_ok());
        drop(first);
        assert!(DbLock::acquire(&path).is_ok());
    }

    #[test]
    fn an_unknown_device_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(&dir.path().join("f.db")).unwrap();
        assert!(
            st.insert_seconds(&[sec(1, Posture::Sitting, None, 42)])
                .is_err()
        );
    }
}

//! Versioned schema (`SQLite` `user_version`). Never edit a released step:
//! add a new one. Every table and column is described in `docs/data-model.md`.

use rusqlite_migration::{M, Migrations};

const V1: &str = r"
CREATE TABLE devices (
    id          INTEGER PRIMARY KEY,
    address     TEXT NOT NULL UNIQUE,
    model       TEXT NOT NULL,
    name        TEXT NOT NULL,
    placement   TEXT NOT NULL CHECK (placement IN ('thigh', 'back')),
    added_at_s  INTEGER NOT NULL,
    upright_x   REAL,
    upright_y   REAL,
    upright_z   REAL,
    sitting_x   REAL,
    sitting_y   REAL,
    sitting_z   REAL
);

CREATE TABLE samples (
    t_s        INTEGER PRIMARY KEY,
    device_id  INTEGER NOT NULL REFERENCES devices(id),
    state      INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),
    tilt_ddeg  INTEGER CHECK (tilt_ddeg BETWEEN 0 AND 1800)
);

CREATE TABLE recommendations (
    id              INTEGER PRIMARY KEY,
    shown_at_s      INTEGER NOT NULL UNIQUE,
    streak_start_s  INTEGER NOT NULL,
    streak_s        INTEGER NOT NULL,
    routine         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    outcome         TEXT CHECK (outcome IN ('snoozed', 'dismissed', 'started')),
    outcome_at_s    INTEGER
);

CREATE TABLE routine_sessions (
    id                INTEGER PRIMARY KEY,
    routine           TEXT NOT NULL,
    started_at_s      INTEGER NOT NULL,
    ended_at_s        INTEGER NOT NULL,
    completed         INTEGER NOT NULL CHECK (completed IN (0, 1)),
    phases_done       INTEGER NOT NULL,
    phases_total      INTEGER NOT NULL,
    active_s          INTEGER NOT NULL,
    steps             TEXT NOT NULL,
    reason            TEXT,
    recommended_at_s  INTEGER
);
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE INDEX routine_sessions_started ON routine_sessions(started_at_s);
";

/// Bluetooth sensors: a forgotten sensor keeps its row (its samples refer
/// to it) but is never connected again; `next_seq` is where the Sitless
/// profile's history fetch starts after the app was away.
const V2: &str = r"
ALTER TABLE devices ADD COLUMN forgotten_at_s INTEGER;
ALTER TABLE devices ADD COLUMN next_seq INTEGER CHECK (next_seq BETWEEN 0 AND 4294967295);
";

/// Rollups kept by the writer in the same transaction as the seconds, so
/// days, weeks and months are read without touching `samples`. Existing
/// data is rolled up by the writer at its first start on this version
/// (`settings` key `rollups`), in Rust, with the same code as live data.
const V3: &str = r"
CREATE TABLE minutes (
    t_min              INTEGER PRIMARY KEY,
    sitting_s          INTEGER NOT NULL DEFAULT 0,
    standing_s         INTEGER NOT NULL DEFAULT 0,
    moving_s           INTEGER NOT NULL DEFAULT 0,
    lying_s            INTEGER NOT NULL DEFAULT 0,
    unknown_s          INTEGER NOT NULL DEFAULT 0,
    sit_tilt_sum_ddeg  INTEGER NOT NULL DEFAULT 0,
    sit_tilt_n         INTEGER NOT NULL DEFAULT 0,
    stand_tilt_sum_ddeg INTEGER NOT NULL DEFAULT 0,
    stand_tilt_n       INTEGER NOT NULL DEFAULT 0,
    slouch_s           INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE bouts (
    start_s  INTEGER PRIMARY KEY,
    end_s    INTEGER NOT NULL CHECK (end_s > start_s)
);
CREATE UNIQUE INDEX bouts_end ON bouts(end_s);

CREATE TABLE streaks (
    start_s         INTEGER PRIMARY KEY,
    last_sitting_s  INTEGER NOT NULL CHECK (last_sitting_s >= start_s)
);

CREATE TABLE breaks (
    at_s  INTEGER PRIMARY KEY
);
";

/// Non-wear becomes a posture of its own (code 5), counted per minute; and
/// each sensor's per-second features are kept for a while, so the seconds
/// can be classified again when the sensor's references are learned or
/// corrected (`docs/posture.md`). `samples` is rebuilt because `SQLite`
/// cannot change a CHECK constraint in place.
const V4: &str = r"
CREATE TABLE samples_v4 (
    t_s        INTEGER PRIMARY KEY,
    device_id  INTEGER NOT NULL REFERENCES devices(id),
    state      INTEGER NOT NULL CHECK (state BETWEEN 0 AND 5),
    tilt_ddeg  INTEGER CHECK (tilt_ddeg BETWEEN 0 AND 1800)
);
INSERT INTO samples_v4 SELECT t_s, device_id, state, tilt_ddeg FROM samples;
DROP TABLE samples;
ALTER TABLE samples_v4 RENAME TO samples;

ALTER TABLE minutes ADD COLUMN not_worn_s INTEGER NOT NULL DEFAULT 0;

CREATE TABLE features (
    device_id  INTEGER NOT NULL REFERENCES devices(id),
    t_min      INTEGER NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (device_id, t_min)
) WITHOUT ROWID;
";

/// Desk time (code 6): time at the computer, counted from the session's
/// idle state while no sensor is paired; its own column in `minutes`.
const V5: &str = r"
CREATE TABLE samples_v5 (
    t_s        INTEGER PRIMARY KEY,
    device_id  INTEGER NOT NULL REFERENCES devices(id),
    state      INTEGER NOT NULL CHECK (state BETWEEN 0 AND 6),
    tilt_ddeg  INTEGER CHECK (tilt_ddeg BETWEEN 0 AND 1800)
);
INSERT INTO samples_v5 SELECT t_s, device_id, state, tilt_ddeg FROM samples;
DROP TABLE samples;
ALTER TABLE samples_v5 RENAME TO samples;

ALTER TABLE minutes ADD COLUMN desk_s INTEGER NOT NULL DEFAULT 0;
";

const STEPS: [&str; 5] = [V1, V2, V3, V4, V5];

/// The schema version this build writes (`user_version` after the last step).
pub(crate) const LATEST: i64 = STEPS.len() as i64;

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|s| M::up(s)).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_validate() {
        assert!(super::migrations().validate().is_ok());
    }
}

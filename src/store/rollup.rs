//! Rollups, kept by the writer inside the transaction that inserts the
//! seconds, so a day, a week or a month is read without the `samples`
//! table:
//! - `minutes`: seconds per posture, tilt sums and slouch per Unix minute
//!   (additive, so seconds may arrive in any order);
//! - `bouts`: maximal runs of consecutive sitting seconds, merged with
//!   their neighbours as seconds arrive (any order);
//! - `streaks` and `breaks`: the streak rules (`crate::domain::streak`) fed in time
//!   order by a tracker kept between commits. Seconds older than the newest
//!   seen (rare: a replay) re-run the rules from the start of the streak
//!   they fall into, which is exact because a streak starts from a clean
//!   tracker state.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params_from_iter};

use crate::domain::figures::MinuteRollup;

use super::samples::{seconds_in, tilt_to_ddeg};
use super::{Store, StoreError};
use crate::domain::posture::{Posture, PostureSecond};
use crate::domain::streak::{StreakEvent, StreakRules, StreakTracker};

/// The rules rollups are computed with (streaks, slouch).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RollupRules {
    pub streak: StreakRules,
    /// Sitting seconds at or above this stored tilt count as slouched.
    pub slouch_ddeg: i64,
}

impl RollupRules {
    pub(crate) fn of(cfg: &crate::domain::config::Config) -> Self {
        Self {
            streak: cfg.streak,
            slouch_ddeg: (cfg.posture.slouch_deg * 10.0).round() as i64,
        }
    }
}

impl Default for RollupRules {
    fn default() -> Self {
        Self::of(&crate::domain::config::Config::default().consistent())
    }
}

/// Marker (in `settings`) that existing seconds have been rolled up.
const MARKER: &str = "rollups";
const MARKER_VERSION: &str = "1";
/// Seconds read per step when rolling up existing data.
const BACKFILL_CHUNK_S: i64 = 86_400;

/// The writer's rollup state. Cloned before a commit and put back if the
/// commit fails, so the tracker never runs ahead of the database.
#[derive(Clone, Debug)]
pub(crate) struct Rollups {
    rules: RollupRules,
    tracker: StreakTracker,
    last_t_s: Option<i64>,
    loaded: bool,
}

impl Rollups {
    pub(crate) fn new(rules: RollupRules) -> Self {
        Self {
            rules,
            tracker: StreakTracker::new(rules.streak),
            last_t_s: None,
            loaded: false,
        }
    }

    /// New streak rules apply from the next second on.
    pub(crate) fn set_streak_rules(&mut self, rules: StreakRules) {
        self.rules.streak = rules;
        self.tracker.set_rules(rules);
    }

    /// Adds seconds just inserted (each exactly once, any order).
    /// `prepare` must have run in this transaction before they were.
    pub(crate) fn apply(
        &mut self,
        tx: &Transaction<'_>,
        inserted: &mut [PostureSecond],
    ) -> Result<(), StoreError> {
        if !self.loaded {
            return Err(StoreError::Corrupt("rollups used before prepare".into()));
        }
        if inserted.is_empty() {
            return Ok(());
        }
        inserted.sort_by_key(|s| s.t_s);
        add_minutes(tx, inserted, self.rules.slouch_ddeg)?;
        add_bouts(tx, inserted)?;
        let first = inserted[0].t_s;
        if self.last_t_s.is_some_and(|last| first <= last) {
            // Older than what the tracker saw: re-run from the streak the
            // oldest new second falls into.
            let from_s: Option<i64> = tx.query_row(
                "SELECT max(start_s) FROM streaks WHERE start_s <= ?1",
                [first],
                |r| r.get(0),
            )?;
            self.rescan(tx, from_s.unwrap_or(first))
        } else {
            let mut events = Vec::new();
            for s in inserted.iter() {
                self.tracker.push(s.t_s, s.state, &mut events);
            }
            self.last_t_s = inserted.last().map(|s| s.t_s);
            self.store_events(tx, &events)
        }
    }

    /// Before the first insert: rolls up existing data once, then puts the
    /// tracker where the stored data ends (re-running the latest streak).
    /// Runs before the batch is inserted, so the batch is added once.
    pub(crate) fn prepare(&mut self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        if self.loaded {
            return Ok(());
        }
        let marker: Option<String> = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [MARKER], |r| {
                r.get(0)
            })
            .optional()?;
        if marker.as_deref() == Some(MARKER_VERSION) {
            let latest: Option<i64> =
                tx.query_row("SELECT max(start_s) FROM streaks", [], |r| r.get(0))?;
            let newest: Option<i64> =
                tx.query_row("SELECT max(t_s) FROM samples", [], |r| r.get(0))?;
            match (latest, newest) {
                (Some(s), _) => self.rescan(tx, s)?,
                (None, newest) => self.last_t_s = newest,
            }
        } else {
            self.backfill(tx)?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [MARKER, MARKER_VERSION],
            )?;
        }
        self.loaded = true;
        Ok(())
    }

    /// Rolls up every stored second (a database from before rollups, or
    /// a rebuild), a day at a time.
    fn backfill(&mut self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        tx.execute_batch(
            "DELETE FROM minutes; DELETE FROM bouts; DELETE FROM streaks; DELETE FROM breaks;",
        )?;
        let (first, last): (Option<i64>, Option<i64>) =
            tx.query_row("SELECT min(t_s), max(t_s) FROM samples", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(());
        };
        self.tracker = StreakTracker::new(self.rules.streak);
        self.last_t_s = None;
        let mut from = first;
        while from <= last {
            let to = from + BACKFILL_CHUNK_S;
            let mut chunk = seconds_in(tx, from, to)?;
            if !chunk.is_empty() {
                add_minutes(tx, &chunk, self.rules.slouch_ddeg)?;
                add_bouts(tx, &chunk)?;
                let mut events = Vec::new();
                for s in &chunk {
                    self.tracker.push(s.t_s, s.state, &mut events);
                }
                self.last_t_s = chunk.last().map(|s| s.t_s);
                self.store_events(tx, &events)?;
                chunk.clear();
            }
            from = to;
        }
        Ok(())
    }

    /// Recomputes streaks and breaks from `from_s` (the first second of a
    /// streak, or a time with no sitting before it) to the newest second.
    fn rescan(&mut self, tx: &Transaction<'_>, from_s: i64) -> Result<(), StoreError> {
        let oldest: Option<i64> = tx.query_row("SELECT min(t_s) FROM samples", [], |r| r.get(0))?;
        if oldest.is_none_or(|o| o > from_s) {
            // The detail there was deleted (retention): keep what the
            // rollups say rather than rebuild from nothing.
            tracing::warn!("streaks from {from_s} not recomputed: no per-second detail there");
            self.last_t_s = tx.query_row("SELECT max(t_s) FROM samples", [], |r| r.get(0))?;
            return Ok(());
        }
        tx.execute("DELETE FROM streaks WHERE start_s >= ?1", [from_s])?;
        tx.execute("DELETE FROM breaks WHERE at_s >= ?1", [from_s])?;
        self.tracker = StreakTracker::new(self.rules.streak);
        self.last_t_s = None;
        let mut stmt =
            tx.prepare_cached("SELECT t_s, state FROM samples WHERE t_s >= ?1 ORDER BY t_s")?;
        let mut rows = stmt.query([from_s])?;
        let mut events = Vec::new();
        while let Some(r) = rows.next()? {
            let t_s: i64 = r.get(0)?;
            let code: i64 = r.get(1)?;
            let state = Posture::from_code(code)
                .ok_or_else(|| StoreError::Corrupt(format!("posture code {code} at {t_s}")))?;
            self.tracker.push(t_s, state, &mut events);
            self.last_t_s = Some(t_s);
        }
        self.store_events(tx, &events)
    }

    /// Seconds already stored whose posture changed (classified again):
    /// the rows, their minutes, the sitting bouts around them and the
    /// streaks from the oldest on follow. A second not stored is skipped.
    pub(crate) fn relabel(
        &mut self,
        tx: &Transaction<'_>,
        seconds: &[PostureSecond],
    ) -> Result<usize, StoreError> {
        if !self.loaded {
            return Err(StoreError::Corrupt("rollups used before prepare".into()));
        }
        let mut old = Vec::new();
        let mut new = Vec::new();
        {
            let mut get = tx
                .prepare_cached("SELECT device_id, state, tilt_ddeg FROM samples WHERE t_s = ?1")?;
            let mut set =
                tx.prepare_cached("UPDATE samples SET state = ?2, device_id = ?3 WHERE t_s = ?1")?;
            for s in seconds {
                let row: Option<(i64, i64, Option<i64>)> = get
                    .query_row([s.t_s], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                let Some((device_id, code, tilt)) = row else {
                    continue;
                };
                let state = Posture::from_code(code).ok_or_else(|| {
                    StoreError::Corrupt(format!("posture code {code} at {}", s.t_s))
                })?;
                if state == s.state && device_id == s.device_id {
                    continue;
                }
                let tilt_deg = tilt.map(|d| d as f32 / 10.0);
                old.push(PostureSecond {
                    t_s: s.t_s,
                    state,
                    tilt_deg,
                    device_id,
                });
                new.push(PostureSecond {
                    t_s: s.t_s,
                    state: s.state,
                    tilt_deg,
                    device_id: s.device_id,
                });
                set.execute(rusqlite::params![s.t_s, s.state.code(), s.device_id])?;
            }
        }
        if old.is_empty() {
            return Ok(0);
        }
        old.sort_by_key(|s| s.t_s);
        new.sort_by_key(|s| s.t_s);
        add_minutes_signed(tx, &old, self.rules.slouch_ddeg, -1)?;
        add_minutes_signed(tx, &new, self.rules.slouch_ddeg, 1)?;
        let (first, last) = (old[0].t_s, old[old.len() - 1].t_s);
        // The bouts touching the changed span are rebuilt from the rows.
        let (lo, hi): (Option<i64>, Option<i64>) = tx.query_row(
            "SELECT min(start_s), max(end_s) FROM bouts WHERE end_s >= ?1 AND start_s <= ?2",
            [first, last + 1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let from = lo.map_or(first, |l| l.min(first));
        let to = hi.map_or(last + 1, |h| h.max(last + 1));
        tx.execute(
            "DELETE FROM bouts WHERE end_s >= ?1 AND start_s <= ?2",
            [first, last + 1],
        )?;
        add_bouts(tx, &seconds_in(tx, from, to)?)?;
        let streak_from: Option<i64> = tx.query_row(
            "SELECT max(start_s) FROM streaks WHERE start_s <= ?1",
            [first],
            |r| r.get(0),
        )?;
        self.rescan(tx, streak_from.unwrap_or(first))?;
        Ok(old.len())
    }

    fn store_events(&self, tx: &Transaction<'_>, events: &[StreakEvent]) -> Result<(), StoreError> {
        let mut streak = tx.prepare_cached(
            "INSERT INTO streaks (start_s, last_sitting_s) VALUES (?1, ?2)
             ON CONFLICT(start_s) DO UPDATE SET last_sitting_s = excluded.last_sitting_s",
        )?;
        let mut brk =
            tx.prepare_cached("INSERT INTO breaks (at_s) VALUES (?1) ON CONFLICT DO NOTHING")?;
        for e in events {
            match e {
                StreakEvent::Ended(s) => {
                    streak.execute([s.start_s, s.last_sitting_s])?;
                }
                StreakEvent::Break { at_s } => {
                    brk.execute([at_s])?;
                }
                StreakEvent::Started(_) | StreakEvent::ReachedThreshold(_) => {}
            }
        }
        // The streak in progress is stored as it stands, so today's charts
        // show it; it is updated at each commit until it ends.
        if let Some(s) = self.tracker.current() {
            streak.execute([s.start_s, s.last_sitting_s])?;
        }
        Ok(())
    }
}

/// One minute's additions.
#[derive(Default, Clone, Copy)]
struct MinuteAdd {
    by_state: [i64; Posture::ALL.len()],
    sit_tilt_sum_ddeg: i64,
    sit_tilt_n: i64,
    stand_tilt_sum_ddeg: i64,
    stand_tilt_n: i64,
    slouch_s: i64,
}

fn add_minutes(
    tx: &Transaction<'_>,
    seconds: &[PostureSecond],
    slouch_ddeg: i64,
) -> Result<(), StoreError> {
    add_minutes_signed(tx, seconds, slouch_ddeg, 1)
}

/// Adds (`sign` 1) or takes away (`sign` -1) the seconds' contributions.
fn add_minutes_signed(
    tx: &Transaction<'_>,
    seconds: &[PostureSecond],
    slouch_ddeg: i64,
    sign: i64,
) -> Result<(), StoreError> {
    let mut adds: BTreeMap<i64, MinuteAdd> = BTreeMap::new();
    for s in seconds {
        let m = adds.entry(s.t_s.div_euclid(60)).or_default();
        m.by_state[s.state.code() as usize] += 1;
        if let Some(ddeg) = tilt_to_ddeg(s.tilt_deg) {
            match s.state {
                Posture::Sitting => {
                    m.sit_tilt_sum_ddeg += ddeg;
                    m.sit_tilt_n += 1;
                    m.slouch_s += i64::from(ddeg >= slouch_ddeg);
                }
                Posture::Standing => {
                    m.stand_tilt_sum_ddeg += ddeg;
                    m.stand_tilt_n += 1;
                }
                _ => {}
            }
        }
    }
    let cols = MinuteRollup::SUM_COLUMNS;
    let sql = format!(
        "INSERT INTO minutes (t_min, {}) VALUES (?1, {}) ON CONFLICT(t_min) DO UPDATE SET {}",
        cols.join(", "),
        (2..=cols.len() + 1)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", "),
        cols.map(|c| format!("{c} = {c} + excluded.{c}")).join(", ")
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    for (t_min, m) in adds {
        let code = |p: Posture| m.by_state[p.code() as usize];
        let sums = MinuteRollup {
            t_min,
            sitting_s: code(Posture::Sitting),
            standing_s: code(Posture::Standing),
            moving_s: code(Posture::Moving),
            lying_s: code(Posture::Lying),
            unknown_s: code(Posture::Unknown),
            sit_tilt_sum_ddeg: m.sit_tilt_sum_ddeg,
            sit_tilt_n: m.sit_tilt_n,
            stand_tilt_sum_ddeg: m.stand_tilt_sum_ddeg,
            stand_tilt_n: m.stand_tilt_n,
            slouch_s: m.slouch_s,
            not_worn_s: code(Posture::NotWorn),
            desk_s: code(Posture::AtDesk),
        }
        .sums()
        .map(|v| v * sign);
        stmt.execute(params_from_iter(std::iter::once(t_min).chain(sums)))?;
    }
    Ok(())
}

/// Merges the sitting runs of `seconds` (sorted) into `bouts`, joining a
/// bout that ends where a run starts and one that starts where it ends.
fn add_bouts(tx: &Transaction<'_>, seconds: &[PostureSecond]) -> Result<(), StoreError> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for s in seconds.iter().filter(|s| s.state == Posture::Sitting) {
        match runs.last_mut() {
            Some((_, end)) if *end == s.t_s => *end += 1,
            _ => runs.push((s.t_s, s.t_s + 1)),
        }
    }
    let mut left_q = tx.prepare_cached("SELECT start_s FROM bouts WHERE end_s = ?1")?;
    let mut right_q = tx.prepare_cached("SELECT end_s FROM bouts WHERE start_s = ?1")?;
    for (a, b) in runs {
        let left: Option<i64> = left_q.query_row([a], |r| r.get(0)).optional()?;
        let right: Option<i64> = right_q.query_row([b], |r| r.get(0)).optional()?;
        let end = right.unwrap_or(b);
        if right.is_some() {
            tx.execute("DELETE FROM bouts WHERE start_s = ?1", [b])?;
        }
        match left {
            Some(start) => tx.execute(
                "UPDATE bouts SET end_s = ?2 WHERE start_s = ?1",
                [start, end],
            )?,
            None => tx.execute(
                "INSERT INTO bouts (start_s, end_s) VALUES (?1, ?2)",
                [a, end],
            )?,
        };
    }
    Ok(())
}

impl Store {
    /// Inserts seconds in one transaction. A second already stored is kept
    /// as it was: the first write wins, so replays never double count.
    /// Rollups are kept up to date in the same transaction.
    pub fn insert_seconds(&mut self, seconds: &[PostureSecond]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut rollups = Rollups::new(RollupRules::default());
        rollups.prepare(&tx)?;
        let mut inserted = Vec::new();
        let n = Store::insert_seconds_tx(&tx, seconds, &mut inserted)?;
        rollups.apply(&tx, &mut inserted)?;
        tx.commit()?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::streak::streaks_of;
    use crate::store::Store;

    /// A seeded random timeline of runs (with missing stretches).
    fn timeline(seed: u64, n_runs: usize) -> Vec<PostureSecond> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut t = 1_000_000;
        let mut v = Vec::new();
        for _ in 0..n_runs {
            let len = match rng.u8(0..10) {
                0..3 => rng.i64(1..40),
                3..7 => rng.i64(40..900),
                _ => rng.i64(900..5000),
            };
            let state = match rng.u8(0..10) {
                0..5 => Some(Posture::Sitting),
                5..7 => Some(Posture::Standing),
                7 => Some(Posture::Moving),
                8 => Some(Posture::Unknown),
                _ => None,
            };
            for _ in 0..len {
                if let Some(state) = state {
                    v.push(PostureSecond {
                        t_s: t,
                        state,
                        tilt_deg: (state != Posture::Moving).then(|| rng.f32() * 45.0),
                        device_id: 1,
                    });
                }
                t += 1;
            }
        }
        v
    }

    fn store_with_device(dir: &tempfile::TempDir) -> Store {
        let st = Store::open(&dir.path().join("r.db")).unwrap();
        st.ensure_device(
            "demo:thigh",
            "demo",
            "Demo",
            crate::domain::sample::Placement::Thigh,
            0,
        )
        .unwrap();
        st
    }

    fn insert(st: &mut Store, roll: &mut Rollups, batch: &[PostureSecond]) {
        let tx = st.conn_mut().transaction().unwrap();
        roll.prepare(&tx).unwrap();
        let mut inserted = Vec::new();
        Store::insert_seconds_tx(&tx, batch, &mut inserted).unwrap();
        roll.apply(&tx, &mut inserted).unwrap();
        tx.commit().unwrap();
    }

    fn table(st: &Store, sql: &str) -> Vec<(i64, i64)> {
        let mut q = st.conn.prepare(sql).unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// What the rollups must hold, computed from the seconds directly.
    /// Bouts, streaks, breaks and slouch seconds.
    type Expected = (Vec<(i64, i64)>, Vec<(i64, i64)>, usize, i64);

    fn expected(seconds: &[PostureSecond]) -> Expected {
        let mut sorted = seconds.to_vec();
        sorted.sort_by_key(|s| s.t_s);
        let mut bouts: Vec<(i64, i64)> = Vec::new();
        for s in sorted.iter().filter(|s| s.state == Posture::Sitting) {
            match bouts.last_mut() {
                Some((_, e)) if *e == s.t_s => *e += 1,
                _ => bouts.push((s.t_s, s.t_s + 1)),
            }
        }
        let (streaks, breaks) = streaks_of(
            RollupRules::default().streak,
            sorted.iter().map(|s| (s.t_s, s.state)),
        );
        let streaks = streaks
            .iter()
            .map(|s| (s.start_s, s.last_sitting_s))
            .collect();
        let slouch = sorted
            .iter()
            .filter(|s| {
                s.state == Posture::Sitting && tilt_to_ddeg(s.tilt_deg).is_some_and(|d| d >= 200)
            })
            .count() as i64;
        (bouts, streaks, breaks as usize, slouch)
    }

    fn check(st: &Store, seconds: &[PostureSecond]) {
        let (bouts, streaks, breaks, slouch) = expected(seconds);
        assert_eq!(
            table(st, "SELECT start_s, end_s FROM bouts ORDER BY 1"),
            bouts
        );
        assert_eq!(
            table(st, "SELECT start_s, last_sitting_s FROM streaks ORDER BY 1"),
            streaks
        );
        let n: i64 = st
            .conn
            .query_row("SELECT count(*) FROM breaks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n as usize, breaks);
        let (sit, all, sl): (i64, i64, i64) = st
            .conn
            .query_row(
                "SELECT sum(sitting_s), sum(sitting_s + standing_s + moving_s + lying_s + unknown_s),
                        sum(slouch_s) FROM minutes",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let sitting = seconds
            .iter()
            .filter(|s| s.state == Posture::Sitting)
            .count();
        assert_eq!(sit as usize, sitting);
        assert_eq!(all as usize, seconds.len());
        assert_eq!(sl, slouch);
    }

    #[test]
    fn rollups_in_time_order_match_the_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = store_with_device(&dir);
        let seconds = timeline(7, 120);
        let mut roll = Rollups::new(RollupRules::default());
        for batch in seconds.chunks(997) {
            insert(&mut st, &mut roll, batch);
        }
        check(&st, &seconds);
    }

    /// Batches out of order and replays: bouts merge both ways, streaks are
    /// re-run, duplicates count once.
    #[test]
    fn rollups_out_of_order_and_replayed_match_the_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = store_with_device(&dir);
        let seconds = timeline(11, 60);
        let mut batches: Vec<&[PostureSecond]> = seconds.chunks(1_511).collect();
        let mut rng = fastrand::Rng::with_seed(3);
        rng.shuffle(&mut batches);
        let mut roll = Rollups::new(RollupRules::default());
        for b in &batches {
            insert(&mut st, &mut roll, b);
        }
        insert(&mut st, &mut roll, batches[0]);
        check(&st, &seconds);
    }

    /// A database written before rollups is rolled up at the first commit,
    /// and a restarted writer carries on the streak in progress.
    #[test]
    fn existing_seconds_are_rolled_up_once_and_a_restart_carries_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = store_with_device(&dir);
        let seconds = timeline(5, 80);
        let (old, new) = seconds.split_at(seconds.len() / 2);
        st.insert_seconds(old).unwrap();
        st.conn
            .execute("DELETE FROM settings WHERE key = 'rollups'", [])
            .unwrap();
        let mut roll = Rollups::new(RollupRules::default());
        let (a, b) = new.split_at(new.len() / 2);
        insert(&mut st, &mut roll, a);
        let mut restarted = Rollups::new(RollupRules::default());
        insert(&mut st, &mut restarted, b);
        check(&st, &seconds);
    }
}

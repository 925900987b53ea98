//! The one writer: a named thread that owns the write connection and commits
//! batches at least once per `COMMIT_INTERVAL`, so at most about a second of
//! data is ever uncommitted. A failed commit (read-only file, full disk)
//! keeps its rows in a bounded buffer and retries every `RETRY_INTERVAL`
//! on a fresh connection, so writing resumes by itself once it can.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::params;

use super::rollup::{RollupRules, Rollups};
use super::{Store, StoreError};
use crate::domain::calibration::Calibration;
use crate::domain::posture::PostureSecond;
use crate::domain::reminder::ReminderDue;

pub(crate) const COMMIT_INTERVAL: Duration = Duration::from_secs(1);
/// How often a refused write is tried again.
pub(crate) const RETRY_INTERVAL: Duration = Duration::from_secs(2);
/// Rows that force a commit before the interval (bounds a transaction).
const MAX_BATCH_ROWS: usize = 50_000;
/// Rows kept while the database refuses writes: a week of seconds
/// (about 20 MB); beyond it the oldest are dropped and counted.
pub(crate) const MAX_BUFFERED_ROWS: usize = 7 * 86_400;

/// Opens a fresh connection after a failure: a connection opened on a
/// read-only file stays read-only even after the file becomes writable.
pub(crate) type Reopen = Box<dyn FnMut() -> Result<Store, StoreError> + Send>;

pub(crate) struct WriterOptions {
    pub reopen: Option<Reopen>,
    pub max_buffered_rows: usize,
    /// Streak and slouch rules of the rollups; settings change the streak
    /// rules (`base` is what settings apply to).
    pub base_config: crate::domain::config::Config,
    /// Days of per-second detail to keep (`None`: all); settings change it.
    pub detail_keep_days: Option<u32>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            reopen: None,
            max_buffered_rows: MAX_BUFFERED_ROWS,
            base_config: crate::domain::config::Config::default().consistent(),
            detail_keep_days: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Snoozed,
    Dismissed,
    Started,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Snoozed => "snoozed",
            Self::Dismissed => "dismissed",
            Self::Started => "started",
        }
    }
}

#[derive(Debug)]
pub enum WriteOp {
    Seconds(Vec<PostureSecond>),
    Reminder(ReminderDue),
    Outcome {
        shown_at_s: i64,
        outcome: Outcome,
        at_s: i64,
    },
    /// Seconds already sent whose posture changed (classified again).
    Relabel(Vec<PostureSecond>),
    /// Per-second features of each sensor: `(device_id, features)`.
    Features(Vec<(i64, crate::domain::features::SecondFeatures)>),
    /// A device's calibration changed (learned from walking, or the wizard).
    Calibration {
        device_id: i64,
        calibration: Calibration,
    },
    RoutineSession(crate::domain::session::RoutineSession),
    Settings(crate::domain::settings::Settings),
    /// A change to the `devices` table, applied at once and answered.
    Device(super::device_write::DeviceWrite),
    /// Minute rollups restored from an export (a minute already stored is
    /// kept); answered with how many were added.
    RestoreMinutes {
        minutes: Vec<crate::domain::figures::MinuteRollup>,
        reply: SyncSender<Result<usize, StoreError>>,
    },
    /// An import begins (`Some`) or has sent its last seconds (`None`):
    /// committed with the seconds around it, so a kill in between leaves
    /// the mark for the next run to report.
    ImportMark(Option<super::settings::UnfinishedImport>),
    /// Commit now and answer when done.
    Flush(SyncSender<()>),
}

/// What a commit reports to whoever listens (the engine, the CLI).
#[derive(Clone, Debug, PartialEq)]
pub enum CommitInfo {
    Committed {
        rows: usize,
        newest_s: Option<i64>,
    },
    Failed {
        fault: super::WriteFault,
        error: String,
        buffered_rows: usize,
        /// Rows given up since the start because the buffer was full.
        dropped_rows: u64,
    },
}

#[derive(Debug, Default, Clone, Copy)]
pub struct WriterStats {
    pub rows_written: u64,
    pub commits: u64,
    pub failed_commits: u64,
    pub rows_dropped: u64,
}

pub struct StoreWriter {
    tx: SyncSender<WriteOp>,
    handle: JoinHandle<WriterStats>,
}

impl StoreWriter {
    /// Starts the writer thread on an opened store.
    pub fn spawn(
        store: Store,
        on_commit: impl FnMut(CommitInfo) + Send + 'static,
    ) -> std::io::Result<Self> {
        Self::spawn_with(store, WriterOptions::default(), on_commit)
    }

    pub(crate) fn spawn_with(
        store: Store,
        opts: WriterOptions,
        mut on_commit: impl FnMut(CommitInfo) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(64);
        let handle = std::thread::Builder::new()
            .name("sitless-store".into())
            .spawn(move || run(store, opts, &rx, &mut on_commit))?;
        Ok(Self { tx, handle })
    }

    /// A writer for a headless command (`simulate`, `import`,
    /// `gen-history`): the command's rules, nobody listening to commits.
    pub fn spawn_headless(
        store: Store,
        cfg: &crate::domain::config::Config,
    ) -> std::io::Result<Self> {
        Self::spawn_with(
            store,
            WriterOptions {
                base_config: *cfg,
                ..WriterOptions::default()
            },
            |_| {},
        )
    }

    pub fn sender(&self) -> SyncSender<WriteOp> {
        self.tx.clone()
    }

    /// Stops accepting work, commits what is left and returns the totals;
    /// an error if the writer thread died (what it held is not stored).
    pub fn finish(self) -> Result<WriterStats, WriterPanicked> {
        drop(self.tx);
        self.handle.join().map_err(|payload| {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            WriterPanicked(why)
        })
    }
}

/// The writer thread panicked: the data it had not committed is lost.
#[derive(Debug, thiserror::Error)]
#[error("the database writer stopped unexpectedly ({0}); data since its last commit was not saved")]
pub struct WriterPanicked(pub String);

enum ImportMark {
    Set(super::settings::UnfinishedImport),
    Clear,
}

impl From<Option<super::settings::UnfinishedImport>> for ImportMark {
    fn from(m: Option<super::settings::UnfinishedImport>) -> Self {
        m.map_or(Self::Clear, Self::Set)
    }
}

#[derive(Default)]
struct Pending {
    seconds: Vec<PostureSecond>,
    relabels: Vec<PostureSecond>,
    features: Vec<(i64, crate::domain::features::SecondFeatures)>,
    recommendations: Vec<ReminderDue>,
    outcomes: Vec<(i64, Outcome, i64)>,
    calibrations: Vec<(i64, Calibration)>,
    sessions: Vec<crate::domain::session::RoutineSession>,
    settings: Option<crate::domain::settings::Settings>,
    /// The import mark to write, if it changed.
    import_mark: Option<ImportMark>,
    since: Option<Instant>,
    /// The last commit failed: wait `RETRY_INTERVAL`, on a new connection.
    failing: bool,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.seconds.is_empty()
            && self.relabels.is_empty()
            && self.features.is_empty()
            && self.recommendations.is_empty()
            && self.outcomes.is_empty()
            && self.calibrations.is_empty()
            && self.sessions.is_empty()
            && self.settings.is_none()
            && self.import_mark.is_none()
    }
}

fn run(
    mut store: Store,
    mut opts: WriterOptions,
    rx: &Receiver<WriteOp>,
    on_commit: &mut dyn FnMut(CommitInfo),
) -> WriterStats {
    let mut stats = WriterStats::default();
    let mut p = Pending::default();
    let mut rollups = Rollups::new(RollupRules::of(&opts.base_config));
    let mut pruned_at: Option<Instant> = None;
    loop {
        let interval = if p.failing {
            RETRY_INTERVAL
        } else {
            COMMIT_INTERVAL
        };
        let wait = p.since.map_or(Duration::from_hours(1), |t| {
            interval.saturating_sub(t.elapsed())
        });
        let mut flush_reply = None;
        let disconnected = match rx.recv_timeout(wait) {
            Ok(op) => {
                match op {
                    WriteOp::Seconds(mut s) => p.seconds.append(&mut s),
                    WriteOp::Relabel(mut s) => p.relabels.append(&mut s),
                    WriteOp::Features(mut f) => p.features.append(&mut f),
                    WriteOp::Reminder(r) => p.recommendations.push(r),
                    WriteOp::Outcome {
                        shown_at_s,
                        outcome,
                        at_s,
                    } => p.outcomes.push((shown_at_s, outcome, at_s)),
                    WriteOp::Calibration {
                        device_id,
                        calibration,
                    } => p.calibrations.push((device_id, calibration)),
                    WriteOp::RoutineSession(s) => p.sessions.push(s),
                    WriteOp::Settings(s) => {
                        rollups.set_streak_rules(s.apply(opts.base_config).streak);
                        if s.detail_keep_days != opts.detail_keep_days {
                            opts.detail_keep_days = s.detail_keep_days;
                            pruned_at = None;
                        }
                        p.settings = Some(s);
                    }
                    WriteOp::Device(w) => w.apply(&mut store),
                    WriteOp::RestoreMinutes { minutes, reply } => {
                        let _ = reply.send(store.restore_minutes(&minutes));
                    }
                    WriteOp::ImportMark(m) => p.import_mark = Some(m.into()),
                    WriteOp::Flush(reply) => flush_reply = Some(reply),
                }
                if !p.is_empty() && p.since.is_none() {
                    p.since = Some(Instant::now());
                }
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        let due = p.since.is_some_and(|t| t.elapsed() >= interval)
            || (p.seconds.len() >= MAX_BATCH_ROWS && !p.failing)
            || flush_reply.is_some()
            || disconnected;
        if due && !p.is_empty() {
            if p.failing
                && let Some(reopen) = opts.reopen.as_mut()
            {
                match reopen() {
                    Ok(s) => store = s,
                    Err(e) => tracing::debug!("database not reopened yet: {e}"),
                }
            }
            commit(
                &mut store,
                &mut p,
                &mut rollups,
                &mut stats,
                opts.max_buffered_rows,
                on_commit,
            );
            // After a commit that worked: the newest second is stored.
            if let Some(days) = opts.detail_keep_days
                && !p.failing
                && pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_INTERVAL)
            {
                pruned_at = Some(Instant::now());
                prune(&store, days, chrono::Utc::now().timestamp());
            }
        } else if p.failing && p.seconds.len() > opts.max_buffered_rows {
            bound(&mut p, &mut stats, opts.max_buffered_rows);
        }
        if let Some(reply) = flush_reply {
            let _ = reply.send(());
        }
        if disconnected {
            if !p.seconds.is_empty() {
                stats.rows_dropped += p.seconds.len() as u64;
                tracing::error!(
                    "{} seconds could not be saved before closing: the database refused them",
                    p.seconds.len()
                );
            }
            return stats;
        }
    }
}

/// How often old per-second detail is looked for (retention setting).
const PRUNE_INTERVAL: Duration = Duration::from_hours(1);
/// Rows deleted per statement, so a first prune of years of detail does
/// not hold the write lock for long.
const PRUNE_CHUNK_ROWS: i64 = 20_000;

/// Deletes per-second detail older than `days` before the newest second
/// (but never counting from beyond `now_s` + a day: one far-future row must
/// not cost a month of detail). The rollups were written with the seconds,
/// so nothing shown is lost.
fn prune(store: &Store, days: u32, now_s: i64) {
    let newest = match store.last_second() {
        Ok(Some(t)) => t.min(crate::domain::days::latest_trusted_s(now_s)),
        Ok(None) => return,
        Err(e) => {
            tracing::warn!("retention skipped: {e}");
            return;
        }
    };
    let before_s = newest.saturating_sub(i64::from(days) * 86_400);
    let mut total = 0;
    loop {
        match store.prune_samples(before_s, PRUNE_CHUNK_ROWS) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) => {
                tracing::warn!("retention stopped after {total} rows: {e}");
                break;
            }
        }
    }
    if total > 0 {
        tracing::info!("deleted {total} seconds of detail older than {days} days");
    }
}

/// Keeps the newest `max` seconds: the buffer never grows without bound.
fn bound(p: &mut Pending, stats: &mut WriterStats, max: usize) {
    if p.seconds.len() > max {
        let drop_n = p.seconds.len() - max;
        p.seconds.drain(..drop_n);
        stats.rows_dropped += drop_n as u64;
    }
    // Features and relabels are not the record: while the database
    // refuses writes, keep only the newest.
    if p.relabels.len() > max {
        let n = p.relabels.len() - max;
        p.relabels.drain(..n);
    }
    if p.features.len() > max {
        let n = p.features.len() - max;
        p.features.drain(..n);
    }
}

fn commit(
    store: &mut Store,
    p: &mut Pending,
    rollups: &mut Rollups,
    stats: &mut WriterStats,
    max_buffered_rows: usize,
    on_commit: &mut dyn FnMut(CommitInfo),
) {
    // Put back if the commit fails: the rollups follow the database.
    let before = rollups.clone();
    match write_all(store, p, rollups) {
        Ok(rows) => {
            stats.rows_written += rows as u64;
            stats.commits += 1;
            let newest_s = p.seconds.last().map(|s| s.t_s);
            p.seconds.clear();
            p.relabels.clear();
            p.features.clear();
            p.recommendations.clear();
            p.outcomes.clear();
            p.calibrations.clear();
            p.sessions.clear();
            p.settings = None;
            p.import_mark = None;
            p.since = None;
            p.failing = false;
            tracing::debug!(rows, newest_s, "committed");
            on_commit(CommitInfo::Committed { rows, newest_s });
        }
        Err(e) => {
            *rollups = before;
            stats.failed_commits += 1;
            bound(p, stats, max_buffered_rows);
            p.since = Some(Instant::now());
            p.failing = true;
            tracing::warn!("commit failed, {} rows kept: {e}", p.seconds.len());
            on_commit(CommitInfo::Failed {
                fault: super::WriteFault::of(&e),
                error: e.to_string(),
                buffered_rows: p.seconds.len(),
                dropped_rows: stats.rows_dropped,
            });
        }
    }
}

fn write_all(store: &mut Store, p: &Pending, rollups: &mut Rollups) -> Result<usize, StoreError> {
    let conn = store.conn_mut();
    let tx = conn.transaction()?;
    rollups.prepare(&tx)?;
    let mut inserted = Vec::with_capacity(p.seconds.len());
    let rows = Store::insert_seconds_tx(&tx, &p.seconds, &mut inserted)?;
    rollups.apply(&tx, &mut inserted)?;
    // After the inserts: a relabel may be for a second of this very batch.
    rollups.relabel(&tx, &p.relabels)?;
    Store::put_features_tx(&tx, &p.features)?;
    if let Some(newest) = p.features.last().map(|(_, f)| f.t_s) {
        Store::prune_features_tx(&tx, newest - super::features::FEATURES_KEEP_S)?;
    }
    for r in &p.recommendations {
        Store::insert_recommendation_tx(&tx, r)?;
    }
    for (shown_at_s, outcome, at_s) in &p.outcomes {
        tx.execute(
            "UPDATE recommendations SET outcome = ?2, outcome_at_s = ?3 WHERE shown_at_s = ?1",
            params![shown_at_s, outcome.as_str(), at_s],
        )?;
    }
    for (device_id, cal) in &p.calibrations {
        Store::set_calibration_tx(&tx, *device_id, cal)?;
    }
    for s in &p.sessions {
        Store::insert_routine_session_tx(&tx, s)?;
    }
    if let Some(s) = &p.settings {
        Store::save_settings_tx(&tx, s)?;
    }
    match &p.import_mark {
        Some(ImportMark::Set(m)) => Store::mark_import_tx(&tx, Some(m))?,
        Some(ImportMark::Clear) => Store::mark_import_tx(&tx, None)?,
        None => {}
    }
    tx.commit()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc::channel;

    use super::*;
    use crate::domain::posture::Posture;
    use crate::domain::sample::Placement;

    fn seconds(device_id: i64, range: std::ops::Range<i64>) -> Vec<PostureSecond> {
        range
            .map(|t_s| PostureSecond {
                t_s,
                state: Posture::Sitting,
                tilt_deg: Some(20.0),
                device_id,
            })
            .collect()
    }

    /// A full disk (`max_page_count`): rows wait in a bounded buffer, the
    /// failure is reported with its cause, and everything kept is written
    /// once there is room again, on a fresh connection.
    #[test]
    fn a_full_disk_keeps_rows_in_a_bounded_buffer_until_there_is_room() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.db");
        let store = Store::open(&path).unwrap();
        let device = store
            .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
            .unwrap();
        let limit = Arc::new(AtomicU64::new(store.page_count().unwrap()));
        store.set_max_pages(limit.load(Ordering::Relaxed)).unwrap();
        let (tx, rx) = channel();
        let (p, l) = (path.clone(), limit.clone());
        let opts = WriterOptions {
            reopen: Some(Box::new(move || {
                let s = Store::open(&p)?;
                match l.load(Ordering::Relaxed) {
                    0 => {}
                    pages => s.set_max_pages(pages)?,
                }
                Ok(s)
            })),
            max_buffered_rows: 3000,
            ..WriterOptions::default()
        };
        let writer = StoreWriter::spawn_with(store, opts, move |i| {
            let _ = tx.send(i);
        })
        .unwrap();
        let send = writer.sender();
        send.send(WriteOp::Seconds(seconds(device, 0..2000)))
            .unwrap();
        let next = || rx.recv_timeout(Duration::from_secs(10)).unwrap();
        match next() {
            CommitInfo::Failed {
                fault,
                buffered_rows,
                dropped_rows,
                ..
            } => {
                assert_eq!(fault, super::super::WriteFault::Full);
                assert_eq!((buffered_rows, dropped_rows), (2000, 0));
            }
            other @ CommitInfo::Committed { .. } => panic!("expected a failure, got {other:?}"),
        }
        // More than the buffer holds: the oldest go, and are counted.
        send.send(WriteOp::Seconds(seconds(device, 2000..4000)))
            .unwrap();
        match next() {
            CommitInfo::Failed {
                buffered_rows,
                dropped_rows,
                ..
            } => assert_eq!((buffered_rows, dropped_rows), (3000, 1000)),
            other @ CommitInfo::Committed { .. } => panic!("expected a failure, got {other:?}"),
        }
        // Room again: the next retry writes all that was kept.
        limit.store(0, Ordering::Relaxed);
        let committed = loop {
            if let CommitInfo::Committed { rows, newest_s } = next() {
                break (rows, newest_s);
            }
        };
        assert_eq!(committed, (3000, Some(3999)));
        drop(send);
        let stats = writer.finish().unwrap();
        assert_eq!(stats.rows_dropped, 1000);
        let st = Store::open(&path).unwrap();
        let rows = st.seconds_between(0, 5000).unwrap();
        assert_eq!(rows.len(), 3000);
        assert_eq!(rows[0].t_s, 1000);
        let ok: String = st
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }

    /// Retention: detail older than the kept days goes, the minute
    /// rollups of those days stay.
    #[test]
    fn old_detail_is_deleted_and_its_rollups_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.db");
        let store = Store::open(&path).unwrap();
        let device = store
            .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
            .unwrap();
        let opts = WriterOptions {
            detail_keep_days: Some(7),
            ..WriterOptions::default()
        };
        let writer = StoreWriter::spawn_with(store, opts, |_| {}).unwrap();
        let send = writer.sender();
        for day in 0..10 {
            let t0 = 1_000_000 + day * 86_400;
            send.send(WriteOp::Seconds(seconds(device, t0..t0 + 100)))
                .unwrap();
        }
        let (tx, rx) = sync_channel(1);
        send.send(WriteOp::Flush(tx)).unwrap();
        rx.recv().unwrap();
        drop(send);
        writer.finish().unwrap();
        let st = Store::open(&path).unwrap();
        let kept = st.seconds_between(0, i64::MAX).unwrap();
        // The newest second is day 9 + 99 s; 7 days before it is day 2 + 99 s.
        assert_eq!(
            kept.first().map(|s| s.t_s),
            Some(1_000_000 + 2 * 86_400 + 99)
        );
        assert_eq!(kept.len(), 701);
        let sitting: i64 = st
            .conn
            .query_row("SELECT sum(sitting_s) FROM minutes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sitting, 1000, "rollups of all ten days stay");
    }

    /// One far-future second (a bad import, a sensor clock gone wrong)
    /// must not make a month of real detail look old.
    #[test]
    fn a_far_future_second_does_not_move_retention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.db");
        let store = Store::open(&path).unwrap();
        let device = store
            .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
            .unwrap();
        let writer = StoreWriter::spawn_with(store, WriterOptions::default(), |_| {}).unwrap();
        let send = writer.sender();
        let now_s = 1_780_000_000;
        for day in 0..10 {
            let t0 = now_s - day * 86_400 - 100;
            send.send(WriteOp::Seconds(seconds(device, t0..t0 + 100)))
                .unwrap();
        }
        let far = now_s + 50 * 365 * 86_400;
        send.send(WriteOp::Seconds(seconds(device, far..far + 1)))
            .unwrap();
        drop(send);
        writer.finish().unwrap();
        let st = Store::open(&path).unwrap();
        prune(&st, 30, now_s);
        assert_eq!(
            st.seconds_between(0, now_s + 1).unwrap().len(),
            1000,
            "ten days of detail within 30 days of now are kept"
        );
        // Counted from the wall clock and its day of margin, not from the
        // far-future row (which would delete everything): seven days back
        // from tomorrow keep the last six days here.
        prune(&st, 7, now_s);
        let kept = st.seconds_between(0, now_s + 1).unwrap();
        assert_eq!(kept.len(), 600);
    }
}

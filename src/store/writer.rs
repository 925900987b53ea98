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
/// How long seconds must stop coming before the writer says they settled.
const SETTLED_AFTER: Duration = Duration::from_secs(2);
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
    /// No seconds came for a while after the last commit with seconds:
    /// `newest_s` is the last one stored. Said once per pause, so that a
    /// listener that throttles commits still sees the last ones (a sensor
    /// that stopped, desk time gone away).
    Settled {
        newest_s: i64,
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
    // The newest second of the last commit, until it has settled.
    let mut unsettled: Option<i64> = None;
    loop {
        let interval = if p.failing {
            RETRY_INTERVAL
        } else {
            COMMIT_INTERVAL
        };
        let idle_wait = if unsettled.is_some() {
            SETTLED_AFTER
        } else {
            Duration::from_hours(1)
        };
        let wait = p
            .since
            .map_or(idle_wait, |t| interval.saturating_sub(t.elapsed()));
        let mut flush_reply = None;
        let disconnected = match rx.recv_timeout(wait) {
            Ok(op) => {
                flush_reply = take(
                    op,
                    &mut p,
                    &mut rollups,
                    &mut opts,
                    &mut store,
                    &mut pruned_at,
                );
                if !p.is_empty() && p.since.is_none() {
                    p.since = Some(Instant::now());
                }
                false
            }
            Err(RecvTimeoutError::Timeout) => {
                if p.is_empty()
                    && let Some(newest_s) = unsettled.take()
                {
                    on_commit(CommitInfo::Settled { newest_s });
                }
                false
            }
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
            let newest_s = p.seconds.last().map(|s| s.t_s);
            commit(
                &mut store,
                &mut p,
                &mut rollups,
                &mut stats,
                opts.max_buffered_rows,
                on_commit,
            );
            if !p.failing && newest_s.is_some() {
                unsettled = newest_s;
            }
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

/// Adds one request to what the next commit writes (or does it at once:
/// device rows, restores); a flush's reply is handed back to be answered
/// after that commit.
fn take(
    op: WriteOp,
    p: &mut Pending,
    rollups: &mut Rollups,
    opts: &mut WriterOptions,
    store: &mut Store,
    pruned_at: &mut Option<Instant>,
) -> Option<SyncSender<()>> {
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
                *pruned_at = None;
            }
            p.settings = Some(s);
        }
        WriteOp::Device(w) => w.apply(store),
        WriteOp::RestoreMinutes { minutes, reply } => {
            let _ = reply.send(store.restore_minutes(&minutes));
        }
        WriteOp::ImportMark(m) => p.import_mark = Some(m.into()),
        WriteOp::Flush(reply) => return Some(reply),
    }
    None
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
mod tests;

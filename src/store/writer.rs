//! The one writer: a named thread that owns the write connection and commits
//! batches at least once per `COMMIT_INTERVAL`, so at most about a second of
//! data is ever uncommitted. A failed commit keeps its rows and retries.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::params;

use super::{Store, StoreError};
use crate::posture::PostureSecond;
use crate::posture::calibration::Calibration;
use crate::reminder::ReminderDue;

pub const COMMIT_INTERVAL: Duration = Duration::from_secs(1);
/// Rows that force a commit before the interval (bounds a transaction).
const MAX_BATCH_ROWS: usize = 50_000;
/// Rows kept while the database refuses writes: a week of seconds.
const MAX_BUFFERED_ROWS: usize = 7 * 86_400;

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
    Recommendation(ReminderDue),
    Outcome {
        shown_at_s: i64,
        outcome: Outcome,
        at_s: i64,
    },
    /// A device's calibration changed (learned from walking, or the wizard).
    Calibration {
        device_id: i64,
        calibration: Calibration,
    },
    RoutineSession(super::RoutineSession),
    Settings(crate::settings::Settings),
    /// Commit now and answer when done.
    Flush(SyncSender<()>),
}

/// What a commit reports to whoever listens (the engine, the CLI).
#[derive(Clone, Debug, PartialEq)]
pub enum CommitInfo {
    Committed { rows: usize, newest_s: Option<i64> },
    Failed { error: String, buffered_rows: usize },
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
        mut on_commit: impl FnMut(CommitInfo) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = sync_channel(64);
        let handle = std::thread::Builder::new()
            .name("sitless-store".into())
            .spawn(move || run(store, &rx, &mut on_commit))?;
        Ok(Self { tx, handle })
    }

    pub fn sender(&self) -> SyncSender<WriteOp> {
        self.tx.clone()
    }

    /// Stops accepting work, commits what is left and returns the totals.
    pub fn finish(self) -> WriterStats {
        drop(self.tx);
        self.handle.join().unwrap_or_default()
    }
}

#[derive(Default)]
struct Pending {
    seconds: Vec<PostureSecond>,
    recommendations: Vec<ReminderDue>,
    outcomes: Vec<(i64, Outcome, i64)>,
    calibrations: Vec<(i64, Calibration)>,
    sessions: Vec<super::RoutineSession>,
    settings: Option<crate::settings::Settings>,
    since: Option<Instant>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.seconds.is_empty()
            && self.recommendations.is_empty()
            && self.outcomes.is_empty()
            && self.calibrations.is_empty()
            && self.sessions.is_empty()
            && self.settings.is_none()
    }
}

fn run(
    mut store: Store,
    rx: &Receiver<WriteOp>,
    on_commit: &mut dyn FnMut(CommitInfo),
) -> WriterStats {
    let mut stats = WriterStats::default();
    let mut p = Pending::default();
    loop {
        let wait = p.since.map_or(Duration::from_hours(1), |t| {
            COMMIT_INTERVAL.saturating_sub(t.elapsed())
        });
        let mut flush_reply = None;
        let disconnected = match rx.recv_timeout(wait) {
            Ok(op) => {
                match op {
                    WriteOp::Seconds(mut s) => p.seconds.append(&mut s),
                    WriteOp::Recommendation(r) => p.recommendations.push(r),
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
                    WriteOp::Settings(s) => p.settings = Some(s),
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
        let due = p.since.is_some_and(|t| t.elapsed() >= COMMIT_INTERVAL)
            || p.seconds.len() >= MAX_BATCH_ROWS
            || flush_reply.is_some()
            || disconnected;
        if due && !p.is_empty() {
            commit(&mut store, &mut p, &mut stats, on_commit);
        }
        if let Some(reply) = flush_reply {
            let _ = reply.send(());
        }
        if disconnected {
            return stats;
        }
    }
}

fn commit(
    store: &mut Store,
    p: &mut Pending,
    stats: &mut WriterStats,
    on_commit: &mut dyn FnMut(CommitInfo),
) {
    match write_all(store, p) {
        Ok(rows) => {
            stats.rows_written += rows as u64;
            stats.commits += 1;
            let newest_s = p.seconds.last().map(|s| s.t_s);
            p.seconds.clear();
            p.recommendations.clear();
            p.outcomes.clear();
            p.calibrations.clear();
            p.sessions.clear();
            p.settings = None;
            p.since = None;
            on_commit(CommitInfo::Committed { rows, newest_s });
        }
        Err(e) => {
            stats.failed_commits += 1;
            // Keep the rows to retry, but never grow without bound.
            if p.seconds.len() > MAX_BUFFERED_ROWS {
                let drop_n = p.seconds.len() - MAX_BUFFERED_ROWS;
                p.seconds.drain(..drop_n);
                stats.rows_dropped += drop_n as u64;
            }
            p.since = Some(Instant::now());
            tracing::warn!("commit failed, {} rows kept: {e}", p.seconds.len());
            on_commit(CommitInfo::Failed {
                error: e.to_string(),
                buffered_rows: p.seconds.len(),
            });
        }
    }
}

fn write_all(store: &mut Store, p: &Pending) -> Result<usize, StoreError> {
    let conn = store.conn_mut();
    let tx = conn.transaction()?;
    let rows = Store::insert_seconds_tx(&tx, &p.seconds)?;
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
    tx.commit()?;
    Ok(rows)
}

//! The one writer: a named thread that owns the write connection and commits
//! batches at least once per `COMMIT_INTERVAL`, so at most about a second of
//! data is ever uncommitted. A failed commit (read-only file, full disk)
//! keeps its rows in a bounded buffer and retries every `RETRY_INTERVAL`
//! on a fresh connection, so writing resumes by itself once it can.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::params;

use super::{Store, StoreError};
use crate::posture::PostureSecond;
use crate::posture::calibration::Calibration;
use crate::reminder::ReminderDue;

pub const COMMIT_INTERVAL: Duration = Duration::from_secs(1);
/// How often a refused write is tried again.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(2);
/// Rows that force a commit before the interval (bounds a transaction).
const MAX_BATCH_ROWS: usize = 50_000;
/// Rows kept while the database refuses writes: a week of seconds
/// (about 20 MB); beyond it the oldest are dropped and counted.
pub const MAX_BUFFERED_ROWS: usize = 7 * 86_400;

/// Opens a fresh connection after a failure: a connection opened on a
/// read-only file stays read-only even after the file becomes writable.
pub type Reopen = Box<dyn FnMut() -> Result<Store, StoreError> + Send>;

pub struct WriterOptions {
    pub reopen: Option<Reopen>,
    pub max_buffered_rows: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            reopen: None,
            max_buffered_rows: MAX_BUFFERED_ROWS,
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

    pub fn spawn_with(
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
    /// The last commit failed: wait `RETRY_INTERVAL`, on a new connection.
    failing: bool,
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
    mut opts: WriterOptions,
    rx: &Receiver<WriteOp>,
    on_commit: &mut dyn FnMut(CommitInfo),
) -> WriterStats {
    let mut stats = WriterStats::default();
    let mut p = Pending::default();
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
                &mut stats,
                opts.max_buffered_rows,
                on_commit,
            );
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

/// Keeps the newest `max` seconds: the buffer never grows without bound.
fn bound(p: &mut Pending, stats: &mut WriterStats, max: usize) {
    if p.seconds.len() > max {
        let drop_n = p.seconds.len() - max;
        p.seconds.drain(..drop_n);
        stats.rows_dropped += drop_n as u64;
    }
}

fn commit(
    store: &mut Store,
    p: &mut Pending,
    stats: &mut WriterStats,
    max_buffered_rows: usize,
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
            p.failing = false;
            tracing::debug!(rows, newest_s, "committed");
            on_commit(CommitInfo::Committed { rows, newest_s });
        }
        Err(e) => {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc::channel;

    use super::*;
    use crate::posture::Posture;
    use crate::sensor::Placement;

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
        let stats = writer.finish();
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
}

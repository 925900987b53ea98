//! Importing a recording (`sitless import`, and History → Import… on the
//! `sitless-import` thread): checked whole first, so a bad row imports
//! nothing, then through a pipeline of its own into a store writer (the
//! command's own, or the running engine's), with progress.

use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;

use super::recorder::{RecordSummary, Recorder};
use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::sample::Placement;
use crate::pipeline::SensorInput;
use crate::sources::recording::source::{RecordingSource, SourceError};
use crate::sources::recording::{Inspected, ReadOptions, RecordingError, inspect, read};
use crate::store::device_write::DeviceWrite;
use crate::store::settings::UnfinishedImport;
use crate::store::writer::WriteOp;

/// What to import.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportJob {
    /// The CSV file, or a phone app's unzipped recording folder.
    pub path: PathBuf,
    pub placement: Placement,
    /// When the recording started, for files that count from their start.
    pub start_s: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The reason is part of the words (not a `source`, so an error chain
    /// does not say it twice).
    #[error("{name} was not imported: {reason}")]
    Recording {
        name: String,
        reason: RecordingError,
    },
    #[error("cannot note the recording in the database: {0}")]
    Device(String),
}

/// What was imported.
#[derive(Clone, Debug)]
pub struct Imported {
    /// What the user named (a file, a folder, an archive).
    pub file: PathBuf,
    /// The file read, in words ("Raw Data.csv in x.zip").
    pub name: String,
    pub plan: Inspected,
    pub summary: RecordSummary,
}

/// A recording checked whole (pass one), ready to store.
#[derive(Clone, Debug)]
pub struct Checked {
    pub job: ImportJob,
    pub source: RecordingSource,
    pub plan: Inspected,
}

impl ImportError {
    fn recording(source: &RecordingSource, reason: RecordingError) -> Self {
        Self::Recording {
            name: source.name(),
            reason,
        }
    }
}

/// Pass one: finds the recording and checks every row; nothing is
/// written, so a bad file leaves no trace (not even a database).
/// `progress` hears 0–1 by bytes read.
pub fn check(job: &ImportJob, progress: &mut dyn FnMut(f64)) -> Result<Checked, ImportError> {
    let source = RecordingSource::find(&job.path)?;
    let plan = inspect(
        ProgressRead::new(source.open()?, source.len_bytes(), progress),
        &ReadOptions::now(job.start_s),
        source.phyphox_starts(),
    )
    .map_err(|reason| ImportError::recording(&source, reason))?;
    Ok(Checked {
        job: job.clone(),
        source,
        plan,
    })
}

/// Pass two: the rows through a pipeline of their own into `writer`
/// (whose owner waits for its commits); `progress` hears 0–1 by rows.
pub fn store(
    checked: Checked,
    cfg: &Config,
    writer: SyncSender<WriteOp>,
    progress: &mut dyn FnMut(f64),
) -> Result<Imported, ImportError> {
    let Checked { job, source, plan } = checked;
    let file = source.given().to_owned();
    let device_id = ensure_device(&writer, job.placement, plan.first_ms.div_euclid(1000))?;
    let mark = UnfinishedImport::new(&file, chrono::Utc::now().timestamp());
    let _ = writer.send(WriteOp::ImportMark(Some(mark)));
    let writer_flush = writer.clone();
    let mut rec = Recorder::with_sender(
        &[SensorInput {
            placement: job.placement,
            device_id,
            calibration: Calibration::default(),
        }],
        cfg,
        writer,
    );
    // A phone on the thigh: its long axis is the first guess of upright.
    if job.placement == Placement::Thigh
        && let Some(prior) = plan.writer.wearing_prior()
    {
        rec.pipeline_mut().set_wearing_prior(job.placement, prior);
    }
    read(
        source.open()?,
        &plan,
        10_000,
        |samples| {
            rec.push(job.placement, samples);
        },
        progress,
    )
    .map_err(|reason| ImportError::recording(&source, reason))?;
    let summary = rec.finish();
    let _ = writer_flush.send(WriteOp::ImportMark(None));
    // Done means in the database: whoever reads the day next sees it.
    let (done, committed) = std::sync::mpsc::sync_channel(1);
    if writer_flush.send(WriteOp::Flush(done)).is_ok() {
        let _ = committed.recv();
    }
    Ok(Imported {
        file,
        name: source.name(),
        plan,
        summary,
    })
}

/// Both passes into `writer`; `progress` hears 0–1, checking the first
/// half, storing the second.
pub(crate) fn import_recording(
    job: &ImportJob,
    cfg: &Config,
    writer: SyncSender<WriteOp>,
    progress: &mut dyn FnMut(f64),
) -> Result<Imported, ImportError> {
    let checked = check(job, &mut |f| progress(f / 2.0))?;
    store(checked, cfg, writer, &mut |f| progress(0.5 + f / 2.0))
}

/// The outcome in a line, for the window.
pub(crate) fn imported_words(done: &Imported) -> String {
    let name = &done.name;
    let day = crate::domain::days::local_datetime(done.plan.first_ms.div_euclid(1000));
    let mut left_out = String::new();
    for w in done.plan.left_out_words() {
        left_out.push_str(". ");
        left_out.push_str(&w);
    }
    format!(
        "Imported {name} ({}, {:.0} Hz): {} seconds from {}, sitting {}{left_out}",
        done.plan.writer.label(),
        done.plan.rate_hz(),
        done.summary.seconds,
        day.format("%a %-d %b %Y %H:%M"),
        crate::domain::days::format_duration(
            i64::try_from(done.summary.sitting_s).unwrap_or(i64::MAX)
        )
    )
}

/// The imported recording's device row, asked of the writer (the one
/// write connection) and awaited.
fn ensure_device(
    writer: &SyncSender<WriteOp>,
    placement: Placement,
    at_s: i64,
) -> Result<i64, ImportError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    writer
        .send(WriteOp::Device(DeviceWrite::Ensure {
            address: format!("csv:{placement}"),
            model: "csv".into(),
            name: "Imported recording".into(),
            placement,
            at_s,
            reply,
        }))
        .map_err(|_| ImportError::Device("the database writer stopped".into()))?;
    answer
        .blocking_recv()
        .map_err(|_| ImportError::Device("the database writer stopped".into()))?
        .map_err(|e| ImportError::Device(e.to_string()))?
        .id
        .ok_or_else(|| ImportError::Device("no row was made".into()))
}

/// A reader that reports how far through the file it is (every MiB).
struct ProgressRead<R, F> {
    inner: R,
    total: u64,
    read: u64,
    last: u64,
    on: F,
}

impl<R, F: FnMut(f64)> ProgressRead<R, F> {
    fn new(inner: R, total: u64, on: F) -> Self {
        Self {
            inner,
            total: total.max(1),
            read: 0,
            last: 0,
            on,
        }
    }
}

impl<R: Read, F: FnMut(f64)> Read for ProgressRead<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read - self.last > 1 << 20 {
            self.last = self.read;
            (self.on)(self.read as f64 / self.total as f64);
        }
        Ok(n)
    }
}

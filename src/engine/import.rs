//! Importing a recording (`sitless import`, and History → Import… on the
//! `sitless-import` thread): checked whole first, so a bad row imports
//! nothing, then through a pipeline of its own into a store writer (the
//! command's own, or the running engine's), with progress.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use super::recorder::{RecordSummary, Recorder};
use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::sample::Placement;
use crate::pipeline::SensorInput;
use crate::sources::recording::{
    Inspected, ReadOptions, RecordingError, inspect, phyphox_starts, read,
};
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
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0} is a folder without TotalAcceleration.csv, AccelerometerUncalibrated.csv, \"Raw Data.csv\" or Accelerometer.csv; give the recording's CSV file"
    )]
    NoRecordingInFolder(PathBuf),
    #[error("{path} was not imported: {source}")]
    Recording {
        path: PathBuf,
        source: RecordingError,
    },
    #[error("cannot note the recording in the database: {0}")]
    Device(String),
}

/// What was imported.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The file read (the folder's file, if a folder was given).
    pub file: PathBuf,
    pub plan: Inspected,
    pub summary: RecordSummary,
}

/// The file to read: `path` itself, or in a recording's folder the file
/// with gravity in it (Sensor Logger's TotalAcceleration.csv or, on an
/// iPhone, AccelerometerUncalibrated.csv; phyphox's "Raw Data.csv").
pub(crate) fn recording_file(path: &Path) -> Result<PathBuf, ImportError> {
    if !path.is_dir() {
        return Ok(path.to_owned());
    }
    [
        "TotalAcceleration.csv",
        "AccelerometerUncalibrated.csv",
        "Raw Data.csv",
        "Accelerometer.csv",
    ]
    .iter()
    .map(|name| path.join(name))
    .find(|p| p.is_file())
    .ok_or_else(|| ImportError::NoRecordingInFolder(path.to_owned()))
}

/// A recording checked whole (pass one), ready to store.
#[derive(Clone, Debug)]
pub struct Checked {
    pub job: ImportJob,
    /// The file read (the folder's file, if a folder was given).
    pub file: PathBuf,
    pub plan: Inspected,
}

fn open(file: &Path) -> Result<BufReader<std::fs::File>, ImportError> {
    std::fs::File::open(file)
        .map(BufReader::new)
        .map_err(|source| ImportError::Open {
            path: file.to_owned(),
            source,
        })
}

/// Pass one: finds the file and checks every row; nothing is written, so
/// a bad file leaves no trace (not even a database). `progress` hears 0–1
/// by bytes read.
pub fn check(job: &ImportJob, progress: &mut dyn FnMut(f64)) -> Result<Checked, ImportError> {
    let file = recording_file(&job.path)?;
    let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
    let plan = inspect(
        ProgressRead::new(open(&file)?, bytes, progress),
        &ReadOptions::now(job.start_s),
        phyphox_starts(&file),
    )
    .map_err(|source| ImportError::Recording {
        path: file.clone(),
        source,
    })?;
    Ok(Checked {
        job: job.clone(),
        file,
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
    let Checked { job, file, plan } = checked;
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
        open(&file)?,
        &plan,
        10_000,
        |samples| {
            rec.push(job.placement, samples);
        },
        progress,
    )
    .map_err(|source| ImportError::Recording {
        path: file.clone(),
        source,
    })?;
    let summary = rec.finish();
    let _ = writer_flush.send(WriteOp::ImportMark(None));
    // Done means in the database: whoever reads the day next sees it.
    let (done, committed) = std::sync::mpsc::sync_channel(1);
    if writer_flush.send(WriteOp::Flush(done)).is_ok() {
        let _ = committed.recv();
    }
    Ok(Imported {
        file,
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
    let name = done.file.file_name().map_or_else(
        || "the recording".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let day = crate::domain::days::local_datetime(done.plan.first_ms.div_euclid(1000));
    format!(
        "Imported {name} ({}, {:.0} Hz): {} seconds from {}, sitting {}",
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

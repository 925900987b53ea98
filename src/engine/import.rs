//! An import from the window: a recording read on the `sitless-import`
//! thread (checked whole first, so a bad row imports nothing), through a
//! pipeline of its own into the running engine's writer, with progress.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use super::protocol::{UiEvent, UiSender};
use super::recorder::Recorder;
use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::days::format_duration;
use crate::domain::sample::Placement;
use crate::pipeline::SensorInput;
use crate::sources::recording::{ReadOptions, inspect, phyphox_starts, read};
use crate::store::Store;
use crate::store::writer::WriteOp;

/// What to import.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportJob {
    pub path: PathBuf,
    pub placement: Placement,
    pub start_s: Option<f64>,
}

/// Runs the import; the outcome, in words, for the window.
pub(super) fn run(
    job: &ImportJob,
    db: &Path,
    cfg: &Config,
    writer: SyncSender<WriteOp>,
    ui: &UiSender,
) -> Result<String, String> {
    let csv = &job.path;
    let open = || {
        std::fs::File::open(csv)
            .map(BufReader::new)
            .map_err(|e| format!("cannot open {}: {e}", csv.display()))
    };
    let opts = ReadOptions {
        start_s: job.start_s,
    };
    // Checking is the first half of the bar, storing the second.
    let plan = inspect(open()?, &opts, phyphox_starts(csv))
        .map_err(|e| format!("{} was not imported: {e}", csv.display()))?;
    ui.send(UiEvent::ImportProgress(0.5));
    let device_id = Store::open(db)
        .and_then(|store| {
            store.ensure_device(
                &format!("csv:{}", job.placement),
                "csv",
                "Imported recording",
                job.placement,
                plan.first_ms.div_euclid(1000),
            )
        })
        .map_err(|e| format!("cannot note the recording in the database: {e}"))?;
    let mut rec = Recorder::with_sender(
        &[SensorInput {
            placement: job.placement,
            device_id,
            calibration: Calibration::default(),
        }],
        cfg,
        writer,
    );
    let mut shown = 0.0;
    read(
        open()?,
        &plan,
        10_000,
        |samples| {
            rec.push(job.placement, samples);
        },
        &mut |f| {
            if f - shown >= 0.02 {
                shown = f;
                ui.send(UiEvent::ImportProgress(0.5 + 0.5 * f as f32));
            }
        },
    )
    .map_err(|e| format!("{} was not imported: {e}", csv.display()))?;
    let summary = rec.finish();
    let name = csv.file_name().map_or_else(
        || "the recording".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let day = crate::domain::days::local_datetime(plan.first_ms.div_euclid(1000));
    Ok(format!(
        "Imported {name} ({}, {:.0} Hz): {} seconds from {}, sitting {}",
        plan.writer.label(),
        plan.rate_hz(),
        summary.seconds,
        day.format("%a %-d %b %Y %H:%M"),
        format_duration(i64::try_from(summary.sitting_s).unwrap_or(i64::MAX))
    ))
}

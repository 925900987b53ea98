//! `sitless simulate` and `sitless import`: a demo day or a CSV recording
//! through the pipeline into the store; `import` also restores exports.

use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, bail};

use super::finish_writer;
use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::days::format_duration;
use crate::domain::sample::Placement;
use crate::engine::recorder::{Recorder, demo_calibration, play_demo, register_demo_device};
use crate::pipeline::SensorInput;
use crate::sources::demo::default_demo_start;
use crate::sources::demo::wearer::{DemoScript, DemoWearer};
use crate::store::Store;
use crate::store::writer::StoreWriter;

pub(super) fn simulate(
    db: &Path,
    hours: f64,
    seed: u64,
    start: Option<&str>,
    placement: Placement,
    cfg: &Config,
) -> anyhow::Result<()> {
    if !(hours.is_finite() && hours > 0.0 && hours <= 24.0 * 366.0) {
        bail!("--hours must be more than 0 and at most a year (8784), got {hours}");
    }
    let start_s = match start {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .with_context(|| {
                format!("--start `{s}` is not an RFC 3339 time like 2026-03-02T08:00:00+01:00")
            })?
            .timestamp(),
        None => default_demo_start(),
    };
    let _lock = crate::store::lock::DbLock::acquire(db)?;
    let store = Store::open(db)?;
    let device_id = register_demo_device(&store, placement, start_s)?;
    let mut wearer = DemoWearer::new(DemoScript::workday(seed, hours), seed, start_s);
    // The thigh learns upright from walking; the back needs the wizard.
    let calibration = match placement {
        Placement::Thigh => Calibration::default(),
        Placement::Back => demo_calibration(&wearer, placement)?,
    };
    let writer = StoreWriter::spawn_headless(store, cfg)?;
    let mut rec = Recorder::new(
        &[SensorInput {
            placement,
            device_id,
            calibration,
        }],
        cfg,
        &writer,
    );
    let started = std::time::Instant::now();
    play_demo(&mut wearer, &mut rec, &[placement]);
    let summary = rec.finish();
    let stats = finish_writer(writer, db)?;
    let long = summary
        .streaks
        .iter()
        .filter(|s| s.duration_s() >= cfg.streak.threshold_s)
        .count();
    println!(
        "simulated {hours} h (seed {seed}, {placement}): {} samples → {} s stored, sitting {}, {} streaks ≥ {} min, {} recommendations, in {:.2} s → {}",
        summary.raw_samples,
        stats.rows_written,
        format_duration(i64::try_from(summary.sitting_s).unwrap_or(i64::MAX)),
        long,
        cfg.streak.threshold_s / 60,
        summary.reminders,
        started.elapsed().as_secs_f64(),
        db.display()
    );
    Ok(())
}

pub(super) fn import(
    db: &Path,
    csv: &Path,
    placement: Option<Placement>,
    start: Option<&str>,
    cfg: &Config,
) -> anyhow::Result<()> {
    use crate::engine::import::{ImportJob, check, store};
    use crate::sources::recording::source::RecordingSource;
    use std::io::Read;
    let source = RecordingSource::find(csv)?;
    // An export is known by its header line; anything else is a recording.
    // (The line is read capped: a device or a file of one huge line is
    // refused, not read whole.)
    let mut head = Vec::new();
    source
        .open()?
        .take(4096)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read {}", csv.display()))?;
    let first_line = String::from_utf8_lossy(&head);
    let first_line = first_line.lines().next().unwrap_or_default();
    if crate::transfer::export::export_kind(first_line).is_some() {
        return restore(db, csv, cfg);
    }
    let Some(placement) = placement else {
        bail!(
            "{} is a recording: say where it was worn with --placement thigh|back (a phone in a trouser pocket is on the thigh)",
            source.name()
        );
    };
    let start_s = crate::sources::recording::parse_start(start.unwrap_or_default())
        .map_err(|e| anyhow::anyhow!("--start: {e}"))?;
    let job = ImportJob {
        path: csv.to_owned(),
        placement,
        start_s,
    };
    let bar = super::progress_bar(1000, "checking");
    // Checked before the database is opened: a bad file creates nothing.
    let checked = check(&job, &mut |f| bar.set_position((f * 1000.0) as u64))?;
    let _lock = crate::store::lock::DbLock::acquire(db)?;
    let target = Store::open(db)?;
    say_unfinished(&target);
    let writer = StoreWriter::spawn_headless(target, cfg)?;
    bar.set_message("importing");
    let done = store(checked, cfg, writer.sender(), &mut |f| {
        bar.set_position((f * 1000.0) as u64);
    });
    bar.finish_and_clear();
    // The writer ends either way: what it holds (nothing, after a refusal) is committed.
    let stats = finish_writer(writer, db)?;
    let done = done?;
    say_imported(&done, stats.rows_written);
    Ok(())
}

/// Tells of an import that a kill cut short (this run may be the one that
/// completes it).
pub(super) fn say_unfinished(store: &Store) {
    match store.unfinished_import() {
        Ok(Some(u)) => eprintln!("note: {}", u.words()),
        Ok(None) => {}
        Err(e) => tracing::warn!("cannot read the import mark: {e}"),
    }
}

fn say_imported(done: &crate::engine::import::Imported, new_seconds: u64) {
    let (plan, s) = (&done.plan, &done.summary);
    let name = &done.name;
    let when = |ms: i64| {
        crate::domain::days::local_datetime(ms.div_euclid(1000))
            .format("%a %-d %b %Y %H:%M")
            .to_string()
    };
    println!(
        "Imported {name} ({}, {:.0} Hz, {}, from {} to {}): {} samples, {new_seconds} new seconds ({} already stored), sitting {}",
        plan.writer.label(),
        plan.rate_hz(),
        match plan.unit {
            crate::sources::recording::columns::Unit::G => "in g",
            crate::sources::recording::columns::Unit::MetresPerS2 => "in m/s²",
        },
        when(plan.first_ms),
        when(plan.last_ms),
        s.raw_samples,
        s.seconds.saturating_sub(new_seconds),
        format_duration(i64::try_from(s.sitting_s).unwrap_or(i64::MAX)),
    );
    for words in plan.left_out_words() {
        println!("{words}");
    }
}

/// Restores a samples or minutes export. Samples go through the writer, so
/// the rollups are rebuilt exactly as for live data.
pub(super) fn restore(db: &Path, csv: &Path, cfg: &Config) -> anyhow::Result<()> {
    use crate::store::settings::UnfinishedImport;
    use crate::store::writer::WriteOp;
    use crate::transfer::export::{Restorable, parse};
    let file =
        std::fs::File::open(csv).with_context(|| format!("cannot open {}", csv.display()))?;
    let latest_s = crate::domain::days::latest_trusted_s(chrono::Utc::now().timestamp());
    let data = parse(BufReader::new(file), latest_s)
        .with_context(|| format!("{} was not imported", csv.display()))?;
    let _lock = crate::store::lock::DbLock::acquire(db)?;
    let store = Store::open(db)?;
    say_unfinished(&store);
    match data {
        Restorable::Minutes(m) => {
            let total = m.len();
            let writer = StoreWriter::spawn_headless(store, cfg)?;
            let (reply, answer) = std::sync::mpsc::sync_channel(1);
            let asked = writer
                .sender()
                .send(WriteOp::RestoreMinutes { minutes: m, reply });
            let added = answer.recv();
            finish_writer(writer, db)?;
            asked.context("the database writer stopped")?;
            let added = added.context("the database writer stopped")??;
            println!(
                "restored {added} minutes from {} ({} already stored)",
                csv.display(),
                total - added
            );
            // What a minute's totals cannot give back, said where it is
            // lost rather than found later as "no sitting streaks".
            println!(
                "note: a minutes export keeps each minute's totals, not its seconds: sitting, standing and walking are back; streaks, breaks and bout lengths are not. Restore a samples export (export --what samples) to get those too."
            );
        }
        Restorable::Samples(rows) => {
            let mut devices: Vec<(String, i64)> = Vec::new();
            let mut seconds = Vec::with_capacity(rows.len());
            for (mut s, address, placement) in rows {
                let id = if let Some((_, id)) = devices.iter().find(|(a, _)| *a == address) {
                    *id
                } else {
                    let id = store.ensure_device(
                        &address,
                        "import",
                        "Imported sensor",
                        placement,
                        s.t_s,
                    )?;
                    devices.push((address, id));
                    id
                };
                s.device_id = id;
                seconds.push(s);
            }
            seconds.sort_by_key(|s| s.t_s);
            let total = seconds.len();
            let writer = StoreWriter::spawn_headless(store, cfg)?;
            let tx = writer.sender();
            let mark = UnfinishedImport::new(csv, chrono::Utc::now().timestamp());
            tx.send(WriteOp::ImportMark(Some(mark)))
                .context("the database writer stopped")?;
            for chunk in seconds.chunks(50_000) {
                tx.send(WriteOp::Seconds(chunk.to_vec()))
                    .context("the database writer stopped")?;
            }
            tx.send(WriteOp::ImportMark(None))
                .context("the database writer stopped")?;
            drop(tx);
            let stats = finish_writer(writer, db)?;
            println!(
                "restored {} seconds from {} ({} already stored)",
                stats.rows_written,
                csv.display(),
                total as u64 - stats.rows_written
            );
            println!(
                "note: the reminders shown and routines done are not in a samples export: those counts are not restored."
            );
        }
    }
    Ok(())
}

//! Command line: the headless commands that tests and scripts rely on, and
//! the window. Errors become anyhow here, at the edge.

pub mod ble;
pub mod gen_history;

use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveTime};
use clap::{Parser, Subcommand};

use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::days::{format_duration, local_date, local_to_unix};
use crate::domain::report::load_day;
use crate::domain::sample::Placement;
use crate::engine::recorder::{Recorder, demo_calibration, play_demo, register_demo_device};
use crate::pipeline::SensorInput;
use crate::sources::demo::wearer::{DemoScript, DemoWearer};
use crate::store::Store;
use crate::store::writer::StoreWriter;

#[derive(Parser, Debug)]
#[command(
    name = "sitless",
    version,
    about = "Sitting streaks, trunk tilt and hip-flexor routines from a wearable posture sensor"
)]
pub struct Cli {
    /// Database file (default: sitless.db in the user's data directory;
    /// with --demo, demo.db beside it).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Use the simulated demo sensor (no hardware needed).
    #[arg(long, global = true)]
    pub demo: bool,
    /// How much faster than real time the demo wearer lives (60 = an hour a minute).
    #[arg(long, global = true, value_name = "X", default_value_t = 1.0)]
    pub demo_speed: f64,
    /// Seed of the demo wearer's day.
    #[arg(long, global = true, value_name = "N", default_value_t = 1)]
    pub demo_seed: u64,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the demo wearer through the full pipeline into the database, as fast as possible.
    Simulate {
        #[arg(long)]
        hours: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Start of the simulated day (RFC 3339); default today 08:00 local time.
        #[arg(long)]
        start: Option<String>,
        #[arg(long, value_enum, default_value_t = Placement::Thigh)]
        placement: Placement,
    },
    /// Replay a raw recording (CSV `t_ms,ax,ay,az`, needs --placement)
    /// through the pipeline, or restore a samples or minutes export.
    Import {
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        #[arg(long, value_enum)]
        placement: Option<Placement>,
    },
    /// Fill the database with N days of realistic history (a seeded
    /// wearer with thigh and back sensors, weekdays and weekends), through
    /// the same pipeline as live data; the last day is yesterday.
    GenHistory {
        #[arg(long)]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Draw a chart into a PNG or SVG file (by the file's extension).
    Chart {
        #[arg(long, value_enum)]
        kind: crate::charts::ChartKind,
        /// Local date, YYYY-MM-DD (default today); any day of a week or month.
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, default_value_t = 1200)]
        width: u32,
        #[arg(long)]
        height: Option<u32>,
        #[arg(long)]
        dark: bool,
    },
    /// Write samples, minute rollups or day figures of a date range to CSV.
    Export {
        #[arg(long, value_enum)]
        what: crate::transfer::export::ExportKind,
        /// First local date, YYYY-MM-DD.
        #[arg(long)]
        from: NaiveDate,
        /// Last local date (inclusive), YYYY-MM-DD.
        #[arg(long)]
        to: NaiveDate,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Record from the paired sensors (or --demo) without a window, printing
    /// progress and reminders (with desktop notifications), until N seconds
    /// pass or Ctrl-C.
    Record {
        #[arg(long, value_name = "N")]
        for_s: Option<u64>,
    },
    /// Look for sensors nearby (Sitless profile, micro:bit, Thingy:52).
    Scan {
        #[arg(long, value_name = "N", default_value_t = 10)]
        timeout_s: u64,
        #[arg(long)]
        json: bool,
    },
    /// Pair a sensor seen by `scan` (ID is its Bluetooth address).
    Pair {
        id: String,
        #[arg(long, value_enum)]
        placement: Placement,
        /// How long to look for it.
        #[arg(long, value_name = "N", default_value_t = 20)]
        timeout_s: u64,
    },
    /// List the paired sensors.
    Devices {
        #[arg(long)]
        json: bool,
    },
    /// Forget a paired sensor: it is never connected again (its data stays).
    Forget { id: String },
    /// Print a day's figures.
    Report {
        /// Local date, YYYY-MM-DD (default today).
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> anyhow::Result<()> {
    let _ = crate::app::PROCESS_START.set(std::time::Instant::now());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "sitless=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in logs or pipes.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let cfg = Config::default().consistent();
    match cli.command {
        Some(Command::Simulate {
            hours,
            seed,
            start,
            placement,
        }) => simulate(
            &db_path(cli.db, false)?,
            hours,
            seed,
            start.as_deref(),
            placement,
            &cfg,
        ),
        Some(Command::Import { csv, placement }) => {
            import(&db_path(cli.db, false)?, &csv, placement, &cfg)
        }
        Some(Command::GenHistory { days, seed }) => {
            crate::cli::gen_history::gen_history_cmd(&db_path(cli.db, false)?, days, seed, &cfg)
        }
        Some(Command::Chart {
            kind,
            date,
            out,
            width,
            height,
            dark,
        }) => chart(
            &db_path(cli.db, false)?,
            kind,
            date,
            &out,
            width,
            height,
            dark,
            &cfg,
        ),
        Some(Command::Export {
            what,
            from,
            to,
            out,
        }) => export(&db_path(cli.db, false)?, what, from, to, &out, &cfg),
        Some(Command::Report { date, json }) => report(&db_path(cli.db, false)?, date, json, &cfg),
        Some(Command::Record { for_s }) => {
            check_speed(cli.demo_speed)?;
            let demo = cli.demo.then_some(crate::engine::DemoOptions {
                speed: cli.demo_speed,
                seed: cli.demo_seed,
                script: None,
                pace: None,
            });
            record(&db_path(cli.db, cli.demo)?, demo.as_ref(), for_s, cfg)
        }
        Some(Command::Scan { timeout_s, json }) => {
            crate::cli::ble::scan(&db_path(cli.db, cli.demo)?, timeout_s, json)
        }
        Some(Command::Pair {
            id,
            placement,
            timeout_s,
        }) => crate::cli::ble::pair(&db_path(cli.db, cli.demo)?, &id, placement, timeout_s),
        Some(Command::Devices { json }) => {
            crate::cli::ble::devices(&db_path(cli.db, cli.demo)?, json)
        }
        Some(Command::Forget { id }) => crate::cli::ble::forget(&db_path(cli.db, cli.demo)?, &id),
        None => {
            let db = db_path(cli.db, cli.demo)?;
            check_speed(cli.demo_speed)?;
            crate::app::run_window(&crate::app::WindowOptions {
                db,
                demo: cli.demo.then_some(crate::engine::DemoOptions {
                    speed: cli.demo_speed,
                    seed: cli.demo_seed,
                    script: None,
                    pace: None,
                }),
                config: cfg,
            })
        }
    }
}

fn check_speed(speed: f64) -> anyhow::Result<()> {
    if !(speed.is_finite() && speed > 0.0) {
        bail!("--demo-speed must be a positive number, got {speed}");
    }
    Ok(())
}

/// Headless recording: the same engine as the window, events printed.
fn record(
    db: &Path,
    demo: Option<&crate::engine::DemoOptions>,
    for_s: Option<u64>,
    cfg: Config,
) -> anyhow::Result<()> {
    use crate::engine::{Engine, EngineOptions, UiEvent};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    let stop = Arc::new(AtomicBool::new(false));
    let stop_c = stop.clone();
    ctrlc::set_handler(move || stop_c.store(true, Ordering::Relaxed))
        .context("cannot catch Ctrl-C")?;
    if demo.is_none() {
        let paired = crate::store::Store::open(db)?.paired_devices()?;
        if paired.is_empty() {
            bail!(
                "no paired sensors: run `sitless scan`, then `sitless pair ID --placement thigh`; or try `sitless record --demo`"
            );
        }
        let names: Vec<String> = paired
            .iter()
            .map(|d| format!("{} ({}, {})", d.name, d.address, d.placement))
            .collect();
        println!(
            "recording from {} into {} (Ctrl-C to stop)",
            names.join(" and "),
            db.display()
        );
        crate::cli::ble::say_what_cannot_be_measured(&paired);
    }
    let engine = Engine::start(
        &EngineOptions {
            db: db.to_owned(),
            demo: demo.cloned(),
            config: cfg,
            demo_start_s: default_demo_start(),
            ble: demo.is_none().then(crate::sources::ble::system_clock),
            page_limit: None,
        },
        Arc::new(|| {}),
    )?;
    if let Some(demo) = demo {
        println!(
            "recording from the demo sensor at {}× into {} (Ctrl-C to stop)",
            demo.speed,
            db.display()
        );
    }
    let mut links = crate::cli::ble::LinkPrinter::default();
    let deadline = for_s.map(|s| Instant::now() + Duration::from_secs(s));
    let mut latest = None;
    let mut storage = None;
    let mut last_progress = Instant::now();
    let clock = |t: i64| {
        crate::domain::days::local_datetime(t)
            .format("%H:%M:%S")
            .to_string()
    };
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        match engine.recv_timeout(Duration::from_millis(100)) {
            Some(UiEvent::Live(l)) => latest = Some(l),
            Some(UiEvent::Recommendation(r, since)) => println!(
                "{} reminder ({}): {} [card event {} ms after the threshold second arrived]",
                clock(r.at_s),
                r.routine,
                r.reason,
                since.elapsed().as_millis()
            ),
            Some(UiEvent::Notified { latency, .. }) => {
                println!(
                    "         desktop notification shown {} ms after",
                    latency.as_millis()
                );
            }
            Some(UiEvent::Error(e)) => eprintln!("warning: {e}"),
            Some(UiEvent::Storage(p)) => {
                // Said once when it starts, not at every retry.
                match (p, &storage) {
                    (Some(p), None) => {
                        let (headline, detail) = crate::ui::widgets::storage::storage_text(&p);
                        eprintln!("warning: {headline} {detail}");
                    }
                    (None, Some(_)) => eprintln!("saving works again"),
                    _ => {}
                }
                storage = p;
            }
            Some(UiEvent::Ble(e)) => links.event(&e),
            _ => {}
        }
        if last_progress.elapsed() >= Duration::from_secs(5) {
            last_progress = Instant::now();
            if let Some(l) = latest {
                let streak = l.streak.map_or_else(
                    || "no streak".to_owned(),
                    |s| format!("streak {}", format_duration(s.duration_s())),
                );
                println!(
                    "{} {}, {streak}",
                    clock(l.t_s),
                    l.posture.label().to_lowercase()
                );
            }
        }
    }
    let mut engine = engine;
    engine.stop_ble();
    while let Some(e) = engine.try_recv() {
        if let UiEvent::Ble(e) = e {
            links.event(&e);
        }
    }
    drop(engine);
    links.summary();
    println!("stopped; everything recorded is in {}", db.display());
    Ok(())
}

/// Ends a headless command's writer; an error if any commit failed (the
/// data it held is not in the database).
pub(crate) fn finish_writer(
    writer: StoreWriter,
    db: &Path,
) -> anyhow::Result<crate::store::writer::WriterStats> {
    let stats = writer.finish();
    if stats.failed_commits > 0 {
        bail!(
            "{} commits to {} failed",
            stats.failed_commits,
            db.display()
        );
    }
    Ok(stats)
}

/// `--db`, or the file in the user's data directory.
fn db_path(explicit: Option<PathBuf>, demo: bool) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    let dirs = directories::ProjectDirs::from("org", "Sitless", "sitless")
        .context("no home directory to keep the database in; pass --db PATH")?;
    Ok(dirs
        .data_dir()
        .join(if demo { "demo.db" } else { "sitless.db" }))
}

/// Today 08:00 local time: when the demo wearer's workday starts.
pub fn default_demo_start() -> i64 {
    let today = local_date(chrono::Utc::now().timestamp());
    local_to_unix(today.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN)))
}

fn simulate(
    db: &Path,
    hours: f64,
    seed: u64,
    start: Option<&str>,
    placement: Placement,
    cfg: &Config,
) -> anyhow::Result<()> {
    if !(hours.is_finite() && hours > 0.0 && hours <= 24.0 * 366.0) {
        bail!("--hours must be between 0 and a year, got {hours}");
    }
    let start_s = match start {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .with_context(|| {
                format!("--start `{s}` is not an RFC 3339 time like 2026-03-02T08:00:00+01:00")
            })?
            .timestamp(),
        None => default_demo_start(),
    };
    let _lock = crate::store::DbLock::acquire(db)?;
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
        "simulated {hours} h (seed {seed}, {placement}): {} samples → {} s stored, sitting {}, {} streaks ≥ {} min, {} reminders, in {:.2} s → {}",
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

fn import(db: &Path, csv: &Path, placement: Option<Placement>, cfg: &Config) -> anyhow::Result<()> {
    let mut file =
        std::fs::File::open(csv).with_context(|| format!("cannot open {}", csv.display()))?;
    // An export is known by its header line; anything else is a raw recording.
    let mut first_line = String::new();
    std::io::BufRead::read_line(&mut BufReader::new(&mut file), &mut first_line)
        .with_context(|| format!("cannot read {}", csv.display()))?;
    if crate::transfer::export::export_kind(&first_line).is_some() {
        return restore(db, csv, cfg);
    }
    let Some(placement) = placement else {
        bail!(
            "{} is a raw recording: say where it was worn with --placement thigh|back",
            csv.display()
        );
    };
    let file =
        std::fs::File::open(csv).with_context(|| format!("cannot open {}", csv.display()))?;
    let samples = crate::sources::csv_import::read_samples(BufReader::new(file))
        .with_context(|| format!("{} was not imported", csv.display()))?;
    let _lock = crate::store::DbLock::acquire(db)?;
    let store = Store::open(db)?;
    let name = csv.file_name().map_or_else(
        || "recording".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let first_s = samples.first().map_or(0, |s| s.t_ms.div_euclid(1000));
    let device_id = store.ensure_device(
        &format!("csv:{placement}"),
        "csv",
        "Imported recording",
        placement,
        first_s,
    )?;
    let writer = StoreWriter::spawn_headless(store, cfg)?;
    let mut rec = Recorder::new(
        &[SensorInput {
            placement,
            device_id,
            calibration: Calibration::default(),
        }],
        cfg,
        &writer,
    );
    rec.push(placement, &samples);
    let summary = rec.finish();
    let stats = finish_writer(writer, db)?;
    println!(
        "imported {name}: {} samples → {} new seconds ({} already stored), sitting {}",
        summary.raw_samples,
        stats.rows_written,
        summary.seconds.saturating_sub(stats.rows_written),
        format_duration(i64::try_from(summary.sitting_s).unwrap_or(i64::MAX)),
    );
    Ok(())
}

/// Restores a samples or minutes export. Samples go through the writer, so
/// the rollups are rebuilt exactly as for live data.
fn restore(db: &Path, csv: &Path, cfg: &Config) -> anyhow::Result<()> {
    use crate::store::writer::WriteOp;
    use crate::transfer::export::{Restorable, parse};
    let file =
        std::fs::File::open(csv).with_context(|| format!("cannot open {}", csv.display()))?;
    let data = parse(BufReader::new(file))
        .with_context(|| format!("{} was not imported", csv.display()))?;
    let _lock = crate::store::DbLock::acquire(db)?;
    let mut store = Store::open(db)?;
    match data {
        Restorable::Minutes(m) => {
            let added = store.restore_minutes(&m)?;
            println!(
                "restored {added} minutes from {} ({} already stored)",
                csv.display(),
                m.len() - added
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
            for chunk in seconds.chunks(50_000) {
                tx.send(WriteOp::Seconds(chunk.to_vec()))
                    .context("the database writer stopped")?;
            }
            drop(tx);
            let stats = finish_writer(writer, db)?;
            println!(
                "restored {} seconds from {} ({} already stored)",
                stats.rows_written,
                csv.display(),
                total as u64 - stats.rows_written
            );
        }
    }
    Ok(())
}

fn open_existing(db: &Path) -> anyhow::Result<Store> {
    if !db.exists() {
        bail!(
            "no database at {}; record, simulate or gen-history first",
            db.display()
        );
    }
    Ok(Store::open(db)?)
}

fn threshold_s(store: &Store, cfg: &Config) -> i64 {
    store
        .settings()
        .map_or(cfg.streak.threshold_s, |s| s.apply(*cfg).streak.threshold_s)
}

#[allow(clippy::too_many_arguments)]
fn chart(
    db: &Path,
    kind: crate::charts::ChartKind,
    date: Option<NaiveDate>,
    out: &Path,
    width: u32,
    height: Option<u32>,
    dark: bool,
    cfg: &Config,
) -> anyhow::Result<()> {
    use crate::charts::render::{ChartSource, Style, png_bytes, render_rgb, render_svg};
    use crate::charts::{ChartKind, ChartTheme};
    use crate::domain::figures::{DayDetail, PeriodData};
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let svg = match ext.as_deref() {
        Some("svg") => true,
        Some("png") => false,
        _ => bail!("--out must end in .png or .svg, got {}", out.display()),
    };
    let store = open_existing(db)?;
    let date = date.unwrap_or_else(|| local_date(chrono::Utc::now().timestamp()));
    let height = height.unwrap_or(match kind {
        ChartKind::Week | ChartKind::Month => width * 3 / 4,
        _ => width / 3,
    });
    let threshold_s = threshold_s(&store, cfg);
    let style = Style {
        theme: if dark {
            ChartTheme::Dark
        } else {
            ChartTheme::Light
        },
        scale: (f64::from(width) / 900.0).clamp(1.0, 4.0),
        threshold_s,
    };
    let period = kind.period();
    let (day, per);
    let src = if period == crate::domain::figures::Period::Day {
        day = DayDetail::load(&store, date, threshold_s)?;
        ChartSource::Day(&day)
    } else {
        per = PeriodData::load(&store, period, date, threshold_s)?;
        ChartSource::Period(&per)
    };
    let bytes = if svg {
        render_svg(kind, src, width, height, style)?.into_bytes()
    } else {
        png_bytes(&render_rgb(kind, src, width, height, style)?.image)?
    };
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "{} chart of {} → {} ({width}×{height}, {} bytes)",
        kind.title(),
        period.label(date),
        out.display(),
        bytes.len()
    );
    Ok(())
}

fn export(
    db: &Path,
    what: crate::transfer::export::ExportKind,
    from: NaiveDate,
    to: NaiveDate,
    out: &Path,
    cfg: &Config,
) -> anyhow::Result<()> {
    if to < from {
        bail!("--to {to} is before --from {from}");
    }
    drop(open_existing(db)?);
    let rows = crate::engine::export_file(db, what, from, to, cfg, out)?;
    println!(
        "exported {rows} {} rows ({from} to {to}) → {}",
        what.name(),
        out.display()
    );
    Ok(())
}

fn report(db: &Path, date: Option<NaiveDate>, json: bool, cfg: &Config) -> anyhow::Result<()> {
    if !db.exists() {
        bail!("no database at {}; record or simulate first", db.display());
    }
    let store = Store::open(db)?;
    let date = date.unwrap_or_else(|| local_date(chrono::Utc::now().timestamp()));
    let (_, r) = load_day(&store, date, cfg)?;
    if json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    let tilt = r
        .mean_tilt_deg
        .map_or_else(|| "no back sensor".to_owned(), |t| format!("{t:.1}°"));
    println!("{}", r.date);
    println!(
        "  sitting   {:>12}   standing {:>12}",
        format_duration(r.sitting_s),
        format_duration(r.standing_s)
    );
    println!(
        "  walking   {:>12}   lying    {:>12}",
        format_duration(r.moving_s),
        format_duration(r.lying_s)
    );
    println!("  unknown   {:>12}", format_duration(r.unknown_s));
    println!(
        "  breaks {}   longest streak {}   streaks ≥ {} min: {}   bouts ≥ 30 min: {}",
        r.breaks,
        format_duration(r.longest_streak_s),
        cfg.streak.threshold_s / 60,
        r.streaks_over_threshold,
        r.sitting_bouts_over_30min
    );
    println!(
        "  mean tilt while sitting {tilt}   slouched {}",
        format_duration(r.slouch_s)
    );
    println!(
        "  recommendations {}   routines completed {}",
        r.recommendations, r.routines_completed
    );
    Ok(())
}

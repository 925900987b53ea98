//! Command line: the headless commands that tests and scripts rely on, and
//! the window. Errors become anyhow here, at the edge.

pub mod ble;
mod chart;
mod export;
pub mod gen_history;
pub(crate) mod phone;
mod record;
mod report;
mod simulate;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::domain::config::Config;
use crate::domain::sample::Placement;
use crate::store::Store;
use crate::store::writer::StoreWriter;

#[derive(Parser, Debug)]
#[command(
    name = "sitless",
    version,
    about = "Sitting streaks, trunk tilt and hip-flexor routines from a wearable posture sensor"
)]
pub(crate) struct Cli {
    /// Database file (default: sitless.db in the user's data directory;
    /// with --demo, demo.db beside it). Commands that record (the window,
    /// record, simulate, import, gen-history) create it and its folder;
    /// commands that read (report, chart, export, devices) need it to exist.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub demo: DemoArgs,
    /// Start in the tray without a window (as at login); a window
    /// opens where the desktop has no tray.
    #[arg(long)]
    pub background: bool,
    /// A recording to import (a phone's or logger's CSV or zip): the window
    /// opens with its import dialog, or, if Sitless is already running,
    /// that one's window does.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The demo sensor, for the window and `record`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DemoArgs {
    /// Use the simulated demo sensor (no hardware needed), recording into
    /// its own demo.db.
    #[arg(long)]
    pub demo: bool,
    /// How much faster than real time the demo wearer lives (60 = an hour a minute).
    #[arg(long, value_name = "X", default_value_t = 1.0, requires = "demo")]
    pub demo_speed: f64,
    /// Seed of the demo wearer's day.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "demo")]
    pub demo_seed: u64,
}

/// A local date as YYYY-MM-DD, with the format named when it is wrong.
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        format!("\"{s}\" is not a date: write it as YYYY-MM-DD, for example 2026-11-30")
    })
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
    /// Replay an accelerometer recording through the pipeline (a phone's
    /// phyphox or Sensor Logger export, or `t_ms,ax,ay,az` in g; needs
    /// --placement), or restore a samples or minutes export.
    Import {
        /// The CSV file (or a Sensor Logger recording's folder).
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// Where it was worn (a phone in a trouser pocket: thigh).
        #[arg(long, value_enum)]
        placement: Option<Placement>,
        /// When the recording started, for files whose times are seconds
        /// since the start (RFC 3339, e.g. 2026-11-30T08:00:00+01:00).
        #[arg(long, value_name = "TIME")]
        start: Option<String>,
    },
    /// Fill a new database (--db, a file that does not exist yet) with N
    /// days of realistic history (a seeded wearer with thigh and back
    /// sensors, weekdays and weekends), through the same pipeline as live
    /// data; the last day is yesterday.
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
        /// Local date (default: the last day with data); any day of a week or month.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, default_value_t = 1200)]
        width: u32,
        #[arg(long)]
        height: Option<u32>,
        /// Dark background and light text.
        #[arg(long)]
        dark: bool,
        /// The timeline over all 24 hours (default: the hours worn).
        #[arg(long)]
        whole_day: bool,
    },
    /// Write samples, minute rollups or day figures of a date range to CSV.
    Export {
        #[arg(long, value_enum)]
        what: crate::transfer::export::ExportKind,
        /// First local date.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        from: NaiveDate,
        /// Last local date (inclusive).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
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
        #[command(flatten)]
        demo: DemoArgs,
    },
    /// Look for sensors nearby, of every model Sitless can use.
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
    /// Forget a paired sensor or the phone (`forget phone`): it is never
    /// used again (its data stays).
    Forget { id: String },
    /// Your phone as a live sensor over Wi-Fi (Sensor Logger's HTTP Push, or phyphox's remote access).
    Phone {
        #[command(subcommand)]
        action: PhoneCommand,
    },
    /// Install the desktop entry, icons and `AppStream` metainfo for this
    /// user (after `cargo install --path .`), so Sitless is in the menu.
    InstallDesktop {
        /// Where the share folder is (default `~/.local/share`).
        #[arg(long, value_name = "DIR")]
        share: Option<PathBuf>,
        /// The binary the entry starts (default: this one).
        #[arg(long, value_name = "PATH")]
        exec: Option<String>,
    },
    /// Print a day's figures.
    Report {
        /// Local date (default today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PhoneCommand {
    /// Pair the phone and print the URL to type into the app (a new
    /// secret each time: an older URL stops working).
    Pair {
        /// What to call the phone.
        #[arg(long, default_value = "Phone")]
        name: String,
        /// The address to listen on (default: every address of this
        /// computer; 127.0.0.1 for this computer only).
        #[arg(long, value_name = "ADDR")]
        bind: Option<std::net::IpAddr>,
        /// The port to listen on (default 8642).
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// Read the phone with phyphox instead: Sitless asks the address
        /// its remote access shows (such as `http://192.168.1.23:8080`).
        #[arg(long, value_name = "URL", conflicts_with_all = ["bind", "port"])]
        phyphox: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> anyhow::Result<()> {
    let _ = crate::app::PROCESS_START.set(std::time::Instant::now());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // usvg warns of every empty bar (a zero-height rect) it skips.
                .unwrap_or_else(|_| "sitless=info,usvg=error,warn".into()),
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
        }) => simulate::simulate(
            &db_path(cli.db, false)?,
            hours,
            seed,
            start.as_deref(),
            placement,
            &cfg,
        ),
        Some(Command::Import {
            csv,
            placement,
            start,
        }) => simulate::import(
            &db_path(cli.db, false)?,
            &csv,
            placement,
            start.as_deref(),
            &cfg,
        ),
        Some(Command::GenHistory { days, seed }) => {
            // Made-up days never go into the real database by default.
            let Some(db) = cli.db else {
                bail!(
                    "gen-history writes made-up data, so it needs a new file named with --db (for example --db try.db); it never writes into your own database"
                );
            };
            crate::cli::gen_history::gen_history_cmd(&db, days, seed, &cfg)
        }
        Some(Command::Chart {
            kind,
            date,
            out,
            width,
            height,
            dark,
            whole_day,
        }) => chart::chart(
            &db_path(cli.db, false)?,
            kind,
            date,
            &out,
            width,
            height,
            dark,
            whole_day,
            &cfg,
        ),
        Some(Command::Export {
            what,
            from,
            to,
            out,
        }) => export::export(&db_path(cli.db, false)?, what, from, to, &out, &cfg),
        Some(Command::Report { date, json }) => {
            report::report(&db_path(cli.db, false)?, date, json, &cfg)
        }
        Some(Command::Record { for_s, demo }) => {
            let opts = demo_options(&demo)?;
            record::record(&db_path(cli.db, demo.demo)?, opts.as_ref(), for_s, cfg)
        }
        Some(Command::Scan { timeout_s, json }) => {
            crate::cli::ble::scan(&db_path(cli.db, false)?, timeout_s, json)
        }
        Some(Command::Pair {
            id,
            placement,
            timeout_s,
        }) => crate::cli::ble::pair(&db_path(cli.db, false)?, &id, placement, timeout_s),
        Some(Command::Devices { json }) => crate::cli::ble::devices(&db_path(cli.db, false)?, json),
        Some(Command::InstallDesktop { share, exec }) => install_desktop(share, exec),
        Some(Command::Forget { id }) => crate::cli::ble::forget(&db_path(cli.db, false)?, &id),
        Some(Command::Phone { action }) => phone::run(&db_path(cli.db, false)?, action),
        None => {
            let demo = demo_options(&cli.demo)?;
            crate::app::run_window(&crate::app::WindowOptions {
                db: db_path(cli.db, cli.demo.demo)?,
                demo,
                config: cfg,
                background: cli.background,
                import: cli.file,
            })
        }
    }
}

fn install_desktop(share: Option<PathBuf>, exec: Option<String>) -> anyhow::Result<()> {
    let share = match share {
        Some(s) => s,
        None => directories::BaseDirs::new()
            .context("no home folder to install into")?
            .data_dir()
            .to_path_buf(),
    };
    let exec = match exec {
        Some(e) => e,
        None => std::env::current_exe()
            .context("cannot tell where this binary is")?
            .to_string_lossy()
            .into_owned(),
    };
    let files = crate::desktop::install::install(&share, &exec)?;
    for f in &files {
        println!("{}", f.display());
    }
    println!(
        "installed {} files; Sitless is in the applications menu",
        files.len()
    );
    Ok(())
}

/// The demo sensor the window and `record` play, if `--demo` was given.
fn demo_options(
    cli: &DemoArgs,
) -> anyhow::Result<Option<crate::sources::demo::pacer::DemoOptions>> {
    let speed = cli.demo_speed;
    if !(speed.is_finite() && speed > 0.0) {
        bail!("--demo-speed must be a positive number, got {speed}");
    }
    Ok(cli
        .demo
        .then_some(crate::sources::demo::pacer::DemoOptions {
            speed,
            seed: cli.demo_seed,
            script: None,
            pace: None,
        }))
}

/// Ends a headless command's writer; an error if any commit failed (the
/// data it held is not in the database).
pub(crate) fn finish_writer(
    writer: StoreWriter,
    db: &Path,
) -> anyhow::Result<crate::store::writer::WriterStats> {
    let stats = writer.finish()?;
    if stats.failed_commits > 0 {
        bail!(
            "{} commits to {} failed",
            stats.failed_commits,
            db.display()
        );
    }
    Ok(stats)
}

/// A progress bar on stderr for a long command; indicatif hides it when
/// stderr is not a terminal (a pipe, a log, a test).
pub(crate) fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg:>12} [{bar:40}] {percent:>3}%  {elapsed_precise} (about {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
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

/// Commands that only read need a database that exists; they never create
/// one (an empty new file would answer every question with zeros).
pub(crate) fn open_existing(db: &Path) -> anyhow::Result<Store> {
    Ok(Store::open_existing(db)?)
}

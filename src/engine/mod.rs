//! The engine: worker threads and the bounded channels between them and the
//! UI. The UI thread never touches `SQLite`, a sensor or a chart renderer; it
//! drains `UiEvent`s each frame and sends `Command`s, both without blocking.
//!
//! ```text
//! sitless-demo ──samples──▶ sitless-posture ──seconds──▶ sitless-store
//!                                 │  live, reminders           │ committed
//!                                 ▼                            ▼
//!                                UI ◀──── day report, chart ── sitless-charts
//! ```

pub mod notify;
pub mod recorder;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::charts::render::{ChartSource, Style, render_rgb};
use crate::charts::{Chart, ChartKind, ChartTheme};
use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::days::{day_bounds, local_date};
use crate::domain::figures::{DayDetail, DayFigures, Period, PeriodData, Summary, changes};
use crate::domain::posture::Posture;
use crate::domain::reminder::ReminderDue;
use crate::domain::sample::{Placement, RawSample};
use crate::domain::session::RoutineSession;
use crate::domain::settings::Settings;
use crate::domain::streak::{Streak, StreakEvent};
use crate::engine::notify::{Notifier, Report, Request};
use crate::engine::recorder::{Recorder, demo_calibration, register_demo_device};
use crate::pipeline::SensorInput;
use crate::sources::ble::central::{Ble, BleOptions};
use crate::sources::ble::{BleCommand, BleEvent, PairedSensor};
use crate::sources::demo::wearer::{DemoScript, DemoSecond, DemoWearer};
use crate::store::lock::DbLock;
use crate::store::writer::{CommitInfo, Outcome, StoreWriter, WriteOp, WriterOptions};
use crate::store::{Store, StoreError};
use crate::transfer::export::ExportKind;

/// Wakes the UI (egui's `request_repaint`) after an event was sent.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Simulated seconds per real second; infinity means as fast as possible.
    pub speed: f64,
    pub seed: u64,
    /// A fixed script (tests); `None` plays endless seeded workdays.
    pub script: Option<DemoScript>,
    /// The clock that paces the demo; `None` is the real clock. Tests
    /// inject a `PaceClock` and move it on when they are ready.
    pub pace: Option<PaceClock>,
}

/// A manual clock for the demo's pacing: seconds that pass only when
/// `advance` is called.
#[derive(Clone, Debug, Default)]
pub struct PaceClock(Arc<std::sync::atomic::AtomicU64>);

impl PaceClock {
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::Relaxed);
    }

    fn elapsed_s(&self) -> f64 {
        self.0.load(Ordering::Relaxed) as f64
    }
}

#[derive(Clone)]
pub struct EngineOptions {
    pub db: PathBuf,
    pub demo: Option<DemoOptions>,
    pub config: Config,
    /// Where the demo's day starts when the database has nothing newer.
    pub demo_start_s: i64,
    /// Bluetooth sensors, stamped with this clock; `None`: no Bluetooth
    /// (most tests, and machines without it).
    pub ble: Option<crate::sources::ble::Clock>,
    /// A ceiling on the database size in pages, read at every (re)open of
    /// the writer's connection; 0 is none. Simulates a full disk.
    pub page_limit: Option<Arc<std::sync::atomic::AtomicU64>>,
}

/// Saving is failing: what the UI says until a commit succeeds again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageProblem {
    pub fault: crate::store::WriteFault,
    /// Seconds of data waiting in memory.
    pub buffered_s: usize,
    /// Seconds given up because the buffer was full.
    pub dropped_s: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SensorState {
    NoSensor,
    Streaming,
    /// The demo script ended (tests with a finite script).
    Finished,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SensorStatus {
    pub name: String,
    pub state: SensorState,
    pub speed: Option<f64>,
}

/// The newest second as classified, before the minimum-bout delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Live {
    pub t_s: i64,
    pub posture: Posture,
    pub tilt_deg: Option<f32>,
    pub streak: Option<Streak>,
    /// Running total of seconds classified as walking since the engine
    /// started (sensor time): the player's walking check counts with it.
    pub walking_total_s: i64,
}

#[derive(Clone, Debug)]
pub struct DayView {
    pub date: NaiveDate,
    pub figures: DayFigures,
    pub chart: Option<Chart>,
    /// Routines done that day.
    pub sessions: Vec<RoutineSession>,
    pub request: ChartRequest,
}

#[derive(Clone, Debug)]
pub enum UiEvent {
    Sensor(SensorStatus),
    Live(Live),
    /// A reminder, with when the samples that completed its threshold
    /// second arrived (for the latency figure).
    Recommendation(ReminderDue, Instant),
    /// The desktop notification for the reminder shown at `shown_at_s`
    /// went out, `latency` after its samples arrived.
    Notified {
        shown_at_s: i64,
        latency: Duration,
    },
    /// The settings in force (at start and after a change).
    Settings(Settings),
    /// The streak a recommendation was about is over (a break was taken).
    StreakEnded(Streak),
    /// New data is in the database; newer charts can be drawn.
    Committed {
        newest_s: Option<i64>,
    },
    Day(Box<DayView>),
    /// A History chart, drawn (or why not).
    HistoryChart(HistoryChartRequest, Result<Box<Chart>, String>),
    /// A History summary row.
    Summary(Box<SummaryView>),
    /// An export finished: the file and its rows, or what went wrong.
    Exported(Result<(PathBuf, u64), String>),
    /// Bluetooth: adapter, scan list, links, pairing (not samples).
    Ble(BleEvent),
    /// The calibration wizard's result for a sensor.
    Calibrated {
        placement: Placement,
        result: Result<(), String>,
    },
    /// Saving started failing (`Some`, updated at each retry) or works
    /// again (`None`).
    Storage(Option<StorageProblem>),
    Error(String),
}

/// A calibration pose held by the wearer (the wizard).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pose {
    StandStill,
    SitUpright,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Snooze {
        shown_at_s: i64,
        minutes: i64,
    },
    Dismiss {
        shown_at_s: i64,
    },
    /// The card's routine was started.
    Started {
        shown_at_s: i64,
    },
    /// A routine ended, done in full or in part: record it.
    RoutineDone(RoutineSession),
    /// New settings: apply and store.
    Settings(Settings),
    /// The wearer held `pose` for the last `seconds` seconds of the
    /// sensor at `placement`; after both poses the calibration is computed.
    CalibrationPose {
        placement: Placement,
        pose: Pose,
        seconds: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChartRequest {
    pub date: NaiveDate,
    pub width_px: u32,
    pub height_px: u32,
    pub theme: ChartTheme,
    /// Bumped by the UI when data changed, so equal sizes still redraw.
    pub data_version: u64,
}

/// A History chart: kind, the period's date, pixel size, theme, text
/// scale and data version; also the key of the UI's texture cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HistoryChartRequest {
    pub kind: ChartKind,
    /// Any date of the period (normalised by the worker).
    pub date: NaiveDate,
    pub width_px: u32,
    pub height_px: u32,
    pub theme: ChartTheme,
    /// Pixels per point × 100 (labels scale with it).
    pub scale_centi: u32,
    pub data_version: u64,
}

impl HistoryChartRequest {
    /// Same chart, whatever the size and data version: a newer request
    /// with the same slot replaces an older one still queued.
    fn slot(&self) -> (ChartKind, NaiveDate, ChartTheme) {
        (self.kind, self.date, self.theme)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SummaryRequest {
    pub period: Period,
    pub date: NaiveDate,
    pub data_version: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SummaryView {
    pub request: SummaryRequest,
    pub summary: Summary,
    pub previous: Summary,
    /// "sitting −35 min a day vs last week", …
    pub changes: Vec<String>,
}

enum ChartJob {
    Today(ChartRequest),
    History(HistoryChartRequest),
    Summary(SummaryRequest),
}

enum PostureMsg {
    Samples(Vec<(Placement, Vec<RawSample>)>),
    /// The sensors feeding the pipeline changed (Bluetooth pairing).
    Sensors(Vec<SensorInput>),
    Command(Command),
    SourceDone,
}

pub struct Engine {
    events: Receiver<UiEvent>,
    ble: Option<Ble>,
    posture_tx: Option<SyncSender<PostureMsg>>,
    chart_tx: Option<SyncSender<ChartJob>>,
    ui: UiSender,
    db: PathBuf,
    config: Config,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    writer: Option<StoreWriter>,
    /// Released last, after every connection of this process is closed.
    _lock: DbLock,
}

/// Sends an event without ever blocking; a full queue drops it (the UI is
/// behind and a newer event will follow).
#[derive(Clone)]
struct UiSender {
    tx: SyncSender<UiEvent>,
    waker: Waker,
}

impl UiSender {
    fn send(&self, e: UiEvent) {
        match self.tx.try_send(e) {
            Ok(()) => (self.waker)(),
            Err(TrySendError::Full(_)) => tracing::debug!("UI queue full; event dropped"),
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

impl Engine {
    pub fn start(opts: &EngineOptions, waker: Waker) -> anyhow::Result<Self> {
        let (ui_tx, events) = sync_channel(256);
        let ui = UiSender { tx: ui_tx, waker };
        let stop = Arc::new(AtomicBool::new(false));
        // One recording process per database: two would interleave their
        // streams into one timeline.
        let lock = DbLock::acquire(&opts.db)?;
        let store = open_limited(&opts.db, opts.page_limit.as_ref())?;
        let reader = Store::open(&opts.db)?;
        let mut threads = Vec::new();

        let mut inputs = Vec::new();
        let mut demo = None;
        if let Some(d) = &opts.demo {
            let start_s = match store.last_second()? {
                // Continue the demo day where the last run stopped.
                Some(last) if last + 1 >= opts.demo_start_s => last + 1,
                _ => opts.demo_start_s,
            };
            let script = d
                .script
                .clone()
                .unwrap_or_else(|| DemoScript::workday(d.seed, 24.0));
            let wearer = DemoWearer::new(script, d.seed, start_s);
            for placement in [Placement::Thigh, Placement::Back] {
                let device_id = register_demo_device(&store, placement, start_s)?;
                // What this sensor learned before; else the wizard's result
                // (the demo wearer does the wizard's two poses first).
                let stored = store.device_calibration(device_id)?;
                let calibration = match placement {
                    _ if stored.upright.is_some() => stored,
                    Placement::Thigh => Calibration::default(),
                    Placement::Back => demo_calibration(&wearer, placement).unwrap_or_default(),
                };
                inputs.push(SensorInput {
                    placement,
                    device_id,
                    calibration,
                });
            }
            demo = Some((wearer, d.clone()));
        }
        if opts.demo.is_none() && opts.ble.is_some() {
            let paired: Vec<PairedSensor> = store
                .paired_devices()?
                .into_iter()
                .filter_map(|r| {
                    Some(PairedSensor {
                        device_id: r.id,
                        model: crate::sources::ble::SensorModel::parse(&r.model)?,
                        address: r.address,
                        name: r.name,
                        placement: r.placement,
                        next_seq: r.next_seq,
                    })
                })
                .collect();
            inputs = sensor_inputs(&store, &paired)?;
        }
        // One indexed row each; the day's replay happens on the posture
        // thread, so the window never waits for it.
        let now_s = store.last_second()?.unwrap_or(opts.demo_start_s);
        let store_settings = store.settings()?;

        let ui_for_writer = ui.clone();
        // Totals are shown to the minute: tell the UI about a commit only
        // when the data crossed into a new minute, so a second of data does
        // not cost a frame.
        let mut last_minute = None;
        let mut failing = false;
        let (db, limit) = (opts.db.clone(), opts.page_limit.clone());
        let writer_opts = WriterOptions {
            reopen: Some(Box::new(move || open_limited(&db, limit.as_ref()))),
            // Settings overwrite the fields they own, so the stored ones can
            // be applied to the base here and again at each change.
            base_config: store_settings.apply(opts.config),
            detail_keep_days: store_settings.detail_keep_days,
            ..WriterOptions::default()
        };
        let writer = StoreWriter::spawn_with(store, writer_opts, move |info| match info {
            CommitInfo::Committed { newest_s, .. } => {
                let minute = newest_s.map(|t| t.div_euclid(60));
                if failing {
                    failing = false;
                    ui_for_writer.send(UiEvent::Storage(None));
                }
                if minute != last_minute {
                    last_minute = minute;
                    ui_for_writer.send(UiEvent::Committed { newest_s });
                }
            }
            CommitInfo::Failed {
                fault,
                buffered_rows,
                dropped_rows,
                ..
            } => {
                failing = true;
                ui_for_writer.send(UiEvent::Storage(Some(StorageProblem {
                    fault,
                    buffered_s: buffered_rows,
                    dropped_s: dropped_rows,
                })));
            }
        })?;

        let (posture_tx, posture_rx) = sync_channel::<PostureMsg>(64);
        let settings = store_settings;
        let config = settings.apply(opts.config);
        let mut recorder = Recorder::new(&inputs, &config, &writer);
        recorder
            .pipeline_mut()
            .apply_settings(&settings, opts.config);
        ui.send(UiEvent::Settings(settings.clone()));
        let ui_n = ui.clone();
        let notifier = Notifier::spawn(move |r| match r {
            Report::Shown {
                shown_at_s,
                latency,
            } => ui_n.send(UiEvent::Notified {
                shown_at_s,
                latency,
            }),
            Report::Unavailable(e) => ui_n.send(UiEvent::Error(format!(
                "Desktop notifications are not available ({e}); reminders show only inside Sitless."
            ))),
        })?;
        let base_config = opts.config;
        let writer_tx = writer.sender();
        let ui_p = ui.clone();
        let db = opts.db.clone();
        threads.push(
            std::thread::Builder::new()
                .name("sitless-posture".into())
                .spawn(move || {
                    if let Err(e) =
                        Store::open(&db).and_then(|s| resume_today(&s, &mut recorder, now_s))
                    {
                        ui_p.send(UiEvent::Error(format!(
                            "Could not read today's data, so a streak in progress starts over: {e}"
                        )));
                    }
                    let mut state = PostureState {
                        recorder,
                        standing: std::collections::BTreeMap::new(),
                        settings,
                        base_config,
                        notifier,
                    };
                    posture_loop(&posture_rx, &mut state, &writer_tx, &ui_p);
                })?,
        );

        let (chart_tx, chart_rx) = sync_channel::<ChartJob>(32);
        let ui_c = ui.clone();
        let cfg = opts.config;
        threads.push(
            std::thread::Builder::new()
                .name("sitless-charts".into())
                .spawn(move || chart_loop(&chart_rx, &reader, &cfg, &ui_c))?,
        );

        match demo {
            Some((wearer, d)) => {
                let tx = posture_tx.clone();
                let stop_d = stop.clone();
                let ui_d = ui.clone();
                let endless = d.script.is_none();
                threads.push(
                    std::thread::Builder::new()
                        .name("sitless-demo".into())
                        .spawn(move || demo_loop(wearer, &d, endless, &tx, &stop_d, &ui_d))?,
                );
            }
            None if opts.ble.is_some() => {}
            None => ui.send(UiEvent::Sensor(SensorStatus {
                name: "No sensor".into(),
                state: SensorState::NoSensor,
                speed: None,
            })),
        }

        let ble = match &opts.ble {
            Some(clock) => {
                let tx = posture_tx.clone();
                let ui_b = ui.clone();
                let demo_running = opts.demo.is_some();
                let db = opts.db.clone();
                let reader = std::sync::Mutex::new(Store::open(&opts.db)?);
                let sink = move |ev: BleEvent| match ev {
                    BleEvent::Samples {
                        placement, samples, ..
                    } => {
                        // The demo and real sensors never feed one stream.
                        if !demo_running {
                            let _ = tx.send(PostureMsg::Samples(vec![(placement, samples)]));
                        }
                    }
                    BleEvent::Paired(list) => {
                        if !demo_running {
                            let inputs = reader
                                .lock()
                                .map_err(|_| StoreError::Corrupt("lock poisoned".into()))
                                .and_then(|r| sensor_inputs(&r, &list));
                            match inputs {
                                Ok(inputs) => {
                                    let _ = tx.send(PostureMsg::Sensors(inputs));
                                }
                                Err(e) => ui_b.send(UiEvent::Error(format!(
                                    "cannot read the sensors' calibration: {e}"
                                ))),
                            }
                        }
                        ui_b.send(UiEvent::Ble(BleEvent::Paired(list)));
                    }
                    other => ui_b.send(UiEvent::Ble(other)),
                };
                Some(Ble::spawn(
                    BleOptions {
                        db,
                        clock: clock.clone(),
                        connect_paired: !demo_running,
                    },
                    sink,
                )?)
            }
            None => None,
        };

        Ok(Self {
            events,
            ble,
            posture_tx: Some(posture_tx),
            chart_tx: Some(chart_tx),
            ui,
            db: opts.db.clone(),
            config: opts.config,
            stop,
            threads,
            writer: Some(writer),
            _lock: lock,
        })
    }

    /// The next event, if one is waiting. Never blocks.
    pub fn try_recv(&self) -> Option<UiEvent> {
        self.events.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event (headless use; the UI
    /// never waits).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<UiEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Sends a command; false if the engine is busy or gone.
    pub fn send(&self, cmd: Command) -> bool {
        self.posture_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(PostureMsg::Command(cmd)).is_ok())
    }

    /// Sends a Bluetooth command; false without Bluetooth or when busy.
    pub fn send_ble(&self, cmd: BleCommand) -> bool {
        self.ble.as_ref().is_some_and(|b| b.send(cmd))
    }

    /// Stops the Bluetooth links now (they hand on what they hold); their
    /// last events stay queued for `try_recv`.
    pub fn stop_ble(&mut self) {
        if let Some(mut b) = self.ble.take() {
            b.shutdown();
        }
    }

    pub fn has_ble(&self) -> bool {
        self.ble.is_some()
    }

    /// Asks for a day report and chart; false if a request is already queued
    /// deep enough (try again next frame).
    pub fn request_day(&self, req: ChartRequest) -> bool {
        self.chart_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(ChartJob::Today(req)).is_ok())
    }

    /// Asks for a History chart; false if the queue is full (try later).
    pub fn request_chart(&self, req: HistoryChartRequest) -> bool {
        self.chart_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(ChartJob::History(req)).is_ok())
    }

    /// Asks for a History summary row; false if the queue is full.
    pub fn request_summary(&self, req: SummaryRequest) -> bool {
        self.chart_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(ChartJob::Summary(req)).is_ok())
    }

    /// Writes an export on its own thread (a year of seconds takes a
    /// while); the result arrives as `UiEvent::Exported`. The file appears
    /// only when complete.
    pub fn export(&self, what: ExportKind, first: NaiveDate, last: NaiveDate, path: PathBuf) {
        let (db, ui, config) = (self.db.clone(), self.ui.clone(), self.config);
        let spawned = std::thread::Builder::new()
            .name("sitless-export".into())
            .spawn(move || {
                let result = export_file(&db, what, first, last, &config, &path)
                    .map(|rows| (path, rows))
                    .map_err(|e| format!("{e:#}"));
                ui.send(UiEvent::Exported(result));
            });
        if let Err(e) = spawned {
            self.ui.send(UiEvent::Exported(Err(format!(
                "could not start the export: {e}"
            ))));
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // First the links: they hand on what they hold to the posture
        // thread, which then settles everything into the writer.
        if let Some(mut b) = self.ble.take() {
            b.shutdown();
        }
        self.stop.store(true, Ordering::Relaxed);
        self.posture_tx = None;
        self.chart_tx = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // Last: the writer commits what the posture thread handed it.
        if let Some(w) = self.writer.take() {
            w.finish();
        }
    }
}

fn demo_loop(
    mut wearer: DemoWearer,
    opts: &DemoOptions,
    endless: bool,
    tx: &SyncSender<PostureMsg>,
    stop: &AtomicBool,
    ui: &UiSender,
) {
    let speed = (opts.speed.is_finite() && opts.speed > 0.0).then_some(opts.speed);
    ui.send(UiEvent::Sensor(SensorStatus {
        name: "Demo sensor".into(),
        state: SensorState::Streaming,
        speed,
    }));
    let tick = Duration::from_millis(50);
    let started = Instant::now();
    let sim0 = wearer.next_t_s();
    let mut sec = DemoSecond::default();
    let mut next_seed = opts.seed;
    while !stop.load(Ordering::Relaxed) {
        let elapsed_s = opts
            .pace
            .as_ref()
            .map_or_else(|| started.elapsed().as_secs_f64(), PaceClock::elapsed_s);
        let target_s = speed.map_or(i64::MAX, |x| sim0 + (elapsed_s * x) as i64);
        let mut parts = Vec::new();
        // At most ten simulated minutes per message keeps messages small.
        while wearer.next_t_s() <= target_s && parts.len() < 1200 {
            if !wearer.next_second(&mut sec) {
                if endless {
                    next_seed = next_seed.wrapping_add(1);
                    wearer.extend(DemoScript::workday(next_seed, 24.0));
                    continue;
                }
                break;
            }
            parts.push((Placement::Thigh, sec.thigh.clone()));
            parts.push((Placement::Back, sec.back.clone()));
        }
        let done = wearer.is_done() && !endless;
        if !parts.is_empty() && tx.send(PostureMsg::Samples(parts)).is_err() {
            return;
        }
        if done {
            let _ = tx.send(PostureMsg::SourceDone);
            ui.send(UiEvent::Sensor(SensorStatus {
                name: "Demo sensor".into(),
                state: SensorState::Finished,
                speed,
            }));
            return;
        }
        if speed.is_some() {
            std::thread::sleep(tick);
        }
    }
}

/// The writer's connection, under the simulated size ceiling if any.
fn open_limited(
    db: &std::path::Path,
    limit: Option<&Arc<std::sync::atomic::AtomicU64>>,
) -> Result<Store, StoreError> {
    let store = Store::open(db)?;
    match limit.map(|l| l.load(Ordering::Relaxed)) {
        Some(pages) if pages > 0 => store.set_max_pages(pages)?,
        _ => {}
    }
    Ok(store)
}

/// Pipeline inputs for paired sensors, with their stored calibrations.
fn sensor_inputs(store: &Store, paired: &[PairedSensor]) -> Result<Vec<SensorInput>, StoreError> {
    paired
        .iter()
        .map(|p| {
            Ok(SensorInput {
                placement: p.placement,
                device_id: p.device_id,
                calibration: store.device_calibration(p.device_id)?,
            })
        })
        .collect()
}

/// Replays today (and at least the last six hours) into the pipeline: a
/// streak that was running when the app closed goes on, and today's totals
/// and routines feed the recommender.
fn resume_today(store: &Store, recorder: &mut Recorder, now_s: i64) -> Result<(), StoreError> {
    let (day_start, day_end) = day_bounds(local_date(now_s));
    let recent = store.seconds_between(day_start.min(now_s - 6 * 3600), now_s + 1)?;
    recorder.pipeline_mut().resume_from(recent);
    for s in store.routine_sessions_between(day_start, day_end)? {
        recorder
            .pipeline_mut()
            .record_routine(s.started_at_s, &s.routine);
    }
    Ok(())
}

/// What the posture thread owns.
struct PostureState {
    recorder: Recorder,
    /// The wizard's standing windows per sensor, waiting for the sitting pose.
    standing: std::collections::BTreeMap<Placement, Vec<crate::pipeline::window::Window>>,
    settings: Settings,
    base_config: Config,
    notifier: Notifier,
}

fn posture_loop(
    rx: &Receiver<PostureMsg>,
    state: &mut PostureState,
    writer: &SyncSender<WriteOp>,
    ui: &UiSender,
) {
    let recorder = &mut state.recorder;
    let live_every = Duration::from_millis(250);
    let mut last_live: Option<Instant> = None;
    let mut live: Option<Live> = None;
    let mut live_dirty = false;
    let mut shown: Option<LiveKey> = None;
    let mut thigh_seen = false;
    loop {
        // Wake up when a coalesced live update is owed, not otherwise.
        let msg = if live_dirty {
            match rx.recv_timeout(live_every) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            }
        };
        let timed_out = msg.is_none();
        match msg {
            Some(PostureMsg::Samples(parts)) => {
                let since = Instant::now();
                for (placement, samples) in parts {
                    let out = recorder.push(placement, &samples);
                    if let Some(c) = out.live {
                        update_live(&mut live, placement, c, &mut thigh_seen);
                        live_dirty = true;
                    }
                    forward_events(out, since, &state.settings, &state.notifier, ui);
                }
            }
            Some(PostureMsg::Command(cmd)) => {
                let now_s = live.map_or(0, |l| l.t_s);
                let reminder = recorder.pipeline_mut().reminder_mut();
                let (shown_at_s, outcome) = match cmd {
                    Command::Snooze {
                        shown_at_s,
                        minutes,
                    } => {
                        reminder.snooze(now_s, minutes * 60);
                        (shown_at_s, Outcome::Snoozed)
                    }
                    Command::Dismiss { shown_at_s } => {
                        reminder.dismiss(now_s);
                        (shown_at_s, Outcome::Dismissed)
                    }
                    Command::Started { shown_at_s } => {
                        // Doing the routine is the answer; ask again only
                        // after a full repeat interval if still sitting.
                        reminder.dismiss(now_s);
                        (shown_at_s, Outcome::Started)
                    }
                    Command::Settings(new) => {
                        let new = new.sanitized();
                        recorder
                            .pipeline_mut()
                            .apply_settings(&new, state.base_config);
                        let _ = writer.send(WriteOp::Settings(new.clone()));
                        ui.send(UiEvent::Settings(new.clone()));
                        state.settings = new;
                        continue;
                    }
                    Command::CalibrationPose {
                        placement,
                        pose,
                        seconds,
                    } => {
                        calibration_pose(
                            &mut state.standing,
                            recorder,
                            (placement, pose, seconds),
                            state.base_config,
                            ui,
                        );
                        continue;
                    }
                    Command::RoutineDone(session) => {
                        recorder
                            .pipeline_mut()
                            .record_routine(session.started_at_s, &session.routine);
                        let _ = writer.send(WriteOp::RoutineSession(session));
                        continue;
                    }
                };
                let _ = writer.send(WriteOp::Outcome {
                    shown_at_s,
                    outcome,
                    at_s: now_s,
                });
            }
            Some(PostureMsg::Sensors(inputs)) => {
                recorder
                    .pipeline_mut()
                    .set_inputs(&inputs, state.base_config.posture);
            }
            Some(PostureMsg::SourceDone) => {
                // A finite script (tests) ended: settle and store the rest.
                let out = recorder.flush_pending();
                forward_events(out, Instant::now(), &state.settings, &state.notifier, ui);
                live_dirty = true;
            }
            None => {}
        }
        // Live updates are coalesced to four a second: smooth enough to
        // read, few enough that the UI repaints only when it matters.
        let owed = live_dirty && (timed_out || last_live.is_none_or(|t| t.elapsed() >= live_every));
        if let (true, Some(l)) = (owed, live.as_mut()) {
            l.streak = recorder.pipeline_mut().current_streak();
            // Only what changes the screen costs a frame.
            let key = LiveKey::of(l);
            if shown != Some(key) {
                shown = Some(key);
                ui.send(UiEvent::Live(*l));
            }
            last_live = Some(Instant::now());
            live_dirty = false;
        }
    }
}

/// One step of the calibration wizard: keep the standing windows, and
/// after the sitting pose compute and apply the calibration (the recorder
/// stores it with the device on its next batch).
fn calibration_pose(
    standing: &mut std::collections::BTreeMap<Placement, Vec<crate::pipeline::window::Window>>,
    recorder: &mut Recorder,
    (placement, pose, seconds): (Placement, Pose, u32),
    base: Config,
    ui: &UiSender,
) {
    // The first second of a pose is the move into it, and the newest
    // window lags the countdown by the link's batching: the middle of the
    // pose is what counts.
    let wanted = seconds.saturating_sub(2).max(2) as usize;
    let windows = recorder.pipeline_mut().recent_windows(placement, wanted);
    if windows.len() < wanted {
        ui.send(UiEvent::Calibrated {
            placement,
            result: Err(format!(
                "only {} of {seconds} seconds of data arrived from the {placement} sensor; is it streaming?",
                windows.len()
            )),
        });
        standing.remove(&placement);
        return;
    }
    match pose {
        Pose::StandStill => {
            standing.insert(placement, windows);
        }
        Pose::SitUpright => {
            let Some(stand) = standing.remove(&placement) else {
                ui.send(UiEvent::Calibrated {
                    placement,
                    result: Err("stand still first, then sit".into()),
                });
                return;
            };
            let min_deg = match placement {
                Placement::Thigh => 45.0,
                Placement::Back => 8.0,
            };
            let result = crate::pipeline::calibration::calibrate(&stand, &windows, min_deg)
                .map(|cal| {
                    recorder
                        .pipeline_mut()
                        .set_calibration(placement, cal, base.posture);
                })
                .map_err(|e| e.to_string());
            ui.send(UiEvent::Calibrated { placement, result });
        }
    }
}

/// What the live tiles show, at the resolution they show it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct LiveKey {
    posture: Posture,
    tilt_deg: Option<i32>,
    streak_start_s: Option<i64>,
    streak_min: Option<i64>,
    /// The player's walking check needs the total while the wearer walks.
    walking_total_s: i64,
}

impl LiveKey {
    fn of(l: &Live) -> Self {
        Self {
            posture: l.posture,
            tilt_deg: l.tilt_deg.map(|t| t.round() as i32),
            streak_start_s: l.streak.map(|s| s.start_s),
            streak_min: l.streak.map(|s| s.duration_s() / 60),
            walking_total_s: l.walking_total_s,
        }
    }
}

/// Folds one sensor's newest classification into the live display: posture
/// from the thigh when it has one, tilt from the back.
fn update_live(
    live: &mut Option<Live>,
    placement: Placement,
    c: crate::pipeline::classify::Classified,
    thigh_seen: &mut bool,
) {
    *thigh_seen |= placement == Placement::Thigh;
    let l = live.get_or_insert(Live {
        t_s: c.t_s,
        posture: c.state,
        tilt_deg: None,
        streak: None,
        walking_total_s: 0,
    });
    l.t_s = l.t_s.max(c.t_s);
    // Count a walking second once, from the sensor that decides posture.
    let decides = placement == Placement::Thigh || !*thigh_seen;
    if decides && c.state == Posture::Moving {
        l.walking_total_s += 1;
    }
    match placement {
        Placement::Thigh if c.state != Posture::Unknown => l.posture = c.state,
        Placement::Thigh => {}
        Placement::Back => {
            l.tilt_deg = c.tilt_deg;
            if l.posture == Posture::Unknown {
                l.posture = c.state;
            }
        }
    }
}

fn forward_events(
    out: &crate::pipeline::PipelineOutput,
    since: Instant,
    settings: &Settings,
    notifier: &Notifier,
    ui: &UiSender,
) {
    for r in &out.reminders {
        ui.send(UiEvent::Recommendation(r.clone(), since));
        if settings.notifications {
            notifier.notify(Request {
                due: r.clone(),
                since,
                sound: settings.sound,
            });
        }
    }
    for e in &out.streak_events {
        if let StreakEvent::Ended(s) = e {
            ui.send(UiEvent::StreakEnded(*s));
        }
    }
}

/// Writes `path` via a temporary file beside it, renamed when complete.
/// The streak threshold of the day figures is the one in the settings.
pub fn export_file(
    db: &std::path::Path,
    what: ExportKind,
    first: NaiveDate,
    last: NaiveDate,
    base: &Config,
    path: &std::path::Path,
) -> anyhow::Result<u64> {
    use anyhow::Context;
    let store = Store::open(db)?;
    let threshold_s = store.settings()?.apply(*base).streak.threshold_s;
    let tmp = path.with_extension("csv.part");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let rows =
        match crate::transfer::export::export(&store, what, first, last, threshold_s, &mut out) {
            Ok(rows) => rows,
            Err(e) => {
                drop(out);
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        };
    drop(out);
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(rows)
}

/// The worker's last loaded data, so the four Day charts (or a redraw at
/// a new size) read the database once.
#[derive(Default)]
struct ChartCache {
    day: Option<((NaiveDate, u64), DayDetail)>,
    period: Option<((Period, NaiveDate, u64), PeriodData)>,
}

fn chart_loop(rx: &Receiver<ChartJob>, store: &Store, cfg: &Config, ui: &UiSender) {
    let mut cache = ChartCache::default();
    while let Ok(first) = rx.recv() {
        // Take everything queued: only the newest Today request matters,
        // and a History chart asked again (new size or data) replaces the
        // older request for the same chart.
        let mut today = None;
        let mut summaries: Vec<SummaryRequest> = Vec::new();
        let mut charts: Vec<HistoryChartRequest> = Vec::new();
        let mut job = Some(first);
        while let Some(j) = job.take().or_else(|| rx.try_recv().ok()) {
            match j {
                ChartJob::Today(r) => today = Some(r),
                ChartJob::Summary(r) => {
                    summaries.retain(|s| s.period != r.period);
                    summaries.push(r);
                }
                ChartJob::History(r) => {
                    charts.retain(|c| c.slot() != r.slot());
                    charts.push(r);
                }
            }
        }
        // Settings may have moved the streak threshold the charts mark.
        let threshold_s = store
            .settings()
            .map_or(cfg.streak.threshold_s, |s| s.apply(*cfg).streak.threshold_s);
        if let Some(req) = today {
            today_view(store, req, threshold_s, ui);
        }
        for req in summaries {
            match summary_view(store, req, threshold_s) {
                Ok(v) => ui.send(UiEvent::Summary(Box::new(v))),
                Err(e) => ui.send(UiEvent::Error(format!("Could not read the history: {e}"))),
            }
        }
        for req in charts {
            let chart = history_chart(store, &mut cache, req, threshold_s)
                .map(Box::new)
                .map_err(|e| e.to_string());
            if let Err(e) = &chart {
                tracing::warn!("{:?} chart not drawn: {e}", req.kind);
            }
            ui.send(UiEvent::HistoryChart(req, chart));
        }
    }
}

fn today_view(store: &Store, req: ChartRequest, threshold_s: i64, ui: &UiSender) {
    let (start, end) = day_bounds(req.date);
    // One read of the rollups gives both the figures and the chart.
    let result = store.day_detail(req.date, threshold_s).and_then(|detail| {
        let sessions = store.routine_sessions_between(start, end)?;
        Ok((sessions, detail))
    });
    let (sessions, detail) = match result {
        Ok(v) => v,
        Err(e) => {
            ui.send(UiEvent::Error(format!("Could not read today's data: {e}")));
            return;
        }
    };
    let style = Style {
        theme: req.theme,
        scale: 1.0,
        threshold_s,
    };
    let chart = match render_rgb(
        ChartKind::Timeline,
        ChartSource::Day(&detail),
        req.width_px,
        req.height_px,
        style,
    ) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!("timeline not drawn: {e}");
            None
        }
    };
    ui.send(UiEvent::Day(Box::new(DayView {
        date: req.date,
        figures: detail.figures.clone(),
        chart,
        sessions,
        request: req,
    })));
}

fn summary_view(
    store: &Store,
    req: SummaryRequest,
    threshold_s: i64,
) -> Result<SummaryView, StoreError> {
    let (first, last) = req.period.range(req.date);
    let days = store.days(first, last, threshold_s)?;
    let (pf, pl) = req.period.range(req.period.step(req.date, -1));
    let before = store.days(pf, pl, threshold_s)?;
    let summary = Summary::of(&days);
    let previous = Summary::of(&before);
    Ok(SummaryView {
        request: req,
        changes: changes(req.period, &summary, &previous),
        summary,
        previous,
    })
}

fn history_chart(
    store: &Store,
    cache: &mut ChartCache,
    req: HistoryChartRequest,
    threshold_s: i64,
) -> Result<Chart, Box<dyn std::error::Error>> {
    let style = Style {
        theme: req.theme,
        scale: f64::from(req.scale_centi) / 100.0,
        threshold_s,
    };
    let period = req.kind.period();
    let src = if period == Period::Day {
        let key = (req.date, req.data_version);
        if cache.day.as_ref().is_none_or(|(k, _)| *k != key) {
            cache.day = Some((key, store.day_detail(req.date, threshold_s)?));
        }
        match &cache.day {
            Some((_, d)) => ChartSource::Day(d),
            None => return Err("no day data".into()),
        }
    } else {
        let key = (period, period.range(req.date).0, req.data_version);
        if cache.period.as_ref().is_none_or(|(k, _)| *k != key) {
            cache.period = Some((key, store.period_data(period, req.date, threshold_s)?));
        }
        match &cache.period {
            Some((_, p)) => ChartSource::Period(p),
            None => return Err("no period data".into()),
        }
    };
    Ok(render_rgb(
        req.kind,
        src,
        req.width_px,
        req.height_px,
        style,
    )?)
}

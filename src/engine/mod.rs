//! The engine: worker threads and the bounded channels between them and the
//! UI. The UI thread never touches `SQLite`, a sensor or a chart renderer; it
//! drains `UiEvent`s each frame and sends `Command`s, both without blocking.
//! Every message type is in `protocol`; each worker has its own file.
//!
//! ```text
//! sitless-demo ─┐
//!               ├─samples─▶ sitless-posture ──seconds──▶ sitless-store
//! sitless-ble ──┘    │       │ live, reminders              ▲   │ committed
//!                    │       ▼                              │   ▼
//!                    │      UI ◀── figures, charts ── sitless-charts
//!                    └──── device rows (pair, forget, resume point) ──┘
//! ```

mod charts;
mod chooser;
pub mod desk_time;
pub mod import;
pub mod notify;
mod phone_link;
mod posture;
pub mod protocol;
pub mod recorder;
mod spawn;
mod ui_queue;

use spawn::{BleLinks, open_limited, spawn_ble, spawn_writer};
use ui_queue::UiSender;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::NaiveDate;

use charts::chart_loop;
use posture::{PostureState, posture_loop, resume_today, sensor_inputs};
use protocol::{
    ChartJob, ChartRequest, Command, DatesRequest, FilePurpose, PostureMsg, SensorState,
    SensorStatus, SummaryRequest, UiEvent, Waker,
};

use crate::domain::calibration::Calibration;
use crate::domain::config::Config;
use crate::domain::sample::Placement;
use crate::engine::notify::{Notifier, NotifierHandle, Report};
use crate::engine::recorder::{Recorder, demo_calibration, register_demo_device};
use crate::pipeline::SensorInput;
use crate::sources::ble::central::Ble;
use crate::sources::ble::{BleCommand, PairedSensor};
use crate::sources::demo::pacer::{self, DemoOptions, Paced};
use crate::sources::demo::wearer::{DemoScript, DemoWearer};
use crate::store::Store;
use crate::store::lock::DbLock;
use crate::store::writer::{StoreWriter, WriterPanicked, WriterStats};
use crate::transfer::export::ExportKind;

/// Stopping found data lost: the writer died, or the database refused
/// rows to the end (a full disk).
#[derive(Debug, thiserror::Error)]
pub enum StopError {
    #[error(transparent)]
    Writer(#[from] WriterPanicked),
    #[error(
        "{seconds} seconds could not be saved: the database refused them to the end (is the disk full?)"
    )]
    NotSaved { seconds: u64 },
}

#[derive(Clone)]
pub struct EngineOptions {
    pub db: PathBuf,
    pub demo: Option<DemoOptions>,
    pub config: Config,
    /// Where the demo's day starts when the database has nothing newer.
    pub demo_start_s: i64,
    /// Live sensors, stamped with this clock: Bluetooth, and the paired
    /// phone's listener when a phone is paired; `None`: neither (most
    /// tests, and machines without them).
    pub ble: Option<crate::sources::ble::Clock>,
    /// A ceiling on the database size in pages, read at every (re)open of
    /// the writer's connection; 0 is none. Simulates a full disk.
    pub page_limit: Option<Arc<std::sync::atomic::AtomicU64>>,
    /// Watch the desktop session (screen lock holds reminders, waking from
    /// sleep reconnects sensors): the window and `record`, not most tests.
    pub desktop_session: bool,
    /// Count desk time from the session's idle state while no sensor or
    /// phone is paired (and not in the demo); `None`: never (most tests).
    pub desk_time: Option<desk_time::DeskTimeSource>,
}

pub struct Engine {
    events: ui_queue::UiReceiver,
    ble: Option<Ble>,
    posture_tx: Option<SyncSender<PostureMsg>>,
    chart_tx: Option<SyncSender<ChartJob>>,
    ui: UiSender,
    db: PathBuf,
    config: Config,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    writer: Option<StoreWriter>,
    /// For one-off desktop notices (closing to the tray).
    notices: Option<NotifierHandle>,
    /// The session watcher's way to the posture thread; emptied at stop
    /// (the watcher lives on, and must not keep that thread waiting).
    session_tx: SessionSender,
    /// The simulated demo sensor plays instead of the paired ones.
    demo: bool,
    /// Samples the demo sensor sent, thigh and back (for `record`'s summary).
    demo_samples: Arc<[std::sync::atomic::AtomicU64; 2]>,
    /// The phone's coordinator (pairing, its listener): with live sensors,
    /// not in the demo.
    phone: Option<phone_link::PhoneLink>,
    /// Desk time's worker, switched by the posture thread.
    desk_switch: Option<Arc<desk_time::DeskTimeSwitch>>,
    /// Released last, after every connection of this process is closed.
    _lock: DbLock,
}

impl Engine {
    #[allow(
        clippy::too_many_lines,
        reason = "starts the workers in the order they depend on each other"
    )]
    pub fn start(opts: &EngineOptions, waker: Waker) -> anyhow::Result<Self> {
        let (ui, events) = ui_queue::ui_queue(256, waker);
        let stop = Arc::new(AtomicBool::new(false));
        // One recording process per database: two would interleave their
        // streams into one timeline.
        let lock = DbLock::acquire(&opts.db)?;
        let store = open_limited(&opts.db, opts.page_limit.as_ref())?;
        let reader = Store::open(&opts.db)?;
        let mut threads = Vec::new();

        let mut inputs = Vec::new();
        let mut demo = None;
        // A stored second beyond what is believed now (a bad row from
        // before imports refused them) must not move recording, or today's
        // replay, into the future.
        let wall_s = chrono::Utc::now().timestamp();
        let stored_last_s = store.last_second()?;
        let mut demo_start_s = None;
        if let Some(d) = &opts.demo {
            // Continue the demo day where the last run stopped: at high
            // speed the demo runs days ahead of the clock, never months.
            let ahead_of = wall_s.max(opts.demo_start_s);
            let start_s = match stored_last_s {
                Some(last)
                    if last + 1 >= opts.demo_start_s
                        && last <= ahead_of.saturating_add(DEMO_AHEAD_S) =>
                {
                    last + 1
                }
                _ => opts.demo_start_s,
            };
            demo_start_s = Some(start_s);
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
        let paired = if opts.ble.is_some() {
            PairedSensor::from_rows(store.paired_devices()?)
        } else {
            Vec::new()
        };
        if opts.demo.is_none() {
            inputs.extend(sensor_inputs(&store, &paired)?);
        }
        // A paired phone is the thigh sensor (pairing it forgot any other).
        let phone = match &opts.ble {
            Some(_) if opts.demo.is_none() => phone_link::paired_phone(&store)?,
            _ => None,
        };
        // The phone's input from the start, so today's replay resumes its
        // streak (the coordinator's first message repeats it).
        let phone_input = match &phone {
            Some(p) => Some(SensorInput {
                placement: Placement::Thigh,
                device_id: p.device_id,
                calibration: store.device_calibration(p.device_id)?,
            }),
            None => None,
        };
        if let Some(p) = &phone_input {
            inputs.retain(|i| i.placement != p.placement);
            inputs.push(*p);
        }
        let ble_paired = if opts.demo.is_none() {
            paired.clone()
        } else {
            Vec::new()
        };
        // One indexed row each; the day's replay happens on the posture
        // thread, so the window never waits for it.
        let last_s = match demo_start_s {
            // The day the demo goes on with (or starts) is today.
            Some(start_s) => Some(start_s - 1),
            None => stored_last_s.map(|t| t.min(crate::domain::days::latest_trusted_s(wall_s))),
        };
        let now_s = last_s.unwrap_or(opts.demo_start_s);
        let newest_stored_s = Arc::new(AtomicI64::new(last_s.unwrap_or(i64::MIN)));
        let store_settings = store.settings()?;
        ui.send(UiEvent::Stored {
            newest_s: stored_last_s.map(|t| t.min(crate::domain::days::latest_trusted_s(wall_s))),
        });
        if let Ok(Some(u)) = store.unfinished_import() {
            ui.send(UiEvent::UnfinishedImport(u.words()));
        }

        let desk_device = desk_time::device_row(&store, opts, wall_s)?;
        let writer = spawn_writer(store, opts, &store_settings, &newest_stored_s, &ui)?;

        let (posture_tx, posture_rx) = sync_channel::<PostureMsg>(64);
        let desk = desk_time::start(opts, desk_device, &posture_tx, &ui, &mut threads)?;
        let desk_switch = desk.as_ref().map(|(_, s)| s.clone());
        let store_settings_addr = store_settings.phone_addr();
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
                buttons,
            } => ui_n.send(UiEvent::Notified {
                shown_at_s,
                latency,
                buttons,
            }),
            Report::Unavailable(e) => ui_n.send(UiEvent::Error(format!(
                "Desktop notifications are not available ({e}); reminders show only inside Sitless."
            ))),
            Report::DoNotDisturb(on) => ui_n.send(UiEvent::DoNotDisturb(on)),
            Report::Action { shown_at_s, action } => {
                ui_n.send(UiEvent::NotificationAction { shown_at_s, action });
            }
        })?;
        let notices = notifier.handle();
        let base_config = opts.config;
        let writer_tx = writer.sender();
        let ui_p = ui.clone();
        let db = opts.db.clone();
        threads.push(
            std::thread::Builder::new()
                .name("sitless-posture".into())
                .spawn(move || {
                    let reader = Store::open(&db);
                    if let Err(e) = reader.as_ref().map_err(ToString::to_string).and_then(|s| {
                        resume_today(s, &mut recorder, now_s).map_err(|e| e.to_string())
                    }) {
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
                        reader: reader.ok(),
                        phone_input,
                        ble_paired,
                        desk,
                    };
                    state.switch_desk_time();
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

        let demo_samples: Arc<[std::sync::atomic::AtomicU64; 2]> = Arc::default();
        match demo {
            Some((wearer, d)) => {
                let counts = demo_samples.clone();
                let tx = posture_tx.clone();
                let stop_d = stop.clone();
                let ui_d = ui.clone();
                let endless = d.script.is_none();
                threads.push(
                    std::thread::Builder::new()
                        .name("sitless-demo".into())
                        .spawn(move || {
                            let status = |state| {
                                ui_d.send(UiEvent::Sensor(SensorStatus {
                                    name: "Demo sensor".into(),
                                    state,
                                    speed: d.pace_speed(),
                                }));
                            };
                            status(SensorState::Streaming);
                            pacer::play(wearer, &d, endless, &stop_d, |paced| match paced {
                                Paced::Samples(parts) => {
                                    for (placement, samples) in &parts {
                                        let i = usize::from(*placement == Placement::Back);
                                        counts[i].fetch_add(
                                            samples.len() as u64,
                                            std::sync::atomic::Ordering::Relaxed,
                                        );
                                    }
                                    tx.send(PostureMsg::Samples(parts)).is_ok()
                                }
                                Paced::Done => {
                                    let _ = tx.send(PostureMsg::SourceDone);
                                    status(SensorState::Finished);
                                    false
                                }
                            });
                        })?,
                );
            }
            None if opts.ble.is_some() => {}
            None => ui.send(UiEvent::Sensor(SensorStatus {
                name: "No sensor".into(),
                state: SensorState::NoSensor,
                speed: None,
            })),
        }

        let phone_channel = phone_link::phone_channel();
        let live_phone = opts.ble.is_some() && opts.demo.is_none();
        let ble = match &opts.ble {
            Some(clock) => Some(spawn_ble(
                opts,
                clock,
                paired,
                BleLinks {
                    writes: writer.sender(),
                    newest_stored_s,
                    posture_tx: posture_tx.clone(),
                    phone: live_phone.then(|| phone_channel.0.clone()),
                },
                &ui,
            )?),
            None => None,
        };

        let phone = match &opts.ble {
            Some(clock) if live_phone => Some(phone_link::PhoneLink::spawn(
                phone_link::PhoneLinks {
                    reader: Store::open(&opts.db)?,
                    writes: writer.sender(),
                    posture_tx: posture_tx.clone(),
                    ble: ble.as_ref().map(Ble::commands),
                    ui: ui.clone(),
                    clock: clock.clone(),
                    addr: store_settings_addr,
                },
                phone,
                phone_channel,
            )?),
            _ => None,
        };

        let session_tx = Arc::new(std::sync::Mutex::new(Some(posture_tx.clone())));
        if opts.desktop_session {
            watch_session(&session_tx, ble.as_ref());
        }

        Ok(Self {
            events,
            session_tx,
            notices,
            ble,
            posture_tx: Some(posture_tx),
            chart_tx: Some(chart_tx),
            ui,
            db: opts.db.clone(),
            config: opts.config,
            stop,
            threads,
            writer: Some(writer),
            demo: opts.demo.is_some(),
            demo_samples,
            phone,
            desk_switch,
            _lock: lock,
        })
    }

    /// A one-off desktop notification (no buttons, not a reminder).
    pub fn notice(&self, text: &str) {
        if let Some(n) = &self.notices {
            n.notice(text);
        }
    }

    /// The next event, if one is waiting. Never blocks.
    pub fn try_recv(&self) -> Option<UiEvent> {
        self.events.try_recv()
    }

    /// Waits up to `timeout` for the next event (headless use; the UI
    /// never waits).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<UiEvent> {
        self.events.recv_timeout(timeout)
    }

    /// Sends a command; false if the engine is busy or gone.
    pub fn send(&self, cmd: Command) -> bool {
        if let (Command::Settings(s), Some(p)) = (&cmd, &self.phone) {
            // The phone's listener moves with its port and address.
            p.send(protocol::PhoneRequest::Listen(s.phone_addr()));
        }
        self.posture_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(PostureMsg::Command(cmd)).is_ok())
    }

    /// Sends a Bluetooth command; false without Bluetooth or when busy.
    pub(crate) fn send_ble(&self, cmd: BleCommand) -> bool {
        self.ble.as_ref().is_some_and(|b| b.send(cmd))
    }

    /// Stops the Bluetooth links now (they hand on what they hold); their
    /// last events stay queued for `try_recv`.
    pub fn stop_ble(&mut self) {
        if let Some(mut b) = self.ble.take() {
            b.shutdown();
        }
    }

    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// The database this engine records into (its settings live there).
    pub fn db(&self) -> &std::path::Path {
        &self.db
    }

    /// Samples the demo sensor has sent so far, per placement.
    pub fn demo_samples(&self) -> [(Placement, u64); 2] {
        let n = |i: usize| self.demo_samples[i].load(std::sync::atomic::Ordering::Relaxed);
        [(Placement::Thigh, n(0)), (Placement::Back, n(1))]
    }

    pub(crate) fn has_ble(&self) -> bool {
        self.ble.is_some()
    }

    /// Whether a phone can be paired in this run (live sensors, no demo).
    pub(crate) fn has_phone(&self) -> bool {
        self.phone.is_some()
    }

    /// Asks the phone's coordinator; false without one or when busy.
    pub(crate) fn send_phone(&self, r: protocol::PhoneRequest) -> bool {
        self.phone.as_ref().is_some_and(|p| p.send(r))
    }

    /// Asks for a day report and chart; false if a request is already queued
    /// deep enough (try again next frame).
    pub(crate) fn request_day(&self, req: ChartRequest) -> bool {
        self.chart_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(ChartJob::Today(req)).is_ok())
    }

    /// Asks for a History chart; false if the queue is full (try later).
    pub(crate) fn request_chart(&self, req: ChartRequest) -> bool {
        self.chart_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(ChartJob::Chart(req)).is_ok())
    }

    /// Asks for the days with data of a month; false if the queue is full.
    pub(crate) fn request_dates(&self, req: DatesRequest) -> bool {
        self.chart_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(ChartJob::Dates(req)).is_ok())
    }

    /// Asks for a History summary row; false if the queue is full.
    pub(crate) fn request_summary(&self, req: SummaryRequest) -> bool {
        self.chart_tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(ChartJob::Summary(req)).is_ok())
    }

    /// Imports a recording on its own thread, into this engine's writer;
    /// progress and the outcome arrive as `UiEvent::ImportProgress` and
    /// `UiEvent::Imported`.
    pub fn import(&self, job: import::ImportJob) {
        let (ui, config) = (self.ui.clone(), self.config);
        let Some(writer) = self.writer.as_ref().map(StoreWriter::sender) else {
            self.ui
                .send(UiEvent::Imported(Err("the database is not open".into())));
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("sitless-import".into())
            .spawn(move || {
                // The window's bar moves at most every 2 %.
                let mut shown = 0.0;
                let result = import::import_recording(&job, &config, writer, &mut |f| {
                    if f - shown >= 0.02 {
                        shown = f;
                        ui.send(UiEvent::ImportProgress(f as f32));
                    }
                })
                .map(|done| {
                    let day = crate::domain::days::local_date(done.plan.first_ms.div_euclid(1000));
                    (import::imported_words(&done), day)
                })
                .map_err(|e| e.to_string());
                ui.send(UiEvent::Imported(result));
            });
        if let Err(e) = spawned {
            self.ui.send(UiEvent::Imported(Err(format!(
                "could not start the import: {e}"
            ))));
        }
    }

    /// Asks the desktop's file chooser; the answer arrives as
    /// `UiEvent::FileChosen`.
    pub(crate) fn choose_file(&self, purpose: FilePurpose, ask: crate::desktop::portal::FileAsk) {
        chooser::spawn(&self.ui, purpose, ask);
    }

    /// Writes an export on its own thread (a year of seconds takes a
    /// while); the result arrives as `UiEvent::Exported`. The file appears
    /// only when complete.
    pub fn export(&self, what: ExportKind, first: NaiveDate, last: NaiveDate, path: PathBuf) {
        let (db, ui, config) = (self.db.clone(), self.ui.clone(), self.config);
        let spawned = std::thread::Builder::new()
            .name("sitless-export".into())
            .spawn(move || {
                // The window shows how far it is, at most every 2 %.
                let mut shown = 0.0;
                let mut progress = |f: f64| {
                    if f - shown >= 0.02 {
                        shown = f;
                        ui.send(UiEvent::ExportProgress(f as f32));
                    }
                };
                let result = crate::transfer::file::export_file(
                    &db,
                    what,
                    first,
                    last,
                    &config,
                    &path,
                    &mut progress,
                )
                .map(|w| {
                    let words = what.count_words(w.value);
                    let words = if w.replaced {
                        format!("{words}, replacing the file that was there,")
                    } else {
                        words
                    };
                    (path, words)
                })
                .map_err(|e| crate::domain::error_words::error_words(&e));
                ui.send(UiEvent::Exported(result));
            });
        if let Err(e) = spawned {
            self.ui.send(UiEvent::Exported(Err(format!(
                "could not start the export: {e}"
            ))));
        }
    }
}

impl Engine {
    /// Stops every worker in order and waits for the writer's last commit;
    /// an error if the writer had died (the window's shell calls this on
    /// its stop thread, `record` before it exits).
    /// A second call does nothing.
    pub fn stop(&mut self) -> Result<(), StopError> {
        let stats = self.stop_workers().unwrap_or(Ok(WriterStats::default()))?;
        // "Stopped" must not read as "saved" when the database refused
        // rows (a full disk): the count reaches whoever stopped it.
        if stats.rows_dropped > 0 {
            return Err(StopError::NotSaved {
                seconds: stats.rows_dropped,
            });
        }
        Ok(())
    }

    fn stop_workers(&mut self) -> Option<Result<WriterStats, WriterPanicked>> {
        // First the links and the phone: they hand on what they hold to
        // the posture thread, which then settles everything into the writer.
        if let Some(mut b) = self.ble.take() {
            b.shutdown();
        }
        drop(self.phone.take());
        if let Some(s) = self.desk_switch.take() {
            s.stop();
        }
        self.stop.store(true, Ordering::Relaxed);
        self.posture_tx = None;
        *self
            .session_tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.chart_tx = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // Last: the writer commits what the posture thread handed it.
        let result = self.writer.take().map(StoreWriter::finish);
        if let Some(Err(e)) = &result {
            tracing::error!("{e}");
        }
        result
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.stop_workers();
    }
}

/// The session's lock holds reminders; waking from sleep reconnects the
/// sensors at once (the profile's history fills the gap).
type SessionSender = Arc<std::sync::Mutex<Option<SyncSender<PostureMsg>>>>;

fn watch_session(posture: &SessionSender, ble: Option<&Ble>) {
    let posture = posture.clone();
    let ble = ble.map(Ble::commands);
    crate::desktop::session::watch(move |e| {
        use crate::desktop::session::SessionEvent;
        match e {
            SessionEvent::Locked(locked) => {
                tracing::info!("screen {}", if locked { "locked" } else { "unlocked" });
                // Blocking a moment is fine on the watcher's own thread;
                // a lost lock change would hold reminders for ever.
                let tx = posture
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                if let Some(tx) = tx {
                    let _ = tx.send(PostureMsg::Command(Command::ScreenLocked(locked)));
                }
            }
            SessionEvent::Sleeping(going) => {
                tracing::info!(
                    "{}",
                    if going {
                        "going to sleep"
                    } else {
                        "woke from sleep"
                    }
                );
                if !going && let Some(b) = &ble {
                    let _ = b.try_send(BleCommand::Woke);
                }
            }
        }
    });
}

/// How far ahead of the clock a stored second may be for the demo to go on
/// from it: at high speed it runs days ahead, never months.
const DEMO_AHEAD_S: i64 = 30 * 86_400;

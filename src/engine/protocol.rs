//! Every message between the window and the workers: events to the UI,
//! commands from it, and the requests for charts and figures.

use crate::charts::{Chart, ChartKind, ChartTheme};
use crate::domain::figures::{DayFigures, Period, Summary};
use crate::domain::posture::Posture;
use crate::domain::reminder::ReminderDue;
use crate::domain::sample::{Placement, RawSample};
use crate::domain::session::RoutineSession;
use crate::domain::settings::Settings;
use crate::domain::streak::Streak;
use crate::sources::ble::BleEvent;
use crate::sources::ble::ForPipeline;
use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the window is told about desk time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeskTimeStatus {
    /// Counting, from this source ("GNOME's idle monitor", "the X server"…).
    Counting(&'static str),
    /// Not counted: a sensor or phone is paired, or the setting is off.
    Off,
    /// No source answers in this session (each one tried, and why).
    Unavailable(String),
}

/// Which dialog a file is chosen for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilePurpose {
    Export,
    Import,
}

/// Wakes the UI (egui's `request_repaint`) after an event was sent.
pub(crate) type Waker = Arc<dyn Fn() + Send + Sync>;

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
    pub note: Option<crate::domain::posture::LiveNote>,
}

#[derive(Clone, Debug)]
pub struct DayView {
    pub date: NaiveDate,
    pub figures: DayFigures,
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
    Reminder(ReminderDue, Instant),
    /// The desktop notification for the reminder shown at `shown_at_s`
    /// went out, `latency` after its samples arrived.
    Notified {
        shown_at_s: i64,
        latency: Duration,
        /// The card has Start and Snooze buttons.
        buttons: bool,
    },
    /// Reminders are paused until this second (sensor time), or not.
    Paused(Option<i64>),
    /// The desktop's do-not-disturb is on (reminders show only in the
    /// window) or off again.
    DoNotDisturb(bool),
    /// A button on the reminder's desktop notification was clicked.
    NotificationAction {
        shown_at_s: i64,
        action: crate::engine::notify::Action,
    },
    /// The settings in force (at start and after a change).
    Settings(Settings),
    /// The streak a recommendation was about is over (a break was taken).
    StreakEnded(Streak),
    /// At start: the newest second the database already holds (History
    /// opens on its day; a database with data is no first run).
    Stored {
        newest_s: Option<i64>,
    },
    /// New data is in the database; newer charts can be drawn.
    Committed {
        newest_s: Option<i64>,
    },
    Day(Box<DayView>),
    /// A chart, drawn (or why not): Today's timeline or a History chart.
    Chart(ChartRequest, Result<Box<Chart>, String>),
    /// The paired phone's listener: pushes, battery, refusals.
    Phone(Box<crate::sources::phone::run::PhoneStatus>),
    /// The phone was paired (its URL), forgotten, or could not be.
    PhoneLink(PhoneLinkEvent),
    /// Whether desk time is counted, from what, or why not.
    DeskTime(DeskTimeStatus),
    /// The desktop's file chooser answered: a file, cancelled (`None`), or
    /// why it could not be asked.
    FileChosen {
        purpose: FilePurpose,
        result: Result<Option<PathBuf>, String>,
    },
    /// A History summary row.
    Summary(Box<SummaryView>),
    /// The days of a month with data, for the calendar.
    DataDates(DatesRequest, Vec<NaiveDate>),
    /// An export finished: the file and its rows, or what went wrong.
    Exported(Result<(PathBuf, String), String>),
    /// How far an export is (0–1).
    ExportProgress(f32),
    /// How far an import from the window is (0–1), and its outcome.
    ImportProgress(f32),
    /// The outcome in words and the first day imported, or why not.
    Imported(Result<(String, NaiveDate), String>),
    /// An import was cut short in an earlier run (the words say which and
    /// what to do); gone when an import completes.
    UnfinishedImport(String),
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

/// What the phone's coordinator is asked (the Sensors view, Settings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneRequest {
    /// Pair the phone under this name: to push to Sitless (a new secret),
    /// or, with the address phyphox shows, to be asked by Sitless.
    Pair {
        name: String,
        phyphox: Option<String>,
    },
    Forget,
    /// Listen here from now on (Settings changed the port or address).
    Listen(std::net::SocketAddr),
}

/// The phone's pairing, as the coordinator reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneLinkEvent {
    /// Paired (at start, or just now): the URL to type into the phone's
    /// app, with its secret; or (`phyphox`) the phyphox address asked.
    Paired {
        name: String,
        url: String,
        phyphox: bool,
    },
    Forgotten,
    Failed(String),
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
    /// A routine is playing (no reminder meanwhile) or not.
    RoutinePlaying(bool),
    /// The screen was locked or unlocked (reminders wait for the unlock).
    ScreenLocked(bool),
    /// Pause reminders (`Some`) from the tray, or resume them (`None`).
    PauseReminders(Option<crate::desktop::Pause>),
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

/// A chart of Today or History: kind, the period's date, pixel size,
/// theme, text scale and data version; also the key of the UI's texture
/// cache (`ui::chart_slots`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChartRequest {
    pub kind: ChartKind,
    /// Any date of the period (normalised by the worker).
    pub date: NaiveDate,
    pub width_px: u32,
    pub height_px: u32,
    pub theme: ChartTheme,
    /// Pixels per point × 100 (labels scale with it).
    pub scale_centi: u32,
    /// The Day timeline over all 24 hours instead of the worn hours.
    pub whole_day: bool,
    pub data_version: u64,
}

impl ChartRequest {
    /// Same chart, whatever the size and data version: a newer request
    /// with the same slot replaces an older one still queued.
    pub(crate) fn slot(&self) -> (ChartKind, NaiveDate, ChartTheme) {
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
}

/// The days with data of the month starting `month`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DatesRequest {
    pub month: NaiveDate,
    pub data_version: u64,
}

pub(crate) enum ChartJob {
    /// Today's figures and routines, and its timeline.
    Today(ChartRequest),
    Dates(DatesRequest),
    Chart(ChartRequest),
    Summary(SummaryRequest),
}

pub(crate) enum PostureMsg {
    Samples(Vec<(Placement, Vec<RawSample>)>),
    /// From the Bluetooth thread: samples, or the paired sensors changed
    /// (the posture thread reads their calibrations).
    Ble(ForPipeline),
    Command(Command),
    /// The phone was paired (its input) or forgotten.
    Phone(Option<crate::pipeline::SensorInput>),
    /// Desk time: the seconds at the computer, everything up to `now_s`
    /// looked at (taken only while nothing else feeds the pipeline).
    Desk {
        at_desk_s: Vec<i64>,
        now_s: i64,
    },
    SourceDone,
}

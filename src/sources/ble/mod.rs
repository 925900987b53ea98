//! Real sensors over Bluetooth LE (btleplug; `BlueZ` on Linux).
//!
//! ```text
//! sitless-ble (tokio, one task per paired sensor)
//!   central: adapter state, scan list, pair / forget / rename
//!   link:    find → connect → set up (per model) → stream → back off → …
//!        └── SampleBatch ──▶ sitless-posture (engine)
//!   device rows: asked of the one writer (`WriteOp::Device`), answered
//! ```
//!
//! Only sensors the user paired are ever connected automatically, matched
//! by Bluetooth address; a device that only copies a paired sensor's name is
//! listed as a look-alike and never used.

pub mod central;
pub mod decode;
pub(crate) mod gatt;
mod link;
pub mod model;
pub mod pmd;
pub mod stamp;
mod stream;

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::sync::mpsc::{SyncSender, TrySendError};

use tokio::sync::oneshot;

use crate::domain::sample::{Placement, RawSample};
use crate::store::device_write::{DeviceChange, DeviceReply, DeviceWrite};
use crate::store::devices::DeviceRow;
use crate::store::writer::WriteOp;
pub use model::SensorModel;
pub use stamp::LinkStats;

/// The clock the BLE code stamps with: Unix milliseconds. Injected so
/// tests can hold it still.
pub(crate) type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

/// A paired sensor, as the links use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairedSensor {
    pub device_id: i64,
    /// Bluetooth address, `AA:BB:CC:DD:EE:FF`: the sensor's identity.
    pub address: String,
    pub model: SensorModel,
    pub name: String,
    pub placement: Placement,
    /// Sitless profile: the first sequence number not yet received.
    pub next_seq: Option<u32>,
}

/// A sensor seen in a scan.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Seen {
    pub address: String,
    pub name: Option<String>,
    pub model: SensorModel,
    pub rssi_dbm: Option<i16>,
    pub battery_pct: Option<u8>,
    /// This very sensor is paired.
    pub paired: bool,
    /// It carries the name of a paired sensor but is a different device.
    pub lookalike: bool,
}

/// Whether Bluetooth can be used at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdapterStatus {
    Starting,
    Ready {
        name: String,
    },
    /// In plain words: "Bluetooth is off", "no Bluetooth adapter found", …
    Unavailable(String),
}

/// The state of one paired sensor's link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Waiting for the sensor to show up in a scan.
    Searching,
    Connecting,
    /// Fetching what the sensor recorded while the app was away.
    FetchingHistory,
    Streaming,
    Reconnecting {
        in_s: u32,
        reason: String,
    },
    Failed(String),
}

impl std::fmt::Display for LinkState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Searching => f.write_str("searching"),
            Self::Connecting => f.write_str("connecting"),
            Self::FetchingHistory => f.write_str("fetching stored data"),
            Self::Streaming => f.write_str("streaming"),
            Self::Reconnecting { in_s, reason } => {
                write!(f, "reconnecting in {in_s} s ({reason})")
            }
            Self::Failed(reason) => write!(f, "failed: {reason}"),
        }
    }
}

#[derive(Clone, Debug)]
pub enum BleEvent {
    Adapter(AdapterStatus),
    Scanning(bool),
    /// The whole scan list, whenever it changes.
    Seen(Vec<Seen>),
    Link {
        address: String,
        state: LinkState,
    },
    Stats {
        address: String,
        stats: LinkStats,
    },
    Battery {
        address: String,
        pct: u8,
    },
    /// The paired set changed (pair, forget, rename).
    Paired(Vec<PairedSensor>),
    /// A command failed; the reason is for the user.
    Failed {
        address: Option<String>,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BleCommand {
    StartScan,
    StopScan,
    Pair {
        address: String,
        placement: Placement,
    },
    Forget {
        address: String,
    },
    Rename {
        address: String,
        name: String,
    },
    /// Tells a Sitless-profile sensor which calibration pose the wearer
    /// holds (1 standing, 2 sitting, 0 done), so its firmware can cue them.
    CuePose {
        address: String,
        pose: u8,
    },
    /// The machine woke from sleep: reconnect now, not after the backoff.
    Woke,
    /// The paired rows changed elsewhere (the phone was paired, which
    /// forgets a thigh sensor, or forgotten): these are the rows now.
    PairedChanged(Vec<crate::store::devices::DeviceRow>),
}

/// A batch of samples from one sensor, in time order, de-duplicated.
#[derive(Clone, Debug)]
pub struct SampleBatch {
    pub device_id: i64,
    pub placement: Placement,
    pub samples: Vec<RawSample>,
}

/// What the Bluetooth thread hands the pipeline.
#[derive(Clone, Debug)]
pub enum ForPipeline {
    Samples(SampleBatch),
    /// The paired sensors changed: the pipeline's inputs follow.
    Sensors(Vec<PairedSensor>),
}

/// Where the pipeline's messages go: a message given back (`Some`) found
/// the receiver full and is offered again later, so the runtime never
/// blocks on the pipeline and nothing is dropped. `None`: taken (or nobody
/// is listening any more).
pub(crate) type PipelineSink = Arc<dyn Fn(ForPipeline) -> Option<ForPipeline> + Send + Sync>;

impl PairedSensor {
    /// The paired sensors among stored device rows (a row of a model this
    /// version does not know is skipped).
    pub(crate) fn from_rows(rows: Vec<DeviceRow>) -> Vec<Self> {
        rows.into_iter()
            .filter_map(|r| {
                Some(Self {
                    device_id: r.id,
                    model: SensorModel::parse(&r.model)?,
                    address: r.address,
                    name: r.name,
                    placement: r.placement,
                    next_seq: r.next_seq,
                })
            })
            .collect()
    }
}

/// What every link shares with the central.
pub(crate) struct Shared {
    pub sink: Arc<dyn Fn(BleEvent) + Send + Sync>,
    pub pipeline: PipelineSink,
    pub clock: Clock,
    /// The one writer, for device rows; `None` for commands that only
    /// look (`scan`), which then cannot pair.
    pub writes: Option<SyncSender<WriteOp>>,
    /// The newest stored second (`i64::MIN`: none), kept current by whoever
    /// owns the writer: stamps of arrival-stamped sensors never go below it.
    pub newest_stored_s: Arc<AtomicI64>,
    /// Links waiting for their sensor to appear: discovery stays on.
    pub searching: std::sync::atomic::AtomicUsize,
    /// Bumped when the machine wakes from sleep: links waiting out a
    /// backoff try again at once.
    pub woke: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    /// Tells the UI and the pipeline which sensors are paired now.
    pub(crate) async fn announce_paired(&self, paired: &[PairedSensor]) {
        (self.sink)(BleEvent::Paired(paired.to_vec()));
        let mut msg = ForPipeline::Sensors(paired.to_vec());
        while let Some(back) = (self.pipeline)(msg) {
            msg = back;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Asks the writer for a device change and waits, without blocking the
    /// runtime, for its answer.
    pub(crate) async fn change_devices(
        &self,
        make: impl FnOnce(DeviceReply) -> DeviceWrite,
    ) -> Result<DeviceChange, String> {
        let (reply, answer) = oneshot::channel();
        self.write(WriteOp::Device(make(reply))).await?;
        answer
            .await
            .map_err(|_| WRITER_GONE.to_owned())?
            .map_err(|e| e.to_string())
    }

    /// Hands `op` to the writer, waiting (asynchronously) while its queue
    /// is full.
    pub(crate) async fn write(&self, mut op: WriteOp) -> Result<(), String> {
        let tx = self
            .writes
            .as_ref()
            .ok_or("this command only looks; it does not change the paired sensors")?;
        loop {
            match tx.try_send(op) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(back)) => {
                    op = back;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Err(TrySendError::Disconnected(_)) => return Err(WRITER_GONE.to_owned()),
            }
        }
    }
}

const WRITER_GONE: &str = "the database writer has stopped";

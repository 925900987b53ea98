//! Real sensors over Bluetooth LE (btleplug; `BlueZ` on Linux).
//!
//! ```text
//! sitless-ble (tokio, one task per paired sensor)
//!   central: adapter state, scan list, pair / forget / rename
//!   link:    find → connect → set up (per model) → stream → back off → …
//!        └── BleEvent::Samples ──▶ sitless-posture (engine) or `record`
//! ```
//!
//! Only sensors the user paired are ever connected automatically, matched
//! by Bluetooth address; a device that only copies a paired sensor's name is
//! listed as a look-alike and never used.

pub mod central;
mod link;
pub mod model;
pub mod stamp;
mod stream;

use std::sync::Arc;

use crate::domain::sample::{Placement, RawSample};
pub use model::SensorModel;
pub use stamp::LinkStats;

/// The clock the BLE code stamps with: Unix milliseconds. Injected so
/// tests can hold it still.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

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
    /// Samples in time order, already de-duplicated.
    Samples {
        device_id: i64,
        placement: Placement,
        samples: Vec<RawSample>,
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
}

/// What every link shares with the central.
pub(crate) struct Shared {
    pub sink: Arc<dyn Fn(BleEvent) + Send + Sync>,
    pub clock: Clock,
    pub store: std::sync::Mutex<crate::store::Store>,
    /// Links waiting for their sensor to appear: discovery stays on.
    pub searching: std::sync::atomic::AtomicUsize,
}

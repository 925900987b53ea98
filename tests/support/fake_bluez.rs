//! A fake `BlueZ` for tests: the `org.bluez` objects `btleplug` (through
//! `bluez-async`) talks to, on a private D-Bus, with simulated sensors whose
//! "firmware" runs on a thread: the Sitless profile (with history), a
//! micro:bit and a Thingy:52. Tests drive it: sensors come into range, links
//! drop, malformed packets are sent.
//!
//! The sensor's clock runs `speed` times faster than real time, so a minute
//! of data takes seconds. Its firmware therefore adopts Set time only while
//! its clock is unset (a set clock would be pulled back by the host); the
//! profile allows a firmware to keep a clock it trusts.

#![allow(dead_code, clippy::unused_self, clippy::used_underscore_binding)]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sitless::sources::ble::decode as model;
use sitless::sources::ble::model::polar::HEART_RATE_SERVICE;
use sitless::sources::ble::model::{microbit, sitless as profile, thingy};
use sitless::sources::ble::pmd::codec as polar;
use uuid::Uuid;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedObjectPath, OwnedValue};

pub(crate) const ADAPTER_PATH: &str = "/org/bluez/hci0";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Sitless,
    MicroBit,
    Thingy,
    /// Polar H10: PMD, raw 16-bit frames in mG, 25–200 Hz.
    PolarH10,
    /// Polar Verity Sense: PMD, delta-compressed frames × 0.25 mG, 52 Hz;
    /// it keeps its stream running across a dropped link.
    VeritySense,
}

impl Kind {
    fn is_polar(self) -> bool {
        matches!(self, Self::PolarH10 | Self::VeritySense)
    }
}

/// The Verity Sense's counts per mG (its factor is 0.25 mG a count).
const VERITY_FACTOR: f32 = 0.25;
/// The sensors' default clocks after power-up, ns since 2000-01-01:
/// 2019-01-01 for the H10, 2017-01-01T10:00 for the Verity Sense.
const H10_DEFAULT_NS: u64 = 599_616_000_000_000_000;
const VERITY_DEFAULT_NS: u64 = 536_580_000_000_000_000;

#[derive(Clone, Debug)]
pub(crate) struct SensorSpec {
    pub kind: Kind,
    pub address: String,
    pub name: String,
    pub battery_pct: u8,
    /// Sensor seconds per real second.
    pub speed: f64,
}

impl SensorSpec {
    pub(crate) fn new(kind: Kind, address: &str, name: &str) -> Self {
        Self {
            kind,
            address: address.into(),
            name: name.into(),
            battery_pct: 77,
            speed: 1.0,
        }
    }

    pub(crate) fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }
}

#[derive(zbus::DBusError, Debug)]
#[zbus(prefix = "org.bluez.Error")]
pub(crate) enum BluezError {
    #[zbus(error)]
    ZBus(zbus::Error),
    Failed(String),
    NotConnected(String),
    NotReady(String),
    InvalidValueLength(String),
}

/// The wearer: sits 40 s, stands 20 s, again and again. Milli-g in the
/// sensor's axes for a thigh sensor (x along the thigh).
pub(crate) fn wearer_mg(t_ms: u64) -> [i16; 3] {
    if (t_ms / 1000) % 60 < 40 {
        [30, -20, 1000]
    } else {
        [1000, 20, -30]
    }
}

/// What the tests can read back about a sensor.
#[derive(Debug, Default, Clone)]
pub(crate) struct SensorLog {
    pub connects: u32,
    pub history_requests: Vec<u32>,
    pub zero_period_written: bool,
    pub period_writes: Vec<u16>,
    pub poses: Vec<u8>,
    /// Samples generated so far and the sequence number of the last one sent live.
    pub generated: u64,
    /// Sensor time (ms since power-up) of the first sample sent to the app.
    pub first_sent_ms: Option<u64>,
    pub last_sent_ms: Option<u64>,
    /// PMD control point requests, by op code.
    pub pmd_ops: Vec<u8>,
}

#[allow(
    clippy::struct_excessive_bools,
    reason = "a fake device's independent flags"
)]
struct Sensor {
    spec: SensorSpec,
    path: String,
    in_range: bool,
    away_until: Option<Instant>,
    /// Not advertising (a sensor back in range that the central must try
    /// on its own, as after the laptop's sleep).
    silent: bool,
    connected: bool,
    resolved: bool,
    notifying: HashSet<Uuid>,
    rssi: i16,
    /// Sensor clock.
    period_ms: u16,
    thingy_config: Vec<u8>,
    /// (sample index at which the clock was set, device centiseconds then)
    clock_set: Option<(u64, u32)>,
    history: VecDeque<(u32, Option<u32>, [i16; 3])>,
    history_request: Option<u32>,
    /// A pose held instead of the wearer's routine (the wizard test).
    pose_mg: Option<[i16; 3]>,
    /// What the Sitless Sampling characteristic answers instead of the truth
    /// (broken firmware).
    reported_period_ms: Option<u16>,
    live_out: Vec<(u32, Option<u32>, [i16; 3])>,
    /// PMD: the accelerometer stream's rate while started.
    pmd_rate: Option<u16>,
    /// PMD control point indications waiting to go out.
    pmd_out: Vec<Vec<u8>>,
    /// PMD: samples waiting for their frame, and the first one's index.
    pmd_frame: Vec<[i16; 3]>,
    log: SensorLog,
}

type Shared = Arc<Mutex<BTreeMap<String, Sensor>>>;

fn lock(s: &Shared) -> MutexGuard<'_, BTreeMap<String, Sensor>> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct AdapterIface {
    powered: bool,
    discovering: bool,
    fake: Arc<Inner>,
}

#[zbus::interface(name = "org.bluez.Adapter1")]
impl AdapterIface {
    async fn start_discovery(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), BluezError> {
        if !self.powered {
            return Err(BluezError::NotReady("Resource Not Ready".into()));
        }
        self.discovering = true;
        self.fake.discovering.store(true, Ordering::Relaxed);
        self.discovering_changed(&emitter).await?;
        Ok(())
    }

    async fn stop_discovery(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), BluezError> {
        self.discovering = false;
        self.fake.discovering.store(false, Ordering::Relaxed);
        self.discovering_changed(&emitter).await?;
        Ok(())
    }

    fn set_discovery_filter(&self, _filter: HashMap<String, OwnedValue>) {}

    fn get_discovery_filters(&self) -> Vec<String> {
        vec![
            "UUIDs".into(),
            "RSSI".into(),
            "Transport".into(),
            "DuplicateData".into(),
        ]
    }

    fn remove_device(&self, _device: OwnedObjectPath) {}

    #[zbus(property)]
    fn address(&self) -> String {
        "00:1A:7D:DA:71:13".into()
    }
    #[zbus(property)]
    fn address_type(&self) -> String {
        "public".into()
    }
    #[zbus(property)]
    fn name(&self) -> String {
        "fake-hci0".into()
    }
    #[zbus(property)]
    fn alias(&self) -> String {
        "Fake adapter".into()
    }
    #[zbus(property)]
    fn modalias(&self) -> String {
        "usb:v1D6Bp0246d0548".into()
    }
    #[zbus(property)]
    fn powered(&self) -> bool {
        self.powered
    }
    #[zbus(property)]
    fn set_powered(&mut self, on: bool) {
        self.powered = on;
    }
    #[zbus(property)]
    fn discovering(&self) -> bool {
        self.discovering
    }
    #[zbus(property)]
    fn discoverable(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn pairable(&self) -> bool {
        true
    }
    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        Vec::new()
    }
}

struct DeviceIface {
    address: String,
    fake: Arc<Inner>,
}

impl DeviceIface {
    fn with<T>(&self, f: impl FnOnce(&mut Sensor) -> T) -> T {
        let mut all = lock(&self.fake.sensors);
        let s = all.get_mut(&self.address).expect("sensor exists");
        f(s)
    }
}

#[zbus::interface(name = "org.bluez.Device1")]
impl DeviceIface {
    async fn connect(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), BluezError> {
        let ok = self.with(|s| {
            if s.in_range && !s.connected {
                s.connected = true;
                s.resolved = true;
                s.log.connects += 1;
            }
            s.in_range
        });
        if !ok {
            // What BlueZ says when the device does not answer.
            async_io_sleep(Duration::from_millis(200)).await;
            return Err(BluezError::Failed("le-connection-abort-by-local".into()));
        }
        self.connected_changed(&emitter).await?;
        self.services_resolved_changed(&emitter).await?;
        Ok(())
    }

    async fn disconnect(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), BluezError> {
        self.with(|s| {
            s.connected = false;
            s.resolved = false;
            s.notifying.clear();
        });
        self.connected_changed(&emitter).await?;
        self.services_resolved_changed(&emitter).await?;
        Ok(())
    }

    fn pair(&self) {}
    fn cancel_pairing(&self) {}

    #[zbus(property)]
    fn address(&self) -> String {
        self.address.clone()
    }
    #[zbus(property)]
    fn address_type(&self) -> String {
        "random".into()
    }
    #[zbus(property)]
    fn name(&self) -> String {
        self.with(|s| s.spec.name.clone())
    }
    #[zbus(property)]
    fn alias(&self) -> String {
        self.with(|s| s.spec.name.clone())
    }
    #[zbus(property)]
    fn adapter(&self) -> OwnedObjectPath {
        OwnedObjectPath::try_from(ADAPTER_PATH).expect("valid path")
    }
    #[zbus(property)]
    fn paired(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn connected(&self) -> bool {
        self.with(|s| s.connected)
    }
    #[zbus(property)]
    fn services_resolved(&self) -> bool {
        self.with(|s| s.resolved)
    }
    #[zbus(property)]
    fn trusted(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn blocked(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn legacy_pairing(&self) -> bool {
        false
    }
    #[zbus(property, name = "RSSI")]
    fn rssi(&self) -> i16 {
        self.with(|s| s.rssi)
    }
    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        self.with(|s| match s.spec.kind {
            Kind::Sitless => vec![
                profile::SERVICE.to_string(),
                model::BATTERY_SERVICE.to_string(),
            ],
            Kind::Thingy => vec![thingy::ADVERTISED_SERVICE.to_string()],
            Kind::PolarH10 | Kind::VeritySense => vec![HEART_RATE_SERVICE.to_string()],
            // The micro:bit advertises no service.
            Kind::MicroBit => Vec::new(),
        })
    }
}

struct ServiceIface {
    uuid: Uuid,
    device: String,
}

#[zbus::interface(name = "org.bluez.GattService1")]
impl ServiceIface {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.uuid.to_string()
    }
    #[zbus(property)]
    fn primary(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn device(&self) -> OwnedObjectPath {
        OwnedObjectPath::try_from(self.device.as_str()).expect("valid path")
    }
}

struct CharIface {
    address: String,
    uuid: Uuid,
    service: String,
    flags: Vec<String>,
    value: Vec<u8>,
    fake: Arc<Inner>,
}

impl CharIface {
    /// What the sensor answers to a read of this characteristic.
    fn read_now(&self) -> Result<Vec<u8>, BluezError> {
        let mut all = lock(&self.fake.sensors);
        let s = all.get_mut(&self.address).expect("sensor exists");
        if !s.connected {
            return Err(BluezError::NotConnected("Not Connected".into()));
        }
        let u = self.uuid;
        Ok(if u == model::BATTERY_LEVEL {
            vec![s.spec.battery_pct]
        } else if u == profile::SAMPLING {
            s.reported_period_ms
                .unwrap_or(s.period_ms)
                .to_le_bytes()
                .to_vec()
        } else if u == microbit::PERIOD {
            s.period_ms.to_le_bytes().to_vec()
        } else if u == thingy::MOTION_CONFIG {
            s.thingy_config.clone()
        } else if u == polar::PMD_CONTROL {
            // Features (ECG and accelerometer), padded to the 17 bytes an
            // H10 answers.
            let mut v = vec![polar::FEATURES, 0b0000_0101];
            v.resize(17, 0);
            v
        } else if u == model::MANUFACTURER_NAME {
            b"Sitless test fixture".to_vec()
        } else {
            self.value.clone()
        })
    }
}

#[zbus::interface(name = "org.bluez.GattCharacteristic1")]
impl CharIface {
    /// As `BlueZ`'s `chrc_read_cb` (`src/gatt-client.c`) does: the value read
    /// is stored in the attribute cache, which emits
    /// `PropertiesChanged(Value)` on the characteristic (notifying or not,
    /// before the method's reply); btleplug hands that signal out on its
    /// notification stream as if the sensor had notified it.
    async fn read_value(
        &mut self,
        _options: HashMap<String, OwnedValue>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<Vec<u8>, BluezError> {
        let value = self.read_now()?;
        self.value.clone_from(&value);
        self.value_changed(&emitter).await?;
        Ok(value)
    }

    fn write_value(
        &self,
        value: Vec<u8>,
        _options: HashMap<String, OwnedValue>,
    ) -> Result<(), BluezError> {
        let mut all = lock(&self.fake.sensors);
        let s = all.get_mut(&self.address).expect("sensor exists");
        if !s.connected {
            return Err(BluezError::NotConnected("Not Connected".into()));
        }
        let u = self.uuid;
        let bad = || BluezError::InvalidValueLength("Invalid Value Length".into());
        if u == profile::CONTROL {
            match value.as_slice() {
                [profile::op::SET_TIME, t @ ..] if t.len() == 4 => {
                    if s.clock_set.is_none() {
                        let cs = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                        s.clock_set = Some((s.log.generated, cs));
                    }
                }
                [profile::op::REQUEST_RECORDS, q @ ..] if q.len() == 4 => {
                    let from = u32::from_le_bytes([q[0], q[1], q[2], q[3]]);
                    s.history_request = Some(from);
                    s.log.history_requests.push(from);
                }
                [profile::op::CALIBRATE, pose] => s.log.poses.push(*pose),
                _ => return Err(bad()),
            }
        } else if u == microbit::PERIOD {
            let [a, b] = value.as_slice() else {
                return Err(bad());
            };
            let ms = u16::from_le_bytes([*a, *b]);
            s.log.period_writes.push(ms);
            if ms == 0 {
                s.log.zero_period_written = true;
                return Err(BluezError::Failed("period 0".into()));
            }
            // The board picks the nearest period it supports.
            s.period_ms = *[1u16, 2, 5, 10, 20, 80, 160, 640]
                .iter()
                .min_by_key(|p| p.abs_diff(ms))
                .unwrap_or(&20);
        } else if u == profile::SAMPLING {
            let [a, b] = value.as_slice() else {
                return Err(bad());
            };
            s.period_ms = u16::from_le_bytes([*a, *b]).clamp(10, 1000);
        } else if u == polar::PMD_CONTROL {
            pmd_request(s, &value)?;
        } else if u == thingy::MOTION_CONFIG {
            if value.len() != 9 {
                return Err(bad());
            }
            let hz = u16::from_le_bytes([value[6], value[7]]).clamp(5, 200);
            s.thingy_config = value;
            s.period_ms = 1000 / hz;
        }
        Ok(())
    }

    async fn start_notify(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), BluezError> {
        {
            let mut all = lock(&self.fake.sensors);
            let s = all.get_mut(&self.address).expect("sensor exists");
            s.notifying.insert(self.uuid);
        }
        self.notifying_changed(&emitter).await?;
        Ok(())
    }

    async fn stop_notify(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> Result<(), BluezError> {
        {
            let mut all = lock(&self.fake.sensors);
            let s = all.get_mut(&self.address).expect("sensor exists");
            s.notifying.remove(&self.uuid);
        }
        self.notifying_changed(&emitter).await?;
        Ok(())
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.uuid.to_string()
    }
    #[zbus(property)]
    fn service(&self) -> OwnedObjectPath {
        OwnedObjectPath::try_from(self.service.as_str()).expect("valid path")
    }
    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        self.flags.clone()
    }
    #[zbus(property)]
    fn notifying(&self) -> bool {
        lock(&self.fake.sensors)
            .get(&self.address)
            .is_some_and(|s| s.notifying.contains(&self.uuid))
    }
    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        self.value.clone()
    }
}

async fn async_io_sleep(d: Duration) {
    // zbus's own executor runs this: no tokio here.
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(d);
        let _ = tx.send(());
    });
    let _ = rx.await;
}

struct Inner {
    sensors: Shared,
    discovering: AtomicBool,
    stop: AtomicBool,
}

pub(crate) struct FakeBluez {
    conn: zbus::Connection,
    inner: Arc<Inner>,
    firmware: Option<std::thread::JoinHandle<()>>,
}

/// A service and its characteristics with their flags.
type GattService = (Uuid, Vec<(Uuid, &'static [&'static str])>);

/// The layout of one model's GATT table.
fn gatt(kind: Kind) -> Vec<GattService> {
    let battery = (
        model::BATTERY_SERVICE,
        vec![(model::BATTERY_LEVEL, &["read", "notify"][..])],
    );
    let info = (
        model::DEVICE_INFORMATION,
        vec![(model::MANUFACTURER_NAME, &["read"][..])],
    );
    match kind {
        Kind::Sitless => vec![
            (
                profile::SERVICE,
                vec![
                    (profile::SAMPLES, &["notify"][..]),
                    (profile::HISTORY, &["notify"][..]),
                    (profile::CONTROL, &["write"][..]),
                    (profile::SAMPLING, &["read", "write"][..]),
                ],
            ),
            battery,
            info,
        ],
        Kind::MicroBit => vec![(
            microbit::SERVICE,
            vec![
                (microbit::DATA, &["read", "notify"][..]),
                (microbit::PERIOD, &["read", "write"][..]),
            ],
        )],
        Kind::Thingy => vec![
            (
                thingy::MOTION_SERVICE,
                vec![
                    (thingy::MOTION_CONFIG, &["read", "write"][..]),
                    (thingy::RAW_DATA, &["notify"][..]),
                ],
            ),
            battery,
        ],
        Kind::PolarH10 | Kind::VeritySense => vec![
            (
                HEART_RATE_SERVICE,
                vec![(model::sig_uuid(0x2A37), &["notify"][..])],
            ),
            (
                polar::PMD_SERVICE,
                vec![
                    (polar::PMD_CONTROL, &["read", "write", "indicate"][..]),
                    (polar::PMD_DATA, &["notify"][..]),
                ],
            ),
            battery,
        ],
    }
}

/// A PMD control point request: answered by an indication (queued, sent
/// by the firmware loop).
fn pmd_request(s: &mut Sensor, value: &[u8]) -> Result<(), BluezError> {
    let [op, measurement, rest @ ..] = value else {
        return Err(BluezError::InvalidValueLength(
            "Invalid Value Length".into(),
        ));
    };
    s.log.pmd_ops.push(*op);
    let h10 = s.spec.kind == Kind::PolarH10;
    let mut answer = vec![polar::RESPONSE, *op, *measurement];
    if *measurement != polar::ACC {
        answer.push(2); // invalid measurement type
        s.pmd_out.push(answer);
        return Ok(());
    }
    match *op {
        polar::op::GET_SETTINGS => {
            answer.extend_from_slice(&[0, 0]);
            if h10 {
                answer.extend_from_slice(&[0, 4, 25, 0, 50, 0, 100, 0, 200, 0]);
                answer.extend_from_slice(&[1, 1, 16, 0, 2, 3, 2, 0, 4, 0, 8, 0]);
            } else {
                answer.extend_from_slice(&[0, 1, 52, 0, 1, 1, 16, 0, 2, 1, 8, 0, 4, 1, 3]);
            }
        }
        polar::op::START if s.pmd_rate.is_some() => answer.push(6), // already started
        polar::op::START => {
            let offered: &[u16] = if h10 { &[25, 50, 100, 200] } else { &[52] };
            let rate = match rest {
                [0, 1, lo, hi, ..] => u16::from_le_bytes([*lo, *hi]),
                _ => 0,
            };
            if !offered.contains(&rate) {
                answer.push(8); // invalid sample rate
                s.pmd_out.push(answer);
                return Ok(());
            }
            s.pmd_rate = Some(rate);
            s.pmd_frame.clear();
            answer.extend_from_slice(&[0, 0]);
            if !h10 {
                answer.extend_from_slice(&[5, 1]);
                answer.extend_from_slice(&VERITY_FACTOR.to_le_bytes());
            }
        }
        polar::op::STOP => {
            s.pmd_rate = None;
            answer.extend_from_slice(&[0, 0]);
        }
        _ => answer.push(1), // invalid op code
    }
    s.pmd_out.push(answer);
    Ok(())
}

fn data_uuid(kind: Kind) -> Uuid {
    match kind {
        Kind::Sitless => profile::SAMPLES,
        Kind::MicroBit => microbit::DATA,
        Kind::Thingy => thingy::RAW_DATA,
        Kind::PolarH10 | Kind::VeritySense => polar::PMD_DATA,
    }
}

impl FakeBluez {
    /// Claims `org.bluez` on the bus at `address` with one adapter.
    pub(crate) fn start(address: &str, powered: bool) -> Self {
        Self::start_with(address, Some(powered))
    }

    /// `adapter: None` is `BlueZ` running with no adapter at all.
    pub(crate) fn start_with(address: &str, adapter: Option<bool>) -> Self {
        let inner = Arc::new(Inner {
            sensors: Arc::new(Mutex::new(BTreeMap::new())),
            discovering: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let conn = zbus::block_on(async {
            let conn = zbus::connection::Builder::address(address)?
                .name("org.bluez")?
                .serve_at("/", zbus::fdo::ObjectManager)?
                .build()
                .await?;
            if let Some(powered) = adapter {
                conn.object_server()
                    .at(
                        ADAPTER_PATH,
                        AdapterIface {
                            powered,
                            discovering: false,
                            fake: inner.clone(),
                        },
                    )
                    .await?;
            }
            Ok::<_, zbus::Error>(conn)
        })
        .expect("the fake BlueZ is on the bus");
        let c = conn.clone();
        let i = inner.clone();
        let firmware = std::thread::Builder::new()
            .name("fake-firmware".into())
            .spawn(move || firmware_loop(&c, &i))
            .expect("thread");
        Self {
            conn,
            inner,
            firmware: Some(firmware),
        }
    }

    /// Adds a sensor, in range and advertising.
    #[allow(clippy::needless_pass_by_value)] // reads as "hand the sensor to the fake"
    pub(crate) fn add_sensor(&self, spec: SensorSpec) {
        let path = format!("{ADAPTER_PATH}/dev_{}", spec.address.replace(':', "_"));
        let period_ms = match spec.kind {
            Kind::Sitless => 40,
            Kind::MicroBit => 640,
            Kind::Thingy => 100,
            // Until a stream is started; then 1/rate.
            Kind::PolarH10 | Kind::VeritySense => 20,
        };
        let sensor = Sensor {
            path: path.clone(),
            in_range: true,
            away_until: None,
            silent: false,
            connected: false,
            resolved: false,
            notifying: HashSet::new(),
            rssi: -58,
            period_ms,
            // Step counter 1000 ms, temperature 500 ms, magnetometer 100 ms, 10 Hz, wake on motion.
            thingy_config: vec![0xE8, 0x03, 0xF4, 0x01, 0x64, 0x00, 0x0A, 0x00, 0x01],
            clock_set: None,
            history: VecDeque::new(),
            history_request: None,
            pose_mg: None,
            reported_period_ms: None,
            live_out: Vec::new(),
            pmd_rate: None,
            pmd_out: Vec::new(),
            pmd_frame: Vec::new(),
            log: SensorLog::default(),
            spec: spec.clone(),
        };
        lock(&self.inner.sensors).insert(spec.address.clone(), sensor);
        let server = self.conn.object_server();
        zbus::block_on(async {
            for (si, (service, chars)) in gatt(spec.kind).into_iter().enumerate() {
                let spath = format!("{path}/service{:04x}", 0x10 * (si + 1));
                server
                    .at(
                        spath.as_str(),
                        ServiceIface {
                            uuid: service,
                            device: path.clone(),
                        },
                    )
                    .await?;
                for (ci, (uuid, flags)) in chars.into_iter().enumerate() {
                    let cpath = format!("{spath}/char{:04x}", 0x10 * (si + 1) + ci + 1);
                    server
                        .at(
                            cpath.as_str(),
                            CharIface {
                                address: spec.address.clone(),
                                uuid,
                                service: spath.clone(),
                                flags: flags.iter().map(|f| (*f).to_owned()).collect(),
                                value: Vec::new(),
                                fake: self.inner.clone(),
                            },
                        )
                        .await?;
                }
            }
            // The device last, so its GATT table is complete when it appears.
            server
                .at(
                    path.as_str(),
                    DeviceIface {
                        address: spec.address.clone(),
                        fake: self.inner.clone(),
                    },
                )
                .await?;
            Ok::<_, zbus::Error>(())
        })
        .expect("sensor objects");
    }

    /// Drops the link now; the sensor stays out of range for `away`, then
    /// advertises again. It keeps recording meanwhile.
    pub(crate) fn drop_link(&self, address: &str, away: Duration) {
        {
            let mut all = lock(&self.inner.sensors);
            let s = all.get_mut(address).expect("sensor exists");
            s.connected = false;
            s.resolved = false;
            s.notifying.clear();
            s.in_range = false;
            s.away_until = Some(Instant::now() + away);
            // An H10 ends its stream with the link; a Verity Sense keeps it.
            if s.spec.kind == Kind::PolarH10 {
                s.pmd_rate = None;
            }
        }
        self.emit_device(address);
    }

    fn emit_device(&self, address: &str) {
        let path = lock(&self.inner.sensors)[address].path.clone();
        zbus::block_on(async {
            let r = self
                .conn
                .object_server()
                .interface::<_, DeviceIface>(path.as_str())
                .await?;
            let d = r.get().await;
            d.connected_changed(r.signal_emitter()).await?;
            d.services_resolved_changed(r.signal_emitter()).await?;
            Ok::<_, zbus::Error>(())
        })
        .expect("signal");
    }

    /// Stops (or restarts) advertising: only a connection attempt of the
    /// central's own finds the sensor.
    pub(crate) fn set_silent(&self, address: &str, silent: bool) {
        lock(&self.inner.sensors)
            .get_mut(address)
            .expect("sensor exists")
            .silent = silent;
    }

    /// The sensor holds this reading (milli-g) until told otherwise.
    pub(crate) fn set_pose(&self, address: &str, mg: Option<[i16; 3]>) {
        lock(&self.inner.sensors)
            .get_mut(address)
            .expect("sensor exists")
            .pose_mg = mg;
    }

    /// Makes the Sitless Sampling characteristic answer `ms` (broken firmware).
    pub(crate) fn set_reported_period(&self, address: &str, ms: u16) {
        lock(&self.inner.sensors)
            .get_mut(address)
            .expect("sensor exists")
            .reported_period_ms = Some(ms);
    }

    /// Sends raw bytes as a notification of `uuid` (malformed-data tests).
    pub(crate) fn notify_raw(&self, address: &str, uuid: Uuid, bytes: &[u8]) {
        notify(&self.conn, &self.inner, address, uuid, bytes.to_vec());
    }

    pub(crate) fn log(&self, address: &str) -> SensorLog {
        lock(&self.inner.sensors)[address].log.clone()
    }

    pub(crate) fn is_connected(&self, address: &str) -> bool {
        lock(&self.inner.sensors)[address].connected
    }
}

impl Drop for FakeBluez {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.firmware.take() {
            let _ = t.join();
        }
    }
}

fn notify(conn: &zbus::Connection, inner: &Inner, address: &str, uuid: Uuid, bytes: Vec<u8>) {
    let path = {
        let all = lock(&inner.sensors);
        let s = &all[address];
        if !s.connected || !s.notifying.contains(&uuid) {
            return;
        }
        let kind_table = gatt(s.spec.kind);
        let mut found = None;
        for (si, (_, chars)) in kind_table.into_iter().enumerate() {
            for (ci, (u, _)) in chars.into_iter().enumerate() {
                if u == uuid {
                    found = Some(format!(
                        "{}/service{:04x}/char{:04x}",
                        s.path,
                        0x10 * (si + 1),
                        0x10 * (si + 1) + ci + 1
                    ));
                }
            }
        }
        match found {
            Some(p) => p,
            None => return,
        }
    };
    let _ = zbus::block_on(async {
        let r = conn
            .object_server()
            .interface::<_, CharIface>(path.as_str())
            .await?;
        let mut c = r.get_mut().await;
        c.value = bytes;
        c.value_changed(r.signal_emitter()).await?;
        Ok::<_, zbus::Error>(())
    });
}

/// A Polar sensor's samples: generated at its rate on its clock, sent in
/// frames (H10 raw, ten samples; Verity Sense compressed, twelve) stamped
/// with the last sample's sensor time, while the stream runs and the app
/// listens.
fn pmd_stream(
    address: &str,
    s: &mut Sensor,
    elapsed_s: f64,
    generated: &mut HashMap<String, u64>,
    out: &mut Vec<(String, Uuid, Vec<u8>)>,
) {
    let n0 = *generated.entry(address.to_owned()).or_insert(0);
    let Some(rate) = s.pmd_rate else {
        // Nothing is measured while stopped; the clock runs on.
        let due = (elapsed_s * s.spec.speed * 50.0) as u64;
        generated.insert(address.to_owned(), due.max(n0));
        return;
    };
    let h10 = s.spec.kind == Kind::PolarH10;
    let per_frame = if h10 { 10 } else { 12 };
    let base_ns = if h10 {
        H10_DEFAULT_NS
    } else {
        VERITY_DEFAULT_NS
    };
    let due = (elapsed_s * s.spec.speed * f64::from(rate)) as u64;
    let live = s.connected && s.notifying.contains(&polar::PMD_DATA);
    for n in n0..due.max(n0) {
        let t_ms = n * 1000 / u64::from(rate);
        let mg = s.pose_mg.unwrap_or_else(|| wearer_mg(t_ms));
        s.log.generated = n + 1;
        if !live {
            s.pmd_frame.clear();
            continue;
        }
        s.log.first_sent_ms.get_or_insert(t_ms);
        s.log.last_sent_ms = Some(t_ms);
        s.pmd_frame.push(mg);
        if s.pmd_frame.len() == per_frame {
            let last_ns = base_ns + n * 1_000_000_000 / u64::from(rate);
            let frame = if h10 {
                polar::encode_raw_frame(last_ns, &s.pmd_frame)
            } else {
                let counts: Vec<[i16; 3]> = s
                    .pmd_frame
                    .iter()
                    .map(|v| v.map(|c| (f32::from(c) / VERITY_FACTOR) as i16))
                    .collect();
                polar::encode_delta_frame(last_ns, &counts)
            };
            out.push((address.to_owned(), polar::PMD_DATA, frame));
            s.pmd_frame.clear();
        }
    }
    generated.insert(address.to_owned(), due.max(n0));
}

#[allow(
    clippy::too_many_lines,
    reason = "the fake firmware's one loop: advertising, samples, drops and history per tick"
)]
fn firmware_loop(conn: &zbus::Connection, inner: &Inner) {
    let started = Instant::now();
    let mut last_adv = Instant::now();
    let mut generated: HashMap<String, u64> = HashMap::new();
    while !inner.stop.load(Ordering::Relaxed) {
        let elapsed = started.elapsed().as_secs_f64();
        let mut out: Vec<(String, Uuid, Vec<u8>)> = Vec::new();
        let mut back_in_range = Vec::new();
        {
            let mut all = lock(&inner.sensors);
            for (address, s) in all.iter_mut() {
                if s.away_until.is_some_and(|t| Instant::now() >= t) {
                    s.away_until = None;
                    s.in_range = true;
                    back_in_range.push(address.clone());
                }
                let n0 = *generated.entry(address.clone()).or_insert(0);
                if let (Some(from), true) = (s.history_request, s.connected) {
                    s.history_request = None;
                    // Everything stored before the first sample still to
                    // go out live; what already went out live is sent
                    // again (the app discards repeats by sequence number).
                    let next = s.live_out.first().map_or(n0 as u32, |x| x.0);
                    let records: Vec<_> = s
                        .history
                        .iter()
                        .filter(|r| r.0 >= from && r.0 < next)
                        .copied()
                        .collect();
                    for pair in records.chunks(2) {
                        let samples: Vec<[i16; 3]> = pair.iter().map(|r| r.2).collect();
                        out.push((
                            address.clone(),
                            profile::HISTORY,
                            profile::encode_samples(pair[0].0, pair[0].1, &samples),
                        ));
                    }
                    out.push((
                        address.clone(),
                        profile::HISTORY,
                        next.to_le_bytes().to_vec(),
                    ));
                }
                for answer in s.pmd_out.drain(..) {
                    out.push((address.clone(), polar::PMD_CONTROL, answer));
                }
                if s.spec.kind.is_polar() {
                    pmd_stream(address, s, elapsed, &mut generated, &mut out);
                    continue;
                }
                let due = (elapsed * s.spec.speed * 1000.0 / f64::from(s.period_ms)) as u64;
                let live = s.connected && s.notifying.contains(&data_uuid(s.spec.kind));
                for n in n0..due.max(n0) {
                    let t_ms = n * u64::from(s.period_ms);
                    let mg = s.pose_mg.unwrap_or_else(|| wearer_mg(t_ms));
                    let seq = n as u32;
                    let time_cs = s.clock_set.map(|(n_set, cs)| {
                        let d_cs = (n as i64 - n_set as i64) * i64::from(s.period_ms) / 10;
                        (i64::from(cs) + d_cs) as u32
                    });
                    if s.spec.kind == Kind::Sitless {
                        s.history.push_back((seq, time_cs, mg));
                        if s.history.len() > 100_000 {
                            s.history.pop_front();
                        }
                    }
                    s.log.generated = n + 1;
                    if !live {
                        continue;
                    }
                    s.log.first_sent_ms.get_or_insert(t_ms);
                    s.log.last_sent_ms = Some(t_ms);
                    match s.spec.kind {
                        Kind::Sitless => {
                            s.live_out.push((seq, time_cs, mg));
                            if s.live_out.len() == 2 {
                                let (seq0, t0, _) = s.live_out[0];
                                let samples: Vec<[i16; 3]> =
                                    s.live_out.iter().map(|x| x.2).collect();
                                out.push((
                                    address.clone(),
                                    profile::SAMPLES,
                                    profile::encode_samples(seq0, t0, &samples),
                                ));
                                s.live_out.clear();
                            }
                        }
                        Kind::MicroBit => {
                            let b: Vec<u8> = mg.iter().flat_map(|v| v.to_le_bytes()).collect();
                            out.push((address.clone(), microbit::DATA, b));
                        }
                        Kind::PolarH10 | Kind::VeritySense => {}
                        Kind::Thingy => {
                            let mut b: Vec<u8> = mg
                                .iter()
                                .flat_map(|v| ((i32::from(*v) * 1024 / 1000) as i16).to_le_bytes())
                                .collect();
                            b.extend_from_slice(&[0; 12]);
                            out.push((address.clone(), thingy::RAW_DATA, b));
                        }
                    }
                }
                if !live {
                    s.live_out.clear();
                }
                generated.insert(address.clone(), due.max(n0));
            }
        }
        for (address, uuid, bytes) in out {
            notify(conn, inner, &address, uuid, bytes);
        }
        // Advertising: while discovery runs, sensors in range and not
        // connected update their signal strength a few times a second.
        if inner.discovering.load(Ordering::Relaxed)
            && last_adv.elapsed() > Duration::from_millis(200)
            || !back_in_range.is_empty()
        {
            last_adv = Instant::now();
            let paths: Vec<String> = lock(&inner.sensors)
                .values_mut()
                .filter(|s| s.in_range && !s.connected && !s.silent)
                .map(|s| {
                    s.rssi = if s.rssi == -58 { -59 } else { -58 };
                    s.path.clone()
                })
                .collect();
            if inner.discovering.load(Ordering::Relaxed) {
                for p in paths {
                    let _ = zbus::block_on(async {
                        let r = conn
                            .object_server()
                            .interface::<_, DeviceIface>(p.as_str())
                            .await?;
                        r.get().await.r_s_s_i_changed(r.signal_emitter()).await?;
                        Ok::<_, zbus::Error>(())
                    });
                }
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

//! The BLE thread (`sitless-ble`): one tokio runtime that owns the adapter,
//! the scan list, pairing, and one link task per paired sensor. It talks to
//! the rest of the app only through `BleCommand`s in and `BleEvent`s out.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc::SyncSender;
use std::thread::JoinHandle;
use std::time::Duration;

use btleplug::api::{
    Central as _, CentralEvent, CentralState, Manager as _, Peripheral as _, ScanFilter,
};
use btleplug::platform::{Adapter, Manager};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use super::Shared;
use super::gatt::plain_error;
use super::link::{self, find_peripheral};
use super::{
    AdapterStatus, BleCommand, BleEvent, Clock, ForPipeline, PairedSensor, Seen, SensorModel,
};
use crate::store::device_write::{DeviceReply, DeviceWrite};
use crate::store::writer::WriteOp;

pub struct BleOptions {
    pub clock: Clock,
    /// The paired sensors at start (read by the caller, off this thread).
    pub paired: Vec<PairedSensor>,
    /// The one writer, for pairing, forgetting, renaming and where each
    /// sensor's history resumes; `None` for `scan`, which only looks.
    pub writes: Option<SyncSender<WriteOp>>,
    /// The newest stored second (`i64::MIN`: none), kept current by the
    /// writer's owner.
    pub newest_stored_s: Arc<AtomicI64>,
    /// Connect to the paired sensors and stream (the app, `record`); off
    /// for `scan` and `pair`, which only look.
    pub connect_paired: bool,
}

/// Handle of the BLE thread. Dropping it stops the links (each saves where
/// its history fetch would resume) and joins the thread.
pub struct Ble {
    tx: mpsc::Sender<BleCommand>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl Ble {
    /// Starts the `sitless-ble` thread. `sink` gets every event for the UI
    /// (it must not block); `pipeline` gets samples and sensor changes and
    /// gives a message back when its receiver is full.
    pub fn spawn(
        opts: BleOptions,
        sink: impl Fn(BleEvent) + Send + Sync + 'static,
        pipeline: impl Fn(ForPipeline) -> Option<ForPipeline> + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(32);
        let (stop, stop_rx) = watch::channel(false);
        let sink: Arc<dyn Fn(BleEvent) + Send + Sync> = Arc::new(sink);
        let thread = std::thread::Builder::new()
            .name("sitless-ble".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        sink(BleEvent::Adapter(AdapterStatus::Unavailable(format!(
                            "cannot start the Bluetooth worker: {e}"
                        ))));
                        return;
                    }
                };
                let shared = Arc::new(Shared {
                    sink,
                    pipeline: Arc::new(pipeline),
                    clock: opts.clock,
                    writes: opts.writes,
                    newest_stored_s: opts.newest_stored_s,
                    searching: AtomicUsize::new(0),
                    woke: tokio::sync::watch::channel(0).0,
                });
                rt.block_on(run(shared, opts.paired, opts.connect_paired, rx, stop_rx));
            })?;
        Ok(Self {
            tx,
            stop,
            thread: Some(thread),
        })
    }

    /// A sender of commands, for watchers on other threads.
    pub fn commands(&self) -> mpsc::Sender<BleCommand> {
        self.tx.clone()
    }

    /// Queues a command; false if the BLE thread is busy or gone.
    pub fn send(&self, cmd: BleCommand) -> bool {
        self.tx.try_send(cmd).is_ok()
    }

    /// Stops the links and waits for the thread.
    pub(crate) fn shutdown(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Ble {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The first adapter, powered, or why not, in plain words.
async fn acquire_adapter() -> Result<(Adapter, String), String> {
    let manager = Manager::new().await.map_err(|e| plain_error(&e))?;
    let adapters = manager.adapters().await.map_err(|e| plain_error(&e))?;
    let Some(adapter) = adapters.into_iter().next() else {
        return Err("no Bluetooth adapter found".into());
    };
    match adapter.adapter_state().await.map_err(|e| plain_error(&e))? {
        CentralState::PoweredOn => {}
        CentralState::PoweredOff => return Err("Bluetooth is off".into()),
        CentralState::Unknown => return Err("the Bluetooth adapter is not ready".into()),
    }
    let name = adapter
        .adapter_info()
        .await
        .unwrap_or_else(|_| "Bluetooth adapter".into());
    Ok((adapter, name))
}

struct Central {
    shared: Arc<Shared>,
    adapter: Adapter,
    connect_paired: bool,
    paired: Vec<PairedSensor>,
    links: HashMap<String, tokio::task::JoinHandle<()>>,
    stop: watch::Receiver<bool>,
    seen: BTreeMap<String, Seen>,
    /// Names advertised by paired sensors during this run.
    paired_names: HashMap<String, String>,
    ui_scan: bool,
    discovering: bool,
}

async fn run(
    shared: Arc<Shared>,
    mut paired: Vec<PairedSensor>,
    connect_paired: bool,
    mut rx: mpsc::Receiver<BleCommand>,
    mut stop: watch::Receiver<bool>,
) {
    let sink = shared.sink.clone();
    sink(BleEvent::Adapter(AdapterStatus::Starting));
    shared.announce_paired(&paired).await;
    // Wait for a usable adapter, answering commands meanwhile; look again
    // after 3 s, then less often (Bluetooth may be switched on any time).
    let mut retry_s = 3;
    let (adapter, name) = loop {
        match acquire_adapter().await {
            Ok(a) => break a,
            Err(reason) => {
                sink(BleEvent::Adapter(AdapterStatus::Unavailable(
                    reason.clone(),
                )));
                let retry = tokio::time::sleep(Duration::from_secs(retry_s));
                retry_s = (retry_s * 2).min(60);
                tokio::pin!(retry);
                loop {
                    tokio::select! {
                        () = &mut retry => break,
                        _ = stop.wait_for(|s| *s) => return,
                        cmd = rx.recv() => match cmd {
                            None => return,
                            Some(cmd) => offline_command(&shared, &mut paired, cmd, &reason).await,
                        },
                    }
                }
            }
        }
    };
    sink(BleEvent::Adapter(AdapterStatus::Ready { name }));
    let mut c = Central {
        paired,
        shared,
        adapter,
        connect_paired,
        links: HashMap::new(),
        stop: stop.clone(),
        seen: BTreeMap::new(),
        paired_names: HashMap::new(),
        ui_scan: false,
        discovering: false,
    };
    if connect_paired {
        for p in c.paired.clone() {
            c.start_link(p);
        }
    }
    let mut events = match c.adapter.events().await {
        Ok(e) => e,
        Err(e) => {
            sink(BleEvent::Adapter(AdapterStatus::Unavailable(plain_error(
                &e,
            ))));
            return;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut ticks = 0_u32;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            cmd = rx.recv() => match cmd {
                None => break,
                Some(cmd) => c.command(cmd).await,
            },
            ev = events.next() => match ev {
                Some(CentralEvent::DeviceDiscovered(id) | CentralEvent::DeviceUpdated(id)) => c.update_seen(&id).await,
                Some(_) => {}
                None => {
                    sink(BleEvent::Adapter(AdapterStatus::Unavailable("the Bluetooth service stopped".into())));
                    break;
                }
            },
            _ = tick.tick() => {
                c.keep_discovery().await;
                ticks = ticks.wrapping_add(1);
                // The adapter can be switched off under us: say so.
                if ticks.is_multiple_of(10) {
                    match c.adapter.adapter_state().await {
                        Ok(CentralState::PoweredOff) => sink(BleEvent::Adapter(AdapterStatus::Unavailable("Bluetooth is off".into()))),
                        Err(e) => sink(BleEvent::Adapter(AdapterStatus::Unavailable(plain_error(&e)))),
                        _ => {}
                    }
                }
            }
        }
    }
    // Links see the stop too; give them a moment to hand on what they have.
    for (_, h) in c.links.drain() {
        let _ = tokio::time::timeout(Duration::from_secs(2), h).await;
    }
    if c.discovering {
        let _ = c.adapter.stop_scan().await;
    }
}

/// Commands while Bluetooth is unavailable: the database-only ones work.
async fn offline_command(
    shared: &Shared,
    paired: &mut Vec<PairedSensor>,
    cmd: BleCommand,
    reason: &str,
) {
    match cmd {
        BleCommand::Forget { address } => forget_row(shared, paired, &address).await,
        BleCommand::Rename { address, name } => rename_row(shared, paired, &address, &name).await,
        BleCommand::StartScan | BleCommand::Pair { .. } => (shared.sink)(BleEvent::Failed {
            address: None,
            reason: format!("cannot use Bluetooth: {reason}"),
        }),
        BleCommand::PairedChanged(rows) => {
            *paired = PairedSensor::from_rows(rows);
            shared.announce_paired(paired).await;
        }
        BleCommand::StopScan | BleCommand::CuePose { .. } | BleCommand::Woke => {}
    }
}

/// Applies a forget or rename through the writer and takes its paired list.
async fn change_row(
    shared: &Shared,
    paired: &mut Vec<PairedSensor>,
    address: &str,
    unknown: &str,
    make: impl FnOnce(DeviceReply) -> DeviceWrite,
) {
    match shared.change_devices(make).await {
        Ok(change) => {
            if !change.changed {
                (shared.sink)(BleEvent::Failed {
                    address: Some(address.into()),
                    reason: unknown.into(),
                });
            }
            *paired = PairedSensor::from_rows(change.paired);
        }
        Err(reason) => (shared.sink)(BleEvent::Failed {
            address: Some(address.into()),
            reason,
        }),
    }
    shared.announce_paired(paired).await;
}

async fn forget_row(shared: &Shared, paired: &mut Vec<PairedSensor>, address: &str) {
    let at_s = (shared.clock)() / 1000;
    let address_owned = address.to_owned();
    change_row(
        shared,
        paired,
        address,
        "no paired sensor has that address",
        |reply| DeviceWrite::Forget {
            address: address_owned,
            at_s,
            reply,
        },
    )
    .await;
}

async fn rename_row(shared: &Shared, paired: &mut Vec<PairedSensor>, address: &str, name: &str) {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        (shared.sink)(BleEvent::Failed {
            address: Some(address.into()),
            reason: "a name needs 1 to 40 characters".into(),
        });
        return;
    }
    let (address_owned, name) = (address.to_owned(), name.to_owned());
    change_row(
        shared,
        paired,
        address,
        "no paired sensor has that address",
        |reply| DeviceWrite::Rename {
            address: address_owned,
            name,
            reply,
        },
    )
    .await;
}

impl Central {
    fn start_link(&mut self, sensor: PairedSensor) {
        let handle = tokio::spawn(link::run(
            self.adapter.clone(),
            sensor.clone(),
            self.shared.clone(),
            self.stop.clone(),
        ));
        if let Some(old) = self.links.insert(sensor.address, handle) {
            old.abort();
        }
    }

    /// Stops the links of sensors no longer paired (one replaced at its
    /// placement, or by the phone).
    async fn stop_unpaired_links(&mut self) {
        let gone: Vec<String> = self
            .links
            .keys()
            .filter(|a| !self.paired.iter().any(|p| &p.address == *a))
            .cloned()
            .collect();
        for a in gone {
            self.stop_link(&a).await;
        }
    }

    async fn stop_link(&mut self, address: &str) {
        if let Some(h) = self.links.remove(address) {
            h.abort();
        }
        if let Ok(Some(p)) = find_peripheral(&self.adapter, address).await {
            let _ = p.disconnect().await;
        }
    }

    /// Discovery runs while the user scans or a link looks for its sensor.
    async fn keep_discovery(&mut self) {
        let want = self.ui_scan || self.shared.searching.load(Ordering::Relaxed) > 0;
        if want == self.discovering {
            return;
        }
        // The app filters by itself: BlueZ merges the filters of every
        // client on the machine, so an empty filter hides nothing.
        let r = if want {
            self.adapter.start_scan(ScanFilter::default()).await
        } else {
            self.adapter.stop_scan().await
        };
        match r {
            Ok(()) => {
                self.discovering = want;
                if self.ui_scan || !want {
                    (self.shared.sink)(BleEvent::Scanning(want && self.ui_scan));
                }
            }
            Err(e) => {
                (self.shared.sink)(BleEvent::Failed {
                    address: None,
                    reason: format!("cannot scan: {}", plain_error(&e)),
                });
                self.ui_scan = false;
            }
        }
    }

    async fn update_seen(&mut self, id: &btleplug::platform::PeripheralId) {
        // Discovery also runs for links looking for their sensor; only a
        // scan the user asked for keeps a list.
        if !self.ui_scan {
            return;
        }
        let Ok(p) = self.adapter.peripheral(id).await else {
            return;
        };
        let Ok(Some(props)) = p.properties().await else {
            return;
        };
        let name = props.local_name.or(props.advertisement_name);
        let Some(model) = SensorModel::recognise(name.as_deref(), &props.services) else {
            return;
        };
        let address = props.address.to_string();
        let is_paired = self
            .paired
            .iter()
            .any(|s| s.address.eq_ignore_ascii_case(&address));
        if let (true, Some(n)) = (is_paired, &name) {
            self.paired_names.insert(address.clone(), n.clone());
        }
        let lookalike = !is_paired
            && name.as_ref().is_some_and(|n| {
                self.paired.iter().any(|s| &s.name == n)
                    || self.paired_names.values().any(|pn| pn == n)
            });
        let seen = Seen {
            address: address.clone(),
            name,
            model,
            rssi_dbm: props.rssi,
            // Where the sensor advertises its battery (Battery Service data).
            battery_pct: props
                .service_data
                .get(&super::decode::BATTERY_SERVICE)
                .and_then(|b| super::decode::decode_battery(b).ok())
                .or_else(|| self.seen.get(&address).and_then(|s| s.battery_pct)),
            paired: is_paired,
            lookalike,
        };
        if self.seen.get(&address) != Some(&seen) {
            self.seen.insert(address, seen);
            (self.shared.sink)(BleEvent::Seen(self.seen.values().cloned().collect()));
        }
    }

    async fn command(&mut self, cmd: BleCommand) {
        let sink = self.shared.sink.clone();
        match cmd {
            BleCommand::StartScan => {
                self.ui_scan = true;
                self.seen.clear();
                sink(BleEvent::Seen(Vec::new()));
                self.keep_discovery().await;
                // Sensors BlueZ already knows show at once.
                if let Ok(ps) = self.adapter.peripherals().await {
                    for p in ps {
                        self.update_seen(&p.id()).await;
                    }
                }
            }
            BleCommand::StopScan => {
                self.ui_scan = false;
                self.keep_discovery().await;
                sink(BleEvent::Scanning(false));
            }
            BleCommand::Pair { address, placement } => {
                match self.pair(&address, placement).await {
                    Ok(sensor) => {
                        // A sensor this one replaced at its placement stops.
                        self.stop_unpaired_links().await;
                        if self.connect_paired {
                            self.start_link(sensor);
                        }
                        if let Some(s) = self.seen.get_mut(&address) {
                            s.paired = true;
                            s.lookalike = false;
                        }
                        self.shared.announce_paired(&self.paired).await;
                    }
                    Err(reason) => sink(BleEvent::Failed {
                        address: Some(address),
                        reason,
                    }),
                }
            }
            BleCommand::Forget { address } => {
                self.stop_link(&address).await;
                forget_row(&self.shared, &mut self.paired, &address).await;
            }
            BleCommand::Rename { address, name } => {
                rename_row(&self.shared, &mut self.paired, &address, &name).await;
            }
            BleCommand::Woke => {
                self.shared.woke.send_modify(|n| *n += 1);
            }
            BleCommand::PairedChanged(rows) => {
                self.paired = PairedSensor::from_rows(rows);
                self.stop_unpaired_links().await;
                self.shared.announce_paired(&self.paired).await;
            }
            BleCommand::CuePose { address, pose } => {
                if let Err(e) = self.cue_pose(&address, pose).await {
                    tracing::debug!("calibration cue not sent: {e}");
                }
            }
        }
    }

    async fn pair(
        &mut self,
        address: &str,
        placement: crate::domain::sample::Placement,
    ) -> Result<PairedSensor, String> {
        let seen = self
            .seen
            .get(address)
            .cloned()
            .ok_or("the sensor was not seen in this scan; scan again with it nearby")?;
        let p = find_peripheral(&self.adapter, address)
            .await
            .map_err(|e| plain_error(&e))?
            .ok_or("the sensor is no longer in range")?;
        link::connect(&p, seen.model)
            .await
            .map_err(|e| e.to_string())?;
        if !self.connect_paired {
            let _ = p.disconnect().await;
        }
        let name = seen
            .name
            .clone()
            .unwrap_or_else(|| seen.model.label().to_owned());
        let at_s = (self.shared.clock)() / 1000;
        let change = self
            .shared
            .change_devices(|reply| DeviceWrite::Pair {
                address: seen.address.clone(),
                model: seen.model.as_str().to_owned(),
                name,
                placement,
                at_s,
                reply,
            })
            .await?;
        self.paired = PairedSensor::from_rows(change.paired);
        let id = change.id;
        self.paired
            .iter()
            .find(|s| Some(s.device_id) == id)
            .cloned()
            .ok_or_else(|| "the sensor was not stored".to_owned())
    }

    async fn cue_pose(&self, address: &str, pose: u8) -> Result<(), btleplug::Error> {
        let Some(s) = self.paired.iter().find(|s| s.address == address) else {
            return Ok(());
        };
        let Some(cue) = s.model.spec().cue_pose else {
            return Ok(());
        };
        let (uuid, command) = cue(pose);
        if let Some(p) = find_peripheral(&self.adapter, address).await? {
            // A fresh handle knows no characteristics until it looks.
            p.discover_services().await?;
            if let Some(c) = p.characteristics().into_iter().find(|c| c.uuid == uuid) {
                p.write(&c, &command, btleplug::api::WriteType::WithResponse)
                    .await?;
            }
        }
        Ok(())
    }
}

//! The headless Bluetooth commands: `scan`, `pair`, `devices`, `forget`,
//! and what `record` prints about its links.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::domain::sample::Placement;
use crate::sources::ble::PairedSensor;
use crate::sources::ble::central::{Ble, BleOptions};
use crate::sources::ble::{
    AdapterStatus, BleCommand, BleEvent, LinkState, LinkStats, Seen, system_clock,
};
use crate::store::Store;
use crate::store::device_write::DeviceWrite;
use crate::store::devices::DeviceRow;
use crate::store::writer::{StoreWriter, WriteOp};

/// Starts Bluetooth for a command that looks (`writes: None`) or pairs.
fn start(
    paired: Vec<PairedSensor>,
    writes: Option<std::sync::mpsc::SyncSender<WriteOp>>,
) -> anyhow::Result<(Ble, std::sync::mpsc::Receiver<BleEvent>)> {
    let (tx, rx) = channel();
    let ble = Ble::spawn(
        BleOptions {
            clock: system_clock(),
            paired,
            writes,
            newest_stored_s: Arc::new(AtomicI64::new(i64::MIN)),
            connect_paired: false,
        },
        move |e| {
            let _ = tx.send(e);
        },
        // These commands do not stream.
        |_| None,
    )?;
    Ok((ble, rx))
}

/// Waits for the adapter; an unusable one ends the command with the reason.
fn wait_ready(rx: &std::sync::mpsc::Receiver<BleEvent>) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(BleEvent::Adapter(AdapterStatus::Ready { .. })) => return Ok(()),
            Ok(BleEvent::Adapter(AdapterStatus::Unavailable(reason))) => {
                bail!("cannot use Bluetooth: {reason}")
            }
            Ok(_) => {}
            Err(_) => bail!("cannot use Bluetooth: the adapter did not answer"),
        }
    }
}

pub fn scan(db: &Path, timeout_s: u64, json: bool) -> anyhow::Result<()> {
    // Only looks: without a database nothing is paired, and none is made.
    let paired = if db.is_file() {
        PairedSensor::from_rows(Store::open_existing(db)?.paired_devices()?)
    } else {
        Vec::new()
    };
    let (ble, rx) = start(paired, None)?;
    wait_ready(&rx)?;
    ble.send(BleCommand::StartScan);
    if !json {
        eprintln!("scanning for {timeout_s} s…");
    }
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    let mut seen: Vec<Seen> = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(BleEvent::Seen(list)) => seen = list,
            Ok(BleEvent::Failed { reason, .. }) => bail!("{reason}"),
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => bail!("the Bluetooth worker stopped"),
        }
    }
    drop(ble);
    if json {
        println!("{}", serde_json::to_string_pretty(&seen)?);
        return Ok(());
    }
    if seen.is_empty() {
        println!("no sensors found; is the sensor on, charged and close by?");
        return Ok(());
    }
    for s in &seen {
        let note = if s.paired {
            "  paired"
        } else if s.lookalike {
            "  look-alike: same name as a paired sensor, different device"
        } else {
            ""
        };
        println!(
            "{}  {:<17} {:>8}  {}{note}",
            s.address,
            s.model.label(),
            s.rssi_dbm
                .map_or_else(|| "-".into(), |r| format!("{r} dBm")),
            s.name.as_deref().unwrap_or("(no name)"),
        );
    }
    Ok(())
}

pub fn pair(db: &Path, id: &str, placement: Placement, timeout_s: u64) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let paired = PairedSensor::from_rows(store.paired_devices()?);
    let writer = StoreWriter::spawn(store, |_| {})?;
    let (ble, rx) = start(paired, Some(writer.sender()))?;
    let result = pair_with(&ble, &rx, id, placement, timeout_s);
    drop(ble);
    writer.finish()?;
    result
}

fn pair_with(
    ble: &Ble,
    rx: &std::sync::mpsc::Receiver<BleEvent>,
    id: &str,
    placement: Placement,
    timeout_s: u64,
) -> anyhow::Result<()> {
    let address = id.to_uppercase();
    wait_ready(rx)?;
    ble.send(BleCommand::StartScan);
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    let mut asked = false;
    loop {
        let ev = match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(ev) => ev,
            Err(_) if asked => bail!("{address} did not answer in {timeout_s} s"),
            Err(_) => bail!(
                "{address} was not seen in {timeout_s} s; is it on and close by? (`sitless scan` lists what is)"
            ),
        };
        match ev {
            BleEvent::Seen(list) if !asked && list.iter().any(|s| s.address == address) => {
                ble.send(BleCommand::Pair {
                    address: address.clone(),
                    placement,
                });
                asked = true;
            }
            BleEvent::Paired(list) if asked => {
                if let Some(p) = list.iter().find(|p| p.address == address) {
                    println!(
                        "paired {} ({}, {}) on the {}",
                        p.name,
                        p.model.label(),
                        p.address,
                        p.placement
                    );
                    if let Some(note) = p.model.note() {
                        println!("note: {note}");
                    }
                    return Ok(());
                }
            }
            BleEvent::Failed {
                address: Some(a),
                reason,
            } if a == address => bail!("pairing {address} failed: {reason}"),
            _ => {}
        }
    }
}

pub fn devices(db: &Path, json: bool) -> anyhow::Result<()> {
    let list = Store::open_existing(db)?.paired_devices()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if list.is_empty() {
        println!("no paired sensors");
    }
    for d in &list {
        println!(
            "{}  {:<9} {:<6} {}",
            d.address, d.model, d.placement, d.name
        );
    }
    Ok(())
}

pub fn forget(db: &Path, id: &str) -> anyhow::Result<()> {
    let writer = StoreWriter::spawn(Store::open_existing(db)?, |_| {})?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let asked = writer.sender().send(WriteOp::Device(DeviceWrite::Forget {
        // Bluetooth addresses are stored upper-case; "phone" as it is.
        address: if id.contains(':') {
            id.to_uppercase()
        } else {
            id.to_owned()
        },
        at_s: chrono::Utc::now().timestamp(),
        reply,
    }));
    let change = answer.blocking_recv();
    writer.finish()?;
    asked.context("the database writer stopped")?;
    let change = change
        .context("the database writer stopped")?
        .context("cannot update the database")?;
    if !change.changed {
        bail!("no paired sensor has the address {id}");
    }
    println!("forgot {id}; its recorded data stays");
    Ok(())
}

/// With one sensor, say what its placement cannot measure.
pub(crate) fn say_what_cannot_be_measured(paired: &[DeviceRow]) {
    let has = |p| paired.iter().any(|d| d.placement == p);
    match (has(Placement::Thigh), has(Placement::Back)) {
        (true, false) => println!(
            "note: with only a thigh sensor, trunk tilt is not measured and lying on the back counts as sitting"
        ),
        (false, true) => println!(
            "note: with only a back sensor, sitting is told from standing by trunk angle alone (less certain); a thigh sensor measures it directly"
        ),
        _ => {}
    }
}

/// Prints link changes as they happen and a summary at the end.
#[derive(Default)]
pub(crate) struct LinkPrinter {
    stats: BTreeMap<String, LinkStats>,
    states: BTreeMap<String, LinkState>,
    /// A Bluetooth sensor is paired (else Bluetooth's state is not news).
    ble_needed: bool,
    /// The last reason Bluetooth was unavailable, said once.
    unavailable: Option<String>,
}

impl LinkPrinter {
    pub(crate) fn new(ble_needed: bool) -> Self {
        Self {
            ble_needed,
            ..Self::default()
        }
    }

    pub(crate) fn event(&mut self, e: &BleEvent) {
        match e {
            BleEvent::Adapter(AdapterStatus::Unavailable(reason)) => {
                // Checked again every minute: said when it changes.
                if self.ble_needed && self.unavailable.as_ref() != Some(reason) {
                    println!("Bluetooth unavailable: {reason}");
                }
                self.unavailable = Some(reason.clone());
            }
            BleEvent::Adapter(AdapterStatus::Ready { .. }) if self.unavailable.is_some() => {
                self.unavailable = None;
                if self.ble_needed {
                    println!("Bluetooth is back");
                }
            }
            BleEvent::Link { address, state } => {
                // Countdowns are not news; state changes are.
                let changed = self
                    .states
                    .get(address)
                    .is_none_or(|old| std::mem::discriminant(old) != std::mem::discriminant(state));
                if changed {
                    println!("{address}: {state}");
                }
                self.states.insert(address.clone(), state.clone());
            }
            BleEvent::Stats { address, stats } => {
                self.stats.insert(address.clone(), *stats);
            }
            BleEvent::Failed { address, reason } => {
                println!("{}: {reason}", address.as_deref().unwrap_or("Bluetooth"));
            }
            _ => {}
        }
    }

    pub(crate) fn summary(&self) {
        for (address, s) in &self.stats {
            println!(
                "link {address}: samples {}, from history {}, lost {}, repeats discarded {}, malformed {}, bad length {}, implausible {}, undated {}, drops {}, sequence jumps {}",
                s.samples,
                s.from_history,
                s.lost,
                s.repeats,
                s.malformed(),
                s.bad_length,
                s.implausible,
                s.undated,
                s.drops,
                s.seq_jumps
            );
        }
    }
}

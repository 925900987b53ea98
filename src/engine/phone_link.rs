//! The phone's coordinator, `sitless-phone-link`: the one place that pairs
//! and forgets the phone (through the writer), starts and stops its
//! listener, and tells the posture thread, the Bluetooth thread and the UI.
//! The window's "Use my phone", the phone card's Forget and a new port in
//! Settings all come here as a `PhoneRequest`; so does a Bluetooth thigh
//! pairing (which forgets the phone in the database).

use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::protocol::{
    PhoneLinkEvent, PhoneRequest, PostureMsg, SensorState, SensorStatus, UiEvent,
};
use super::ui_queue::UiSender;
use crate::domain::sample::{PHONE_ADDRESS, PHONE_MODEL, Placement};
use crate::pipeline::SensorInput;
use crate::sources::ble::BleCommand;
use crate::sources::phone::PHONE_QUIET_MS;
use crate::sources::phone::address::push_url;
use crate::sources::phone::phyphox::PhyphoxAddress;
use crate::sources::phone::run::{PhoneSource, PhoneStatus};
use crate::store::device_write::{DeviceChange, DeviceWrite};
use crate::store::settings::PhoneReach;
use crate::store::writer::WriteOp;
use crate::store::{Store, StoreError};

/// The paired phone, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PairedPhone {
    pub device_id: i64,
    pub name: String,
    pub reach: PhoneReach,
}

pub(super) fn paired_phone(store: &Store) -> Result<Option<PairedPhone>, StoreError> {
    let row = store
        .paired_devices()?
        .into_iter()
        .find(|d| d.model == PHONE_MODEL);
    Ok(match (row, store.phone_reach()?) {
        (Some(r), Some(reach)) => Some(PairedPhone {
            device_id: r.id,
            name: r.name,
            reach,
        }),
        _ => None,
    })
}

/// What the coordinator works with.
pub(super) struct PhoneLinks {
    pub reader: Store,
    pub writes: SyncSender<WriteOp>,
    pub posture_tx: SyncSender<PostureMsg>,
    pub ble: Option<tokio::sync::mpsc::Sender<BleCommand>>,
    pub ui: UiSender,
    pub clock: crate::sources::ble::Clock,
    pub addr: SocketAddr,
}

/// What reaches the coordinator.
pub(super) enum PhoneMsg {
    Request(PhoneRequest),
    /// The paired rows changed: read whether the phone is still paired.
    Recheck,
    Stop,
}

/// The coordinator's messages: made before the Bluetooth thread, which
/// asks for a `Recheck` after each change of the paired rows.
pub(super) type PhoneChannel = (SyncSender<PhoneMsg>, Receiver<PhoneMsg>);

pub(super) fn phone_channel() -> PhoneChannel {
    sync_channel(8)
}

/// The coordinator's thread; stopped (the listener's held samples handed
/// on first) and joined on drop.
pub(super) struct PhoneLink {
    tx: SyncSender<PhoneMsg>,
    thread: Option<JoinHandle<()>>,
}

impl PhoneLink {
    /// Starts the coordinator; the listener starts at once if a phone is
    /// paired (`phone`, read at the engine's start).
    pub(super) fn spawn(
        links: PhoneLinks,
        phone: Option<PairedPhone>,
        (tx, rx): PhoneChannel,
    ) -> std::io::Result<Self> {
        let thread = std::thread::Builder::new()
            .name("sitless-phone-link".into())
            .spawn(move || {
                let mut c = Coordinator {
                    links,
                    phone: None,
                    source: None,
                };
                if let Some(p) = phone {
                    c.start(p);
                }
                c.run(&rx);
            })?;
        Ok(Self {
            tx,
            thread: Some(thread),
        })
    }

    /// Queues a request; false if the coordinator is busy or gone.
    pub(super) fn send(&self, r: PhoneRequest) -> bool {
        self.tx.try_send(PhoneMsg::Request(r)).is_ok()
    }
}

impl Drop for PhoneLink {
    fn drop(&mut self) {
        let _ = self.tx.send(PhoneMsg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Coordinator {
    links: PhoneLinks,
    phone: Option<PairedPhone>,
    source: Option<PhoneSource>,
}

impl Coordinator {
    fn run(&mut self, rx: &Receiver<PhoneMsg>) {
        while let Ok(r) = rx.recv() {
            match r {
                PhoneMsg::Request(PhoneRequest::Pair { name, phyphox }) => {
                    self.pair(&name, phyphox.as_deref());
                }
                PhoneMsg::Request(PhoneRequest::Forget) => self.forget(),
                PhoneMsg::Request(PhoneRequest::Listen(addr)) => {
                    if addr != self.links.addr {
                        self.links.addr = addr;
                        if let Some(p) = self.phone.clone()
                            && matches!(p.reach, PhoneReach::Secret(_))
                        {
                            self.stop_listener();
                            self.start(p);
                        }
                    }
                }
                PhoneMsg::Recheck => self.recheck(),
                PhoneMsg::Stop => break,
            }
        }
        // What the listener holds goes on to the posture thread.
        self.stop_listener();
    }

    /// Pairs the phone: to push (a new secret), or to be asked at the
    /// phyphox address typed.
    fn pair(&mut self, name: &str, phyphox: Option<&str>) {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            self.failed("a name needs 1 to 40 characters".into());
            return;
        }
        let reach = match phyphox {
            Some(typed) => match PhyphoxAddress::parse(typed) {
                Ok(a) => PhoneReach::Phyphox(a.url()),
                Err(e) => {
                    self.failed(e);
                    return;
                }
            },
            None => match crate::sources::phone::new_secret() {
                Ok(s) => PhoneReach::Secret(s),
                Err(e) => {
                    self.failed(format!("no randomness for the secret: {e}"));
                    return;
                }
            },
        };
        let at_s = (self.links.clock)() / 1000;
        let (name_w, reach_w) = (name.to_owned(), reach.clone());
        match self.write(|reply| DeviceWrite::PairPhone {
            name: name_w,
            reach: reach_w,
            at_s,
            reply,
        }) {
            Ok(change) => {
                let Some(device_id) = change.id else {
                    self.failed("the phone's row was not made".into());
                    return;
                };
                // The old secret stops working with the old listener.
                self.stop_listener();
                self.start(PairedPhone {
                    device_id,
                    name: name.to_owned(),
                    reach,
                });
                self.tell_ble(change);
            }
            Err(e) => self.failed(format!("cannot pair the phone: {e}")),
        }
    }

    fn forget(&mut self) {
        let at_s = (self.links.clock)() / 1000;
        match self.write(|reply| DeviceWrite::Forget {
            address: PHONE_ADDRESS.into(),
            at_s,
            reply,
        }) {
            Ok(change) => {
                self.gone();
                self.tell_ble(change);
            }
            Err(e) => self.failed(format!("cannot forget the phone: {e}")),
        }
    }

    /// The phone may have been forgotten by a Bluetooth thigh pairing.
    fn recheck(&mut self) {
        let Some(running) = &self.phone else { return };
        match paired_phone(&self.links.reader) {
            Ok(Some(p)) if p.reach == running.reach => {}
            Ok(_) => self.gone(),
            Err(e) => tracing::warn!("cannot read whether the phone is paired: {e}"),
        }
    }

    /// The phone is forgotten: its listener stops (its URL with it).
    fn gone(&mut self) {
        self.stop_listener();
        self.phone = None;
        let _ = self.links.posture_tx.send(PostureMsg::Phone(None));
        self.links
            .ui
            .send(UiEvent::PhoneLink(PhoneLinkEvent::Forgotten));
        self.links.ui.send(UiEvent::Sensor(SensorStatus {
            name: "No sensor".into(),
            state: SensorState::NoSensor,
            speed: None,
        }));
    }

    fn failed(&self, reason: String) {
        self.links
            .ui
            .send(UiEvent::PhoneLink(PhoneLinkEvent::Failed(reason)));
    }

    /// Asks the writer for a change and waits (on this thread) for it.
    fn write(
        &self,
        make: impl FnOnce(crate::store::device_write::DeviceReply) -> DeviceWrite,
    ) -> Result<DeviceChange, String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.links
            .writes
            .send(WriteOp::Device(make(reply)))
            .map_err(|_| "the database writer stopped".to_owned())?;
        answer
            .blocking_recv()
            .map_err(|_| "the database writer stopped".to_owned())?
            .map_err(|e| e.to_string())
    }

    /// The Bluetooth thread takes the paired rows (a thigh sensor the
    /// phone replaced stops), and through it the pipeline.
    fn tell_ble(&self, change: DeviceChange) {
        if let Some(b) = &self.links.ble {
            let _ = b.blocking_send(BleCommand::PairedChanged(change.paired));
        }
    }

    fn stop_listener(&mut self) {
        drop(self.source.take());
    }

    /// Starts the listener for `phone` and says so to the posture thread
    /// (its input) and the UI (its URL, or why it cannot listen).
    fn start(&mut self, phone: PairedPhone) {
        let calibration = self
            .links
            .reader
            .device_calibration(phone.device_id)
            .unwrap_or_default();
        let _ = self
            .links
            .posture_tx
            .send(PostureMsg::Phone(Some(SensorInput {
                placement: Placement::Thigh,
                device_id: phone.device_id,
                calibration,
            })));
        let addr = self.links.addr;
        let (url, phyphox) = match &phone.reach {
            PhoneReach::Secret(secret) => (push_url(addr, secret), false),
            PhoneReach::Phyphox(a) => (a.clone(), true),
        };
        self.links
            .ui
            .send(UiEvent::PhoneLink(PhoneLinkEvent::Paired {
                name: phone.name.clone(),
                url,
                phyphox,
            }));
        self.source = self.listen(&phone, addr);
        self.phone = Some(phone);
    }

    fn listen(&self, phone: &PairedPhone, addr: SocketAddr) -> Option<PhoneSource> {
        let ui_s = self.links.ui.clone();
        let clock_s = self.links.clock.clone();
        let name = phone.name.clone();
        let status = move |s: PhoneStatus| {
            // Streaming while pushes come; the tray and the top bar follow.
            let live = s
                .last_push_ms
                .is_some_and(|t| clock_s().saturating_sub(t) < PHONE_QUIET_MS);
            ui_s.send(UiEvent::Sensor(SensorStatus {
                name: name.clone(),
                state: if live {
                    SensorState::Streaming
                } else {
                    SensorState::NoSensor
                },
                speed: None,
            }));
            ui_s.send(UiEvent::Phone(Box::new(s)));
        };
        let posture_tx = self.links.posture_tx.clone();
        let samples = move |s| {
            posture_tx
                .send(PostureMsg::Samples(vec![(Placement::Thigh, s)]))
                .is_ok()
        };
        let clock = self.links.clock.clone();
        let started = match &phone.reach {
            PhoneReach::Secret(secret) => {
                PhoneSource::start(addr, secret.clone(), clock, samples, status)
            }
            PhoneReach::Phyphox(a) => match PhyphoxAddress::parse(a) {
                Ok(a) => PhoneSource::poll(a, clock, samples, status),
                Err(e) => Err(std::io::Error::other(e)),
            },
        };
        match started {
            Ok(p) => {
                if let Some(a) = p.local_addr {
                    tracing::debug!("listening for the phone's pushes on {a}");
                } else {
                    tracing::debug!("asking phyphox for the phone's data");
                }
                Some(p)
            }
            Err(e) => {
                // The card says it where the person looks for the phone.
                self.links.ui.send(UiEvent::Phone(Box::new(PhoneStatus {
                    listening: None,
                    polling: None,
                    failed: Some(format!(
                        "Cannot listen for the phone on {addr}: {e}. Choose another port in \
                         Settings, or close what uses it."
                    )),
                    last_push_ms: None,
                    battery_pct: None,
                    clock_offset_ms: 0,
                    counters: crate::sources::phone::listener::CountersNow::default(),
                    duplicate: 0,
                    too_late: 0,
                    at_ms: (self.links.clock)(),
                })));
                None
            }
        }
    }
}

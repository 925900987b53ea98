//! The phone's two threads: `sitless-phone` runs the listener (Sensor
//! Logger pushes) or the poller (phyphox is asked) on a tokio runtime of
//! its own; `sitless-phone-stream` puts what arrives in order
//! (`PhoneStream`) and hands the samples on, so the network side never
//! waits for the pipeline and the pipeline never waits for the network.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use super::PhoneStream;
use super::listener::{Arrived, Counters, CountersNow, Shared, serve};
use super::phyphox::{POLL_EVERY, PhyphoxAddress, PhyphoxError, PollState};
use super::sensor_logger::Push;
use crate::domain::sample::RawSample;

/// The clock pushes are timed with (Unix ms): injected for tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What the phone's view and `record` are told.
#[derive(Clone, Debug, PartialEq)]
pub struct PhoneStatus {
    /// Where the listener listens (its bound address).
    pub listening: Option<SocketAddr>,
    /// The phyphox address asked, when the phone is read that way.
    pub polling: Option<String>,
    /// Why it does not (the port is taken, …).
    pub failed: Option<String>,
    /// When the last push arrived (Unix ms).
    pub last_push_ms: Option<i64>,
    pub battery_pct: Option<u8>,
    /// How far the phone's clock is corrected (ms; 0: trusted).
    pub clock_offset_ms: i64,
    pub counters: CountersNow,
    /// Samples dropped as repeats, and as too late to put in order.
    pub duplicate: u64,
    pub too_late: u64,
    /// When this status was taken (Unix ms): with `last_push_ms`, how
    /// long the phone has been quiet.
    pub at_ms: i64,
}

/// How often the stream hands samples on and the status is refreshed.
const TICK: Duration = Duration::from_millis(250);
/// A status unchanged this long is sent again (so "quiet for" stays true
/// without a message every tick).
const STATUS_EVERY_MS: i64 = 30_000;
/// Pushes waiting between the listener and the stream.
const QUEUE: usize = 64;

/// The running phone source; stopped (and its threads joined) on drop.
pub struct PhoneSource {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
    /// Where the listener listens (`None` when phyphox is asked).
    pub local_addr: Option<SocketAddr>,
    pub counters: Arc<Counters>,
}

impl PhoneSource {
    /// Binds `addr` (port 0: any free one) now, so a taken port is said
    /// at once, then serves `secret`'s pushes. `samples` gets each ordered
    /// run of samples (false: nobody listens any more); `status` every
    /// change of what the view shows.
    pub fn start(
        addr: SocketAddr,
        secret: String,
        clock: Clock,
        samples: impl FnMut(Vec<RawSample>) -> bool + Send + 'static,
        status: impl Fn(PhoneStatus) + Send + 'static,
    ) -> std::io::Result<Self> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let local_addr = std_listener.local_addr()?;
        Self::spawn(
            Origin::Listen {
                listener: std_listener,
                secret,
                local_addr,
            },
            clock,
            samples,
            status,
        )
    }

    /// Asks phyphox's remote access at `addr` every second (see
    /// `phyphox`); the rest as `start`.
    pub fn poll(
        addr: PhyphoxAddress,
        clock: Clock,
        samples: impl FnMut(Vec<RawSample>) -> bool + Send + 'static,
        status: impl Fn(PhoneStatus) + Send + 'static,
    ) -> std::io::Result<Self> {
        Self::spawn(Origin::Poll(addr), clock, samples, status)
    }

    fn spawn(
        origin: Origin,
        clock: Clock,
        mut samples: impl FnMut(Vec<RawSample>) -> bool + Send + 'static,
        status: impl Fn(PhoneStatus) + Send + 'static,
    ) -> std::io::Result<Self> {
        let counters = Arc::new(Counters::default());
        let (to_stream, from_listener) = mpsc::channel::<Arrived>(QUEUE);
        let (bridge_tx, bridge_rx) = std::sync::mpsc::sync_channel::<Arrived>(QUEUE);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let failed = Arc::new(std::sync::Mutex::new(None::<String>));
        let (listening, polling) = match &origin {
            Origin::Listen { local_addr, .. } => (Some(*local_addr), None),
            Origin::Poll(a) => (None, Some(a.url())),
        };
        let mut threads = Vec::new();
        let (counters_n, clock_n, failed_n) = (counters.clone(), clock.clone(), failed.clone());
        threads.push(
            std::thread::Builder::new()
                .name("sitless-phone".into())
                .spawn(move || {
                    let rt = match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(rt) => rt,
                        Err(e) => {
                            tracing::error!("the phone's listener cannot start: {e}");
                            return;
                        }
                    };
                    rt.block_on(async move {
                        // What arrives goes on to the stream thread as it comes.
                        let forward = tokio::spawn(bridge(from_listener, bridge_tx));
                        let stop = async {
                            let _ = stop_rx.await;
                        };
                        match origin {
                            Origin::Listen {
                                listener, secret, ..
                            } => {
                                let listener = match tokio::net::TcpListener::from_std(listener)
                                {
                                    Ok(l) => l,
                                    Err(e) => {
                                        tracing::error!("the phone's listener cannot start: {e}");
                                        return;
                                    }
                                };
                                let shared = Arc::new(Shared::new(
                                    Some(secret),
                                    counters_n,
                                    to_stream,
                                    clock_n,
                                ));
                                serve(listener, shared, stop).await;
                            }
                            Origin::Poll(addr) => {
                                tokio::select! {
                                    () = poll_loop(&addr, &counters_n, &to_stream, &clock_n, &failed_n) => {}
                                    () = stop => {}
                                }
                            }
                        }
                        forward.abort();
                    });
                })?,
        );
        let counters_s = counters.clone();
        let local_addr = listening;
        threads.push(
            std::thread::Builder::new()
                .name("sitless-phone-stream".into())
                .spawn(move || {
                    stream_loop(
                        &bridge_rx,
                        &clock,
                        &counters_s,
                        (local_addr, polling, &failed),
                        &mut samples,
                        &status,
                    );
                })?,
        );
        Ok(Self {
            stop: Some(stop_tx),
            threads,
            local_addr,
            counters,
        })
    }
}

/// Where the phone's data comes from.
enum Origin {
    /// Sensor Logger pushes to this listener.
    Listen {
        listener: std::net::TcpListener,
        secret: String,
        local_addr: SocketAddr,
    },
    /// phyphox is asked at this address.
    Poll(PhyphoxAddress),
}

/// Asks phyphox every `POLL_EVERY`; a failure is said (in the status) and
/// tried again at the next round, waiting longer while it keeps failing.
async fn poll_loop(
    addr: &PhyphoxAddress,
    counters: &Counters,
    to_stream: &mpsc::Sender<Arrived>,
    clock: &Clock,
    failed: &std::sync::Mutex<Option<String>>,
) {
    use std::sync::atomic::Ordering;
    let mut state = PollState::default();
    let mut failures = 0_u32;
    loop {
        let result = state.round(addr, || clock()).await;
        let words = match result {
            Ok(round) => {
                failures = 0;
                if !round.samples.is_empty() {
                    counters.pushes.fetch_add(1, Ordering::Relaxed);
                    counters
                        .samples
                        .fetch_add(round.samples.len() as u64, Ordering::Relaxed);
                    let push = Push {
                        message_id: None,
                        session_id: round.session.clone(),
                        device_id: None,
                        samples: round.samples,
                        battery_pct: None,
                        entries: 0,
                        unusable: false,
                    };
                    if to_stream.send((push, clock())).await.is_err() {
                        return;
                    }
                }
                (!round.measuring && round.session.is_some())
                    .then(|| "phyphox is paused: press its start button.".to_owned())
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                if matches!(
                    e,
                    PhyphoxError::Malformed(_) | PhyphoxError::WrongExperiment
                ) {
                    counters.malformed.fetch_add(1, Ordering::Relaxed);
                }
                Some(e.to_string())
            }
        };
        *failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = words;
        // 1 s while it works; up to 16 s while the phone cannot be reached.
        let wait = POLL_EVERY * 2_u32.pow(failures.min(4));
        tokio::time::sleep(wait).await;
    }
}

impl Drop for PhoneSource {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// From the runtime's channel to the stream thread's.
async fn bridge(mut rx: mpsc::Receiver<Arrived>, tx: std::sync::mpsc::SyncSender<Arrived>) {
    while let Some(a) = rx.recv().await {
        // The stream thread keeps up (it only sorts); a full queue waits
        // here, in the runtime's own task, never in a handler.
        let mut a = Some(a);
        while let Some(item) = a.take() {
            match tx.try_send(item) {
                Ok(()) => {}
                Err(std::sync::mpsc::TrySendError::Full(item)) => {
                    a = Some(item);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return,
            }
        }
    }
}

fn stream_loop(
    rx: &Receiver<Arrived>,
    clock: &Clock,
    counters: &Counters,
    (listening, polling, failed): (
        Option<SocketAddr>,
        Option<String>,
        &std::sync::Mutex<Option<String>>,
    ),
    samples: &mut impl FnMut(Vec<RawSample>) -> bool,
    status: &impl Fn(PhoneStatus),
) {
    let mut stream = PhoneStream::default();
    let mut battery_pct = None;
    let (mut duplicate, mut too_late) = (0_u64, 0_u64);
    let mut shown: Option<PhoneStatus> = None;
    loop {
        match rx.recv_timeout(TICK) {
            Ok((push, arrival_ms)) => {
                let got = stream.accept(
                    push.session_id.as_deref(),
                    push.message_id,
                    &push.samples,
                    arrival_ms,
                );
                duplicate += got.duplicate as u64;
                too_late += got.too_late as u64;
                battery_pct = push.battery_pct.or(battery_pct);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                // Stopping: what is held goes on first.
                let rest = stream.release(i64::MAX);
                if !rest.is_empty() {
                    samples(rest);
                }
                return;
            }
        }
        let ready = stream.release(clock());
        if !ready.is_empty() && !samples(ready) {
            return;
        }
        let now = PhoneStatus {
            listening,
            polling: polling.clone(),
            failed: failed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
            last_push_ms: stream.last_push_ms,
            battery_pct,
            clock_offset_ms: stream.offset_ms(),
            counters: counters.now(),
            duplicate,
            too_late,
            at_ms: clock(),
        };
        let due = shown.as_ref().is_none_or(|s| {
            PhoneStatus {
                at_ms: now.at_ms,
                ..s.clone()
            } != now
                || now.at_ms.saturating_sub(s.at_ms) >= STATUS_EVERY_MS
        });
        if due {
            status(now.clone());
            shown = Some(now);
        }
    }
}

//! The phone's two threads: `sitless-phone` runs the listener on a tokio
//! runtime of its own; `sitless-phone-stream` puts the pushes in order
//! (`PhoneStream`) and hands the samples on, so the listener never waits
//! for the pipeline and the pipeline never waits for the network.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use super::PhoneStream;
use super::listener::{Arrived, Counters, CountersNow, Shared, serve};
use crate::domain::sample::RawSample;

/// The clock pushes are timed with (Unix ms): injected for tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What the phone's view and `record` are told.
#[derive(Clone, Debug, PartialEq)]
pub struct PhoneStatus {
    /// Where the listener listens (its bound address).
    pub listening: Option<SocketAddr>,
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
    pub local_addr: SocketAddr,
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
        mut samples: impl FnMut(Vec<RawSample>) -> bool + Send + 'static,
        status: impl Fn(PhoneStatus) + Send + 'static,
    ) -> std::io::Result<Self> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let local_addr = std_listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let (to_stream, from_listener) = mpsc::channel::<Arrived>(QUEUE);
        let (bridge_tx, bridge_rx) = std::sync::mpsc::sync_channel::<Arrived>(QUEUE);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::new(Shared::new(
            Some(secret),
            counters.clone(),
            to_stream,
            clock.clone(),
        ));
        let mut threads = Vec::new();
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
                        let listener = match tokio::net::TcpListener::from_std(std_listener) {
                            Ok(l) => l,
                            Err(e) => {
                                tracing::error!("the phone's listener cannot start: {e}");
                                return;
                            }
                        };
                        // Pushes go on to the stream thread as they come.
                        let forward = tokio::spawn(bridge(from_listener, bridge_tx));
                        serve(listener, shared, async {
                            let _ = stop_rx.await;
                        })
                        .await;
                        forward.abort();
                    });
                })?,
        );
        let counters_s = counters.clone();
        threads.push(
            std::thread::Builder::new()
                .name("sitless-phone-stream".into())
                .spawn(move || {
                    stream_loop(
                        &bridge_rx,
                        &clock,
                        &counters_s,
                        local_addr,
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
    local_addr: SocketAddr,
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
            listening: Some(local_addr),
            failed: None,
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

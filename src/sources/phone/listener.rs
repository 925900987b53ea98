//! The phone's listener: an HTTP/1 server (axum's router on hyper, on the
//! tokio runtime of the `sitless-phone` thread) that answers one path, the
//! paired phone's `/push/SECRET`, and treats everything else as hostile.
//!
//! - Anything but a POST to the paired path: 404 with no body, counted.
//! - A body over `MAX_BODY_BYTES`: 413, counted, nothing read past the cap.
//! - Headers must arrive within `HEADER_TIMEOUT`, a body within
//!   `BODY_TIMEOUT`; at most `MAX_CONNECTIONS` at once.
//! - More than `RATE_PER_S` pushes a second (with a burst): 429, counted.
//! - JSON that is not a push: 400, counted, never a panic.
//! - A push Sitless cannot use (no acceleration with gravity): HTTP 499
//!   with a sentence, which Sensor Logger shows to the person, once per
//!   recording; 200 after that.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};

use super::sensor_logger::{Push, decode};

/// The largest push read: a second of every sensor Sensor Logger has is a
/// few tens of KB; a batch held back by a locked screen a few hundred.
pub const MAX_BODY_BYTES: usize = 4 << 20;
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const BODY_TIMEOUT: Duration = Duration::from_secs(20);
pub(crate) const MAX_CONNECTIONS: usize = 32;
pub(crate) const CONNECTION_LIFETIME: Duration = Duration::from_mins(1);
/// Pushes a second, on average, and the burst allowed above it.
pub(crate) const RATE_PER_S: f64 = 20.0;
pub(crate) const BURST: f64 = 100.0;

/// What the listener has refused or taken, for the view and the tests.
#[derive(Debug, Default)]
pub struct Counters {
    pub pushes: AtomicU64,
    pub samples: AtomicU64,
    pub not_found: AtomicU64,
    pub too_big: AtomicU64,
    pub too_slow: AtomicU64,
    pub too_fast: AtomicU64,
    pub malformed: AtomicU64,
    pub unusable: AtomicU64,
}

/// A snapshot of the counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CountersNow {
    pub pushes: u64,
    pub samples: u64,
    pub not_found: u64,
    pub too_big: u64,
    pub too_slow: u64,
    pub too_fast: u64,
    pub malformed: u64,
    pub unusable: u64,
}

impl Counters {
    pub fn now(&self) -> CountersNow {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CountersNow {
            pushes: g(&self.pushes),
            samples: g(&self.samples),
            not_found: g(&self.not_found),
            too_big: g(&self.too_big),
            too_slow: g(&self.too_slow),
            too_fast: g(&self.too_fast),
            malformed: g(&self.malformed),
            unusable: g(&self.unusable),
        }
    }
}

fn bump(a: &AtomicU64) {
    a.fetch_add(1, Ordering::Relaxed);
}

/// A push, and when it arrived (computer ms).
pub(crate) type Arrived = (Push, i64);

/// What the listener shares with its handlers.
pub(crate) struct Shared {
    /// The paired phone's secret; `None`: nothing is answered.
    pub secret: Mutex<Option<String>>,
    pub counters: Arc<Counters>,
    pub to_stream: mpsc::Sender<Arrived>,
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    bucket: Mutex<(f64, i64)>,
    /// Recordings already told why their pushes cannot be used.
    told: Mutex<std::collections::HashSet<String>>,
}

impl Shared {
    pub(crate) fn new(
        secret: Option<String>,
        counters: Arc<Counters>,
        to_stream: mpsc::Sender<Arrived>,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    ) -> Self {
        Self {
            secret: Mutex::new(secret),
            counters,
            to_stream,
            clock,
            bucket: Mutex::new((BURST, i64::MIN)),
            told: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// A token for one push, if the rate allows.
    fn take_token(&self) -> bool {
        let now = (self.clock)();
        let Ok(mut b) = self.bucket.lock() else {
            return false;
        };
        let (tokens, at) = *b;
        let elapsed_s = if at == i64::MIN {
            0.0
        } else {
            now.saturating_sub(at).max(0) as f64 / 1000.0
        };
        let tokens = (tokens + elapsed_s * RATE_PER_S).min(BURST);
        if tokens < 1.0 {
            *b = (tokens, now);
            return false;
        }
        *b = (tokens - 1.0, now);
        true
    }

    fn is_secret(&self, given: &str) -> bool {
        let Ok(s) = self.secret.lock() else {
            return false;
        };
        s.as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), given.as_bytes()))
    }
}

/// Equal bytes, compared in a time that does not depend on where they
/// first differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn empty(status: StatusCode) -> Response {
    (status, Body::empty()).into_response()
}

async fn push(
    State(shared): State<Arc<Shared>>,
    Path(secret): Path<String>,
    req: Request<Body>,
) -> Response {
    let c = &shared.counters;
    if !shared.is_secret(&secret) {
        bump(&c.not_found);
        return empty(StatusCode::NOT_FOUND);
    }
    if !shared.take_token() {
        bump(&c.too_fast);
        return empty(StatusCode::TOO_MANY_REQUESTS);
    }
    let body = match tokio::time::timeout(
        BODY_TIMEOUT,
        axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES),
    )
    .await
    {
        Err(_) => {
            bump(&c.too_slow);
            return empty(StatusCode::REQUEST_TIMEOUT);
        }
        Ok(Err(_)) => {
            bump(&c.too_big);
            return empty(StatusCode::PAYLOAD_TOO_LARGE);
        }
        Ok(Ok(b)) => b,
    };
    let arrival_ms = (shared.clock)();
    let decoded = match decode(&body) {
        Ok(p) => p,
        Err(e) => {
            bump(&c.malformed);
            tracing::debug!("phone push refused: {e}");
            return empty(StatusCode::BAD_REQUEST);
        }
    };
    if decoded.unusable {
        bump(&c.unusable);
        let session = decoded.session_id.clone().unwrap_or_default();
        let first = shared.told.lock().is_ok_and(|mut t| t.insert(session));
        if first {
            // Sensor Logger shows this text to the person, once.
            return (
                StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
                "Sitless needs acceleration with gravity: in Sensor Logger switch on Accelerometer (and Gravity on an iPhone).",
            )
                .into_response();
        }
        return empty(StatusCode::OK);
    }
    bump(&c.pushes);
    c.samples
        .fetch_add(decoded.samples.len() as u64, Ordering::Relaxed);
    // A test push ("Tap to Test Pushing") has no readings: it reached us.
    if decoded.entries == 0 {
        return (StatusCode::OK, "Sitless received the test push.").into_response();
    }
    match shared.to_stream.send((decoded, arrival_ms)).await {
        Ok(()) => empty(StatusCode::OK),
        Err(_) => empty(StatusCode::SERVICE_UNAVAILABLE),
    }
}

async fn not_found(State(shared): State<Arc<Shared>>) -> Response {
    bump(&shared.counters.not_found);
    empty(StatusCode::NOT_FOUND)
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/push/{secret}", post(push).fallback(not_found))
        .fallback(not_found)
        .with_state(shared)
}

/// Binds the listener (`port` 0: any free port).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves connections until `stop` resolves.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: impl std::future::Future<Output = ()>,
) {
    use hyper_util::service::TowerToHyperService;
    let app = router(shared);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _peer)) = accepted else {
            // Out of file descriptors, say: a breath, then on.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        // Over the cap: the connection is closed at once.
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            // However the client behaves, a connection ends within a minute
            // (a phone simply opens the next one).
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, conn).await;
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_rate_allows_a_burst_then_the_steady_rate() {
        let now = Arc::new(AtomicU64::new(1_000_000));
        let n = now.clone();
        let (tx, _rx) = mpsc::channel(1);
        let s = Shared::new(
            None,
            Arc::default(),
            tx,
            Arc::new(move || n.load(Ordering::Relaxed) as i64),
        );
        let granted = (0..200).filter(|_| s.take_token()).count();
        assert_eq!(granted, BURST as usize);
        now.fetch_add(1000, Ordering::Relaxed);
        let granted = (0..200).filter(|_| s.take_token()).count();
        assert_eq!(granted, RATE_PER_S as usize);
    }
}

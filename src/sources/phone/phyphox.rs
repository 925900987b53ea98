//! phyphox's "remote access": the phone serves its experiment over HTTP
//! and Sitless asks for it (the other way round from Sensor Logger's
//! push). The experiment is "Acceleration with g": buffers `acc_time`
//! (seconds since the experiment started) and `accX`, `accY`, `accZ`
//! (m/s², with gravity).
//!
//! - `/get?acc_time=T&accX=T|acc_time&…` answers only what was measured
//!   after experiment time `T` (phyphox's "partial" buffers), so each poll
//!   brings the new samples once; the first poll asks for the newest time
//!   only, so pairing does not pull an hour of history.
//! - `/time` maps experiment time to the phone's clock (the start and
//!   pause events, phyphox 1.1.8 on); without it, the newest sample is
//!   taken as "now" at the first poll.
//! - `/control?cmd=start` starts a measurement that is not running when
//!   Sitless connects.
//!
//! Requests go out one at a time with `Connection: close` (phyphox's small
//! server handles one connection at a time), answers are read up to
//! `MAX_ANSWER_BYTES` within `REQUEST_TIMEOUT`.

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde::Deserialize;

use crate::domain::sample::RawSample;
use crate::domain::vector::Vec3;

/// How often the phone is asked (its buffers hold far more than this).
pub(crate) const POLL_EVERY: Duration = Duration::from_secs(1);
/// An answer slower than this is a failed poll.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read: a second at 500 Hz is about 40 KB; a poll after
/// a stall a few MB.
pub(crate) const MAX_ANSWER_BYTES: usize = 8 << 20;
const G_M_S2: f64 = 9.806_65;

/// The phone's address as typed: `http://HOST[:PORT]` (phyphox shows it
/// on the screen when remote access is on); no path, no https.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhyphoxAddress {
    /// `host:port`, as connected to.
    pub authority: String,
}

impl PhyphoxAddress {
    /// Reads what the person typed ("192.168.1.23:8080" or
    /// `http://192.168.1.23:8080/`); why not, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let rest = t.strip_prefix("http://").unwrap_or(t);
        if rest.starts_with("https://") || t.starts_with("https://") {
            return Err("phyphox serves http://, not https://".into());
        }
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(format!(
                "not an address like http://192.168.1.23:8080 (got {})",
                crate::sources::recording::quoted(t)
            ));
        }
        let uri: hyper::Uri = format!("http://{authority}/")
            .parse()
            .map_err(|_| format!("not an address: {}", crate::sources::recording::quoted(t)))?;
        let host = uri.host().unwrap_or_default();
        if host.is_empty() {
            return Err("the address has no host".into());
        }
        // An iPhone serves on port 80 (so it is often left out).
        let port = uri.port_u16().unwrap_or(80);
        Ok(Self {
            authority: format!("{host}:{port}"),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.authority)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum PhyphoxError {
    #[error("cannot reach phyphox: {0}")]
    Unreachable(String),
    #[error("phyphox answered HTTP {0}")]
    Status(u16),
    #[error("phyphox's answer is not what its remote access sends: {0}")]
    Malformed(String),
    #[error(
        "phyphox runs another experiment: open \"Acceleration with g\" (with remote access on)"
    )]
    WrongExperiment,
}

#[derive(Deserialize)]
struct GetAnswer {
    buffer: std::collections::HashMap<String, BufferAnswer>,
    status: Option<Status>,
}

#[derive(Deserialize)]
struct BufferAnswer {
    // Values phyphox has no number for come as null.
    buffer: Vec<Option<f64>>,
}

#[derive(Deserialize, Clone, Debug, PartialEq, Default)]
pub(crate) struct Status {
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub measuring: bool,
}

/// One `/get` answer, decoded: samples in experiment seconds and g.
#[derive(Debug, PartialEq, Default)]
pub(crate) struct Got {
    /// (experiment time s, acceleration in g), in time order.
    pub samples: Vec<(f64, Vec3)>,
    /// The newest experiment time in the answer (the only value when
    /// `acc_time` is asked for alone).
    pub newest_s: Option<f64>,
    pub status: Status,
}

pub(crate) fn decode_get(body: &[u8]) -> Result<Got, PhyphoxError> {
    let a: GetAnswer =
        serde_json::from_slice(body).map_err(|e| PhyphoxError::Malformed(e.to_string()))?;
    let take = |name: &str| a.buffer.get(name).map(|b| &b.buffer);
    let Some(t) = take("acc_time") else {
        return Err(PhyphoxError::WrongExperiment);
    };
    let (x, y, z) = (
        take("accX").map_or(&[][..], |v| &v[..]),
        take("accY").map_or(&[][..], |v| &v[..]),
        take("accZ").map_or(&[][..], |v| &v[..]),
    );
    let mut samples = Vec::with_capacity(t.len());
    // Buffers of unequal length (a poll that came between two writes):
    // only the rows all four have.
    for i in 0..t.len().min(x.len()).min(y.len()).min(z.len()) {
        let (Some(t), Some(x), Some(y), Some(z)) = (t[i], x[i], y[i], z[i]) else {
            continue;
        };
        if !(t.is_finite() && x.is_finite() && y.is_finite() && z.is_finite()) {
            continue;
        }
        if samples.last().is_some_and(|(last, _)| *last >= t) {
            continue;
        }
        samples.push((
            t,
            Vec3::new(
                (x / G_M_S2) as f32,
                (y / G_M_S2) as f32,
                (z / G_M_S2) as f32,
            ),
        ));
    }
    let newest_s = t.iter().rev().flatten().copied().find(|v| v.is_finite());
    Ok(Got {
        samples,
        newest_s,
        status: a.status.unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct TimeEvent {
    event: String,
    #[serde(rename = "experimentTime")]
    experiment_time: f64,
    #[serde(rename = "systemTime")]
    system_time: f64,
}

/// The phone's clock at experiment time 0 (Unix ms), from `/time`'s
/// newest start event; `None` if there is none.
pub(crate) fn decode_time(body: &[u8]) -> Option<f64> {
    let events: Vec<TimeEvent> = serde_json::from_slice(body).ok()?;
    events
        .iter()
        .rev()
        .find(|e| e.event.eq_ignore_ascii_case("start"))
        .filter(|e| e.experiment_time.is_finite() && e.system_time.is_finite())
        .map(|e| (e.system_time - e.experiment_time) * 1000.0)
}

/// The path of a poll for what came after experiment time `after_s`, or
/// (None) for the newest time only.
pub(crate) fn get_path(after_s: Option<f64>) -> String {
    match after_s {
        None => "/get?acc_time".into(),
        Some(t) => {
            // `|` is %7C in a query.
            let t = format!("{t:.6}");
            format!("/get?acc_time={t}&accX={t}%7Cacc_time&accY={t}%7Cacc_time&accZ={t}%7Cacc_time")
        }
    }
}

/// One GET on a fresh connection: the status and the body (up to the cap).
pub(crate) async fn get(addr: &PhyphoxAddress, path: &str) -> Result<Bytes, PhyphoxError> {
    let run = async {
        let stream = tokio::net::TcpStream::connect(&addr.authority)
            .await
            .map_err(|e| PhyphoxError::Unreachable(e.to_string()))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| PhyphoxError::Unreachable(e.to_string()))?;
        let driver = tokio::spawn(conn);
        let req = hyper::Request::get(path)
            .header(hyper::header::HOST, &addr.authority)
            .header(hyper::header::CONNECTION, "close")
            .body(Empty::<Bytes>::new())
            .map_err(|e| PhyphoxError::Malformed(e.to_string()))?;
        let res = sender
            .send_request(req)
            .await
            .map_err(|e| PhyphoxError::Unreachable(e.to_string()))?;
        let status = res.status().as_u16();
        if status != 200 {
            driver.abort();
            return Err(PhyphoxError::Status(status));
        }
        let body = Limited::new(res.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| PhyphoxError::Malformed(format!("the answer could not be read: {e}")))?
            .to_bytes();
        driver.abort();
        Ok(body)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| Err(PhyphoxError::Unreachable("no answer within 5 s".into())))
}

/// Where the poller is: the experiment's session and time, and the phone
/// clock at experiment time 0.
#[derive(Debug, Default)]
pub(crate) struct PollState {
    session: Option<String>,
    /// The newest experiment time taken (s).
    after_s: Option<f64>,
    /// Unix ms at experiment time 0.
    zero_ms: Option<f64>,
    started: bool,
}

/// What one round of polling did.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Round {
    pub samples: Vec<RawSample>,
    pub session: Option<String>,
    pub measuring: bool,
}

impl PollState {
    /// One round: ask, decode, date. `now_ms` is this computer's clock.
    pub(crate) async fn round(
        &mut self,
        addr: &PhyphoxAddress,
        now_ms: impl Fn() -> i64,
    ) -> Result<Round, PhyphoxError> {
        let body = get(addr, &get_path(self.after_s)).await?;
        let got = decode_get(&body)?;
        if self
            .session
            .as_ref()
            .is_some_and(|s| *s != got.status.session)
        {
            // A new experiment run (cleared, restarted): time starts over.
            tracing::info!("phyphox started a new measurement");
            *self = Self {
                started: self.started,
                ..Self::default()
            };
            self.session = Some(got.status.session);
            return Ok(Round::default());
        }
        self.session = Some(got.status.session.clone());
        let mut measuring = got.status.measuring;
        if !measuring && !self.started {
            // Started once when Sitless connects; a pause after that is
            // the person's.
            self.started = true;
            get(addr, "/control?cmd=start").await?;
            measuring = true;
        }
        self.started = true;
        if self.zero_ms.is_none() {
            let phone_zero = match get(addr, "/time").await {
                Ok(b) => decode_time(&b),
                Err(_) => None,
            };
            // No /time (older phyphox): the newest sample is now.
            self.zero_ms =
                phone_zero.or_else(|| got.newest_s.map(|t| now_ms() as f64 - t * 1000.0));
        }
        let first = self.after_s.is_none();
        match got.newest_s {
            Some(t) if self.after_s.is_none_or(|a| t > a) => self.after_s = Some(t),
            // Nothing measured yet: from the start.
            None if first => self.after_s = Some(-1.0),
            _ => {}
        }
        // The first answer is the newest time only: where to go on from.
        let samples = match (first, self.zero_ms) {
            (false, Some(zero)) => got
                .samples
                .iter()
                .map(|(t, a)| RawSample {
                    t_ms: (zero + t * 1000.0).round() as i64,
                    accel_g: *a,
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(Round {
            samples,
            session: self.session.clone(),
            measuring,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_phyphox_shows_them() {
        let a = PhyphoxAddress::parse("http://192.168.1.23:8080/").unwrap();
        assert_eq!(a.authority, "192.168.1.23:8080");
        assert_eq!(
            PhyphoxAddress::parse(" 10.0.0.7 ").unwrap().authority,
            "10.0.0.7:80"
        );
        assert!(PhyphoxAddress::parse("https://10.0.0.7").is_err());
        assert!(PhyphoxAddress::parse("http://10.0.0.7/get?x").is_err());
        assert!(PhyphoxAddress::parse("").is_err());
    }

    #[test]
    fn a_partial_answer_becomes_samples_in_g_and_bad_rows_are_left_out() {
        let body = br#"{"buffer":{
            "acc_time":{"size":0,"updateMode":"partial","buffer":[1.0,1.01,1.02,1.01,1.03]},
            "accX":{"size":0,"updateMode":"partial","buffer":[0.0,9.80665,null,0.0,0.0]},
            "accY":{"size":0,"updateMode":"partial","buffer":[0.0,0.0,0.0,0.0,0.0]},
            "accZ":{"size":0,"updateMode":"partial","buffer":[9.80665,0.0,0.0,0.0]}},
            "status":{"session":"a1b2","measuring":true,"timedRun":false,"countDown":0}}"#;
        let got = decode_get(body).unwrap();
        // Row 3 has a null, row 4 goes back in time, row 5 has no z.
        assert_eq!(got.samples.len(), 2);
        assert!((got.samples[0].1.z - 1.0).abs() < 1e-6);
        assert!((got.samples[1].1.x - 1.0).abs() < 1e-6);
        assert_eq!(got.status.session, "a1b2");
        assert_eq!(got.newest_s, Some(1.03));
        assert!(got.status.measuring);
        // Another experiment (no acc_time), and not JSON.
        assert_eq!(
            decode_get(br#"{"buffer":{"gyrX":{"buffer":[]}},"status":{}}"#),
            Err(PhyphoxError::WrongExperiment)
        );
        assert!(matches!(
            decode_get(b"<html>"),
            Err(PhyphoxError::Malformed(_))
        ));
    }

    #[test]
    fn the_time_events_give_the_clock_at_experiment_zero() {
        let body = br#"[{"event":"START","experimentTime":0.0,"systemTime":1772438400.0},
            {"event":"PAUSE","experimentTime":10.0,"systemTime":1772438410.0},
            {"event":"START","experimentTime":10.0,"systemTime":1772438500.0}]"#;
        // Resumed 90 s after the pause: experiment time 10 s is then.
        assert_eq!(decode_time(body), Some(1_772_438_490_000.0));
        assert_eq!(decode_time(b"nope"), None);
    }

    /// A "phone" on 127.0.0.1 that answers every connection with `answer`
    /// (or holds it open without a word, for `None`).
    fn hostile_phone(answer: Option<Vec<u8>>) -> PhyphoxAddress {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let authority = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let mut head = [0_u8; 1024];
                let _ = s.read(&mut head);
                match &answer {
                    Some(a) => {
                        let _ = s.write_all(a);
                    }
                    None => std::thread::sleep(Duration::from_secs(30)),
                }
            }
        });
        PhyphoxAddress { authority }
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_hostile_phone_is_bounded_in_size_and_time() {
        // 100 MB announced and sent: refused at the cap, never held whole.
        let mut huge = b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n".to_vec();
        huge.extend(std::iter::repeat_n(b'[', 16 << 20));
        let a = hostile_phone(Some(huge));
        assert!(matches!(
            block_on(get(&a, "/get?acc_time")),
            Err(PhyphoxError::Malformed(_))
        ));
        // Not HTTP at all.
        let a = hostile_phone(Some(b"SSH-2.0-OpenSSH\r\n".to_vec()));
        assert!(matches!(
            block_on(get(&a, "/get?acc_time")),
            Err(PhyphoxError::Unreachable(_))
        ));
        // An error status.
        let a = hostile_phone(Some(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ));
        assert_eq!(
            block_on(get(&a, "/get?acc_time")),
            Err(PhyphoxError::Status(403))
        );
        // Silence: given up after the timeout.
        let a = hostile_phone(None);
        let t = std::time::Instant::now();
        assert!(matches!(
            block_on(get(&a, "/get?acc_time")),
            Err(PhyphoxError::Unreachable(_))
        ));
        assert!(t.elapsed() < REQUEST_TIMEOUT + Duration::from_secs(2));
    }

    #[test]
    fn polls_ask_for_what_came_after_the_newest_time() {
        assert_eq!(get_path(None), "/get?acc_time");
        assert_eq!(
            get_path(Some(12.5)),
            "/get?acc_time=12.500000&accX=12.500000%7Cacc_time&accY=12.500000%7Cacc_time&accZ=12.500000%7Cacc_time"
        );
    }
}

//! One paired sensor's link: find it, connect, set it up the way its model
//! needs, stream, and after a loss start again with backoff (1 s doubling
//! to 30 s; cut short the moment the sensor is seen advertising again).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use btleplug::api::{Central, CentralEvent, Peripheral as _, WriteType};
use btleplug::platform::{Adapter, Peripheral};
use futures::StreamExt;
use tokio::sync::watch;

use super::decode::{self, BATTERY_LEVEL};
use super::gatt::{DecodingKind, LinkError, SetupCtx, characteristic};
use super::model::{SensorModel, sitless};
use super::pmd::codec as polar;
use super::stamp::{ArrivalStamper, LinkStats, SeqTracker};
use super::stream::{HistoryFetch, LinkData, on_sitless, persist_seq};
use super::{BleEvent, LinkState, PairedSensor, Shared};

pub(crate) async fn find_peripheral(
    adapter: &Adapter,
    address: &str,
) -> Result<Option<Peripheral>, btleplug::Error> {
    Ok(adapter
        .peripherals()
        .await?
        .into_iter()
        .find(|p| p.address().to_string().eq_ignore_ascii_case(address)))
}

/// Backoff between attempts: 1 s doubling to 30 s.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    next_s: u32,
}

impl Backoff {
    pub(crate) const FIRST_S: u32 = 1;
    pub(crate) const MAX_S: u32 = 30;

    pub(crate) fn new() -> Self {
        Self {
            next_s: Self::FIRST_S,
        }
    }

    pub(crate) fn next_delay_s(&mut self) -> u32 {
        let d = self.next_s;
        self.next_s = (self.next_s * 2).min(Self::MAX_S);
        d
    }

    pub(crate) fn reset(&mut self) {
        self.next_s = Self::FIRST_S;
    }
}

/// Runs the link until `stop` turns true.
pub(crate) async fn run(
    adapter: Adapter,
    mut sensor: PairedSensor,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new();
    let mut woke = shared.woke.subscribe();
    let mut link = LinkData {
        stats: LinkStats::default(),
        seq: SeqTracker::new(sensor.next_seq),
        pending: Vec::new(),
        persisted: VecDeque::new(),
        stamper: None,
    };
    loop {
        let result = tokio::select! {
            r = session(&adapter, &sensor, &shared, &mut link, &mut backoff) => r,
            _ = stop.wait_for(|s| *s) => Err(LinkError::Stopped),
        };
        // Everything received goes to the pipeline; a full queue is waited
        // for a moment, never blocked on.
        let deadline = Instant::now() + Duration::from_secs(2);
        while !link.flush(&sensor, &shared) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some(next) = link.seq.next()
            && link.pending.is_empty()
        {
            // Everything handed on is in the pipeline; on a clean stop the
            // engine settles it to disk after the links end. Samples that
            // could not be handed on are fetched again next time.
            sensor.next_seq = Some(next);
            persist_seq(&shared, sensor.device_id, next).await;
        }
        if *stop.borrow() {
            (shared.sink)(BleEvent::Stats {
                address: sensor.address.clone(),
                stats: link.stats,
            });
            return;
        }
        // A sensor that answers but is not what it claims (wrong firmware,
        // invalid settings) will not fix itself in a second: say it failed,
        // and look again only at the longest interval.
        let permanent = matches!(result, Err(LinkError::Missing(_) | LinkError::Setup(_)));
        let reason = match result {
            Ok(()) | Err(LinkError::Lost) => {
                link.stats.drops += 1;
                (shared.sink)(BleEvent::Stats {
                    address: sensor.address.clone(),
                    stats: link.stats,
                });
                "the connection was lost".to_owned()
            }
            Err(e) => e.to_string(),
        };
        let delay_s = if permanent {
            Backoff::MAX_S
        } else {
            backoff.next_delay_s()
        };
        (shared.sink)(BleEvent::Link {
            address: sensor.address.clone(),
            state: if permanent {
                LinkState::Failed(reason)
            } else {
                LinkState::Reconnecting {
                    in_s: delay_s,
                    reason,
                }
            },
        });
        shared.searching.fetch_add(1, Ordering::Relaxed);
        let seen = wait_or_seen(
            &adapter,
            &sensor.address,
            Duration::from_secs(delay_s.into()),
        );
        tokio::select! {
            () = seen => {}
            // After a suspend the sensor is likely right there: try now.
            _ = woke.changed() => backoff.reset(),
            _ = stop.wait_for(|s| *s) => {
                shared.searching.fetch_sub(1, Ordering::Relaxed);
                return;
            }
        }
        shared.searching.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Sleeps `delay`, or less if the sensor is seen advertising meanwhile
/// (the target is streaming again within 3 s of the sensor's return).
async fn wait_or_seen(adapter: &Adapter, address: &str, delay: Duration) {
    let deadline = tokio::time::Instant::now() + delay;
    let Ok(mut events) = adapter.events().await else {
        tokio::time::sleep_until(deadline).await;
        return;
    };
    // The link's own loss shows up as device updates too (connection state,
    // resolved services): only what comes after it can be an advertisement.
    let settled = tokio::time::Instant::now() + Duration::from_millis(300);
    loop {
        let ev = tokio::select! {
            ev = events.next() => ev,
            () = tokio::time::sleep_until(deadline) => return,
        };
        let Some(CentralEvent::DeviceUpdated(id) | CentralEvent::DeviceDiscovered(id)) = ev else {
            if ev.is_none() {
                tokio::time::sleep_until(deadline).await;
                return;
            }
            continue;
        };
        if tokio::time::Instant::now() < settled {
            continue;
        }
        let Ok(p) = adapter.peripheral(&id).await else {
            continue;
        };
        if p.address().to_string().eq_ignore_ascii_case(address) {
            return;
        }
    }
}

/// How far past the clock the newest stored second may lie and still be
/// the floor for arrival stamps (a sensor's clock a little ahead).
const FLOOR_AHEAD_MS: i64 = 60_000;

/// Connects (if needed) and checks that the sensor offers its model's data.
pub(crate) async fn connect(p: &Peripheral, model: SensorModel) -> Result<(), LinkError> {
    if !p.is_connected().await? {
        tokio::time::timeout(Duration::from_secs(10), p.connect())
            .await
            .map_err(|_| LinkError::Bluetooth("the sensor did not answer in time".into()))??;
    }
    p.discover_services().await?;
    let (uuid, what) = model.spec().data;
    characteristic(p, uuid, what).map(|_| ())
}

/// One connection, from finding the sensor to losing it.
#[allow(
    clippy::too_many_lines,
    reason = "one connection from set-up to disconnect, as one select loop over notifications, ticks and stop"
)]
async fn session(
    adapter: &Adapter,
    sensor: &PairedSensor,
    shared: &Shared,
    link: &mut LinkData,
    backoff: &mut Backoff,
) -> Result<(), LinkError> {
    let sink = &shared.sink;
    let state = |s: LinkState| {
        sink(BleEvent::Link {
            address: sensor.address.clone(),
            state: s,
        });
    };
    let Some(p) = find_peripheral(adapter, &sensor.address).await? else {
        state(LinkState::Searching);
        return Err(LinkError::NotFound);
    };
    state(LinkState::Connecting);
    // Subscribe to adapter events first, so a drop during set-up is seen.
    let mut events = adapter.events().await?;
    let id = p.id();
    connect(&p, sensor.model).await?;
    let mut notes = p.notifications().await?;
    let decoding = (sensor.model.spec().setup)(SetupCtx {
        peripheral: &p,
        now_ms: (shared.clock)(),
        notes: &mut notes,
    })
    .await?;
    let mut sensor_clock = super::pmd::SensorClock::default();
    if let Some(battery) = p
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == BATTERY_LEVEL)
    {
        match p.read(&battery).await.map(|b| decode::decode_battery(&b)) {
            Ok(Ok(pct)) => sink(BleEvent::Battery {
                address: sensor.address.clone(),
                pct,
            }),
            Ok(Err(e)) => link.stats.count_error(e),
            Err(e) => tracing::debug!("battery read failed: {e}"),
        }
        if battery
            .properties
            .contains(btleplug::api::CharPropFlags::NOTIFY)
        {
            let _ = p.subscribe(&battery).await;
        }
    }
    let mut history = None;
    if let (DecodingKind::Sitless, Some(from)) = (&decoding.kind, link.seq.next()) {
        let control = characteristic(&p, sitless::CONTROL, "Sitless control point")?;
        p.write(
            &control,
            &sitless::request_records_command(from),
            WriteType::WithResponse,
        )
        .await?;
        state(LinkState::FetchingHistory);
        history = Some(HistoryFetch::new());
    } else {
        state(LinkState::Streaming);
    }
    // A new chain at the period the sensor runs at now; never before the
    // newest stored second, nor before what this link stamped already.
    if let Some(s) = &mut link.stamper {
        s.restart(decoding.period_ms);
    } else {
        // A stored second far past the clock (a bad row) is no floor:
        // stamps would follow it into the future.
        let now_ms = (shared.clock)();
        let floor_ms = match shared.newest_stored_s.load(Ordering::Relaxed) {
            i64::MIN => i64::MIN,
            t => t
                .saturating_add(1)
                .saturating_mul(1000)
                .min(now_ms.saturating_add(FLOOR_AHEAD_MS)),
        };
        link.stamper = Some(ArrivalStamper::with_floor(decoding.period_ms, floor_ms));
    }
    backoff.reset();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut last_stats = link.stats;
    let mut ticks = 0_u32;
    loop {
        tokio::select! {
            note = notes.next() => {
                let Some(note) = note else { return Err(LinkError::Lost) };
                let now_ms = (shared.clock)();
                if note.uuid == BATTERY_LEVEL {
                    match decode::decode_battery(&note.value) {
                        Ok(pct) => sink(BleEvent::Battery { address: sensor.address.clone(), pct }),
                        Err(e) => link.stats.count_error(e),
                    }
                    continue;
                }
                match &decoding.kind {
                    DecodingKind::Sitless => {
                        let done = on_sitless(&note.uuid, &note.value, decoding.period_ms, now_ms, link, &mut history);
                        if done {
                            history = None;
                            state(LinkState::Streaming);
                        }
                    }
                    DecodingKind::Arrival { data, decode } if note.uuid == *data => {
                        match (decode(&note.value), &mut link.stamper) {
                            (Ok(a), Some(s)) => link.pending.push(s.stamp(now_ms, a)),
                            (Ok(_), None) => {}
                            (Err(e), _) => link.stats.count_error(e),
                        }
                    }
                    DecodingKind::Pmd(stream) if note.uuid == polar::PMD_DATA => {
                        match polar::decode_frame(&note.value, stream.factor) {
                            Ok(frame) => {
                                let times = sensor_clock.times(&frame, stream.rate_hz, now_ms);
                                for (t_ms, accel_g) in times.into_iter().zip(frame.accel_g) {
                                    link.pending.push(crate::domain::sample::RawSample { t_ms, accel_g });
                                }
                            }
                            Err(e) => link.stats.count_error(e),
                        }
                    }
                    // Other notifications (a Polar control point answer).
                    DecodingKind::Arrival { .. } | DecodingKind::Pmd(_) => {}
                }
            }
            ev = events.next() => match ev {
                Some(CentralEvent::DeviceDisconnected(d)) if d == id => return Err(LinkError::Lost),
                Some(_) => {}
                None => return Err(LinkError::Lost),
            },
            _ = tick.tick() => {
                if let Some(h) = history.take_if(|h| h.started.elapsed() > HistoryFetch::TIMEOUT) {
                    // The sensor never said it was done: go on with what
                    // came; gaps are counted as lost.
                    h.finish(decoding.period_ms, (shared.clock)(), link);
                    state(LinkState::Streaming);
                }
                link.flush(sensor, shared);
                if let Some(next) = link.lagged_seq() {
                    persist_seq(shared, sensor.device_id, next).await;
                }
                ticks = ticks.wrapping_add(1);
                // Counts change with every batch; the UI hears of them once
                // a second (and at once when the first samples arrive), so a
                // streaming sensor costs one frame a second.
                let first = last_stats.samples == 0 && link.stats.samples > 0;
                if (first || ticks.is_multiple_of(4)) && link.stats != last_stats {
                    last_stats = link.stats;
                    sink(BleEvent::Stats { address: sensor.address.clone(), stats: link.stats });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_thirty_seconds_and_resets() {
        let mut b = Backoff::new();
        let d: Vec<_> = (0..7).map(|_| b.next_delay_s()).collect();
        assert_eq!(d, [1, 2, 4, 8, 16, 30, 30]);
        b.reset();
        assert_eq!(b.next_delay_s(), 1);
    }

    fn link() -> LinkData {
        LinkData {
            stats: LinkStats::default(),
            seq: SeqTracker::new(Some(10)),
            pending: Vec::new(),
            persisted: VecDeque::new(),
            stamper: None,
        }
    }

    fn packet(seq: u32) -> sitless::Packet {
        let v = crate::domain::vector::Vec3::new(0.0, 0.0, 1.0);
        sitless::Packet {
            seq,
            time_cs: Some(seq * 4),
            accel_g: vec![v, v],
        }
    }

    #[test]
    fn history_fills_the_gap_before_held_back_live_packets() {
        let mut l = link();
        let mut h = Some(HistoryFetch::new());
        let now = sitless::EPOCH_UNIX_S * 1000;
        // Live packets arrive first (seq 16, 18), then history 10..16 and its end.
        for seq in [16, 18] {
            let b = sitless::encode_samples(seq, Some(seq * 4), &[[0, 0, 1000]; 2]);
            assert!(!on_sitless(&sitless::SAMPLES, &b, 40, now, &mut l, &mut h));
        }
        for seq in [10, 12, 14, 14] {
            let b = sitless::encode_samples(seq, Some(seq * 4), &[[0, 0, 1000]; 2]);
            assert!(!on_sitless(&sitless::HISTORY, &b, 40, now, &mut l, &mut h));
        }
        assert!(on_sitless(
            &sitless::HISTORY,
            &20u32.to_le_bytes(),
            40,
            now,
            &mut l,
            &mut h
        ));
        let t: Vec<i64> = l.pending.iter().map(|s| s.t_ms - now).collect();
        assert_eq!(t, (10..20).map(|s| i64::from(s) * 40).collect::<Vec<_>>());
        assert_eq!(
            (l.stats.lost, l.stats.repeats, l.stats.from_history),
            (0, 2, 6)
        );
        assert_eq!(l.seq.next(), Some(20));
    }

    #[test]
    fn a_missing_history_range_is_counted_as_lost() {
        let mut l = link();
        let mut h = HistoryFetch::new();
        h.packets.push(packet(14));
        h.finish(40, 0, &mut l);
        assert_eq!(l.stats.lost, 4);
        assert_eq!(l.pending.len(), 2);
    }

    #[test]
    fn malformed_packets_are_counted_and_the_stream_goes_on() {
        let mut l = link();
        let mut h = None;
        for bad in [&[1u8, 2, 3][..], &[0; 21][..]] {
            on_sitless(&sitless::SAMPLES, bad, 40, 0, &mut l, &mut h);
        }
        let good = sitless::encode_samples(10, Some(1), &[[0, 0, 1000]]);
        on_sitless(&sitless::SAMPLES, &good, 40, 0, &mut l, &mut h);
        assert_eq!((l.stats.bad_length, l.pending.len()), (2, 1));
    }
}

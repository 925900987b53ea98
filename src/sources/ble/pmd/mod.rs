//! A Polar sensor's link: the PMD set-up exchange on the control point
//! (features, settings, start) and the sensor clock that dates each frame's
//! samples.

pub mod codec;

use std::pin::Pin;
use std::time::Duration;

use btleplug::api::{Peripheral as _, ValueNotification, WriteType};
use btleplug::platform::Peripheral;
use futures::{Stream, StreamExt};

use self::codec::{self as polar, Frame};
use super::decode::DecodeError;

pub(crate) type Notes = Pin<Box<dyn Stream<Item = ValueNotification> + Send>>;

/// What the sensor agreed to stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PmdStream {
    pub rate_hz: u16,
    /// mG per count of compressed frames.
    pub factor: f32,
}

/// Status "already in state": a stream left running by an earlier session.
const ALREADY_STARTED: u8 = 6;

/// Why a Polar sensor's set-up failed (the link says it in its words).
#[derive(Debug, thiserror::Error)]
pub(crate) enum PmdError {
    #[error("the sensor has no {0} characteristic")]
    Missing(&'static str),
    #[error("{0}")]
    Refused(&'static str),
    #[error("the sensor answered its set-up with an invalid value ({0})")]
    Decode(DecodeError),
    #[error("the sensor did not answer its set-up in time")]
    Timeout,
    #[error("the connection was lost")]
    Lost,
    #[error(transparent)]
    Ble(#[from] btleplug::Error),
}

fn refused(what: &'static str) -> PmdError {
    PmdError::Refused(what)
}

/// Waits for the control point's answer to `op`. Other notifications that
/// arrive meanwhile are not for the set-up, and neither is a control point
/// value that is not a response: on `BlueZ` every read of the control point
/// (the feature list, 0x0F…) comes back on the notification stream too,
/// as the characteristic's `Value` changed.
async fn answer(notes: &mut Notes, op: u8) -> Result<polar::Response, PmdError> {
    let wait = async {
        while let Some(n) = notes.next().await {
            if n.uuid != polar::PMD_CONTROL || n.value.first() != Some(&polar::RESPONSE) {
                continue;
            }
            match polar::parse_response(&n.value) {
                Ok(r) if r.op == op => return Ok(r),
                Ok(_) => {}
                Err(e) => return Err(PmdError::Decode(e)),
            }
        }
        Err(PmdError::Lost)
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .map_err(|_| PmdError::Timeout)?
}

/// Reads the features, asks for the accelerometer's settings and starts
/// the stream at the rate that fits.
pub(crate) async fn setup(p: &Peripheral, notes: &mut Notes) -> Result<PmdStream, PmdError> {
    let find = |uuid, what| {
        p.characteristics()
            .into_iter()
            .find(|c| c.uuid == uuid)
            .ok_or(PmdError::Missing(what))
    };
    let cp = find(polar::PMD_CONTROL, "Polar measurement control point")?;
    let data = find(polar::PMD_DATA, "Polar measurement data")?;
    if !polar::has_acc(&p.read(&cp).await?) {
        return Err(refused("this Polar sensor does not stream acceleration"));
    }
    p.subscribe(&cp).await?;
    p.write(&cp, &polar::get_settings_command(), WriteType::WithResponse)
        .await?;
    let offered = answer(notes, polar::op::GET_SETTINGS).await?;
    if offered.status != 0 {
        return Err(refused(
            "the sensor refused to list its accelerometer settings",
        ));
    }
    let (start, rate_hz) = polar::start_command(&offered.settings).map_err(PmdError::Decode)?;
    p.subscribe(&data).await?;
    p.write(&cp, &start, WriteType::WithResponse).await?;
    let mut started = answer(notes, polar::op::START).await?;
    if started.status == ALREADY_STARTED {
        // Stop the old stream (its settings are unknown) and start ours.
        p.write(&cp, &polar::stop_command(), WriteType::WithResponse)
            .await?;
        answer(notes, polar::op::STOP).await?;
        p.write(&cp, &start, WriteType::WithResponse).await?;
        started = answer(notes, polar::op::START).await?;
    }
    if started.status != 0 {
        return Err(refused("the sensor refused to start the accelerometer"));
    }
    Ok(PmdStream {
        rate_hz,
        factor: started.settings.factor.unwrap_or(1.0),
    })
}

/// Dates frames on the sensor's own clock. The sensor's time may be its
/// default after a power-up (2019 for an H10), so its offset to Unix time
/// is learned from the first frame's arrival; a jump of more than a few
/// seconds against arrival (the sensor restarted) learns it again.
#[derive(Clone, Debug, Default)]
pub(crate) struct SensorClock {
    offset_ms: Option<i64>,
    previous_ns: Option<u64>,
    last_ms: i64,
}

impl SensorClock {
    const REANCHOR_MS: i64 = 5_000;

    /// Unix milliseconds of each sample of `frame`, arriving at `arrival_ms`.
    pub(crate) fn times(&mut self, frame: &Frame, rate_hz: u16, arrival_ms: i64) -> Vec<i64> {
        let fresh = polar::clock_offset_ms(frame.last_ns, arrival_ms);
        let offset = match self.offset_ms {
            Some(o) if (o - fresh).abs() <= Self::REANCHOR_MS => o,
            _ => {
                self.previous_ns = None;
                fresh
            }
        };
        self.offset_ms = Some(offset);
        let times = polar::sample_times_ms(frame, self.previous_ns, rate_hz, offset);
        self.previous_ns = Some(frame.last_ns);
        // Never back in time (a re-anchor, a repeated frame).
        times
            .into_iter()
            .map(|t| {
                let t = t.max(self.last_ms + 1);
                self.last_ms = t;
                t
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vector::Vec3;

    fn frame(last_ns: u64, n: usize) -> Frame {
        Frame {
            last_ns,
            accel_g: vec![Vec3::new(0.0, 0.0, 1.0); n],
        }
    }

    #[test]
    fn the_clock_is_anchored_once_and_again_after_a_jump() {
        let mut c = SensorClock::default();
        // 2019-01-01 on the sensor; arrives at Unix 1 700 000 000 000 ms.
        let t0 = 599_616_000_000_000_000;
        let a = c.times(&frame(t0, 2), 50, 1_700_000_000_000);
        assert_eq!(a, vec![1_699_999_999_980, 1_700_000_000_000]);
        // Arrival jitter does not move the samples: the sensor's clock does.
        let b = c.times(&frame(t0 + 40_000_000, 2), 50, 1_700_000_000_090);
        assert_eq!(b, vec![1_700_000_000_020, 1_700_000_000_040]);
        // The sensor restarted at its default time: anchored again, forward.
        let d = c.times(&frame(t0 + 1_000_000, 1), 50, 1_700_000_060_000);
        assert_eq!(d, vec![1_700_000_060_000]);
    }
}

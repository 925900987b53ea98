//! The open Sitless profile (`docs/gatt-profile.md`): batched samples with
//! the sensor's own sequence numbers and clock, a history characteristic
//! for what was recorded while the app was away, and a control point.

use btleplug::api::{Peripheral as _, WriteType};
use uuid::Uuid;

use super::Model;
use crate::domain::sample::Placement;
use crate::domain::vector::Vec3;
use crate::sources::ble::decode::{DecodeError, i16_at, milli_g, u16_at, u32_at};
use crate::sources::ble::gatt::{
    Decoding, DecodingKind, LinkError, SetupCtx, SetupFuture, characteristic,
};

pub(crate) static MODEL: Model = Model {
    id: "sitless",
    label: "Sitless sensor",
    recognise: |_, services| services.contains(&SERVICE),
    placement: Placement::Thigh,
    note: None,
    data: (SAMPLES, "Sitless samples"),
    setup,
    cue_pose: Some(|pose| (CONTROL, vec![op::CALIBRATE, pose])),
};

fn setup(
    SetupCtx {
        peripheral: p,
        now_ms,
        ..
    }: SetupCtx<'_>,
) -> SetupFuture<'_> {
    Box::pin(async move {
        let sampling = characteristic(p, SAMPLING, "Sitless sampling")?;
        let period_ms = decode_period(&p.read(&sampling).await?).map_err(LinkError::Setup)?;
        let control = characteristic(p, CONTROL, "Sitless control point")?;
        p.write(&control, &set_time_command(now_ms), WriteType::WithResponse)
            .await?;
        for (uuid, what) in [(SAMPLES, MODEL.data.1), (HISTORY, "Sitless history")] {
            p.subscribe(&characteristic(p, uuid, what)?).await?;
        }
        Ok(Decoding {
            period_ms,
            kind: DecodingKind::Sitless,
        })
    })
}

pub const SERVICE: Uuid = Uuid::from_u128(0x403e_0100_1557_41ca_9b10_c433_eefd_e792);
/// Live samples (notify).
pub const SAMPLES: Uuid = Uuid::from_u128(0x403e_0101_1557_41ca_9b10_c433_eefd_e792);
/// Stored samples, sent after a Request records command (notify).
pub const HISTORY: Uuid = Uuid::from_u128(0x403e_0102_1557_41ca_9b10_c433_eefd_e792);
/// Commands (write with response).
pub const CONTROL: Uuid = Uuid::from_u128(0x403e_0103_1557_41ca_9b10_c433_eefd_e792);
/// Sample period in milliseconds, u16 (read, write).
pub const SAMPLING: Uuid = Uuid::from_u128(0x403e_0104_1557_41ca_9b10_c433_eefd_e792);

/// Device time counts centiseconds from this Unix second (2024-01-01 UTC).
pub(crate) const EPOCH_UNIX_S: i64 = 1_704_067_200;
/// A packet time of all ones: the clock was not set since power-up.
pub(crate) const TIME_UNSET: u32 = u32::MAX;
/// One wrap of the 32-bit centisecond clock: about 497 days.
const WRAP_CS: i64 = 1 << 32;

const HEADER: usize = 8;
const SAMPLE: usize = 6;
pub(crate) const MAX_SAMPLES_PER_PACKET: usize = 2;
pub(crate) const PERIOD_MS: std::ops::RangeInclusive<u16> = 10..=1000;

/// Control point opcodes.
pub mod op {
    /// `u32` device time in centiseconds since the profile epoch.
    pub const SET_TIME: u8 = 0x01;
    /// `u32` first sequence number wanted; the answer comes on History.
    pub const REQUEST_RECORDS: u8 = 0x02;
    /// `u8` pose: 1 standing still, 2 sitting upright, 0 done.
    pub const CALIBRATE: u8 = 0x03;
}

/// One samples (or history) packet.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    /// Sequence number of the first sample; each sample has its own.
    pub seq: u32,
    /// Device time of the first sample (centiseconds since the epoch), if set.
    pub time_cs: Option<u32>,
    pub accel_g: Vec<Vec3>,
}

/// What the History characteristic sends.
#[derive(Clone, Debug, PartialEq)]
pub enum HistoryPdu {
    Records(Packet),
    /// The history is complete; the live stream continues at this number.
    End {
        next_seq: u32,
    },
}

/// Decodes a Samples notification: `seq u32 | time_cs u32 | 1–2 × (x, y, z i16 milli-g)`.
pub fn decode_samples(b: &[u8]) -> Result<Packet, DecodeError> {
    let n = match b.len() {
        l if l > HEADER && (l - HEADER).is_multiple_of(SAMPLE) => (l - HEADER) / SAMPLE,
        got => {
            return Err(DecodeError::Length {
                got,
                expected: "14 or 20",
            });
        }
    };
    if n > MAX_SAMPLES_PER_PACKET {
        return Err(DecodeError::Length {
            got: b.len(),
            expected: "14 or 20",
        });
    }
    let time = u32_at(b, 4);
    let accel_g = (0..n)
        .map(|i| {
            let at = HEADER + i * SAMPLE;
            milli_g(i16_at(b, at), i16_at(b, at + 2), i16_at(b, at + 4))
        })
        .collect::<Result<_, _>>()?;
    Ok(Packet {
        seq: u32_at(b, 0),
        time_cs: (time != TIME_UNSET).then_some(time),
        accel_g,
    })
}

/// Decodes a History notification: a samples packet, or the 4-byte end marker.
pub fn decode_history(b: &[u8]) -> Result<HistoryPdu, DecodeError> {
    if b.len() == 4 {
        return Ok(HistoryPdu::End {
            next_seq: u32_at(b, 0),
        });
    }
    decode_samples(b).map(HistoryPdu::Records)
}

/// Decodes the Sampling characteristic.
pub fn decode_period(b: &[u8]) -> Result<u16, DecodeError> {
    if b.len() != 2 {
        return Err(DecodeError::Length {
            got: b.len(),
            expected: "2",
        });
    }
    let ms = u16_at(b, 0);
    if PERIOD_MS.contains(&ms) {
        Ok(ms)
    } else {
        Err(DecodeError::Period(u32::from(ms)))
    }
}

/// Encodes a samples packet (the fake sensor in tests, and firmware authors
/// reading this as the reference).
pub fn encode_samples(seq: u32, time_cs: Option<u32>, accel_mg: &[[i16; 3]]) -> Vec<u8> {
    let mut b = Vec::with_capacity(HEADER + SAMPLE * accel_mg.len());
    b.extend_from_slice(&seq.to_le_bytes());
    b.extend_from_slice(&time_cs.unwrap_or(TIME_UNSET).to_le_bytes());
    for a in accel_mg {
        for c in a {
            b.extend_from_slice(&c.to_le_bytes());
        }
    }
    b
}

/// The Set time command for a Unix time in milliseconds.
pub(crate) fn set_time_command(unix_ms: i64) -> [u8; 5] {
    let cs = unix_ms_to_device_cs(unix_ms);
    let t = cs.to_le_bytes();
    [op::SET_TIME, t[0], t[1], t[2], t[3]]
}

pub(crate) fn request_records_command(from_seq: u32) -> [u8; 5] {
    let s = from_seq.to_le_bytes();
    [op::REQUEST_RECORDS, s[0], s[1], s[2], s[3]]
}

/// Device centiseconds for a Unix time (wrapping, as the device's clock does).
pub fn unix_ms_to_device_cs(unix_ms: i64) -> u32 {
    ((unix_ms - EPOCH_UNIX_S * 1000).div_euclid(10)).rem_euclid(WRAP_CS) as u32
}

/// The Unix time of a device time, choosing the wrap nearest to `near_ms`
/// (the host clock), so the 32-bit clock is unambiguous within ±248 days.
pub(crate) fn device_cs_to_unix_ms(time_cs: u32, near_ms: i64) -> i64 {
    let host_cs = (near_ms - EPOCH_UNIX_S * 1000).div_euclid(10);
    let era = host_cs.div_euclid(WRAP_CS);
    let best = [era - 1, era, era + 1]
        .into_iter()
        .map(|e| e * WRAP_CS + i64::from(time_cs))
        .min_by_key(|cs| (cs - host_cs).abs())
        .unwrap_or(i64::from(time_cs));
    EPOCH_UNIX_S * 1000 + best * 10
}

/// seq, time, samples (milli-g) of a golden packet.
type GoldenPacket<'a> = (u32, Option<u32>, &'a [[i16; 3]]);

/// The app's golden vectors for firmware authors and the reference
/// firmware's core (as JSON): packets from the encoder, the commands the
/// app writes. Committed as `assets/firmware/circuitpython/vectors/app.json`.
pub fn golden_vectors_json() -> String {
    use std::fmt::Write as _;
    let hex = |b: &[u8]| {
        b.iter().fold(String::new(), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
    };
    let mut items = Vec::new();
    let packets: [GoldenPacket<'_>; 4] = [
        (0, None, &[[0, 0, 1000]]),
        (7, Some(12_345), &[[1000, -1000, 0], [0, 16, -32]]),
        (u32::MAX, Some(u32::MAX - 1), &[[-16_000, 16_000, 1]]),
        (
            70_000,
            Some(86_400 * 100),
            &[[120, -985, 40], [118, -990, 44]],
        ),
    ];
    for (seq, time_cs, mg) in packets {
        let t = time_cs.map_or_else(|| "null".to_owned(), |t| t.to_string());
        let text: Vec<String> = mg
            .iter()
            .map(|m| format!("[{}, {}, {}]", m[0], m[1], m[2]))
            .collect();
        items.push(format!(
            "  {{\"what\": \"samples\", \"hex\": \"{}\", \"seq\": {seq}, \"time_cs\": {t}, \"mg\": [{}]}}",
            hex(&encode_samples(seq, time_cs, mg)),
            text.join(", ")
        ));
    }
    // 2026-03-02T08:00:00Z, and a fetch from 1234.
    let set = set_time_command(1_772_438_400_000);
    items.push(format!(
        "  {{\"what\": \"command\", \"hex\": \"{}\", \"op\": 1, \"arg\": {}}}",
        hex(&set),
        unix_ms_to_device_cs(1_772_438_400_000)
    ));
    items.push(format!(
        "  {{\"what\": \"command\", \"hex\": \"{}\", \"op\": 2, \"arg\": 1234}}",
        hex(&request_records_command(1234))
    ));
    format!("[\n{}\n]\n", items.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_two_sample_packet() {
        // seq 0x01020304, time 500 cs, (1000, -1000, 0) and (0, 16, -32) mg.
        let bytes = [
            0x04, 0x03, 0x02, 0x01, 0xF4, 0x01, 0x00, 0x00, 0xE8, 0x03, 0x18, 0xFC, 0x00, 0x00,
            0x00, 0x00, 0x10, 0x00, 0xE0, 0xFF,
        ];
        let p = decode_samples(&bytes).expect("valid packet");
        assert_eq!(p.seq, 0x0102_0304);
        assert_eq!(p.time_cs, Some(500));
        assert_eq!(
            p.accel_g,
            vec![Vec3::new(1.0, -1.0, 0.0), Vec3::new(0.0, 0.016, -0.032)]
        );
        assert_eq!(
            encode_samples(p.seq, p.time_cs, &[[1000, -1000, 0], [0, 16, -32]]),
            bytes
        );
    }

    #[test]
    fn golden_one_sample_packet_with_unset_time() {
        let bytes = [7, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xE8, 0x03];
        let p = decode_samples(&bytes).expect("valid packet");
        assert_eq!((p.seq, p.time_cs), (7, None));
        assert_eq!(p.accel_g, vec![Vec3::new(0.0, 0.0, 1.0)]);
    }

    #[test]
    fn wrong_lengths_and_magnitudes_are_rejected() {
        for len in [0, 1, 4, 8, 13, 15, 19, 21, 26, 200] {
            assert!(
                matches!(decode_samples(&vec![0; len]), Err(DecodeError::Length { got, .. }) if got == len),
                "length {len}"
            );
        }
        let mut b = encode_samples(1, Some(0), &[[0, 0, 1000]]);
        b[12..14].copy_from_slice(&16_001_i16.to_le_bytes());
        assert_eq!(decode_samples(&b), Err(DecodeError::Implausible));
    }

    #[test]
    fn history_end_marker() {
        assert_eq!(
            decode_history(&[0x10, 0x27, 0, 0]),
            Ok(HistoryPdu::End { next_seq: 10_000 })
        );
        assert!(matches!(
            decode_history(&encode_samples(3, Some(1), &[[0, 0, 1000]])),
            Ok(HistoryPdu::Records(Packet { seq: 3, .. }))
        ));
    }

    #[test]
    fn period_is_range_checked() {
        assert_eq!(decode_period(&40u16.to_le_bytes()), Ok(40));
        assert_eq!(
            decode_period(&0u16.to_le_bytes()),
            Err(DecodeError::Period(0))
        );
        assert!(decode_period(&[40]).is_err());
    }

    #[test]
    fn device_time_round_trips_near_the_host_clock() {
        // 2026-11-24 12:00:00.120 UTC.
        let unix_ms = 1_795_521_600_120;
        let cs = unix_ms_to_device_cs(unix_ms);
        assert_eq!(device_cs_to_unix_ms(cs, unix_ms + 3_600_000), unix_ms);
        // Across a wrap of the 32-bit clock the nearest era still wins.
        let wrap_ms = (EPOCH_UNIX_S * 1000) + WRAP_CS * 10;
        let before = wrap_ms - 1_000;
        let after = wrap_ms + 1_000;
        assert_eq!(
            device_cs_to_unix_ms(unix_ms_to_device_cs(before), after),
            before
        );
        assert_eq!(
            device_cs_to_unix_ms(unix_ms_to_device_cs(after), before),
            after
        );
        assert_eq!(
            set_time_command(EPOCH_UNIX_S * 1000 + 2_560),
            [op::SET_TIME, 0, 1, 0, 0]
        );
    }
}

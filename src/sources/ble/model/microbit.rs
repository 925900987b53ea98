//! BBC micro:bit, Accelerometer Service of the micro:bit Bluetooth profile.
//! The board advertises no service UUID, only its name, and its packets
//! carry no time: the link stamps them on arrival.

use btleplug::api::{Peripheral as _, WriteType};
use uuid::Uuid;

use super::Model;
use crate::domain::sample::Placement;
use crate::domain::vector::Vec3;
use crate::sources::ble::decode::{DecodeError, i16_at, milli_g, u16_at};
use crate::sources::ble::gatt::{
    Decoding, DecodingKind, LinkError, SetupCtx, SetupFuture, characteristic,
};

pub(crate) static MODEL: Model = Model {
    id: "microbit",
    label: "BBC micro:bit",
    // It advertises no service UUID, only its name.
    recognise: |name, _| name.is_some_and(name_matches),
    placement: Placement::Thigh,
    note: Some(
        "Needs the Sitless MakeCode program (see the user guide). If it asks for bonding, pair it once in your system's Bluetooth settings first.",
    ),
    data: (DATA, "micro:bit accelerometer data"),
    setup,
    cue_pose: None,
};

fn setup(SetupCtx { peripheral: p, .. }: SetupCtx<'_>) -> SetupFuture<'_> {
    Box::pin(async move {
        let period = characteristic(p, PERIOD, "micro:bit accelerometer period")?;
        // Never write 0: the board would stop sampling.
        p.write(
            &period,
            &WANTED_PERIOD_MS.to_le_bytes(),
            WriteType::WithResponse,
        )
        .await?;
        let chosen = decode_period(&p.read(&period).await?).map_err(LinkError::Setup)?;
        p.subscribe(&characteristic(p, DATA, MODEL.data.1)?).await?;
        // The board rounds to a period it supports: stamp with that one.
        Ok(Decoding {
            period_ms: chosen,
            kind: DecodingKind::Arrival {
                data: DATA,
                decode: decode_data,
            },
        })
    })
}

pub const SERVICE: Uuid = Uuid::from_u128(0xE95D_0753_251D_470A_A062_FA19_22DF_A9A8);
/// 3 × i16 LE, milli-g (notify).
pub const DATA: Uuid = Uuid::from_u128(0xE95D_CA4B_251D_470A_A062_FA19_22DF_A9A8);
/// Sample period, u16 ms (read, write). Zero is never written.
pub const PERIOD: Uuid = Uuid::from_u128(0xE95D_FB24_251D_470A_A062_FA19_22DF_A9A8);
/// The period asked for; the board rounds to a rate it supports (1, 2, 5,
/// 10, 20, 80, 160 or 640 ms) and the link reads back what it chose.
pub(crate) const WANTED_PERIOD_MS: u16 = 20;

/// "BBC micro:bit", optionally followed by " [xxxxx]" (the board's friendly name).
pub(crate) fn name_matches(name: &str) -> bool {
    match name.strip_prefix("BBC micro:bit") {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix(" [")
            .and_then(|r| r.strip_suffix(']'))
            .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())),
        None => false,
    }
}

pub fn decode_data(b: &[u8]) -> Result<Vec3, DecodeError> {
    if b.len() != 6 {
        return Err(DecodeError::Length {
            got: b.len(),
            expected: "6",
        });
    }
    milli_g(i16_at(b, 0), i16_at(b, 2), i16_at(b, 4))
}

pub fn decode_period(b: &[u8]) -> Result<u16, DecodeError> {
    if b.len() != 2 {
        return Err(DecodeError::Length {
            got: b.len(),
            expected: "2",
        });
    }
    match u16_at(b, 0) {
        0 => Err(DecodeError::Period(0)),
        ms => Ok(ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_bytes() {
        // x = -24 mg, y = 1016 mg, z = -112 mg: a board standing on its edge.
        let v = decode_data(&[0xE8, 0xFF, 0xF8, 0x03, 0x90, 0xFF]).expect("6 bytes");
        assert_eq!(v, Vec3::new(-0.024, 1.016, -0.112));
        assert_eq!(decode_period(&[0x14, 0x00]), Ok(20));
        assert_eq!(decode_period(&[0, 0]), Err(DecodeError::Period(0)));
    }

    #[test]
    fn wrong_lengths_and_magnitudes() {
        for len in [0, 5, 7, 12, 20] {
            assert!(decode_data(&vec![0; len]).is_err(), "length {len}");
        }
        assert_eq!(
            decode_data(&[0x00, 0x80, 0, 0, 0, 0]),
            Err(DecodeError::Implausible)
        );
    }

    #[test]
    fn names() {
        assert!(name_matches("BBC micro:bit"));
        assert!(name_matches("BBC micro:bit [tupit]"));
        assert!(!name_matches("BBC micro:bit [tu pit]"));
        assert!(!name_matches("BBC micro:bit []"));
        assert!(!name_matches("BBC micro:bitx"));
        assert!(!name_matches("micro:bit"));
    }
}

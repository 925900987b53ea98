//! What every model's decoder shares: the rejection reasons, the checked
//! readers of little-endian fields, the plausibility bound, and the
//! standard GATT services (battery, device information) every model may
//! carry. Pure functions over bytes, so every decoder is tested with golden
//! bytes and fuzzed without a radio.

use uuid::Uuid;

use crate::domain::vector::Vec3;

/// The largest acceleration a body-worn sensor can honestly report. The
/// parts these models use measure at most ±16 g; a value beyond is a
/// corrupt packet, not a jump.
pub const MAX_ABS_G: f32 = 16.0;

/// Why a payload was rejected. Every rejection is counted per link and
/// shown in the Sensors view, never dropped silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("payload of {got} bytes; expected {expected}")]
    Length { got: usize, expected: &'static str },
    #[error("acceleration beyond ±16 g")]
    Implausible,
    #[error("sample period {0} ms is out of range")]
    Period(u32),
    #[error("motion processing rate {0} Hz is out of range")]
    Rate(u16),
    #[error("{0}")]
    Frame(&'static str),
}

/// Acceleration from three milli-g readings, rejecting impossible values.
pub(crate) fn milli_g(x: i16, y: i16, z: i16) -> Result<Vec3, DecodeError> {
    scaled(x, y, z, 1000.0)
}

/// Acceleration from three fixed-point readings with `per_g` counts per g.
pub(crate) fn scaled(x: i16, y: i16, z: i16, per_g: f32) -> Result<Vec3, DecodeError> {
    let v = Vec3::new(
        f32::from(x) / per_g,
        f32::from(y) / per_g,
        f32::from(z) / per_g,
    );
    if [v.x, v.y, v.z].iter().any(|c| c.abs() > MAX_ABS_G) {
        return Err(DecodeError::Implausible);
    }
    Ok(v)
}

pub(crate) fn i16_at(b: &[u8], at: usize) -> i16 {
    i16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The 128-bit form of a 16-bit Bluetooth SIG UUID.
pub const fn sig_uuid(short: u16) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_1000_8000_0080_5f9b_34fb | ((short as u128) << 96))
}

pub const BATTERY_SERVICE: Uuid = sig_uuid(0x180F);
pub const BATTERY_LEVEL: Uuid = sig_uuid(0x2A19);
pub const DEVICE_INFORMATION: Uuid = sig_uuid(0x180A);
pub const MANUFACTURER_NAME: Uuid = sig_uuid(0x2A29);

/// Battery level in percent from the standard characteristic.
pub fn decode_battery(b: &[u8]) -> Result<u8, DecodeError> {
    match b {
        [pct] if *pct <= 100 => Ok(*pct),
        [_] => Err(DecodeError::Implausible),
        _ => Err(DecodeError::Length {
            got: b.len(),
            expected: "1",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sig_uuids_expand_to_the_base_uuid() {
        assert_eq!(
            BATTERY_LEVEL.to_string(),
            "00002a19-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(
            DEVICE_INFORMATION.to_string(),
            "0000180a-0000-1000-8000-00805f9b34fb"
        );
    }

    #[test]
    fn battery_level_is_checked() {
        assert_eq!(decode_battery(&[87]), Ok(87));
        assert_eq!(decode_battery(&[101]), Err(DecodeError::Implausible));
        assert!(matches!(
            decode_battery(&[]),
            Err(DecodeError::Length { got: 0, .. })
        ));
        assert!(matches!(
            decode_battery(&[1, 2]),
            Err(DecodeError::Length { got: 2, .. })
        ));
    }
}

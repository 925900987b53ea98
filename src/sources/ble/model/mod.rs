//! One coordinator per sensor model (as Gadgetbridge does): what the model
//! is, how to recognise it in a scan, which characteristics carry its data
//! and how to decode them. Decoders are pure functions over bytes, checked
//! for length before they read anything, so every model is tested with
//! golden bytes and fuzzed without a radio.

pub mod microbit;
pub mod polar;
pub mod sitless;
pub mod thingy;

use uuid::Uuid;

use crate::domain::vector::Vec3;

/// The largest acceleration a body-worn sensor can honestly report. The
/// parts these models use measure at most ±16 g; a value beyond is a
/// corrupt packet, not a jump.
pub const MAX_ABS_G: f32 = 16.0;

/// Sensor models Sitless can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SensorModel {
    /// The open Sitless profile (`docs/gatt-profile.md`) for DIY firmware.
    Sitless,
    /// BBC micro:bit with the Bluetooth Accelerometer Service.
    MicroBit,
    /// Nordic Thingy:52, Motion Service.
    Thingy52,
    /// Polar H10 chest strap, Measurement Data (PMD) accelerometer.
    PolarH10,
    /// Polar Verity Sense, Measurement Data (PMD) accelerometer.
    PolarVeritySense,
}

impl SensorModel {
    pub const ALL: [Self; 5] = [
        Self::Sitless,
        Self::MicroBit,
        Self::Thingy52,
        Self::PolarH10,
        Self::PolarVeritySense,
    ];

    /// The name stored in the database and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sitless => "sitless",
            Self::MicroBit => "microbit",
            Self::Thingy52 => "thingy52",
            Self::PolarH10 => "polar-h10",
            Self::PolarVeritySense => "polar-verity-sense",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sitless => "Sitless sensor",
            Self::MicroBit => "BBC micro:bit",
            Self::Thingy52 => "Nordic Thingy:52",
            Self::PolarH10 => "Polar H10",
            Self::PolarVeritySense => "Polar Verity Sense",
        }
    }

    /// Recognises a model from what a scan shows. `BlueZ` merges the scan
    /// filters of every client on the machine, so the app filters itself.
    pub fn recognise(name: Option<&str>, services: &[Uuid]) -> Option<Self> {
        if services.contains(&sitless::SERVICE) {
            Some(Self::Sitless)
        } else if services.contains(&thingy::ADVERTISED_SERVICE)
            || services.contains(&thingy::MOTION_SERVICE)
        {
            Some(Self::Thingy52)
        } else if let Some(kind) = name.and_then(polar::kind_of) {
            // Polar sensors advertise their name and the heart rate service;
            // the PMD service is found after connecting.
            Some(match kind {
                polar::PolarKind::H10 => Self::PolarH10,
                polar::PolarKind::VeritySense => Self::PolarVeritySense,
            })
        } else if name.is_some_and(microbit::name_matches) {
            // The micro:bit advertises no service UUID, only its name.
            Some(Self::MicroBit)
        } else {
            None
        }
    }

    /// Whether the model's packets carry the sensor's own time and sequence
    /// numbers (and so can fill gaps from history).
    pub fn has_history(self) -> bool {
        self == Self::Sitless
    }
}

impl std::fmt::Display for SensorModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
pub const MODEL_NUMBER: Uuid = sig_uuid(0x2A24);
pub const FIRMWARE_REVISION: Uuid = sig_uuid(0x2A26);

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
    fn recognises_each_model_and_nothing_else() {
        assert_eq!(
            SensorModel::recognise(Some("whatever"), &[sitless::SERVICE]),
            Some(SensorModel::Sitless)
        );
        assert_eq!(
            SensorModel::recognise(Some("Thingy"), &[thingy::ADVERTISED_SERVICE]),
            Some(SensorModel::Thingy52)
        );
        assert_eq!(
            SensorModel::recognise(Some("BBC micro:bit [zavit]"), &[]),
            Some(SensorModel::MicroBit)
        );
        assert_eq!(
            SensorModel::recognise(Some("Headphones"), &[BATTERY_SERVICE]),
            None
        );
        assert_eq!(SensorModel::recognise(None, &[]), None);
        assert_eq!(
            SensorModel::recognise(Some("Polar H10 A1B2C3D4"), &[polar::HEART_RATE_SERVICE]),
            Some(SensorModel::PolarH10)
        );
        assert_eq!(
            SensorModel::recognise(Some("Polar Sense 0A1B2C3D"), &[]),
            Some(SensorModel::PolarVeritySense)
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

    #[test]
    fn model_names_round_trip() {
        for m in SensorModel::ALL {
            assert_eq!(SensorModel::parse(m.as_str()), Some(m));
        }
        assert_eq!(SensorModel::parse("demo"), None);
    }
}

//! Nordic Thingy:52, Motion Service. The raw data characteristic carries
//! accelerometer, gyroscope and compass; Sitless reads the accelerometer.

use btleplug::api::{Peripheral as _, WriteType};
use uuid::Uuid;

use super::Model;
use crate::domain::sample::Placement;
use crate::domain::vector::Vec3;
use crate::sources::ble::decode::{DecodeError, i16_at, scaled, u16_at};
use crate::sources::ble::gatt::{
    Decoding, DecodingKind, LinkError, SetupCtx, SetupFuture, characteristic,
};

pub(crate) static MODEL: Model = Model {
    id: "thingy52",
    label: "Nordic Thingy:52",
    recognise: |_, services| {
        services.contains(&ADVERTISED_SERVICE) || services.contains(&MOTION_SERVICE)
    },
    placement: Placement::Thigh,
    note: None,
    data: (RAW_DATA, "Thingy:52 raw motion data"),
    setup,
    cue_pose: None,
};

fn setup(SetupCtx { peripheral: p, .. }: SetupCtx<'_>) -> SetupFuture<'_> {
    Box::pin(async move {
        let cfg = characteristic(p, MOTION_CONFIG, "Thingy:52 motion configuration")?;
        let current = p.read(&cfg).await?;
        let wanted = with_hz(&current, WANTED_HZ).map_err(LinkError::Setup)?;
        p.write(&cfg, &wanted, WriteType::WithResponse).await?;
        let hz = config_hz(&p.read(&cfg).await?).map_err(LinkError::Setup)?;
        p.subscribe(&characteristic(p, RAW_DATA, MODEL.data.1)?)
            .await?;
        Ok(Decoding {
            period_ms: 1000 / hz,
            kind: DecodingKind::Arrival {
                data: RAW_DATA,
                decode: decode_raw,
            },
        })
    })
}

const fn thingy_uuid(short: u16) -> Uuid {
    Uuid::from_u128(0xEF68_0000_9B35_4933_9B10_52FF_A974_0042 | ((short as u128) << 96))
}

/// What the Thingy advertises: its configuration service.
pub const ADVERTISED_SERVICE: Uuid = thingy_uuid(0x0100);
pub const MOTION_SERVICE: Uuid = thingy_uuid(0x0400);
/// Motion configuration (read, write).
pub const MOTION_CONFIG: Uuid = thingy_uuid(0x0401);
/// Raw data: accel 3 × i16 Q6.10 g, gyro 3 × i16 Q11.5, compass 3 × i16 Q12.4 (notify).
pub const RAW_DATA: Uuid = thingy_uuid(0x0406);

const RAW_LEN: usize = 18;
const CONFIG_LEN: usize = 9;
/// Offset of the motion processing frequency (u16 Hz) in the configuration.
const FREQ_AT: usize = 6;
pub(crate) const WANTED_HZ: u16 = 25;
pub(crate) const HZ: std::ops::RangeInclusive<u16> = 5..=200;

pub fn decode_raw(b: &[u8]) -> Result<Vec3, DecodeError> {
    if b.len() != RAW_LEN {
        return Err(DecodeError::Length {
            got: b.len(),
            expected: "18",
        });
    }
    // Q6.10: 1024 counts per g.
    scaled(i16_at(b, 0), i16_at(b, 2), i16_at(b, 4), 1024.0)
}

/// The motion processing frequency in a configuration value.
pub fn config_hz(b: &[u8]) -> Result<u16, DecodeError> {
    if b.len() != CONFIG_LEN {
        return Err(DecodeError::Length {
            got: b.len(),
            expected: "9",
        });
    }
    let hz = u16_at(b, FREQ_AT);
    if HZ.contains(&hz) {
        Ok(hz)
    } else {
        Err(DecodeError::Rate(hz))
    }
}

/// The configuration with a new motion processing frequency; the other
/// fields (step counter, compensation intervals, wake on motion) are kept.
pub(crate) fn with_hz(config: &[u8], hz: u16) -> Result<Vec<u8>, DecodeError> {
    config_hz(config).or_else(|e| match e {
        DecodeError::Rate(_) => Ok(0),
        e => Err(e),
    })?;
    let mut out = config.to_vec();
    out[FREQ_AT..FREQ_AT + 2].copy_from_slice(&hz.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        assert_eq!(RAW_DATA.to_string(), "ef680406-9b35-4933-9b10-52ffa9740042");
        assert_eq!(
            ADVERTISED_SERVICE.to_string(),
            "ef680100-9b35-4933-9b10-52ffa9740042"
        );
    }

    #[test]
    fn golden_bytes() {
        // accel (0.5, -1.0, 0.25) g in Q6.10, then gyro and compass.
        let b = [
            0x00, 0x02, 0x00, 0xFC, 0x00, 0x01, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0,
        ];
        assert_eq!(decode_raw(&b), Ok(Vec3::new(0.5, -1.0, 0.25)));
        assert!(decode_raw(&b[..17]).is_err());
        let mut bad = b;
        bad[1] = 0x7F; // 31.75 g
        assert_eq!(decode_raw(&bad), Err(DecodeError::Implausible));
    }

    #[test]
    fn frequency_is_set_without_touching_the_rest() {
        let cfg = [0xE8, 0x03, 0xF4, 0x01, 0x64, 0x00, 0x0A, 0x00, 0x01];
        assert_eq!(config_hz(&cfg), Ok(10));
        let new = with_hz(&cfg, WANTED_HZ).expect("9 bytes");
        assert_eq!(config_hz(&new), Ok(25));
        assert_eq!(new[..6], cfg[..6]);
        assert_eq!(new[8], cfg[8]);
        assert!(with_hz(&cfg[..8], 25).is_err());
    }
}

//! What is kept of one second of one sensor: enough to classify that second
//! again when the sensor's references are learned or corrected later
//! (`docs/posture.md`, "Recovery"). Six bytes a second, packed per minute.

use super::vector::Vec3;

/// One second of one sensor, reduced to what classification reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SecondFeatures {
    pub t_s: i64,
    /// Mean acceleration direction over the second (unit), sensor axes.
    pub gravity: Vec3,
    /// Movement intensity (spread of the samples around their mean), g.
    pub intensity_g: f32,
    /// A periodic stride with impacts: walking, running, stairs.
    pub gait: bool,
    /// Periodic swing without impacts: pedalling.
    pub cyclic: bool,
    /// Part of a run with only the sensor's noise: not on a person.
    pub not_worn: bool,
}

/// Bytes per stored second.
pub(crate) const PACKED_LEN: usize = 6;
const FLAG_PRESENT: u8 = 1;
const FLAG_GAIT: u8 = 2;
const FLAG_CYCLIC: u8 = 4;
const FLAG_NOT_WORN: u8 = 8;
/// Intensity step of the packed byte, g (saturates at 2.55 g).
const INTENSITY_STEP_G: f32 = 0.01;

impl SecondFeatures {
    /// Packs the second: the direction in octahedral coordinates (two
    /// 16-bit numbers, better than 0.01°), intensity, flags.
    pub(crate) fn pack(&self) -> [u8; PACKED_LEN] {
        let (u, v) = octa_encode(self.gravity);
        let [u0, u1] = u.to_le_bytes();
        let [v0, v1] = v.to_le_bytes();
        let intensity = (self.intensity_g / INTENSITY_STEP_G)
            .round()
            .clamp(0.0, 255.0) as u8;
        let flags = FLAG_PRESENT
            | if self.gait { FLAG_GAIT } else { 0 }
            | if self.cyclic { FLAG_CYCLIC } else { 0 }
            | if self.not_worn { FLAG_NOT_WORN } else { 0 };
        [u0, u1, v0, v1, intensity, flags]
    }

    /// The second at `t_s` from its packed bytes; `None` for a slot with
    /// no second in it.
    pub(crate) fn unpack(t_s: i64, b: [u8; PACKED_LEN]) -> Option<Self> {
        let flags = b[5];
        if flags & FLAG_PRESENT == 0 {
            return None;
        }
        Some(Self {
            t_s,
            gravity: octa_decode(
                i16::from_le_bytes([b[0], b[1]]),
                i16::from_le_bytes([b[2], b[3]]),
            ),
            intensity_g: f32::from(b[4]) * INTENSITY_STEP_G,
            gait: flags & FLAG_GAIT != 0,
            cyclic: flags & FLAG_CYCLIC != 0,
            not_worn: flags & FLAG_NOT_WORN != 0,
        })
    }
}

/// A minute of one sensor as stored: 60 slots of `PACKED_LEN` bytes.
pub(crate) fn pack_minute(slots: &[Option<SecondFeatures>; 60]) -> Vec<u8> {
    let mut out = vec![0_u8; 60 * PACKED_LEN];
    for (i, s) in slots.iter().enumerate() {
        if let Some(s) = s {
            out[i * PACKED_LEN..(i + 1) * PACKED_LEN].copy_from_slice(&s.pack());
        }
    }
    out
}

/// The seconds of a stored minute; a blob of the wrong length is refused.
pub(crate) fn unpack_minute(t_min: i64, data: &[u8]) -> Option<Vec<SecondFeatures>> {
    if data.len() != 60 * PACKED_LEN {
        return None;
    }
    Some(
        data.chunks_exact(PACKED_LEN)
            .zip(0..)
            .filter_map(|(c, i)| {
                let mut b = [0_u8; PACKED_LEN];
                b.copy_from_slice(c);
                SecondFeatures::unpack(t_min * 60 + i, b)
            })
            .collect(),
    )
}

fn octa_encode(v: Vec3) -> (i16, i16) {
    let Some(n) = v.normalized() else {
        return (0, 0);
    };
    let l1 = n.x.abs() + n.y.abs() + n.z.abs();
    let (mut x, mut y) = (n.x / l1, n.y / l1);
    if n.z < 0.0 {
        let (ox, oy) = (x, y);
        x = (1.0 - oy.abs()) * ox.signum();
        y = (1.0 - ox.abs()) * oy.signum();
    }
    let q = |f: f32| (f.clamp(-1.0, 1.0) * 32767.0).round() as i16;
    (q(x), q(y))
}

fn octa_decode(u: i16, v: i16) -> Vec3 {
    let x = f32::from(u) / 32767.0;
    let y = f32::from(v) / 32767.0;
    let z = 1.0 - x.abs() - y.abs();
    let (x, y) = if z < 0.0 {
        ((1.0 - y.abs()) * x.signum(), (1.0 - x.abs()) * y.signum())
    } else {
        (x, y)
    };
    Vec3::new(x, y, z)
        .normalized()
        .unwrap_or(Vec3::new(0.0, 0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_direction_intensity_and_flags() {
        let mut rng = fastrand::Rng::with_seed(7);
        for i in 0..2000 {
            let g = Vec3::new(rng.f32() - 0.5, rng.f32() - 0.5, rng.f32() - 0.5);
            let Some(g) = g.normalized() else { continue };
            let f = SecondFeatures {
                t_s: 120 + i64::from(i % 60),
                gravity: g,
                intensity_g: rng.f32() * 0.8,
                gait: i % 2 == 0,
                cyclic: i % 3 == 0,
                not_worn: i % 5 == 0,
            };
            let back = SecondFeatures::unpack(f.t_s, f.pack()).expect("present");
            assert!(
                (back.gravity - g).norm() < 1e-4,
                "{g:?} -> {:?}",
                back.gravity
            );
            assert!((back.intensity_g - f.intensity_g).abs() <= 0.005 + 1e-6);
            assert_eq!(
                (back.gait, back.cyclic, back.not_worn),
                (f.gait, f.cyclic, f.not_worn)
            );
        }
    }

    #[test]
    fn a_minute_keeps_its_gaps_and_refuses_a_short_blob() {
        let mut slots = [None; 60];
        let f = SecondFeatures {
            t_s: 0,
            gravity: Vec3::new(0.0, -1.0, 0.0),
            intensity_g: 0.2,
            gait: true,
            cyclic: false,
            not_worn: false,
        };
        slots[3] = Some(f);
        slots[59] = Some(f);
        let blob = pack_minute(&slots);
        let back = unpack_minute(10, &blob).expect("right length");
        assert_eq!(back.iter().map(|s| s.t_s).collect::<Vec<_>>(), [603, 659]);
        assert!(unpack_minute(10, &blob[1..]).is_none());
    }
}

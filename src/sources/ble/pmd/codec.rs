//! The bytes of Polar's Measurement Data (PMD) service, as the H10 and the
//! Verity Sense speak it (`model/polar.rs` is the models): the control point (read its features, query the accelerometer
//! settings, start the stream) and the data characteristic (frames of
//! samples stamped with the sensor's clock).
//!
//! Written from Polar's published description of the protocol (the PMD
//! specification and the polar-ble-sdk sources, under Polar's own licence);
//! no code of theirs is used. The wire format, as Sitless reads it:
//!
//! - Control point write: `[op, measurement type, settings…]`; op 1 gets the
//!   settings, 2 starts, 3 stops. A setting is `[type, count, values…]`:
//!   sample rate (0), resolution (1) and range (2) are u16, channels (4) a
//!   u8, the factor (5) an f32, all little-endian.
//! - Control point indication: `[0xF0, op, type, status, more, settings…]`;
//!   status 0 is success.
//! - Data notification: `[type, timestamp u64 ns, frame type, payload]`.
//!   The timestamp is the sensor's clock (nanoseconds since 2000-01-01) at
//!   the frame's last sample. Frame type bit 7 marks a delta-compressed
//!   frame; the low bits say the sample size (raw 0/1/2: 1/2/3 bytes per
//!   axis, mG). A compressed frame is a reference sample, then blocks of
//!   `[bit width, count]` and `count` × 3 signed deltas packed from the least
//!   significant bit, each added to the sample before; values × factor are mG.

use uuid::Uuid;

use crate::domain::vector::Vec3;
use crate::sources::ble::decode::{DecodeError, MAX_ABS_G};

pub const PMD_SERVICE: Uuid = Uuid::from_u128(0xFB00_5C80_02E7_F387_1CAD_8ACD_2D8D_F0C8);
pub const PMD_CONTROL: Uuid = Uuid::from_u128(0xFB00_5C81_02E7_F387_1CAD_8ACD_2D8D_F0C8);
pub const PMD_DATA: Uuid = Uuid::from_u128(0xFB00_5C82_02E7_F387_1CAD_8ACD_2D8D_F0C8);

/// The measurement type of the accelerometer.
pub const ACC: u8 = 2;
/// Control point operations.
pub mod op {
    pub const GET_SETTINGS: u8 = 1;
    pub const START: u8 = 2;
    pub const STOP: u8 = 3;
}
/// The first byte of every control point response.
pub const RESPONSE: u8 = 0xF0;
/// The first byte of the control point's feature read.
pub const FEATURES: u8 = 0x0F;

/// The most samples a frame may claim (a 512-byte MTU holds far fewer):
/// a bound on what one notification can make the app allocate.
pub const MAX_FRAME_SAMPLES: usize = 1024;

/// Setting types.
mod setting {
    pub(crate) const SAMPLE_RATE: u8 = 0;
    pub(crate) const RESOLUTION: u8 = 1;
    pub(crate) const RANGE: u8 = 2;
    pub(crate) const RANGE_MILLIUNIT: u8 = 3;
    pub(crate) const CHANNELS: u8 = 4;
    pub(crate) const FACTOR: u8 = 5;
}

/// What the sensor offers (or chose) for a measurement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub rates_hz: Vec<u16>,
    pub resolutions: Vec<u16>,
    pub ranges_g: Vec<u16>,
    pub channels: Vec<u8>,
    /// mG per count of a compressed frame.
    pub factor: Option<f32>,
}

/// A control point response.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub op: u8,
    pub measurement: u8,
    pub status: u8,
    pub more: bool,
    pub settings: Settings,
}

fn short(got: usize, expected: &'static str) -> DecodeError {
    DecodeError::Length { got, expected }
}

/// Parses the settings of a response (or of a start request).
pub(crate) fn parse_settings(b: &[u8]) -> Result<Settings, DecodeError> {
    let mut s = Settings::default();
    let mut i = 0;
    while i < b.len() {
        let (kind, count) = match b.get(i..i + 2) {
            Some(&[k, c]) => (k, usize::from(c)),
            _ => return Err(short(b.len(), "a setting type and count")),
        };
        i += 2;
        let size = match kind {
            setting::SAMPLE_RATE | setting::RESOLUTION | setting::RANGE => 2,
            setting::RANGE_MILLIUNIT | setting::FACTOR => 4,
            setting::CHANNELS => 1,
            _ => return Err(DecodeError::Frame("unknown PMD setting type")),
        };
        let values = b
            .get(i..i + size * count)
            .ok_or(short(b.len(), "the setting's values"))?;
        i += size * count;
        for v in values.chunks_exact(size) {
            match kind {
                setting::SAMPLE_RATE => s.rates_hz.push(u16::from_le_bytes([v[0], v[1]])),
                setting::RESOLUTION => s.resolutions.push(u16::from_le_bytes([v[0], v[1]])),
                setting::RANGE => s.ranges_g.push(u16::from_le_bytes([v[0], v[1]])),
                setting::CHANNELS => s.channels.push(v[0]),
                setting::FACTOR => {
                    let f = f32::from_le_bytes([v[0], v[1], v[2], v[3]]);
                    if !(f.is_finite() && f > 0.0 && f < 100.0) {
                        return Err(DecodeError::Frame("PMD factor out of range"));
                    }
                    s.factor = Some(f);
                }
                _ => {}
            }
        }
    }
    Ok(s)
}

/// Parses a control point indication.
pub fn parse_response(b: &[u8]) -> Result<Response, DecodeError> {
    let [RESPONSE, op, measurement, status, rest @ ..] = b else {
        return Err(short(
            b.len(),
            "a PMD response of at least 4 bytes starting 0xF0",
        ));
    };
    // Settings follow only a success, after the "more" byte.
    let (more, settings) = match (status, rest) {
        (0, [more, params @ ..]) => (*more != 0, parse_settings(params)?),
        _ => (false, Settings::default()),
    };
    Ok(Response {
        op: *op,
        measurement: *measurement,
        status: *status,
        more,
        settings,
    })
}

/// Whether the feature read says the sensor streams acceleration.
pub(crate) fn has_acc(features: &[u8]) -> bool {
    matches!(features, [FEATURES, bits, ..] if bits & (1 << ACC) != 0)
}

pub(crate) fn get_settings_command() -> [u8; 2] {
    [op::GET_SETTINGS, ACC]
}

pub(crate) fn stop_command() -> [u8; 2] {
    [op::STOP, ACC]
}

/// The rate to ask for: the fastest offered from 25 to 52 Hz (enough for
/// gait, gentle on the battery), else the slowest offered.
pub(crate) fn choose_rate(rates: &[u16]) -> Option<u16> {
    rates
        .iter()
        .copied()
        .filter(|r| (25..=52).contains(r))
        .max()
        .or_else(|| rates.iter().copied().min())
}

/// The range to ask for: 8 g where offered (a heel strike on the thigh
/// passes 2 g), else the widest.
pub(crate) fn choose_range(ranges: &[u16]) -> Option<u16> {
    if ranges.contains(&8) {
        Some(8)
    } else {
        ranges.iter().copied().max()
    }
}

/// The start request for the accelerometer with the chosen settings.
pub fn start_command(offered: &Settings) -> Result<(Vec<u8>, u16), DecodeError> {
    let rate =
        choose_rate(&offered.rates_hz).ok_or(DecodeError::Frame("no ACC sample rate offered"))?;
    let mut c = vec![op::START, ACC, setting::SAMPLE_RATE, 1];
    c.extend_from_slice(&rate.to_le_bytes());
    if let Some(res) = offered.resolutions.iter().copied().max() {
        c.extend_from_slice(&[setting::RESOLUTION, 1]);
        c.extend_from_slice(&res.to_le_bytes());
    }
    if let Some(range) = choose_range(&offered.ranges_g) {
        c.extend_from_slice(&[setting::RANGE, 1]);
        c.extend_from_slice(&range.to_le_bytes());
    }
    if let Some(&ch) = offered.channels.iter().max() {
        c.extend_from_slice(&[setting::CHANNELS, 1, ch]);
    }
    Ok((c, rate))
}

/// One data frame: the sensor's time of its last sample and the samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Nanoseconds since Polar's epoch, on the sensor's clock.
    pub last_ns: u64,
    pub accel_g: Vec<Vec3>,
}

fn signed(v: u64, bits: u32) -> i64 {
    if bits == 0 {
        return 0;
    }
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

fn read_le(b: &[u8]) -> u64 {
    b.iter()
        .rev()
        .fold(0_u64, |acc, &x| (acc << 8) | u64::from(x))
}

fn to_g(mg: [f64; 3]) -> Result<Vec3, DecodeError> {
    let v = Vec3::new(
        (mg[0] / 1000.0) as f32,
        (mg[1] / 1000.0) as f32,
        (mg[2] / 1000.0) as f32,
    );
    if [v.x, v.y, v.z]
        .iter()
        .any(|c| !c.is_finite() || c.abs() > MAX_ABS_G)
    {
        return Err(DecodeError::Implausible);
    }
    Ok(v)
}

/// A delta-compressed payload of three channels at `bits` per reference value.
fn delta_samples(p: &[u8], bits: u32) -> Result<Vec<[i64; 3]>, DecodeError> {
    let bytes = bits.div_ceil(8) as usize;
    let reference = p
        .get(..3 * bytes)
        .ok_or(short(p.len(), "a reference sample"))?;
    let mut last = [0_i64; 3];
    for (k, v) in last.iter_mut().enumerate() {
        *v = signed(read_le(&reference[k * bytes..(k + 1) * bytes]), bits);
    }
    let mut out = vec![last];
    let mut i = 3 * bytes;
    while i < p.len() {
        let (width, count) = match p.get(i..i + 2) {
            Some(&[w, c]) => (u32::from(w), usize::from(c)),
            _ => return Err(short(p.len(), "a delta block header")),
        };
        i += 2;
        if width > 32 {
            return Err(DecodeError::Frame("delta wider than 32 bits"));
        }
        if out.len() + count > MAX_FRAME_SAMPLES {
            return Err(DecodeError::Frame("more samples than a frame can hold"));
        }
        let total_bits = count * 3 * width as usize;
        let block = p
            .get(i..i + total_bits.div_ceil(8))
            .ok_or(short(p.len(), "the delta block"))?;
        i += block.len();
        let mut bit = 0_usize;
        for _ in 0..count {
            let mut next = last;
            for v in &mut next {
                let mut raw = 0_u64;
                for k in 0..width as usize {
                    let b = bit + k;
                    if block[b / 8] >> (b % 8) & 1 == 1 {
                        raw |= 1 << k;
                    }
                }
                bit += width as usize;
                *v = v.saturating_add(signed(raw, width));
            }
            out.push(next);
            last = next;
        }
    }
    Ok(out)
}

/// Decodes an accelerometer data frame. `factor` (mG per count) comes
/// from the start response; raw frames are in mG already.
pub fn decode_frame(b: &[u8], factor: f32) -> Result<Frame, DecodeError> {
    if b.len() < 10 {
        return Err(short(b.len(), "at least 10 (a PMD frame header)"));
    }
    if b[0] != ACC {
        return Err(DecodeError::Frame("not an accelerometer frame"));
    }
    let last_ns = read_le(&b[1..9]);
    let kind = b[9];
    let payload = &b[10..];
    let factor = f64::from(factor);
    let samples: Vec<[f64; 3]> = if kind & 0x80 == 0 {
        let size = match kind {
            0 => 1,
            1 => 2,
            2 => 3,
            _ => return Err(DecodeError::Frame("unknown raw PMD frame type")),
        };
        if payload.is_empty() || !payload.len().is_multiple_of(3 * size) {
            return Err(short(b.len(), "10 + a whole number of samples"));
        }
        payload
            .chunks_exact(3 * size)
            .map(|s| {
                let v = |k: usize| {
                    signed(read_le(&s[k * size..(k + 1) * size]), 8 * size as u32) as f64
                };
                [v(0), v(1), v(2)]
            })
            .collect()
    } else {
        // Type 0 counts in g × factor; type 1 in mG × factor.
        let (bits, unit) = match kind & 0x7F {
            0 => (16, 1000.0),
            1 => (16, 1.0),
            _ => return Err(DecodeError::Frame("unknown compressed PMD frame type")),
        };
        delta_samples(payload, bits)?
            .into_iter()
            .map(|s| s.map(|v| v as f64 * factor * unit))
            .collect()
    };
    if samples.len() > MAX_FRAME_SAMPLES {
        return Err(DecodeError::Frame("more samples than a frame can hold"));
    }
    let accel_g = samples
        .into_iter()
        .map(to_g)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Frame { last_ns, accel_g })
}

/// The encoder, for the fake sensors in the tests and the golden vectors:
/// a raw 16-bit frame of mG samples.
pub fn encode_raw_frame(last_ns: u64, mg: &[[i16; 3]]) -> Vec<u8> {
    let mut b = vec![ACC];
    b.extend_from_slice(&last_ns.to_le_bytes());
    b.push(1);
    for s in mg {
        for v in s {
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    b
}

/// A delta-compressed frame (type 1) of counts: the first sample as the
/// reference, the rest as one block of the narrowest width that fits.
pub fn encode_delta_frame(last_ns: u64, counts: &[[i16; 3]]) -> Vec<u8> {
    let mut b = vec![ACC];
    b.extend_from_slice(&last_ns.to_le_bytes());
    b.push(0x81);
    let Some(first) = counts.first() else {
        return b;
    };
    for v in first {
        b.extend_from_slice(&v.to_le_bytes());
    }
    let deltas: Vec<i32> = counts
        .windows(2)
        .flat_map(|w| (0..3).map(move |k| i32::from(w[1][k]) - i32::from(w[0][k])))
        .collect();
    if deltas.is_empty() {
        return b;
    }
    let width = deltas
        .iter()
        .map(|d| {
            33 - if *d < 0 {
                (!*d).leading_zeros()
            } else {
                d.leading_zeros()
            }
        })
        .max()
        .unwrap_or(1)
        .max(1);
    b.push(width as u8);
    b.push((counts.len() - 1) as u8);
    let mut bits = vec![0_u8; (deltas.len() * width as usize).div_ceil(8)];
    for (n, d) in deltas.iter().enumerate() {
        for k in 0..width as usize {
            if (d >> k) & 1 == 1 {
                let at = n * width as usize + k;
                bits[at / 8] |= 1 << (at % 8);
            }
        }
    }
    b.extend_from_slice(&bits);
    b
}

/// Sample times for a frame on the sensor's own clock: spaced by what
/// passed since the previous frame (or by the rate for the first), ending
/// at the frame's timestamp. Unix milliseconds, given the sensor clock's
/// offset.
pub(crate) fn sample_times_ms(
    frame: &Frame,
    previous_last_ns: Option<u64>,
    rate_hz: u16,
    offset_ms: i64,
) -> Vec<i64> {
    let n = frame.accel_g.len();
    if n == 0 {
        return Vec::new();
    }
    let by_rate = 1e9 / f64::from(rate_hz.max(1));
    let step_ns = match previous_last_ns {
        Some(p) if frame.last_ns > p => {
            let s = (frame.last_ns - p) as f64 / n as f64;
            // A gap (a lost frame) would stretch the spacing: keep the rate.
            if s < by_rate * 1.5 { s } else { by_rate }
        }
        _ => by_rate,
    };
    (0..n)
        .map(|i| {
            let ns = frame.last_ns as f64 - step_ns * (n - 1 - i) as f64;
            (ns / 1e6).round() as i64 + offset_ms
        })
        .collect()
}

/// The offset from the sensor's clock to Unix time, from a frame that
/// arrived at `arrival_ms` (its last sample was just taken).
pub(crate) fn clock_offset_ms(last_ns: u64, arrival_ms: i64) -> i64 {
    arrival_ms - (last_ns / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings an H10 answers for ACC: 25–200 Hz, 16 bits, 2–8 g.
    const H10_SETTINGS: [u8; 27] = [
        0xF0, 0x01, 0x02, 0x00, 0x00, // response to get settings, success
        0x00, 0x04, 25, 0, 50, 0, 100, 0, 200, 0, // rates
        0x01, 0x01, 16, 0, // resolution
        0x02, 0x03, 2, 0, 4, 0, 8, 0, // ranges
    ];

    #[test]
    fn uuids() {
        assert_eq!(
            PMD_CONTROL.to_string(),
            "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
        );
    }

    #[test]
    fn settings_are_read_and_the_start_asks_for_what_fits() {
        let r = parse_response(&H10_SETTINGS).unwrap();
        assert_eq!((r.op, r.measurement, r.status), (1, 2, 0));
        assert_eq!(r.settings.rates_hz, vec![25, 50, 100, 200]);
        assert_eq!(r.settings.ranges_g, vec![2, 4, 8]);
        let (cmd, rate) = start_command(&r.settings).unwrap();
        assert_eq!(rate, 50);
        assert_eq!(cmd, vec![2, 2, 0, 1, 50, 0, 1, 1, 16, 0, 2, 1, 8, 0]);
        // The Verity Sense offers 52 Hz only; the factor comes with the start.
        assert_eq!(choose_rate(&[52]), Some(52));
        assert_eq!(choose_rate(&[104, 208]), Some(104));
        let start = [0xF0, 2, 2, 0, 0, 5, 1, 0x00, 0x00, 0x80, 0x3E];
        assert_eq!(parse_response(&start).unwrap().settings.factor, Some(0.25));
        // An error carries no settings.
        let e = parse_response(&[0xF0, 2, 2, 8]).unwrap();
        assert_eq!(e.status, 8);
        assert!(parse_response(&[0xF0, 2]).is_err());
        assert!(
            parse_response(&[0xF0, 1, 2, 0, 0, 0, 4, 25]).is_err(),
            "cut short"
        );
        assert!(has_acc(&[0x0F, 0b0000_0101]));
        assert!(!has_acc(&[0x0F, 0b0000_0001]));
    }

    #[test]
    fn a_raw_frame_golden_bytes() {
        // Two samples of (0, 1000, -250) mG and (16, 990, -260) mG.
        let b = [
            2, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x07, 1, //
            0x00, 0x00, 0xE8, 0x03, 0x06, 0xFF, //
            0x10, 0x00, 0xDE, 0x03, 0xFC, 0xFE,
        ];
        let f = decode_frame(&b, 1.0).unwrap();
        assert_eq!(f.last_ns, 0x0760_5040_3020_1000);
        assert_eq!(
            f.accel_g,
            vec![Vec3::new(0.0, 1.0, -0.25), Vec3::new(0.016, 0.99, -0.26)]
        );
        assert_eq!(
            encode_raw_frame(f.last_ns, &[[0, 1000, -250], [16, 990, -260]]),
            b.to_vec()
        );
        assert!(decode_frame(&b[..21], 1.0).is_err(), "half a sample");
        let mut ecg = b;
        ecg[0] = 0;
        assert!(decode_frame(&ecg, 1.0).is_err());
    }

    #[test]
    fn a_delta_frame_golden_bytes_and_round_trip() {
        // Reference (100, -200, 1000), then deltas (+1, -1, 0) and (-2, +3, +1)
        // at 3 bits: 001 111 000 110 011 001 (low bit first), in 18 bits.
        let b = [
            2,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0x81, //
            100,
            0,
            0x38,
            0xFF,
            0xE8,
            0x03, //
            3,
            2,
            0b0011_1001,
            0b1011_1100,
            0b0000_0000,
        ];
        let f = decode_frame(&b, 1.0).unwrap();
        assert_eq!(
            f.accel_g,
            vec![
                Vec3::new(0.1, -0.2, 1.0),
                Vec3::new(0.101, -0.201, 1.0),
                Vec3::new(0.099, -0.198, 1.001),
            ]
        );
        let counts = [[100, -200, 1000], [101, -201, 1000], [99, -198, 1001]];
        assert_eq!(encode_delta_frame(0, &counts), b.to_vec());
        // With the Verity Sense's factor: counts of 0.25 mG.
        let f = decode_frame(
            &encode_delta_frame(5, &[[4000, 0, -4000], [3996, 4, -3992]]),
            0.25,
        )
        .unwrap();
        assert_eq!(f.accel_g[1], Vec3::new(0.999, 0.001, -0.998));
        // A block claiming more bits than the frame has.
        let mut cut = b.to_vec();
        cut.pop();
        assert!(decode_frame(&cut, 1.0).is_err());
    }

    #[test]
    fn sample_times_follow_the_sensors_clock() {
        let f = Frame {
            last_ns: 10_000_000_000,
            accel_g: vec![Vec3::new(0.0, 0.0, 1.0); 5],
        };
        // First frame: spaced by the rate (50 Hz), ending at the stamp.
        assert_eq!(
            sample_times_ms(&f, None, 50, 1_000),
            vec![10_920, 10_940, 10_960, 10_980, 11_000]
        );
        // Next: spaced by the sensor's clock (21 ms a sample here).
        assert_eq!(
            sample_times_ms(&f, Some(9_895_000_000), 50, 0),
            vec![9_916, 9_937, 9_958, 9_979, 10_000]
        );
        assert_eq!(
            clock_offset_ms(10_000_000_000, 1_700_000_000_000),
            1_699_999_990_000
        );
    }
}

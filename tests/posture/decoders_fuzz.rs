//! Property test of every BLE decoder: a million seeded random payloads
//! each, half of them of a valid length. No payload may panic; every one is
//! either decoded into plausible values that encode back to the same bytes,
//! or rejected with a counted reason.

use ::sitless::domain::vector::Vec3;
use ::sitless::sources::ble::decode::{DecodeError, MAX_ABS_G, decode_battery};
use ::sitless::sources::ble::model::{microbit, sitless as profile, thingy};
use ::sitless::sources::ble::pmd::codec as polar;

const N: usize = 1_000_000;

#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    bad_length: usize,
    implausible: usize,
    period: usize,
    frame: usize,
}

impl Tally {
    fn count<T>(&mut self, r: &Result<T, DecodeError>) {
        match r {
            Ok(_) => self.ok += 1,
            Err(DecodeError::Length { .. }) => self.bad_length += 1,
            Err(DecodeError::Implausible) => self.implausible += 1,
            Err(DecodeError::Period(_) | DecodeError::Rate(_)) => self.period += 1,
            Err(DecodeError::Frame(_)) => self.frame += 1,
        }
    }

    fn total(&self) -> usize {
        self.ok + self.bad_length + self.implausible + self.period + self.frame
    }
}

fn payload(rng: &mut fastrand::Rng, valid: &[usize], buf: &mut Vec<u8>) {
    let len = if rng.bool() {
        valid[rng.usize(..valid.len())]
    } else {
        rng.usize(..=64)
    };
    buf.clear();
    // Small values half the time, so plausible accelerations occur.
    let small = rng.bool();
    buf.extend((0..len).map(|i| {
        if small && i % 2 == 1 {
            if rng.bool() { 0x00 } else { 0xFF }
        } else {
            rng.u8(..)
        }
    }));
}

fn plausible(v: Vec3) -> bool {
    [v.x, v.y, v.z]
        .iter()
        .all(|c| c.is_finite() && c.abs() <= MAX_ABS_G)
}

fn to_mg(v: Vec3, per_g: f32) -> [i16; 3] {
    [v.x, v.y, v.z].map(|c| (c * per_g).round() as i16)
}

#[test]
fn sitless_samples_decoder() {
    let mut rng = fastrand::Rng::with_seed(1);
    let mut t = Tally::default();
    let mut buf = Vec::new();
    let mut wrong_length = 0;
    for _ in 0..N {
        payload(&mut rng, &[14, 20], &mut buf);
        wrong_length += usize::from(buf.len() != 14 && buf.len() != 20);
        let r = profile::decode_samples(&buf);
        if let Ok(p) = &r {
            assert!(p.accel_g.iter().all(|v| plausible(*v)));
            let mg: Vec<[i16; 3]> = p.accel_g.iter().map(|v| to_mg(*v, 1000.0)).collect();
            assert_eq!(profile::encode_samples(p.seq, p.time_cs, &mg), buf);
        }
        t.count(&r);
    }
    eprintln!("sitless samples: {t:?}");
    assert_eq!(t.total(), N);
    assert_eq!(t.bad_length, wrong_length);
    assert!(t.ok > N / 10 && t.implausible > N / 10, "{t:?}");
}

#[test]
fn sitless_history_decoder() {
    let mut rng = fastrand::Rng::with_seed(2);
    let mut t = Tally::default();
    let mut buf = Vec::new();
    for _ in 0..N {
        payload(&mut rng, &[4, 14, 20], &mut buf);
        let r = profile::decode_history(&buf);
        if let Ok(profile::HistoryPdu::End { next_seq }) = &r {
            assert_eq!(buf, next_seq.to_le_bytes());
        }
        t.count(&r);
    }
    eprintln!("sitless history: {t:?}");
    assert_eq!(t.total(), N);
    assert!(t.ok > N / 10, "{t:?}");
}

#[test]
fn microbit_decoder() {
    let mut rng = fastrand::Rng::with_seed(3);
    let mut t = Tally::default();
    let mut buf = Vec::new();
    let mut wrong_length = 0;
    for _ in 0..N {
        payload(&mut rng, &[6], &mut buf);
        wrong_length += usize::from(buf.len() != 6);
        let r = microbit::decode_data(&buf);
        if let Ok(v) = r {
            assert!(plausible(v));
            let back: Vec<u8> = to_mg(v, 1000.0)
                .iter()
                .flat_map(|c| c.to_le_bytes())
                .collect();
            assert_eq!(back, buf);
        }
        t.count(&r);
    }
    eprintln!("micro:bit: {t:?}");
    assert_eq!(t.total(), N);
    assert_eq!(t.bad_length, wrong_length);
    assert!(t.ok > N / 10 && t.implausible > N / 10, "{t:?}");
}

#[test]
fn thingy_decoder() {
    let mut rng = fastrand::Rng::with_seed(4);
    let mut t = Tally::default();
    let mut buf = Vec::new();
    let mut wrong_length = 0;
    for _ in 0..N {
        payload(&mut rng, &[18], &mut buf);
        wrong_length += usize::from(buf.len() != 18);
        let r = thingy::decode_raw(&buf);
        if let Ok(v) = r {
            assert!(plausible(v));
            let back: Vec<u8> = to_mg(v, 1024.0)
                .iter()
                .flat_map(|c| c.to_le_bytes())
                .collect();
            assert_eq!(back, buf[..6]);
        }
        t.count(&r);
    }
    eprintln!("Thingy:52: {t:?}");
    assert_eq!(t.total(), N);
    assert_eq!(t.bad_length, wrong_length);
    assert!(t.ok > N / 20, "{t:?}");
}

#[test]
fn settings_and_battery_decoders() {
    let mut rng = fastrand::Rng::with_seed(5);
    let mut t = Tally::default();
    let mut buf = Vec::new();
    for _ in 0..N {
        payload(&mut rng, &[1, 2, 9], &mut buf);
        t.count(&profile::decode_period(&buf));
        t.count(&microbit::decode_period(&buf));
        t.count(&thingy::config_hz(&buf));
        let b = decode_battery(&buf);
        if let Ok(pct) = b {
            assert!(pct <= 100);
        }
        t.count(&b);
    }
    eprintln!("settings and battery: {t:?}");
    assert_eq!(t.total(), 4 * N);
}

/// A PMD frame header (accelerometer, some time) then `body`.
fn pmd_frame(rng: &mut fastrand::Rng, kind: u8, body: &[u8]) -> Vec<u8> {
    let mut b = vec![if rng.u8(..10) == 0 {
        rng.u8(..)
    } else {
        polar::ACC
    }];
    b.extend_from_slice(&rng.u64(..).to_le_bytes());
    b.push(kind);
    b.extend_from_slice(body);
    b
}

#[test]
fn polar_raw_frame_decoder() {
    let mut rng = fastrand::Rng::with_seed(6);
    let mut t = Tally::default();
    let mut body = Vec::new();
    for _ in 0..N {
        // Whole 16-bit samples half the time, any length otherwise.
        let valid: Vec<usize> = (1..=40).map(|n| 6 * n).collect();
        payload(&mut rng, &valid, &mut body);
        let kind = if rng.u8(..8) == 0 { rng.u8(..0x80) } else { 1 };
        let b = pmd_frame(&mut rng, kind, &body);
        let r = polar::decode_frame(&b, 1.0);
        if let Ok(f) = &r {
            assert!(f.accel_g.iter().all(|v| plausible(*v)));
            if kind == 1 {
                let mg: Vec<[i16; 3]> = f.accel_g.iter().map(|v| to_mg(*v, 1000.0)).collect();
                assert_eq!(polar::encode_raw_frame(f.last_ns, &mg)[1..], b[1..]);
            }
        }
        t.count(&r);
    }
    eprintln!("Polar raw frames: {t:?}");
    assert_eq!(t.total(), N);
    assert!(t.ok > N / 10 && t.implausible > N / 20, "{t:?}");
}

#[test]
fn polar_delta_frame_decoder() {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut t = Tally::default();
    let mut round_trips = 0;
    for _ in 0..N {
        let b = if rng.bool() {
            // A frame as a sensor makes it: counts near 1 g, small steps.
            let n = rng.usize(1..=40);
            let mut c = [
                rng.i16(-4000..4000),
                rng.i16(-4000..4000),
                rng.i16(-4000..4000),
            ];
            let step = rng.i16(1..300);
            let counts: Vec<[i16; 3]> = (0..n)
                .map(|_| {
                    for v in &mut c {
                        *v = v.saturating_add(rng.i16(-step..=step));
                    }
                    c
                })
                .collect();
            let mut b = polar::encode_delta_frame(rng.u64(..), &counts);
            // Now and then cut, or a byte flipped.
            match rng.u8(..6) {
                0 => b.truncate(rng.usize(..b.len())),
                1 => {
                    let i = rng.usize(..b.len());
                    b[i] ^= rng.u8(1..);
                }
                _ => {}
            }
            b
        } else {
            let mut body = Vec::new();
            payload(&mut rng, &[6, 8, 20, 40], &mut body);
            pmd_frame(&mut rng, 0x81, &body)
        };
        let r = polar::decode_frame(&b, 0.25);
        if let Ok(f) = &r {
            assert!(f.accel_g.iter().all(|v| plausible(*v)));
            assert!(f.accel_g.len() <= polar::MAX_FRAME_SAMPLES);
            // What decodes re-encodes to a frame that decodes the same
            // (where its counts fit the encoder's i16: within ±8 g).
            let fits = f
                .accel_g
                .iter()
                .all(|v| [v.x, v.y, v.z].iter().all(|c| c.abs() <= 8.0));
            let counts: Vec<[i16; 3]> = f.accel_g.iter().map(|v| to_mg(*v, 4000.0)).collect();
            let again = polar::decode_frame(&polar::encode_delta_frame(f.last_ns, &counts), 0.25);
            if let (true, Ok(g)) = (fits, again) {
                round_trips += 1;
                assert_eq!(g.accel_g.len(), f.accel_g.len());
                for (a, b) in f.accel_g.iter().zip(&g.accel_g) {
                    assert!((a.x - b.x).abs() < 1e-3 && (a.z - b.z).abs() < 1e-3);
                }
            }
        }
        t.count(&r);
    }
    eprintln!("Polar delta frames: {t:?}, {round_trips} re-encoded");
    assert_eq!(t.total(), N);
    assert!(
        t.ok > N / 4 && t.bad_length > N / 20 && round_trips > N / 5,
        "{t:?}"
    );
}

#[test]
fn polar_control_point_responses() {
    let mut rng = fastrand::Rng::with_seed(8);
    let mut t = Tally::default();
    let mut buf = Vec::new();
    for _ in 0..N {
        payload(&mut rng, &[4, 5, 9, 11, 21, 27], &mut buf);
        if rng.bool() && buf.len() >= 5 {
            // Mostly well-formed heads: a success with settings to parse.
            buf[0] = polar::RESPONSE;
            buf[3] = 0;
        }
        let r = polar::parse_response(&buf);
        if let Ok(resp) = &r {
            assert!(
                resp.settings
                    .factor
                    .is_none_or(|f| f.is_finite() && f > 0.0)
            );
            let _ = polar::start_command(&resp.settings);
        }
        t.count(&r);
    }
    eprintln!("Polar responses: {t:?}");
    assert_eq!(t.total(), N);
    assert!(t.ok > N / 50 && t.frame > N / 10, "{t:?}");
}

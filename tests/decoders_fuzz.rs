//! Property test of every BLE decoder: a million seeded random payloads
//! each, half of them of a valid length. No payload may panic; every one is
//! either decoded into plausible values that encode back to the same bytes,
//! or rejected with a counted reason.

use ::sitless::domain::vector::Vec3;
use ::sitless::sources::ble::model::sitless as profile;
use ::sitless::sources::ble::model::{DecodeError, MAX_ABS_G, decode_battery, microbit, thingy};

const N: usize = 1_000_000;

#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    bad_length: usize,
    implausible: usize,
    period: usize,
}

impl Tally {
    fn count<T>(&mut self, r: &Result<T, DecodeError>) {
        match r {
            Ok(_) => self.ok += 1,
            Err(DecodeError::Length { .. }) => self.bad_length += 1,
            Err(DecodeError::Implausible) => self.implausible += 1,
            Err(DecodeError::Period(_) | DecodeError::Rate(_)) => self.period += 1,
        }
    }

    fn total(&self) -> usize {
        self.ok + self.bad_length + self.implausible + self.period
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

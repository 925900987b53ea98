//! Decoder throughput: payloads per second for each sensor model.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sitless::sources::ble::model::{microbit, sitless as profile, thingy};
use sitless::sources::ble::pmd::codec as polar;

fn payloads(len: usize, n: usize) -> Vec<Vec<u8>> {
    let mut rng = fastrand::Rng::with_seed(9);
    (0..n)
        .map(|_| {
            let mut b = vec![0u8; len];
            // Plausible readings: within ±2 g.
            for c in b.chunks_mut(2) {
                let v = rng.i16(-2000..2000).to_le_bytes();
                c.copy_from_slice(&v[..c.len()]);
            }
            b
        })
        .collect()
}

fn decoders(c: &mut Criterion) {
    let n = 10_000;
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(n as u64));
    let sitless = payloads(20, n);
    g.bench_function(BenchmarkId::new("sitless", "20 B, 2 samples"), |b| {
        b.iter(|| {
            sitless
                .iter()
                .filter_map(|p| profile::decode_samples(std::hint::black_box(p)).ok())
                .count()
        });
    });
    let mb = payloads(6, n);
    g.bench_function(BenchmarkId::new("microbit", "6 B"), |b| {
        b.iter(|| {
            mb.iter()
                .filter_map(|p| microbit::decode_data(std::hint::black_box(p)).ok())
                .count()
        });
    });
    let th = payloads(18, n);
    g.bench_function(BenchmarkId::new("thingy52", "18 B"), |b| {
        b.iter(|| {
            th.iter()
                .filter_map(|p| thingy::decode_raw(std::hint::black_box(p)).ok())
                .count()
        });
    });
    g.finish();
}

/// Polar PMD frames: samples decoded per second, raw (H10) and
/// delta-compressed (Verity Sense), frames of a size the sensors send.
fn pmd(c: &mut Criterion) {
    let mut rng = fastrand::Rng::with_seed(10);
    let frames = 1_000;
    // Samples near 1 g moving a little, as a worn sensor's are.
    let mut walk = |n: usize| -> Vec<[i16; 3]> {
        let mut v = [0_i16, 0, 1000];
        (0..n)
            .map(|_| {
                for x in &mut v {
                    *x = x.saturating_add(rng.i16(-40..=40));
                }
                v
            })
            .collect()
    };
    let mut raw = Vec::new();
    let mut delta = Vec::new();
    for i in 0..frames {
        raw.push(polar::encode_raw_frame(i * 1000, &walk(36)));
        let counts: Vec<[i16; 3]> = walk(36).iter().map(|s| s.map(|c| c * 4)).collect();
        delta.push(polar::encode_delta_frame(i * 1000, &counts));
    }
    let mut g = c.benchmark_group("decode_pmd");
    g.throughput(Throughput::Elements(frames * 36));
    g.bench_function(BenchmarkId::new("raw", "36 samples a frame"), |b| {
        b.iter(|| {
            raw.iter()
                .filter_map(|f| polar::decode_frame(std::hint::black_box(f), 1.0).ok())
                .map(|f| f.accel_g.len())
                .sum::<usize>()
        });
    });
    g.bench_function(BenchmarkId::new("delta", "36 samples a frame"), |b| {
        b.iter(|| {
            delta
                .iter()
                .filter_map(|f| polar::decode_frame(std::hint::black_box(f), 0.25).ok())
                .map(|f| f.accel_g.len())
                .sum::<usize>()
        });
    });
    g.finish();
}

criterion_group!(benches, decoders, pmd);
criterion_main!(benches);

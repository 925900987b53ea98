//! Decoder throughput: payloads per second for each sensor model.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sitless::sources::ble::model::{microbit, sitless as profile, thingy};

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

criterion_group!(benches, decoders);
criterion_main!(benches);

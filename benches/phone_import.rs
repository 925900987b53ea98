//! Import speed of a phone recording: an hour of a realistic day at
//! 100 Hz written as Sensor Logger's TotalAcceleration.csv, checked and
//! read (both passes of `sources::recording`), in samples per second. The
//! pipeline after it is measured in `pipeline`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sitless::sources::recording::{ReadOptions, inspect, read};
use sitless::sources::synth::body::Renderer;
use sitless::sources::synth::plan::realistic_day;
use std::fmt::Write as _;

fn recording() -> (String, u64) {
    let start_s = 1_772_438_400;
    let mut plan = realistic_day(0, 1.0, start_s);
    plan.sensor.rate_hz = 100.0;
    let mut r = Renderer::new(plan);
    let mut text = String::from("time,seconds_elapsed,z,y,x\n");
    let mut samples = Vec::new();
    let mut n = 0;
    while r.next_second(&mut samples).is_some() {
        for s in &samples {
            let ns = i128::from(s.t_ms) * 1_000_000;
            let t = (s.t_ms - start_s * 1000) as f64 / 1000.0;
            let g = 9.806_65;
            let _ = writeln!(
                text,
                "{ns},{t:.6},{:.5},{:.5},{:.5}",
                s.accel_g.z * g,
                s.accel_g.y * g,
                s.accel_g.x * g
            );
            n += 1;
        }
    }
    (text, n)
}

fn import(c: &mut Criterion) {
    let (text, n) = recording();
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function("sensor logger 1 h at 100 Hz", |b| {
        b.iter(|| {
            let plan = inspect(text.as_bytes(), &ReadOptions::default(), None).unwrap();
            let mut got = 0;
            read(
                text.as_bytes(),
                &plan,
                10_000,
                |s| got += s.len(),
                &mut |_| {},
            )
            .unwrap();
            got
        });
    });
    g.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);

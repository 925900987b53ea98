//! Import speed of a phone recording: an hour of a realistic day at
//! 100 Hz written as Sensor Logger's TotalAcceleration.csv on disk, found,
//! opened (line-capped), checked and read (both passes of
//! `sources::recording`), in samples per second. The pipeline after it is
//! measured in `pipeline`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sitless::sources::recording::source::RecordingSource;
use sitless::sources::recording::{ReadOptions, inspect, read};
use sitless::sources::synth::phone::write_sensor_logger;

fn import(c: &mut Criterion) {
    let mut text = Vec::new();
    let w = write_sensor_logger(&mut text, 0, 1.0, 100.0, 1_772_438_400).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("TotalAcceleration.csv");
    std::fs::write(&file, &text).unwrap();
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Elements(w.samples));
    g.bench_function("sensor logger 1 h at 100 Hz", |b| {
        b.iter(|| {
            let source = RecordingSource::find(&file).unwrap();
            let plan = inspect(
                source.open().unwrap(),
                &ReadOptions {
                    start_s: None,
                    latest_ms: i64::MAX,
                    earliest_ms: i64::MIN,
                },
                None,
            )
            .unwrap();
            let mut got = 0;
            read(
                source.open().unwrap(),
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

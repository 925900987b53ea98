//! Pipeline throughput: raw samples per second through windowing,
//! classification, minimum bout, streaks, reminders and `SQLite` writes into a
//! file, compared with plain batched rusqlite inserts of the same rows.
//!
//! `cargo bench --bench pipeline`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sitless::domain::calibration::Calibration;
use sitless::domain::config::Config;
use sitless::domain::posture::PostureSecond;
use sitless::domain::sample::{Placement, RawSample};
use sitless::engine::recorder::Recorder;
use sitless::pipeline::{Pipeline, PipelineOutput, SensorInput};
use sitless::sources::demo::wearer::{DemoScript, DemoSecond, DemoWearer};
use sitless::store::Store;
use sitless::store::writer::StoreWriter;

const START_S: i64 = 1_772_438_400;
const HOURS: f64 = 8.0;

fn demo_samples() -> Vec<RawSample> {
    let mut w = DemoWearer::new(DemoScript::workday(7, HOURS), 7, START_S);
    let mut s = DemoSecond::default();
    let mut out = Vec::new();
    while w.next_second(&mut s) {
        out.extend_from_slice(&s.thigh);
    }
    out
}

fn input(device_id: i64) -> [SensorInput; 1] {
    [SensorInput {
        placement: Placement::Thigh,
        device_id,
        calibration: Calibration::default(),
    }]
}

fn pipeline_only(samples: &[RawSample]) -> Vec<PostureSecond> {
    let cfg = Config::default().consistent();
    let mut p = Pipeline::new(&input(1), cfg.posture, cfg.streak, cfg.reminder);
    let mut out = PipelineOutput::default();
    p.push(Placement::Thigh, samples, &mut out);
    p.flush(&mut out);
    out.seconds
}

fn fresh_store(dir: &tempfile::TempDir, name: &str) -> (Store, i64) {
    let path = dir.path().join(name);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("db-wal"));
    let store = Store::open(&path).expect("store opens");
    let id = store
        .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, START_S)
        .expect("device");
    (store, id)
}

fn bench(c: &mut Criterion) {
    let samples = demo_samples();
    let rows = pipeline_only(&samples);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Elements(samples.len() as u64));

    g.bench_function("8h_raw_samples_to_sqlite_file", |b| {
        b.iter(|| {
            let (store, id) = fresh_store(&dir, "full.db");
            let cfg = Config::default().consistent();
            let writer = StoreWriter::spawn(store, |_| {}).expect("writer");
            let mut rec = Recorder::new(&input(id), &cfg, &writer);
            // Feed as a sensor would: in one-second batches.
            for chunk in samples.chunks(25) {
                rec.push(Placement::Thigh, chunk);
            }
            let summary = rec.finish();
            let stats = writer.finish().expect("writer");
            assert_eq!(stats.rows_written, rows.len() as u64);
            black_box(summary)
        });
    });

    g.bench_function("8h_raw_samples_pipeline_only", |b| {
        b.iter(|| black_box(pipeline_only(black_box(&samples))));
    });

    // The same rows, inserted plainly in one batched transaction: the floor
    // the full pipeline is compared against.
    g.bench_function("8h_rows_plain_batched_inserts", |b| {
        b.iter(|| {
            let (mut store, id) = fresh_store(&dir, "plain.db");
            let rows: Vec<_> = rows
                .iter()
                .map(|r| PostureSecond {
                    device_id: id,
                    ..*r
                })
                .collect();
            black_box(store.insert_seconds(&rows).expect("insert"))
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

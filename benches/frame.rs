//! CPU time of one UI frame of the Today view (egui layout + tessellation)
//! while the demo sensor runs at 60× in the engine's threads, as in the app.
//! GPU upload and rasterisation are not included: they depend on the driver.
//!
//! `cargo bench --bench frame`

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use sitless::app::SitlessApp;
use sitless::domain::config::Config;
use sitless::engine::{Engine, EngineOptions};
use sitless::sources::demo::pacer::DemoOptions;

const START_S: i64 = 1_772_438_400;

fn raw_input(t: f64) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(980.0, 720.0),
        )),
        time: Some(t),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            db: dir.path().join("frame.db"),
            demo: Some(DemoOptions {
                speed: 60.0,
                seed: 1,
                script: None,
                pace: None,
            }),
            config,
            demo_start_s: START_S,
            ble: None,
            page_limit: None,
            desktop_session: false,
            desk_time: None,
        },
        Arc::new(|| {}),
    )
    .expect("engine");
    let mut app = SitlessApp::new(engine, &config, Box::new(|| START_S));
    let ctx = egui::Context::default();
    let t0 = Instant::now();
    // Warm up until the chart texture and today's totals are showing.
    let deadline = t0 + Duration::from_secs(30);
    while !app.model().has_chart() || app.model().figures.is_none() {
        assert!(Instant::now() < deadline, "the Today view never filled");
        let _ = ctx.run_ui(raw_input(t0.elapsed().as_secs_f64()), |ui| app.ui_root(ui));
        std::thread::sleep(Duration::from_millis(20));
    }
    c.bench_function("today_view_frame_demo_60x", |b| {
        b.iter(|| {
            let out = ctx.run_ui(raw_input(t0.elapsed().as_secs_f64()), |ui| app.ui_root(ui));
            let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
            std::hint::black_box(prims)
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `sitless record`: the window's engine without the window, events printed.

use std::path::Path;

use anyhow::{Context, bail};

use crate::domain::config::Config;
use crate::domain::days::format_duration;
use crate::sources::demo::default_demo_start;

/// Headless recording: the same engine as the window, events printed.
#[allow(
    clippy::too_many_lines,
    reason = "the command from start to stop: start the engine, print its events, stop it"
)]
pub(super) fn record(
    db: &Path,
    demo: Option<&crate::sources::demo::pacer::DemoOptions>,
    for_s: Option<u64>,
    cfg: Config,
) -> anyhow::Result<()> {
    use crate::engine::protocol::UiEvent;
    use crate::engine::{Engine, EngineOptions};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    let stop = Arc::new(AtomicBool::new(false));
    let stop_c = stop.clone();
    ctrlc::set_handler(move || stop_c.store(true, Ordering::Relaxed))
        .context("cannot catch Ctrl-C")?;
    // Bluetooth matters only with a Bluetooth sensor paired (not for a
    // phone alone).
    let mut ble_needed = false;
    if demo.is_none() {
        let paired = crate::store::Store::open(db)?.paired_devices()?;
        ble_needed = paired
            .iter()
            .any(|d| d.model != crate::domain::sample::PHONE_MODEL);
        if paired.is_empty() {
            bail!(
                "no paired sensors: run `sitless scan`, then `sitless pair ID --placement thigh`; or try `sitless record --demo`"
            );
        }
        let names: Vec<String> = paired
            .iter()
            .map(|d| format!("{} ({}, {})", d.name, d.address, d.placement))
            .collect();
        println!(
            "recording from {} into {} (Ctrl-C to stop)",
            names.join(" and "),
            db.display()
        );
        crate::cli::ble::say_what_cannot_be_measured(&paired);
    }
    let engine = Engine::start(
        &EngineOptions {
            db: db.to_owned(),
            demo: demo.cloned(),
            config: cfg,
            demo_start_s: default_demo_start(),
            ble: demo.is_none().then(crate::sources::ble::system_clock),
            page_limit: None,
            desktop_session: true,
            desk_time: None,
        },
        Arc::new(|| {}),
    )?;
    if let Some(demo) = demo {
        println!(
            "recording from the demo sensor at {}× into {} (Ctrl-C to stop)",
            demo.speed,
            db.display()
        );
    }
    let mut links = crate::cli::ble::LinkPrinter::new(ble_needed);
    let mut phone = crate::cli::phone::PhonePrinter::default();
    let deadline = for_s.map(|s| Instant::now() + Duration::from_secs(s));
    let mut latest = None;
    let mut storage = None;
    let mut last_progress = Instant::now();
    let clock = |t: i64| {
        crate::domain::days::local_datetime(t)
            .format("%H:%M:%S")
            .to_string()
    };
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        match engine.recv_timeout(Duration::from_millis(100)) {
            Some(UiEvent::Live(l)) => latest = Some(l),
            Some(UiEvent::Reminder(r, since)) => println!(
                "{} reminder ({}): {} [card event {} ms after the threshold second arrived]",
                clock(r.at_s),
                r.routine,
                r.reason,
                since.elapsed().as_millis()
            ),
            Some(UiEvent::Notified { latency, .. }) => {
                println!(
                    "         desktop notification shown {} ms after",
                    latency.as_millis()
                );
            }
            Some(UiEvent::Error(e)) => eprintln!("warning: {e}"),
            Some(UiEvent::DoNotDisturb(on)) => println!(
                "do not disturb is {}",
                if on {
                    "on: reminders are not sent to the desktop"
                } else {
                    "off again"
                }
            ),
            Some(UiEvent::Storage(p)) => {
                // Said once when it starts, not at every retry.
                match (p, &storage) {
                    (Some(p), None) => {
                        let (headline, detail) = crate::ui::widgets::storage::storage_text(&p);
                        eprintln!("warning: {headline} {detail}");
                    }
                    (None, Some(_)) => eprintln!("saving works again"),
                    _ => {}
                }
                storage = p;
            }
            Some(UiEvent::Ble(e)) => links.event(&e),
            Some(UiEvent::Phone(p)) => phone.event(&p, chrono::Utc::now().timestamp_millis()),
            _ => {}
        }
        if last_progress.elapsed() >= Duration::from_secs(5) {
            last_progress = Instant::now();
            if let Some(l) = latest {
                let streak = l.streak.map_or_else(
                    || "no streak".to_owned(),
                    |s| format!("streak {}", format_duration(s.duration_s())),
                );
                println!(
                    "{} {}, {streak}",
                    clock(l.t_s),
                    l.posture.label().to_lowercase()
                );
            }
        }
    }
    let mut engine = engine;
    engine.stop_ble();
    while let Some(e) = engine.try_recv() {
        match e {
            UiEvent::Ble(e) => links.event(&e),
            UiEvent::Phone(p) => phone.event(&p, chrono::Utc::now().timestamp_millis()),
            _ => {}
        }
    }
    let demo_counts = engine.is_demo().then(|| engine.demo_samples());
    engine.stop()?;
    links.summary();
    phone.summary();
    // The demo has no link: its line says what it sent (nothing is lost
    // or malformed on the way from a simulation).
    for (placement, n) in demo_counts.into_iter().flatten() {
        println!("demo sensor ({placement}): samples {n}, lost 0, link drops 0");
    }
    println!("stopped; everything recorded is in {}", db.display());
    Ok(())
}

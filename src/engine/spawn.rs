//! Starting the two workers with the most wiring: the one writer (its
//! commits and faults become UI events) and the Bluetooth thread (its
//! samples go to the posture thread, device rows to the writer).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};

use super::EngineOptions;
use super::protocol::{PostureMsg, StorageProblem, UiEvent};
use super::ui_queue::UiSender;
use crate::sources::ble::central::{Ble, BleOptions};
use crate::sources::ble::{ForPipeline, PairedSensor};
use crate::store::writer::{CommitInfo, StoreWriter, WriteOp, WriterOptions};
use crate::store::{Store, StoreError};

/// The writer's connection, under the simulated size ceiling if any.
pub(super) fn open_limited(
    db: &std::path::Path,
    limit: Option<&Arc<std::sync::atomic::AtomicU64>>,
) -> Result<Store, StoreError> {
    let store = Store::open(db)?;
    match limit.map(|l| l.load(Ordering::Relaxed)) {
        Some(pages) if pages > 0 => store.set_max_pages(pages)?,
        _ => {}
    }
    Ok(store)
}

/// What the Bluetooth thread is connected to.
pub(super) struct BleLinks {
    pub writes: SyncSender<WriteOp>,
    pub newest_stored_s: Arc<AtomicI64>,
    pub posture_tx: SyncSender<PostureMsg>,
    /// Told to recheck the phone after each change of the paired rows (a
    /// thigh sensor paired forgets the phone).
    pub phone: Option<SyncSender<super::phone_link::PhoneMsg>>,
}

/// Starts the Bluetooth thread: samples and sensor changes go to the
/// posture thread (unless the demo runs: the demo and real sensors never
/// feed one stream), device rows to the writer, the rest to the UI.
pub(super) fn spawn_ble(
    opts: &EngineOptions,
    clock: &crate::sources::ble::Clock,
    paired: Vec<PairedSensor>,
    links: BleLinks,
    ui: &UiSender,
) -> std::io::Result<Ble> {
    let ui_b = ui.clone();
    let demo_running = opts.demo.is_some();
    let tx = links.posture_tx;
    let phone = links.phone;
    Ble::spawn(
        BleOptions {
            clock: clock.clone(),
            paired,
            writes: Some(links.writes),
            newest_stored_s: links.newest_stored_s,
            connect_paired: !demo_running,
        },
        move |ev| ui_b.send(UiEvent::Ble(ev)),
        move |msg| {
            if demo_running {
                return None;
            }
            if let (ForPipeline::Sensors(_), Some(p)) = (&msg, &phone) {
                // Lost when the queue is full only if a recheck is queued.
                let _ = p.try_send(super::phone_link::PhoneMsg::Recheck);
            }
            match tx.try_send(PostureMsg::Ble(msg)) {
                Err(TrySendError::Full(PostureMsg::Ble(back))) => Some(back),
                // Taken, or the posture thread is gone (shutting down).
                _ => None,
            }
        },
    )
}

/// How often, at most, the window reloads Today for seconds within a minute.
const TELL_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Starts the one writer on the start-up connection, under the stored
/// settings; commits and saving faults become UI events.
pub(super) fn spawn_writer(
    store: Store,
    opts: &EngineOptions,
    store_settings: &crate::domain::settings::Settings,
    newest_stored_s: &Arc<AtomicI64>,
    ui: &UiSender,
) -> std::io::Result<StoreWriter> {
    let newest = newest_stored_s.clone();
    let ui_for_writer = ui.clone();
    // Today's figures and timeline are reloaded on this event, so a second
    // of data must not cost a chart: tell the UI of a commit when the data
    // crossed into a new minute or 10 s after it was last told (its totals
    // are in seconds under a minute), and once more when the data stops,
    // so the last seconds are not missing until more come.
    let mut last_minute = None;
    let mut last_told = None;
    let mut told_at = None;
    let mut failing = false;
    let (db, limit) = (opts.db.clone(), opts.page_limit.clone());
    let writer_opts = WriterOptions {
        reopen: Some(Box::new(move || open_limited(&db, limit.as_ref()))),
        // Settings overwrite the fields they own, so the stored ones can
        // be applied to the base here and again at each change.
        base_config: store_settings.apply(opts.config),
        detail_keep_days: store_settings.detail_keep_days,
        ..WriterOptions::default()
    };
    StoreWriter::spawn_with(store, writer_opts, move |info| match info {
        CommitInfo::Committed { newest_s, .. } => {
            if let Some(t) = newest_s {
                newest.fetch_max(t, Ordering::Relaxed);
            }
            let minute = newest_s.map(|t| t.div_euclid(60));
            if failing {
                failing = false;
                ui_for_writer.send(UiEvent::Storage(None));
            }
            let stale = told_at.is_none_or(|t: std::time::Instant| t.elapsed() >= TELL_EVERY);
            if minute != last_minute || (stale && newest_s != last_told) {
                last_minute = minute;
                last_told = newest_s;
                told_at = Some(std::time::Instant::now());
                ui_for_writer.send(UiEvent::Committed { newest_s });
            }
        }
        CommitInfo::Settled { newest_s } => {
            if last_told != Some(newest_s) {
                last_told = Some(newest_s);
                told_at = Some(std::time::Instant::now());
                ui_for_writer.send(UiEvent::Committed {
                    newest_s: Some(newest_s),
                });
            }
        }
        CommitInfo::Failed {
            fault,
            buffered_rows,
            dropped_rows,
            ..
        } => {
            failing = true;
            ui_for_writer.send(UiEvent::Storage(Some(StorageProblem {
                fault,
                buffered_s: buffered_rows,
                dropped_s: dropped_rows,
            })));
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::posture::{Posture, PostureSecond};
    use crate::domain::sample::Placement;

    /// Seconds that stop in the middle of a minute (desk time gone away, a
    /// sensor switched off) reach Today: the window hears of the last
    /// commit, not only of the first one in each minute.
    #[test]
    fn the_last_seconds_before_a_pause_are_told_to_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("pause.db");
        let store = Store::open(&db).unwrap();
        let device = store
            .ensure_device(
                "desk:this-computer",
                "desk",
                "This computer",
                Placement::Thigh,
                0,
            )
            .unwrap();
        let opts = EngineOptions {
            db,
            demo: None,
            config: crate::domain::config::Config::default(),
            demo_start_s: 0,
            ble: None,
            page_limit: None,
            desktop_session: false,
            desk_time: None,
        };
        let (ui, rx) = super::super::ui_queue::ui_queue(64, Arc::new(|| {}));
        let newest = Arc::new(AtomicI64::new(0));
        let settings = crate::domain::settings::Settings::default();
        let writer = spawn_writer(store, &opts, &settings, &newest, &ui).unwrap();
        let second = |t_s| PostureSecond {
            t_s,
            state: Posture::AtDesk,
            tilt_deg: None,
            device_id: device,
        };
        // Whether the window is told of `want` as the newest stored second
        // (bounded: a loaded machine commits late, not never).
        let told = |want: i64| {
            let end = std::time::Instant::now() + Duration::from_secs(15);
            while let Some(e) =
                rx.recv_timeout(end.saturating_duration_since(std::time::Instant::now()))
            {
                if matches!(e, UiEvent::Committed { newest_s } if newest_s == Some(want)) {
                    return true;
                }
            }
            false
        };
        // Two commits within one minute (60 s … 89 s), then nothing.
        let send = writer.sender();
        send.send(WriteOp::Seconds((60..75).map(second).collect()))
            .unwrap();
        assert!(told(74), "the first commit of a minute is told");
        send.send(WriteOp::Seconds((75..90).map(second).collect()))
            .unwrap();
        assert!(told(89), "the minute's last seconds were never told");
        drop(send);
        writer.finish().unwrap();
    }
}

//! The writer against real database files: a full disk, retention, pauses.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::channel;

use super::*;
use crate::domain::posture::Posture;
use crate::domain::sample::Placement;

fn seconds(device_id: i64, range: std::ops::Range<i64>) -> Vec<PostureSecond> {
    range
        .map(|t_s| PostureSecond {
            t_s,
            state: Posture::Sitting,
            tilt_deg: Some(20.0),
            device_id,
        })
        .collect()
}

/// A full disk (`max_page_count`): rows wait in a bounded buffer, the
/// failure is reported with its cause, and everything kept is written
/// once there is room again, on a fresh connection.
#[test]
fn a_full_disk_keeps_rows_in_a_bounded_buffer_until_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.db");
    let store = Store::open(&path).unwrap();
    let device = store
        .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
        .unwrap();
    let limit = Arc::new(AtomicU64::new(store.page_count().unwrap()));
    store.set_max_pages(limit.load(Ordering::Relaxed)).unwrap();
    let (tx, rx) = channel();
    let (p, l) = (path.clone(), limit.clone());
    let opts = WriterOptions {
        reopen: Some(Box::new(move || {
            let s = Store::open(&p)?;
            match l.load(Ordering::Relaxed) {
                0 => {}
                pages => s.set_max_pages(pages)?,
            }
            Ok(s)
        })),
        max_buffered_rows: 3000,
        ..WriterOptions::default()
    };
    let writer = StoreWriter::spawn_with(store, opts, move |i| {
        let _ = tx.send(i);
    })
    .unwrap();
    let send = writer.sender();
    send.send(WriteOp::Seconds(seconds(device, 0..2000)))
        .unwrap();
    let next = || rx.recv_timeout(Duration::from_secs(10)).unwrap();
    match next() {
        CommitInfo::Failed {
            fault,
            buffered_rows,
            dropped_rows,
            ..
        } => {
            assert_eq!(fault, super::super::WriteFault::Full);
            assert_eq!((buffered_rows, dropped_rows), (2000, 0));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // More than the buffer holds: the oldest go, and are counted.
    send.send(WriteOp::Seconds(seconds(device, 2000..4000)))
        .unwrap();
    match next() {
        CommitInfo::Failed {
            buffered_rows,
            dropped_rows,
            ..
        } => assert_eq!((buffered_rows, dropped_rows), (3000, 1000)),
        other => panic!("expected a failure, got {other:?}"),
    }
    // Room again: the next retry writes all that was kept.
    limit.store(0, Ordering::Relaxed);
    let committed = loop {
        if let CommitInfo::Committed { rows, newest_s } = next() {
            break (rows, newest_s);
        }
    };
    assert_eq!(committed, (3000, Some(3999)));
    drop(send);
    let stats = writer.finish().unwrap();
    assert_eq!(stats.rows_dropped, 1000);
    let st = Store::open(&path).unwrap();
    let rows = st.seconds_between(0, 5000).unwrap();
    assert_eq!(rows.len(), 3000);
    assert_eq!(rows[0].t_s, 1000);
    let ok: String = st
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

/// Retention: detail older than the kept days goes, the minute
/// rollups of those days stay.
#[test]
fn old_detail_is_deleted_and_its_rollups_stay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.db");
    let store = Store::open(&path).unwrap();
    let device = store
        .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
        .unwrap();
    let opts = WriterOptions {
        detail_keep_days: Some(7),
        ..WriterOptions::default()
    };
    let writer = StoreWriter::spawn_with(store, opts, |_| {}).unwrap();
    let send = writer.sender();
    for day in 0..10 {
        let t0 = 1_000_000 + day * 86_400;
        send.send(WriteOp::Seconds(seconds(device, t0..t0 + 100)))
            .unwrap();
    }
    let (tx, rx) = sync_channel(1);
    send.send(WriteOp::Flush(tx)).unwrap();
    rx.recv().unwrap();
    drop(send);
    writer.finish().unwrap();
    let st = Store::open(&path).unwrap();
    let kept = st.seconds_between(0, i64::MAX).unwrap();
    // The newest second is day 9 + 99 s; 7 days before it is day 2 + 99 s.
    assert_eq!(
        kept.first().map(|s| s.t_s),
        Some(1_000_000 + 2 * 86_400 + 99)
    );
    assert_eq!(kept.len(), 701);
    let sitting: i64 = st
        .conn
        .query_row("SELECT sum(sitting_s) FROM minutes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sitting, 1000, "rollups of all ten days stay");
}

/// One far-future second (a bad import, a sensor clock gone wrong)
/// must not make a month of real detail look old.
#[test]
fn a_far_future_second_does_not_move_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    let store = Store::open(&path).unwrap();
    let device = store
        .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
        .unwrap();
    let writer = StoreWriter::spawn_with(store, WriterOptions::default(), |_| {}).unwrap();
    let send = writer.sender();
    let now_s = 1_780_000_000;
    for day in 0..10 {
        let t0 = now_s - day * 86_400 - 100;
        send.send(WriteOp::Seconds(seconds(device, t0..t0 + 100)))
            .unwrap();
    }
    let far = now_s + 50 * 365 * 86_400;
    send.send(WriteOp::Seconds(seconds(device, far..far + 1)))
        .unwrap();
    drop(send);
    writer.finish().unwrap();
    let st = Store::open(&path).unwrap();
    prune(&st, 30, now_s);
    assert_eq!(
        st.seconds_between(0, now_s + 1).unwrap().len(),
        1000,
        "ten days of detail within 30 days of now are kept"
    );
    // Counted from the wall clock and its day of margin, not from the
    // far-future row (which would delete everything): seven days back
    // from tomorrow keep the last six days here.
    prune(&st, 7, now_s);
    let kept = st.seconds_between(0, now_s + 1).unwrap();
    assert_eq!(kept.len(), 600);
}

/// When the seconds stop, the last commit's newest second is said once
/// more as settled (a listener that throttles commits sees it), and
/// only once per pause.
#[test]
fn seconds_that_stop_are_said_to_have_settled_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("settle.db")).unwrap();
    let device = store
        .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
        .unwrap();
    let (tx, rx) = channel();
    let writer = StoreWriter::spawn_with(store, WriterOptions::default(), move |i| {
        let _ = tx.send(i);
    })
    .unwrap();
    let send = writer.sender();
    send.send(WriteOp::Seconds(seconds(device, 100..130)))
        .unwrap();
    let next = || rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        next(),
        CommitInfo::Committed {
            rows: 30,
            newest_s: Some(129)
        }
    );
    assert_eq!(next(), CommitInfo::Settled { newest_s: 129 });
    assert!(
        rx.recv_timeout(SETTLED_AFTER + Duration::from_millis(500))
            .is_err(),
        "settled is said once per pause"
    );
    // A commit without seconds (a routine) does not settle again.
    send.send(WriteOp::Settings(
        crate::domain::settings::Settings::default(),
    ))
    .unwrap();
    assert_eq!(
        next(),
        CommitInfo::Committed {
            rows: 0,
            newest_s: None
        }
    );
    assert!(
        rx.recv_timeout(SETTLED_AFTER + Duration::from_millis(500))
            .is_err()
    );
    drop(send);
    writer.finish().unwrap();
}

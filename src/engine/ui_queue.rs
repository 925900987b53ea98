//! The engine's queue to the window. Sending never blocks a worker; when
//! the window is behind and the bounded channel is full, an event that the
//! next one supersedes (a live second, a progress step, link statistics)
//! is dropped, and every other one — a one-time result (`Exported`,
//! `Imported`, `Calibrated`, a failed pairing) or a state change
//! (`Storage(None)`, a link state) — waits in an overflow list and still
//! arrives, in the order it was sent.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::protocol::{UiEvent, Waker};
use crate::sources::ble::BleEvent;

type Overflow = Arc<Mutex<VecDeque<UiEvent>>>;

/// A bounded queue of `capacity` with its overflow; `waker` is rung at
/// each event kept.
pub(crate) fn ui_queue(capacity: usize, waker: Waker) -> (UiSender, UiReceiver) {
    let (tx, rx) = sync_channel(capacity);
    let overflow = Overflow::default();
    (
        UiSender {
            tx,
            waker,
            overflow: overflow.clone(),
        },
        UiReceiver { rx, overflow },
    )
}

/// Whether a newer event of the same kind makes this one worthless.
fn superseded(e: &UiEvent) -> bool {
    matches!(
        e,
        UiEvent::Live(_)
            | UiEvent::Committed { .. }
            | UiEvent::ExportProgress(_)
            | UiEvent::ImportProgress(_)
            | UiEvent::Ble(BleEvent::Stats { .. } | BleEvent::Battery { .. })
    )
}

#[derive(Clone)]
pub(crate) struct UiSender {
    tx: SyncSender<UiEvent>,
    waker: Waker,
    overflow: Overflow,
}

impl UiSender {
    pub(crate) fn send(&self, e: UiEvent) {
        // Held across the send: while anything waits in the overflow, the
        // events that must arrive queue behind it, so their order holds.
        let mut over = self.overflow.lock().unwrap_or_else(PoisonError::into_inner);
        if !over.is_empty() && !superseded(&e) {
            over.push_back(e);
            drop(over);
            (self.waker)();
            return;
        }
        match self.tx.try_send(e) {
            Ok(()) => {}
            Err(TrySendError::Full(e)) if !superseded(&e) => over.push_back(e),
            Err(TrySendError::Full(_)) => {
                tracing::trace!("UI queue full; a superseded event dropped");
                return;
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
        drop(over);
        (self.waker)();
    }
}

pub(crate) struct UiReceiver {
    rx: Receiver<UiEvent>,
    overflow: Overflow,
}

impl UiReceiver {
    /// The next event, if one is waiting: the channel's first (they are
    /// older than anything in the overflow), then the overflow's.
    pub(crate) fn try_recv(&self) -> Option<UiEvent> {
        self.rx.try_recv().ok().or_else(|| {
            self.overflow
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front()
        })
    }

    /// Waits up to `timeout` for the next event.
    pub(crate) fn recv_timeout(&self, timeout: Duration) -> Option<UiEvent> {
        if let Some(e) = self.try_recv() {
            return Some(e);
        }
        // The overflow fills only while the channel is full, so waiting on
        // the channel sees everything.
        match self.rx.recv_timeout(timeout) {
            Ok(e) => Some(e),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => self.try_recv(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_results_arrive_in_order_behind_a_full_queue_and_live_seconds_give_way() {
        let (tx, rx) = ui_queue(2, Arc::new(|| {}));
        let live = || UiEvent::Committed { newest_s: Some(1) };
        tx.send(live());
        tx.send(live());
        // Full: the window is behind.
        tx.send(UiEvent::Exported(Err("disk full".into())));
        tx.send(live());
        tx.send(UiEvent::Storage(None));
        tx.send(UiEvent::ImportProgress(0.5));
        let mut got = Vec::new();
        while let Some(e) = rx.try_recv() {
            got.push(match e {
                UiEvent::Committed { .. } => "committed",
                UiEvent::Exported(_) => "exported",
                UiEvent::Storage(None) => "storage ok",
                UiEvent::ImportProgress(_) => "progress",
                _ => "other",
            });
        }
        assert_eq!(got, ["committed", "committed", "exported", "storage ok"]);
        // Room again: events flow through the channel.
        tx.send(UiEvent::ImportProgress(0.7));
        assert!(matches!(rx.try_recv(), Some(UiEvent::ImportProgress(_))));
    }

    #[test]
    fn waiting_sees_an_event_that_overflowed() {
        let (tx, rx) = ui_queue(1, Arc::new(|| {}));
        tx.send(UiEvent::Error("first".into()));
        tx.send(UiEvent::Error("second".into()));
        let texts: Vec<String> = std::iter::from_fn(|| rx.recv_timeout(Duration::from_millis(10)))
            .map(|e| match e {
                UiEvent::Error(t) => t,
                _ => String::new(),
            })
            .collect();
        assert_eq!(texts, ["first", "second"]);
    }
}

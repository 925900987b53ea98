//! Changes to the `devices` table that the Bluetooth thread (and an import)
//! asks for. The
//! one writer applies them at once (they are not batched with the seconds)
//! and answers each with the paired list after the change, so the Bluetooth
//! thread never opens a connection of its own.

use tokio::sync::oneshot;

use super::devices::DeviceRow;
use super::{Store, StoreError};
use crate::domain::sample::Placement;

/// Where the writer sends its answer; the asker awaits it.
pub(crate) type DeviceReply = oneshot::Sender<Result<DeviceChange, StoreError>>;

/// The answer to a device change.
#[derive(Debug)]
pub struct DeviceChange {
    /// False if nothing matched (forget or rename of an unknown address).
    pub changed: bool,
    /// The row paired (for `Pair`).
    pub id: Option<i64>,
    /// The paired sensors after the change.
    pub paired: Vec<DeviceRow>,
}

#[derive(Debug)]
pub enum DeviceWrite {
    /// Pairs (or re-pairs) a sensor at a placement; the sensor it replaces
    /// at that placement is forgotten.
    Pair {
        address: String,
        model: String,
        name: String,
        placement: Placement,
        at_s: i64,
        reply: DeviceReply,
    },
    /// Pairs the phone with a new secret (its older URL stops working) or
    /// a phyphox address; a sensor worn on the thigh is forgotten.
    PairPhone {
        name: String,
        reach: super::settings::PhoneReach,
        at_s: i64,
        reply: DeviceReply,
    },
    Forget {
        address: String,
        at_s: i64,
        reply: DeviceReply,
    },
    Rename {
        address: String,
        name: String,
        reply: DeviceReply,
    },
    /// A device that is not a paired sensor (an imported recording): its
    /// row, made if it is new. The answer's `id` is the row.
    Ensure {
        address: String,
        model: String,
        name: String,
        placement: Placement,
        at_s: i64,
        reply: DeviceReply,
    },
    /// Where the sensor's next history fetch starts. Nobody waits for it.
    NextSeq { device_id: i64, next: u32 },
}

impl DeviceWrite {
    pub(super) fn apply(self, store: &mut Store) {
        let (result, reply) = match self {
            Self::Pair {
                address,
                model,
                name,
                placement,
                at_s,
                reply,
            } => (
                store
                    .pair_device(&address, &model, &name, placement, at_s)
                    .map(|id| (true, Some(id))),
                reply,
            ),
            Self::Ensure {
                address,
                model,
                name,
                placement,
                at_s,
                reply,
            } => (
                store
                    .ensure_device(&address, &model, &name, placement, at_s)
                    .map(|id| (true, Some(id))),
                reply,
            ),
            Self::PairPhone {
                name,
                reach,
                at_s,
                reply,
            } => (
                store
                    .pair_phone_reach(&name, &reach, at_s)
                    .map(|id| (true, Some(id))),
                reply,
            ),
            Self::Forget {
                address,
                at_s,
                reply,
            } => (
                store.forget_device(&address, at_s).map(|c| (c, None)),
                reply,
            ),
            Self::Rename {
                address,
                name,
                reply,
            } => (
                store.rename_device(&address, &name).map(|c| (c, None)),
                reply,
            ),
            Self::NextSeq { device_id, next } => {
                if let Err(e) = store.set_next_seq(device_id, next) {
                    tracing::warn!("cannot store the sensor's sequence number: {e}");
                }
                return;
            }
        };
        let answer = result.and_then(|(changed, id)| {
            Ok(DeviceChange {
                changed,
                id,
                paired: store.paired_devices()?,
            })
        });
        // The asker may have given up (the Bluetooth thread stopped).
        let _ = reply.send(answer);
    }
}

//! Polar H10 and Polar Verity Sense: two models, one protocol. Both are
//! known by their advertised names, both stream acceleration through
//! Polar's Measurement Data service (its bytes: `pmd/codec.rs`; its set-up
//! and clock: `pmd/`), stamped by the sensor's own clock.

use uuid::Uuid;

use super::Model;
use crate::domain::sample::Placement;
use crate::sources::ble::decode::sig_uuid;
use crate::sources::ble::gatt::{Decoding, DecodingKind, SetupCtx, SetupFuture};
use crate::sources::ble::pmd;
use crate::sources::ble::pmd::codec::PMD_DATA;

/// Polar sensors advertise the standard heart rate service; the PMD
/// service is found after connecting.
pub const HEART_RATE_SERVICE: Uuid = sig_uuid(0x180D);

const DATA: (Uuid, &str) = (PMD_DATA, "Polar measurement data");

pub static H10: Model = Model {
    id: "polar-h10",
    label: "Polar H10",
    // "Polar H10 1A2B3C4D"
    recognise: |name, _| name.is_some_and(|n| n.starts_with("Polar H10")),
    // It sits on its chest strap: a trunk sensor.
    placement: Placement::Back,
    note: Some(
        "Worn on its chest strap it measures your trunk (tilt and slouch), so choose Back. It only runs on the strap: taken off, it switches itself off within a minute.",
    ),
    data: DATA,
    setup,
    cue_pose: None,
};

pub(crate) static VERITY_SENSE: Model = Model {
    id: "polar-verity-sense",
    label: "Polar Verity Sense",
    // "Polar Sense 1A2B3C4D"
    recognise: |name, _| {
        name.is_some_and(|n| n.starts_with("Polar Sense") || n.starts_with("Polar Verity"))
    },
    placement: Placement::Thigh,
    note: Some(
        "Wear it where you choose: in a trouser pocket or clipped at the thigh for sitting and standing, or held on the upper back for trunk tilt; then say where. (On its arm band it follows the arm, not your posture.)",
    ),
    data: DATA,
    setup,
    cue_pose: None,
};

fn setup(ctx: SetupCtx<'_>) -> SetupFuture<'_> {
    Box::pin(async move {
        let stream = pmd::setup(ctx.peripheral, ctx.notes).await?;
        Ok(Decoding {
            period_ms: 1000 / stream.rate_hz.max(1),
            kind: DecodingKind::Pmd(stream),
        })
    })
}

//! One coordinator per sensor model (as Gadgetbridge has one per device):
//! each model's file holds everything Sitless knows of it — its names, how
//! a scan recognises it, where it is usually worn, what a person should
//! know before pairing it, which characteristic carries its data, its
//! set-up over GATT and its decoders — as one [`Model`]. [`MODELS`] lists
//! them once; the links, the Sensors view and the CLI ask a model, never
//! match on one. Adding a model is a new file here and a line in the list.

pub mod microbit;
pub mod polar;
pub mod sitless;
pub mod thingy;

use uuid::Uuid;

use super::gatt::{SetupCtx, SetupFuture};
use crate::domain::sample::Placement;

/// Everything Sitless knows of one sensor model.
pub struct Model {
    /// The name stored in the database and printed by the CLI.
    pub id: &'static str,
    /// What people call it.
    pub label: &'static str,
    /// Whether a scan result (advertised name, advertised services) is this
    /// model. `BlueZ` merges the scan filters of every client on the
    /// machine, so the app filters itself.
    pub recognise: fn(Option<&str>, &[Uuid]) -> bool,
    /// Where it is usually worn (the pairing dialog's first choice).
    pub placement: Placement,
    /// What a person should know before pairing it.
    pub note: Option<&'static str>,
    /// The characteristic that carries its data, and its name for errors:
    /// a sensor without it is not running the expected firmware.
    pub data: (Uuid, &'static str),
    /// Writes the set-up, subscribes, and says how packets are decoded.
    pub(crate) setup: for<'a> fn(SetupCtx<'a>) -> SetupFuture<'a>,
    /// The calibration wizard's cue to the sensor (the pose it should mark),
    /// where the firmware takes one: the characteristic and the bytes.
    pub(crate) cue_pose: Option<PoseCue>,
}

/// The characteristic to write and the bytes that tell the sensor a pose.
pub(crate) type PoseCue = fn(u8) -> (Uuid, Vec<u8>);

/// The models Sitless can use, in the order a scan tries them (a model
/// known by its advertised service before one known only by its name).
pub(crate) static MODELS: [&Model; 5] = [
    &sitless::MODEL,
    &thingy::MODEL,
    &polar::H10,
    &polar::VERITY_SENSE,
    &microbit::MODEL,
];

/// A model, as the rest of the app holds it: a copyable handle to its
/// [`Model`], equal by id, stored and printed by id.
#[derive(Clone, Copy)]
pub struct SensorModel(&'static Model);

impl SensorModel {
    pub fn all() -> impl Iterator<Item = Self> {
        MODELS.iter().map(|m| Self(m))
    }

    /// The name stored in the database and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        self.0.id
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::all().find(|m| m.as_str() == s)
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        self.0.label
    }

    /// The model a scan result is, if any.
    pub(crate) fn recognise(name: Option<&str>, services: &[Uuid]) -> Option<Self> {
        Self::all().find(|m| (m.0.recognise)(name, services))
    }

    /// Where it is usually worn.
    pub fn placement(self) -> Placement {
        self.0.placement
    }

    /// What a person should know about it before pairing it.
    pub fn note(self) -> Option<&'static str> {
        self.0.note
    }

    pub(crate) fn spec(self) -> &'static Model {
        self.0
    }

    /// "a, b or c": the models' labels in a sentence, the last joined by
    /// `last_joined_by` ("and", "or").
    pub(crate) fn labels_in_words(last_joined_by: &str) -> String {
        let labels: Vec<&str> = Self::all().map(Self::label).collect();
        match labels.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                format!("{} {last_joined_by} {last}", rest.join(", "))
            }
            Some((last, _)) => (*last).to_owned(),
            None => String::new(),
        }
    }
}

impl PartialEq for SensorModel {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for SensorModel {}

impl std::hash::Hash for SensorModel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl PartialOrd for SensorModel {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SensorModel {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.id.cmp(other.0.id)
    }
}

impl std::fmt::Debug for SensorModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.id)
    }
}

impl std::fmt::Display for SensorModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.id)
    }
}

impl serde::Serialize for SensorModel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::ble::decode::BATTERY_SERVICE;

    fn seen(name: Option<&str>, services: &[Uuid]) -> Option<&'static str> {
        SensorModel::recognise(name, services).map(SensorModel::as_str)
    }

    #[test]
    fn recognises_each_model_and_nothing_else() {
        assert_eq!(seen(Some("whatever"), &[sitless::SERVICE]), Some("sitless"));
        assert_eq!(
            seen(Some("Thingy"), &[thingy::ADVERTISED_SERVICE]),
            Some("thingy52")
        );
        assert_eq!(seen(Some("BBC micro:bit [zavit]"), &[]), Some("microbit"));
        assert_eq!(seen(Some("Headphones"), &[BATTERY_SERVICE]), None);
        assert_eq!(seen(None, &[]), None);
        assert_eq!(
            seen(Some("Polar H10 A1B2C3D4"), &[polar::HEART_RATE_SERVICE]),
            Some("polar-h10")
        );
        assert_eq!(
            seen(Some("Polar Sense 0A1B2C3D"), &[]),
            Some("polar-verity-sense")
        );
        assert_eq!(seen(Some("Polar Ignite"), &[]), None);
    }

    #[test]
    fn model_names_round_trip_and_are_unique() {
        for m in SensorModel::all() {
            assert_eq!(SensorModel::parse(m.as_str()), Some(m));
        }
        assert_eq!(SensorModel::parse("demo"), None);
        let mut ids: Vec<&str> = SensorModel::all().map(SensorModel::as_str).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), MODELS.len());
    }

    #[test]
    fn the_labels_read_as_a_sentence() {
        assert_eq!(
            SensorModel::labels_in_words("or"),
            "Sitless sensor, Nordic Thingy:52, Polar H10, Polar Verity Sense or BBC micro:bit"
        );
    }
}

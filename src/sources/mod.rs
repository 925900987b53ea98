//! Where raw samples come from: the demo wearer, a CSV recording, or
//! Bluetooth sensors. Each is reduced to `domain::sample::RawSample`s; the
//! pipeline does not know which source it is fed by.

pub mod ble;
pub mod demo;
pub mod phone;
pub mod recording;
#[cfg(feature = "eval")]
pub mod synth;

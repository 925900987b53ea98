//! Sitless: a desktop companion for a wearable posture sensor.
//!
//! Data flows one way (see `docs/architecture.md`):
//! `sources` (demo, CSV, Bluetooth) → `pipeline` (windows, postures,
//! streaks, reminders) → `store` (the only SQL, one writer) → `charts` →
//! `ui`. `domain` holds the pure types and rules every layer shares;
//! `engine` runs the workers on named threads and speaks to the window
//! (`app`) through bounded channels; `cli` is the command line.

pub mod app;
pub mod charts;
pub mod cli;
pub mod desktop;
pub mod domain;
pub mod engine;
#[cfg(feature = "eval")]
pub mod eval;
pub mod pipeline;
pub mod routines;
pub mod sources;
pub mod store;
pub mod transfer;
pub mod ui;

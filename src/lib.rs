//! Sitless: a desktop companion for a wearable posture sensor.
//!
//! Data flows one way (see `docs/architecture.md`):
//! `sensor` → `posture` → `streak`/`reminder` (all inside `pipeline`) →
//! `store` (the only SQL) → `report`/`charts` → `ui`. The `engine` owns the
//! worker threads and the bounded channels between them and the UI.

pub mod app;
pub mod ble;
pub mod charts;
pub mod cli;
pub mod cli_ble;
pub mod config;
pub mod days;
pub mod engine;
pub mod export;
pub mod gen_history;
pub mod history;
pub mod notify;
pub mod pipeline;
pub mod posture;
pub mod record;
pub mod reminder;
pub mod report;
pub mod routines;
pub mod sensor;
pub mod settings;
pub mod store;
pub mod streak;
pub mod ui;

//! The app's tests, as one binary (one link of egui, wgpu, btleplug and
//! zbus for all of them): each module is a capability, run against real
//! components — the `sitless` binary, a real `SQLite` file, a private D-Bus
//! daemon with fake desktop services or a fake `BlueZ`, the window through
//! egui's accessibility tree. Run one with `cargo test --test app MODULE::`.

#[path = "../support/mod.rs"]
mod support;

mod ble;
mod cli;
mod desk_time;
mod desktop;
mod desktop_files;
mod file_chooser;
mod history;
mod notifications;
mod phone_files;
mod phone_import;
mod phone_live;
mod phyphox;
mod reliability;
mod ui_sensors;
mod ui_today;
mod wayland_idle;

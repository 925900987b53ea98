//! The posture pipeline and the sensor decoders, as one binary: pure
//! computation with no window or bus, so it runs apart from the app's
//! timing-sensitive tests. Run one with `cargo test --test posture MODULE::`.

mod classification;
mod decoders_fuzz;
mod firmware_core;
mod layering;
mod posture_days;
mod posture_real;

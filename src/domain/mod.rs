//! Pure types and rules, no I/O: what every other layer speaks in.
//! Nothing here names a module outside `domain`.

pub mod calibration;
pub mod config;
pub mod days;
pub mod desk_time;
pub mod error_words;
pub mod features;
pub mod figures;
pub mod palette;
pub mod posture;
pub mod reminder;
pub mod sample;
pub mod session;
pub mod settings;
pub mod streak;
pub mod vector;

//! CSV export of stored data, and restoring an export.

pub mod export;
pub mod file;

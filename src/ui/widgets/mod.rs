//! Pieces more than one view uses.

pub mod calendar;
pub mod chart_image;
pub mod storage;

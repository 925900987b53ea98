//! Pieces more than one view uses.

pub mod chart_image;
pub mod storage;

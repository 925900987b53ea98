//! Routines: the catalog (data in `assets/`), the recommender that picks
//! one for the moment, and the player that guides through it.

pub mod catalog;
pub mod player;
pub mod recommend;

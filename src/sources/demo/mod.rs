//! The demo sensor: a simulated wearer (`wearer`) and the pacer that plays
//! it at a chosen speed (`pacer`).

pub mod wearer;

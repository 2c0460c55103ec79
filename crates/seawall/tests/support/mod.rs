//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses the part it needs

pub mod events;
pub mod prometheus;

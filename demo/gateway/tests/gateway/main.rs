//! The gateway against stub upstreams on free ports.

mod support;

mod balancing;
mod config;
mod degradation;
mod discovery;
mod faults;
mod proxying;
mod resilience;
mod splitting;

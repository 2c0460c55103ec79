//! Drives a running seawall demo shop from outside, as its customers and its operators
//! would (DESIGN.md §5 and §6):
//!
//! - [`load`]: weighted user journeys at a rate or with virtual users, with a live progress
//!   line and a report per step (`shop load`).
//! - [`chaos`]: named fault scenarios in phases (baseline, fault, recovery) driven through
//!   the services' `/admin/faults` API (`shop chaos`).
//! - [`demo`]: load and a scenario at once with `/metrics` sampled, a per-phase summary and an
//!   HTML report with plots (`shop demo`).
//! - [`plot`]: SVG line charts over time with the fault windows shaded.
//! - [`sampler`]: seawall's and the shop's series from a `/metrics` endpoint over time.
//!
//! Both talk HTTP to the shop with a plain client ([`SYNTHETIC_BAGGAGE`] on every request),
//! so what they record is what the shop did.

pub mod chaos;
pub mod demo;
mod http;
pub mod load;
pub mod plot;
pub mod sampler;

pub use http::SYNTHETIC_BAGGAGE;

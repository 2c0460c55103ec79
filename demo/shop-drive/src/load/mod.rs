//! Load for the seawall demo shop: weighted user journeys against any running shop's public
//! API (the gateway's `/api`), with a live progress line and a report per step.
//!
//! - [`Journey`]: what a customer does (a new customer registers and logs in, browses, reads a
//!   product, orders with an `Idempotency-Key`, reads their order, reads their inbox), each
//!   made of [`Step`]s, one request each.
//! - [`LoadConfig`]: the shop's URL, the [`Mode`] (a rate of journeys per second, an open
//!   model, or a number of virtual users, a closed model), the duration and the [`Mix`].
//! - [`run`]: offers the load and returns a [`LoadReport`]: per step the count, success %,
//!   p50, p90, p99 and max latency, and a per-second timeline (requests, errors, p50, p99,
//!   orders completed and failed) for plots. The report prints as a table and serialises to
//!   JSON.
//!
//! Every request carries the W3C baggage [`SYNTHETIC_BAGGAGE`](crate::SYNTHETIC_BAGGAGE), so that traces can tell load
//! from customers. The client has no retries or breakers of its own: the report shows what
//! the shop did.
//!
//! ```no_run
//! # async fn load() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use shop_drive::load::{LoadConfig, Mode, Progress, run};
//!
//! let config = LoadConfig::new("http://127.0.0.1:8080", Mode::Rate(50.0), Duration::from_secs(30))?
//!     .with_mix("browse=5,product_detail=4,order=2".parse()?);
//! let report = run(&config, Progress::Terminal).await?;
//! println!("{report}");
//! # Ok(()) }
//! ```

mod config;
mod journey;
mod report;
mod runner;
mod stats;

pub use config::{ConfigError, LoadConfig, Mix, Mode};
pub use journey::{Journey, Step};
pub use report::{LoadReport, SecondReport, StepReport};
pub use runner::{LoadError, Progress, check_reachable, run};

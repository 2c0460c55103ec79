//! Chaos scenarios: named sequences of phases (a baseline, faults, a recovery) driven
//! through each service's `PUT/DELETE /admin/faults/{name}` (DESIGN.md §6).
//!
//! - [`NamedFault`]: the fault catalogue's entries with their graded variants
//!   (`paymentFailure` 0-100 %, `paymentUnreachable`, `paymentSlow`, `productFailure`,
//!   `usersSlow`, `notificationsDown`, `eventBusLag`, `ordersCrashMidSaga`), taken from the services' own `faults`
//!   modules, and `instanceDown` (one instance refuses every connection until its ttl ends)
//!   from shop-kit's server.
//! - [`Scenario`]: `payment-outage`, `slow-payments`, `flaky-payments`, `flaky-products`,
//!   `dead-instance` (one of three products instances, [`DEAD_INSTANCE`]), `payment-declines`, `slow-users`,
//!   `event-bus-lag`, `notifications-down`, `orders-crash`, and a
//!   seeded random `game-day`, timed by [`Timing`].
//! - [`Targets`]: where each service's admin API is and the admin token.
//! - [`run`]: runs a scenario and returns when each phase ran ([`ChaosReport`]), so that
//!   load and metrics taken at the same time can be read per phase.
//!
//! ```no_run
//! # async fn chaos() -> Result<(), Box<dyn std::error::Error>> {
//! use shop_drive::chaos::{Scenario, Targets, Timing, run};
//!
//! let scenario = Scenario::named("payment-outage", Timing::default(), 1)?;
//! let targets = Targets::new("the-admin-token").with_service("payments", "http://127.0.0.1:8084");
//! let report = run(&scenario, &targets, tokio::time::Instant::now(), |phase| {
//!     println!("{}: {} faults", phase.name, phase.faults.len());
//! })
//! .await?;
//! # Ok(()) }
//! ```

mod catalogue;
mod runner;
mod scenario;
mod targets;

pub use catalogue::NamedFault;
pub use runner::{ChaosError, ChaosReport, PhaseWindow, run};
pub use scenario::{DEAD_INSTANCE, Phase, Scenario, Timing, UnknownScenario};
pub use targets::Targets;

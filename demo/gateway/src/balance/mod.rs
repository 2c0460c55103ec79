//! Load balancing over the instances of an upstream.
//!
//! - [`Upstream`] and [`Endpoint`]: the instances, each with its requests in flight and
//!   its health as the active checks last saw it.
//! - [`p2c`]: power of two choices: two instances drawn at random among those available,
//!   the one with fewer requests in flight wins.
//! - [`health`]: `GET /health/ready` on every instance at an interval; an instance that
//!   fails `unhealthy_after` checks in a row is taken out until it passes `healthy_after`.
//! - [`discovery`]: for an upstream with `discover = "dns"`, its names resolved at an
//!   interval into one instance per address, each with its own health checks and breaker.
//! - [`Balance`]: the tower service of a route's pipeline that picks the instance for each
//!   attempt (so a retry goes to a fresh pick) and points the request at it.
//!
//! An instance is *available* to a route when its last health checks passed and the
//! route's circuit breaker for it (keyed by authority, [`seawall::breaker::ByAuthority`])
//! is not open: a breaker that opens ejects the instance from that route, and once its open
//! duration ends it is half-open, receives probes again and rejoins when they succeed.
//! When no instance is available the call is answered as by an open circuit (503 with
//! `Retry-After`).

pub mod discovery;
mod endpoint;
pub mod health;
pub mod p2c;
mod service;

pub use endpoint::{Endpoint, Endpoints, InFlight, Upstream, Upstreams};
pub use service::{Balance, Counted};

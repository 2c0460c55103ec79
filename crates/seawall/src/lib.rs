//! Tower layers for resilient, observable HTTP services.
//!
//! seawall is to resilience what [tower-http] is to HTTP plumbing: one module per
//! middleware, each a [`Layer`](tower_layer::Layer) that works on axum servers and on
//! hyper/tower clients alike.
//!
//! | module | what it does | feature |
//! |---|---|---|
//! | [`classify`] | one decision of success / failure / overload, shared by every layer; [`Rejection`] | always |
//! | [`breaker`] | circuit breaker with sliding windows, half-open probes, keyed breakers | `breaker` |
//! | [`retry`] | retries with jittered back-off, a shared budget, `Retry-After`, body replay | `retry` |
//! | [`deadline`] | per-request deadlines that propagate across hops | `deadline` |
//! | `stack` | `ClientStack`: deadline, retry, breaker and per-attempt deadline in order | the three above |
//! | `metrics` | HTTP server and client metrics per the OpenTelemetry conventions | `metrics` |
//! | `trace` | W3C trace context and baggage into `tracing` spans linked to OpenTelemetry | `trace` |
//! | `chaos` | fault injection: latency, aborts, transport errors, an admin router | `chaos` (+ `axum`) |
//! | `route` | the route template shared by metrics, traces and fault matching | with the above |
//!
//! Every decision a layer makes is counted in a metric and marked on the current span;
//! METRICS.md in the repository lists them.
//!
//! # Principles
//!
//! - **HTTP layers answer; they do not error.** A layer that refuses a call (circuit open,
//!   deadline exceeded, ...) answers with a response whose status fits (503, 504, ...),
//!   `Retry-After` where it means something, and a [`Rejection`] in the response extensions.
//!   Transport errors of an inner client pass through unchanged. Handlers stay `Infallible`
//!   and the layers above see why a response was made. Responses are built with
//!   `B::default()`, so a body type must implement `Default` (axum's `Body` and
//!   `http_body_util::combinators::BoxBody` do; map a hyper `Incoming` first).
//! - **One classification.** [`classify`] decides what is a failure for every layer.
//! - **Cheap on the hot path.** No lock and no allocation per call on the happy path
//!   (BENCHMARKS.md in the repository has the numbers).
//! - **Testable in virtual time.** Time comes from tokio's clock, so `tokio::time::pause`
//!   drives every timer; randomness takes a seed.
//!
//! # A client stack
//!
//! Outermost first: total deadline, retry (with budget and `Retry-After`), circuit breaker,
//! per-attempt timeout, transport.
//!
//! ```
//! # #[cfg(all(feature = "breaker", feature = "retry", feature = "deadline"))]
//! # {
//! use seawall::{breaker::CircuitBreakerLayer, deadline::DeadlineLayer, retry::RetryLayer};
//! use std::time::Duration;
//! use tower::ServiceBuilder;
//!
//! let stack = ServiceBuilder::new()
//!     .layer(DeadlineLayer::client().timeout(Duration::from_secs(2)).build().unwrap())
//!     .layer(RetryLayer::builder().max_attempts(3).build().unwrap())
//!     .layer(CircuitBreakerLayer::builder().build().unwrap())
//!     .layer(DeadlineLayer::per_attempt().timeout(Duration::from_millis(500)).build().unwrap());
//! # let _ = stack;
//! # }
//! ```
//!
//! [tower-http]: https://docs.rs/tower-http

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod classify;
pub mod headers;
#[cfg(any(feature = "breaker", feature = "retry", feature = "deadline"))]
mod observe;
#[cfg(any(feature = "metrics", feature = "trace", feature = "chaos"))]
pub mod route;

#[cfg(feature = "breaker")]
pub mod breaker;
#[cfg(feature = "chaos")]
pub mod chaos;
#[cfg(feature = "deadline")]
pub mod deadline;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "retry")]
pub mod retry;
#[cfg(all(feature = "breaker", feature = "retry", feature = "deadline"))]
pub mod stack;
#[cfg(feature = "trace")]
pub mod trace;

pub use classify::{Classify, HttpClassifier, Outcome, Rejection};

//! Fault injection: added latency, aborts, transport errors and connection resets, switched
//! on and off at run time.
//!
//! A resilience layer that has never seen a failure has never been tested. This module puts
//! failures where you want them, on the requests you choose, at the rate you choose, for as
//! long as you choose, so you can watch what breakers, retries, budgets and deadlines do.
//!
//! # Two layers, one set of faults
//!
//! - [`ChaosLayer`], for servers, delays requests and answers them itself. Its services keep
//!   the inner service's error type, so axum handlers stay `Infallible`.
//! - [`ClientChaosLayer`], for clients, can also fail calls with an [`InjectedFault`] that
//!   looks like a refused connection or a connection reset. The client's error type must be
//!   `From<InjectedFault>` (tower's `BoxError` and `std::io::Error` are). Put it below retry
//!   and the breaker, just above the transport, so that they see the faults.
//!
//! Each layer holds a set of named faults, shared by all its clones and controlled through
//! its [`FaultHandle`], or over HTTP with `admin_router` (feature `axum`).
//!
//! # Faults
//!
//! | kind | what happens | layers |
//! |---|---|---|
//! | `latency` | waits `delay_ms`, or a uniform draw from `min_ms..=max_ms`, then goes on | both |
//! | `abort` | answers with `status` (400-599, 503 unless given) and [`Rejection::FaultInjected`](crate::Rejection::FaultInjected) in the extensions; the inner service is not called | both |
//! | `transport_error` | fails with an [`InjectedFault`] whose source is an `io::Error` of kind `ConnectionRefused`; not called | client |
//! | `connection_reset` | fails with an [`InjectedFault`] whose source is an `io::Error` of kind `ConnectionReset`; not called | client |
//!
//! A fault applies to the requests its `match` selects (all of them unless given): a route
//! (axum's route template such as `/products/{id}` when the `axum` feature is on and the
//! layer sits inside a router, else the URI path; exact, or a prefix ending in `*`), a
//! method, a header with a value, and an entity, the value an
//! [extractor](ChaosBuilder::entity) of yours finds in the request (one product id, one
//! user). Each matching request is hit with the fault's `probability` (1 unless given),
//! drawn from the layer's own generator, which [`ChaosBuilder::seed`] makes repeatable.
//!
//! When several faults hit one request, their latencies add up and the first abort or
//! error (in name order) ends the request after that delay; the ones after it are not
//! drawn. A fault with a `ttl_ms` is gone that long after it was put (tokio's clock, so
//! `tokio::time::pause` drives it). A layer holds at most
//! [`max_faults`](ChaosBuilder::max_faults) faults; putting one more is refused.
//!
//! # The JSON spec
//!
//! A [`FaultSpec`] is the body of `PUT /admin/faults/{name}`. Unknown fields and fields that
//! do not apply to the kind are refused, with a message that says which:
//!
//! ```json
//! {"kind": "abort", "status": 503, "probability": 0.3,
//!  "match": {"route": "/charge", "method": "POST"}, "ttl_ms": 60000}
//!
//! {"kind": "latency", "min_ms": 200, "max_ms": 800,
//!  "match": {"route": "/products/{id}", "entity": "42",
//!            "header": {"name": "x-tenant", "value": "acme"}}}
//! ```
//!
//! Names (`paymentFailure`, `paymentSlow`) are up to [`MAX_NAME_LEN`] characters of
//! `A-Z a-z 0-9 - _ .`, since they end up in URLs and metric labels.
//!
//! # Faults carried by a request
//!
//! A request may carry one fault for itself in the [`x-seawall-fault`](FAULT_HEADER)
//! header, as a JSON spec without `ttl_ms` (the fault lives as long as the request). The
//! layer honours it **only when built with
//! [`trust_fault_header(true)`](ChaosBuilder::trust_fault_header)**, and ignores it
//! otherwise: anyone can set a header, so only services whose callers are all trusted (behind
//! an edge that strips the header from everyone else) should trust it. A bad spec in a
//! trusted header is logged and ignored. Such a fault is named `x-seawall-fault` in metrics
//! and traces, and is drawn before the named faults.
//!
//! # What you can see
//!
//! Every fault that hits increments the counter
//! [`seawall_faults_injected_total`](FAULTS_INJECTED_TOTAL) with the labels `fault` (its
//! name), `kind`, and `service_name` ([`ChaosBuilder::service_name`]), and emits an `INFO`
//! event with target `seawall::chaos` and the fields `seawall.fault`, `seawall.fault.kind`
//! (and `seawall.fault.delay_ms` for latency) on the current span. Putting and removing
//! faults is logged too.
//!
//! # Cost
//!
//! With no fault in place and no trusted header, a call costs one atomic load before it
//! goes to the inner service. With faults in place, it reads them with one lock and one
//! reference count, and allocates nothing unless a fault hits or the entity extractor runs.
//!
//! Latency is waited for before the inner service's future is first polled. The inner
//! service is called at once, so a service that starts work in `call` rather than in its
//! future (tower's `Buffer`, for one) starts it before the delay.
//!
//! # Example
//!
//! ```
//! use axum::{Router, body::Body, routing::post};
//! use http::Request;
//! use seawall::{Rejection, chaos::{ChaosLayer, FaultSpec, MatchSpec}};
//! use std::time::Duration;
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let chaos = ChaosLayer::builder().service_name("payments").seed(7).build().unwrap();
//! let faults = chaos.handle();
//! let app = Router::new()
//!     .route("/charge", post(|| async { "charged" }))
//!     .route("/refund", post(|| async { "refunded" }))
//!     .layer(chaos);
//!
//! faults.put(
//!     "paymentFailure",
//!     FaultSpec::abort(503)
//!         .when(MatchSpec::new().with_route("/charge"))
//!         .with_ttl(Duration::from_secs(60)),
//! ).unwrap();
//!
//! let charge = Request::post("/charge").body(Body::empty()).unwrap();
//! let res = app.clone().oneshot(charge).await.unwrap();
//! assert_eq!(res.status(), 503);
//! assert_eq!(Rejection::of(&res), Some(Rejection::FaultInjected));
//!
//! let refund = Request::post("/refund").body(Body::empty()).unwrap();
//! assert_eq!(app.oneshot(refund).await.unwrap().status(), 200);
//! # }
//! ```

#[cfg(feature = "axum")]
mod admin;
mod error;
mod fault;
mod future;
mod handle;
mod injected;
mod injector;
mod layer;
mod matcher;
mod service;
mod spec;

#[cfg(feature = "axum")]
pub use admin::admin_router;
pub use error::FaultError;
pub use fault::{MAX_LATENCY_MS, MAX_TTL_MS};
pub use future::ResponseFuture;
pub use handle::{ActiveFault, FaultHandle, MAX_NAME_LEN};
pub use injected::InjectedFault;
pub use layer::{ChaosBuilder, ChaosLayer, ClientChaosLayer, ConfigError, DEFAULT_MAX_FAULTS};
pub use matcher::RequestHead;
pub use service::{ChaosService, ClientChaosService};
pub use spec::{FaultKind, FaultSpec, HeaderMatch, MatchSpec};

use http::HeaderName;

/// The request header that carries a fault for that request alone, as a JSON
/// [`FaultSpec`]; honoured only by layers built with
/// [`trust_fault_header(true)`](ChaosBuilder::trust_fault_header).
///
/// `x-seawall-fault: {"kind":"latency","delay_ms":300}`
pub const FAULT_HEADER: HeaderName = HeaderName::from_static("x-seawall-fault");

/// The counter of injected faults, labelled `fault`, `kind` and `service_name`.
pub const FAULTS_INJECTED_TOTAL: &str = "seawall_faults_injected_total";

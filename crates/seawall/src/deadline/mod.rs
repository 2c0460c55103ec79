//! Deadlines that propagate across hops.
//!
//! A request that has waited 900 ms of its caller's 1 s budget has 100 ms left, and every
//! service it reaches should know that: work that cannot finish in time is wasted, and a
//! chain of services that each apply their own fixed timeout answers long after the user
//! gave up. This module keeps one [`Deadline`] per request and carries it across hops in
//! the [`x-seawall-timeout-ms`](crate::headers::TIMEOUT_MS) header.
//!
//! [`DeadlineLayer`] comes in three roles:
//!
//! - **server** ([`DeadlineLayer::server`]): reads the caller's remaining time from the
//!   header, caps it by its own maximum, and answers `504` with
//!   [`Rejection::DeadlineExceeded`](crate::Rejection::DeadlineExceeded) *at once, without
//!   calling the inner service*, when it has already run out. Otherwise it runs the handler
//!   with the deadline as [`Deadline::current`] and answers `504` when it passes.
//! - **client** ([`DeadlineLayer::client`]): the total time a call may take, tightened by
//!   the deadline of the request being served, if any. It writes the remaining time minus a
//!   margin (for the time on the wire) to the outgoing request and answers `504` with
//!   `DeadlineExceeded` when the deadline passes.
//! - **per attempt** ([`DeadlineLayer::per_attempt`]): a timeout for one attempt, placed
//!   below a [`retry`](crate::retry) layer. It answers `504` with
//!   [`Rejection::Timeout`](crate::Rejection::Timeout), which is worth retrying, when its own
//!   timeout is what ran out, and with `DeadlineExceeded`, which is not, when the request's
//!   deadline is. It writes the header too, so each attempt tells the next hop how long
//!   *that attempt* may take.
//!
//! A retry layer between a client and a per-attempt deadline sees the deadline too and
//! never starts an attempt that cannot finish.
//!
//! Work spawned onto another task leaves the deadline's scope; carry it over with
//! [`Deadline::scope`].
//!
//! Deadlines nest: a server deadline, a client's total deadline inside it and a
//! per-attempt one inside that are each tighter than the last. While an inner deadline has
//! a timer armed that fires no later than an outer one, the outer one arms none, so a
//! request pays for one timer rather than one per layer; the outer deadline is enforced
//! just the same, arming its own timer once nothing below covers it.
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::get};
//! use http::Request;
//! use seawall::deadline::{Deadline, DeadlineLayer};
//! use std::time::Duration;
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let app = Router::new()
//!     .route("/", get(|| async {
//!         // Handlers and the clients they call see the request's deadline.
//!         format!("{} ms left", Deadline::current().unwrap().remaining().as_millis())
//!     }))
//!     .layer(DeadlineLayer::server().timeout(Duration::from_secs(2)).build().unwrap());
//!
//! // The caller has already run out of time: 504 without running the handler.
//! let expired = Request::get("/")
//!     .header("x-seawall-timeout-ms", "0")
//!     .body(axum::body::Body::empty())
//!     .unwrap();
//! let res = app.oneshot(expired).await.unwrap();
//! assert_eq!(res.status(), 504);
//! # }
//! ```

mod armed;
mod current;
mod future;
pub(crate) mod header;
mod layer;
mod service;
mod telemetry;

pub use current::{Deadline, InvalidTimeoutHeader, Scoped};
pub use future::ResponseFuture;
pub use layer::{ConfigError, DeadlineBuilder, DeadlineLayer};
pub use service::DeadlineService;
pub use telemetry::DEADLINE_EXCEEDED_TOTAL;

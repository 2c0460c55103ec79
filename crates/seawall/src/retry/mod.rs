//! Retries with jittered back-off, a shared budget, `Retry-After` and body replay.
//!
//! [`RetryLayer`] sends a failed request again, after a back-off, when doing so is safe,
//! useful and affordable. It sits below the total deadline and above the circuit breaker
//! and the per-attempt timeout (see the [crate docs](crate)).
//!
//! # When a request is retried
//!
//! Each attempt's result goes to the layer's [`Classify`](crate::Classify) implementation
//! ([`HttpClassifier`](crate::HttpClassifier) by default). Only a
//! [`Failure`](crate::Outcome::Failure) or an [`Overload`](crate::Outcome::Overload) is
//! retried; a success or an `Ignored` result (a 4xx, or a local [`Rejection`](crate::Rejection)
//! such as `CircuitOpen`) is returned as it is, without spending budget. A failure is then
//! retried only if every check passes, in this order:
//!
//! 1. the response does not carry the no-retry marker ([`NO_RETRY`](crate::headers::NO_RETRY)):
//!    a hop below already retried and gave up;
//! 2. the request is **idempotent**: its method is in the idempotent set (GET, HEAD,
//!    OPTIONS, TRACE, PUT, DELETE by default), or it carries an
//!    [`Idempotency-Key`](crate::headers::IDEMPOTENCY_KEY) header; and its **body was
//!    kept** for replay (see below);
//! 3. fewer than `max_attempts` attempts were made (the first attempt counts);
//! 4. any `Retry-After` is at most `max_retry_after`. Retrying sooner than the server asked
//!    would be retrying early, so a longer `Retry-After` ends the loop instead;
//! 5. the delay, `max(back-off, Retry-After)`, leaves at least `min_attempt_time` (and more
//!    than nothing) of the current [`Deadline`](crate::deadline::Deadline), if there is one:
//!    the layer never sleeps past a deadline or starts an attempt that cannot finish (the
//!    check is made again when the inner service is ready, in case waiting for it took
//!    the time; the answer is then a 504, see below);
//! 6. the [`RetryBudget`] has a token. It is taken now, when the retry is scheduled and
//!    before the back-off sleep, so concurrent failures cannot all count on one token.
//!
//! When a failure ends the loop for reasons 3 to 6 the response gets the no-retry marker,
//! so the callers of this service do not multiply the retries (3 attempts at each of 3
//! hops would be 27 at the last). No marker is added when the request was never
//! retryable (method, or `max_attempts` of 1) or when only its body size stood in the way.
//! An `Err` of the inner service is retried like a failure and, if it ends the loop, is
//! returned unchanged.
//!
//! # Back-off
//!
//! Exponential, from `base_delay` growing by `multiplier` up to `max_delay`, randomised by
//! a [`Jitter`] (full jitter by default). Each request draws its delays from its own
//! `fastrand` generator, seeded from a per-layer sequence, so [`seed`](RetryBuilder::seed)
//! makes a run repeatable and there is no global random state on the hot path.
//!
//! # Request bodies
//!
//! Before the first attempt of a retryable request the layer reads the body until its end,
//! or until it exceeds `max_replay_bytes` (64 KiB by default); a body whose size hint
//! already exceeds the cap is not read at all. A body that fits, trailers included, is
//! replayed byte for byte to every attempt as a cheap [`Bytes`](bytes::Bytes) clone. A
//! larger one is sent once (the part already read, then the rest of the stream) and its
//! request is not retried. An empty body costs nothing. The inner service sees the body as
//! a [`ReplayBody`].
//!
//! # What the inner service sees
//!
//! - Retries carry an [`Attempt`] extension (2, 3, ...); the first attempt carries none, so
//!   [`Attempt::of`] answers 1 for it. Nothing is inserted on the happy path.
//! - When the request carries [`TIMEOUT_MS`](crate::headers::TIMEOUT_MS) (written by a
//!   deadline layer above), each retry sends it less the time spent since the first
//!   attempt, so the next hop is never told it has more time than it does.
//!
//! # Cost on the happy path
//!
//! No lock and no allocation of the layer's own: an atomic add to deposit in the budget,
//! and for a request that may be retried (an idempotent method and `max_attempts > 1`) a
//! reference count and a copy of the request head (method, URI, version, headers,
//! extensions). The inner service is not cloned per call: the layer keeps a spare clone,
//! made when it wraps the service, and a retry clones that one (a request with a body to
//! buffer still takes the ready service with it and leaves a clone behind). For a request without headers or extensions and
//! with an empty body that copy allocates nothing, except that the first copy of a URI
//! parsed from a string may allocate once to share its bytes. Other requests are passed
//! straight through, without a copy. The only time a request is answered by the layer
//! itself is when the current deadline leaves less than `min_attempt_time` (or nothing)
//! when an attempt is due to start: a 504 carrying
//! [`Rejection::DeadlineExceeded`](crate::Rejection::DeadlineExceeded) and the marker.
//!
//! # Observability
//!
//! Every decision on a failure is a `tracing` event with target `seawall::retry` and the
//! fields `attempt` (the attempt that failed) and `reason`: `failure` or `overload` for a
//! retry (which also records `next_attempt` and `delay_ms`), otherwise one of
//! `no_retry_marker`, `body_not_replayable`, `attempts_exhausted`, `retry_after_too_long`,
//! `deadline_too_near`, `budget_exhausted` (the last at `INFO`, the rest at `DEBUG`).
//!
//! # Example
//!
//! ```
//! use http::{Request, Response, StatusCode};
//! use http_body_util::Empty;
//! use seawall::retry::{Attempt, Jitter, ReplayBody, RetryBudget, RetryLayer};
//! use std::{convert::Infallible, time::Duration};
//! use tower::{Service, ServiceBuilder, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let retry = RetryLayer::builder()
//!     .max_attempts(3)
//!     .base_delay(Duration::from_millis(100))
//!     .jitter(Jitter::Equal)
//!     // At most 20% of requests retried, plus 10 retries a second. A budget starts
//!     // empty, so a client that has only just started may not retry yet.
//!     .budget(RetryBudget::new(0.2, 10.0)?)
//!     .build()?;
//!
//! // A dependency that is unavailable for the first two attempts.
//! let flaky = service_fn(|req: Request<ReplayBody<Empty<bytes::Bytes>>>| async move {
//!     let status = if Attempt::of(&req) < 3 { 503 } else { 200 };
//!     let res = Response::builder().status(status).body(String::new()).unwrap();
//!     Ok::<_, Infallible>(res)
//! });
//! let mut client = ServiceBuilder::new().layer(retry).service(flaky);
//!
//! tokio::time::sleep(Duration::from_secs(1)).await; // let the budget earn a few tokens
//! let res = client.ready().await?.call(Request::new(Empty::new())).await?;
//! assert_eq!(res.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```

mod attempt;
mod backoff;
mod body;
mod budget;
mod config;
mod future;
mod layer;
mod policy;
mod service;
mod telemetry;

pub use attempt::Attempt;
pub use backoff::Jitter;
pub use body::ReplayBody;
pub use budget::{RetryBudget, RetryBudgetBuilder};
pub use config::{ConfigError, RetryBuilder};
pub use future::ResponseFuture;
pub use layer::RetryLayer;
pub use service::Retry;
pub use telemetry::{RETRY_ATTEMPTS_TOTAL, RETRY_DECISIONS_TOTAL};

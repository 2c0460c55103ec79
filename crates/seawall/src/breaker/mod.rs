//! Circuit breaker: stop calling a service that is failing, and find out when it is back.
//!
//! A [`CircuitBreakerLayer`] watches the results of the calls through it, as judged by a
//! [`Classify`](crate::Classify)er ([`HttpClassifier`](crate::HttpClassifier) by
//! default), and moves between three [`State`]s:
//!
//! - **Closed**: calls pass, and their results go into a *sliding window*. Once the window
//!   holds at least the [minimum number of calls](CircuitBreakerBuilder::minimum_calls)
//!   and the failure rate (or the slow-call rate) reaches its threshold, the breaker
//!   opens. The window is truly sliding: a count window of 100 holds the last 100 calls,
//!   whatever happened before them, so 50 failures after 1,000 successes open a breaker
//!   at 50%. A time window holds the calls of the last period, forgetting older ones.
//! - **Open**: calls are answered at once, without calling the service, with
//!   `503 Service Unavailable`, `Retry-After` set to the time left until the breaker
//!   tries again, and [`Rejection::CircuitOpen`](crate::Rejection::CircuitOpen) in the
//!   response extensions. After the [open duration](CircuitBreakerBuilder::open_duration)
//!   (optionally growing with [back-off](CircuitBreakerBuilder::open_backoff) each time
//!   it reopens) the next call finds it half-open.
//! - **Half-open**: exactly N [probe calls](CircuitBreakerBuilder::half_open_probes) pass,
//!   however many tasks call at once; the rest are refused as when open (with
//!   `Retry-After: 1`, as the probes may decide any moment). The breaker
//!   closes, with an empty window, as soon as enough probes succeeded
//!   ([success ratio](CircuitBreakerBuilder::half_open_success_ratio)), and reopens as soon
//!   as too many failed for that. A probe whose result is ignored or that is cancelled
//!   gives its place to another call.
//!
//! What counts:
//!
//! | outcome | in the window | as a probe |
//! |---|---|---|
//! | `Success` | a call | a success, unless slow |
//! | `Failure`, `Overload` (e.g. 5xx, 429, transport `Err`) | a failed call | a failure |
//! | `Ignored` (e.g. 4xx, another breaker's 503) | nothing | nothing: the permit is given back |
//!
//! A call that takes at least the [slow-call duration](CircuitBreakerBuilder::slow_calls)
//! also counts as slow, whatever its outcome. Errors of the inner service pass through
//! unchanged; only the breaker's own refusals are responses it makes.
//!
//! # Operating a breaker
//!
//! A [`BreakerHandle`] (from [`CircuitBreakerLayer::handle`]) reads the state and the
//! window's [`WindowStats`], and can [force it open](BreakerHandle::force_open),
//! [force it closed](BreakerHandle::force_closed), [disable](BreakerHandle::disable) it,
//! and [reset](BreakerHandle::reset) it to normal. In [shadow
//! mode](CircuitBreakerBuilder::shadow) the breaker decides but never refuses, and counts
//! what it would have refused. Every transition emits a `tracing` event (target
//! `seawall::breaker`, fields `from`, `to`, `key`) and calls the
//! [listeners](CircuitBreakerBuilder::on_transition).
//!
//! # Readiness mode
//!
//! For a load balancer, refusing in `call` is too late: it has already picked this
//! endpoint. In [readiness mode](CircuitBreakerBuilder::readiness), `poll_ready` returns
//! `Pending` while the breaker is open (and while every half-open probe is out), and
//! wakes the task when the open duration ends or the state changes, so `tower::balance`
//! sends calls elsewhere.
//!
//! # Keyed breakers
//!
//! With [`key_by`](CircuitBreakerBuilder::key_by), each key, such as the upstream
//! [authority](ByAuthority), the axum route template (`ByRoute`, feature `axum`) or
//! anything a closure derives from the request, gets its own independent breaker. Memory
//! is bounded by [`max_keys`](CircuitBreakerBuilder::max_keys): when a new key arrives
//! and the map is full, the least recently used breaker that is *closed* is evicted (its
//! window is lost). An open, half-open or operator-set breaker is never evicted, since
//! forgetting it would silently let traffic through to a failing upstream. If no breaker
//! can be evicted, the new key's calls go through the layer's shared breaker (also used
//! by requests without a key) until room frees up.
//!
//! # Cost
//!
//! A closed breaker costs a few atomic operations per call and takes no lock and
//! allocates nothing: one load of the state word, then, on completion, one load of the
//! window's packed counters and a compare-and-swap on a word of the caller's own (see
//! below); a failure, a slow call or a call while the window is still filling swaps a
//! slot and does one `fetch_add` on the packed counters (count window), or two
//! `fetch_add`s (time window; moving to a new bucket takes a short lock once per bucket
//! length). Keyed breakers add a read-locked map lookup. The clock is read only when a
//! time window or slow calls need it.
//!
//! A breaker shared by every thread of a server must not make its callers fight over one
//! cache line. Each thread reaches the shared breaker through a lane of its own (one per
//! core), whose reference count the call's permit takes. And a fast success, once the
//! window holds the minimum number of calls without tripping, cannot open the breaker: it
//! only lowers the rates. The lane counts it in its own word and hands such successes to
//! the window in batches of up to 64, and always before the next failure or slow call is
//! recorded, and before [`BreakerHandle::stats`] reads the window. So the window holds
//! exactly the results it would hold had each been recorded at once, and the breaker opens
//! on exactly the same call.
//!
//! # Example
//!
//! ```
//! use http::{Request, Response, StatusCode, header::RETRY_AFTER};
//! use seawall::{Rejection, breaker::{CircuitBreakerLayer, State}};
//! use std::{convert::Infallible, time::Duration};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let layer = CircuitBreakerLayer::builder()
//!     .count_window(10)
//!     .minimum_calls(5)
//!     .failure_rate_threshold(0.5)
//!     .open_duration(Duration::from_secs(10))
//!     .build()
//!     .expect("a valid configuration");
//! let handle = layer.handle();
//!
//! let failing = service_fn(|_: Request<()>| async {
//!     Ok::<_, Infallible>(Response::builder().status(500).body(String::new()).unwrap())
//! });
//! let service = ServiceBuilder::new().layer(layer).service(failing);
//!
//! for _ in 0..5 {
//!     let response = service.clone().oneshot(Request::new(())).await.unwrap();
//!     assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
//! }
//! assert_eq!(handle.state(), State::Open);
//!
//! // Now the breaker answers, without calling the service.
//! let response = service.oneshot(Request::new(())).await.unwrap();
//! assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
//! assert_eq!(response.headers()[RETRY_AFTER], "10");
//! assert!(matches!(Rejection::of(&response), Some(Rejection::CircuitOpen { .. })));
//! # }
//! ```

mod circuit;
mod config;
mod count_window;
mod deferred;
mod future;
mod half_open;
mod handle;
mod key;
mod keyed;
mod lane;
mod layer;
mod packed;
mod permit;
mod readiness;
mod service;
mod state;
mod telemetry;
mod time_window;
mod transition;
mod window;

pub use config::{CircuitBreakerBuilder, ConfigError, MAX_BUCKETS, MIN_BUCKET_LENGTH};
pub use future::ResponseFuture;
pub use handle::BreakerHandle;
#[cfg(feature = "axum")]
pub use key::ByRoute;
pub use key::{BreakerKey, ByAuthority, Unkeyed};
pub use layer::CircuitBreakerLayer;
pub use service::CircuitBreaker;
pub use state::State;
pub use telemetry::{BREAKER_CALLS_TOTAL, BREAKER_STATE, BREAKER_TRANSITIONS_TOTAL};
pub use transition::Transition;
pub use window::WindowStats;

/// The largest count window, and the most calls a time window records.
pub const MAX_WINDOW_CALLS: u32 = packed::MAX_WINDOW_CALLS;

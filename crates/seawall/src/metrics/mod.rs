//! HTTP server and client metrics per the OpenTelemetry semantic conventions.
//!
//! [`HttpMetricsLayer`] records, through the [`metrics`] facade, the series that
//! dashboards built for the OpenTelemetry HTTP conventions expect, in their Prometheus form:
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | [`HTTP_SERVER_REQUEST_DURATION`] | histogram, seconds | `http_request_method`, `http_route`, `http_response_status_code`, `error_type` |
//! | [`HTTP_SERVER_ACTIVE_REQUESTS`] | gauge | `http_request_method` |
//! | [`HTTP_CLIENT_REQUEST_DURATION`] | histogram, seconds | `http_request_method`, `server_address`, `http_route`, `http_response_status_code`, `error_type` |
//!
//! Every series also carries `service_name`, so that several services served from one
//! process stay apart.
//!
//! - `http_route` is the route *template* (`/users/{id}`), never the raw path, so the number
//!   of series stays bounded: on axum servers it comes from
//!   [`MatchedPath`](https://docs.rs/axum/latest/axum/extract/struct.MatchedPath.html)
//!   (with the `axum` feature), otherwise from a [`RouteTemplate`] extension that the caller
//!   (a router, or the code that builds a client request) inserts. Without either the label
//!   is left out.
//! - `http_request_method` is one of the nine standard methods or `_OTHER`.
//! - `error_type` is present only when the call failed: the
//!   [`Rejection::error_type`](crate::Rejection::error_type) of a response a seawall layer
//!   made (`circuit_open`, `deadline_exceeded`, ...), else the status code for a 5xx (and, on
//!   clients, a 4xx), else `transport` for an `Err` of the inner client.
//! - Durations are measured from the call to the response head, in tokio's clock.
//!
//! The layer keeps the handles of the series it has seen in a small map keyed by the label
//! values, so a request costs a read lock and a lookup rather than building label sets;
//! series are registered with the recorder in place when they are first used, so install
//! the recorder (for example with `seawall-telemetry`) before the first request. The map is
//! bounded: past [`MAX_SERIES`] distinct label sets, new ones share a series whose
//! `http_route` is `_OTHER`.
//!
//! Use [`HTTP_DURATION_BUCKETS`] as the histogram buckets of your recorder.
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::get};
//! use seawall::metrics::HttpMetricsLayer;
//!
//! let app: Router = Router::new()
//!     .route("/users/{id}", get(|| async { "ok" }))
//!     .layer(HttpMetricsLayer::server("users"));
//! ```

mod future;
mod labels;
mod layer;
mod series;
mod service;

pub use crate::route::RouteTemplate;
pub use future::ResponseFuture;
pub use layer::HttpMetricsLayer;
pub use series::MAX_SERIES;
pub use service::HttpMetrics;

/// Server request duration histogram (`http.server.request.duration`), in seconds.
pub const HTTP_SERVER_REQUEST_DURATION: &str = "http_server_request_duration_seconds";
/// Requests being served right now (`http.server.active_requests`).
pub const HTTP_SERVER_ACTIVE_REQUESTS: &str = "http_server_active_requests";
/// Client request duration histogram (`http.client.request.duration`), in seconds.
pub const HTTP_CLIENT_REQUEST_DURATION: &str = "http_client_request_duration_seconds";

/// The bucket boundaries, in seconds, that the OpenTelemetry HTTP conventions advise for
/// request durations.
pub const HTTP_DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

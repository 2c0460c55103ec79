//! W3C trace context on servers, clients and event-bus messages.
//!
//! [`HttpTraceLayer`] makes one `tracing` span per request, linked to OpenTelemetry through
//! [`tracing-opentelemetry`](tracing_opentelemetry):
//!
//! - **server** ([`HttpTraceLayer::server`]): reads `traceparent`, `tracestate` and
//!   `baggage` from the request with the globally installed propagator, and makes the
//!   caller's span the parent of a `server` span.
//! - **client** ([`HttpTraceLayer::client`]): makes a `client` span and writes its context
//!   to the outgoing request. Placed below a [`retry`](crate::retry) layer it makes one span
//!   per attempt, each with the attempt number.
//!
//! Spans are named `{METHOD} {route}` after the route template (from axum's `MatchedPath`
//! with the `axum` feature, or a [`RouteTemplate`](crate::route::RouteTemplate) extension),
//! or `{METHOD}` when there is none, as the HTTP semantic conventions ask. They carry
//! `http.request.method`, `http.route`, `url.path` (servers; never the query, which may hold
//! secrets), `server.address` (clients), `http.response.status_code`, `error.type`,
//! `service.name` and `seawall.attempt`; their status is an error for a 5xx on servers and
//! for any 4xx or 5xx or transport error on clients. The decisions of the other seawall
//! layers appear on these spans as events with `seawall.*` fields.
//!
//! A server skips the span of a request whose caller did not sample its trace, and runs the
//! request in the caller's context instead: with a parent-based sampler (the OpenTelemetry
//! default) that span would be dropped anyway, after costing microseconds to make. Spans
//! below it and [`inject_context`] still send the caller's `traceparent` on, unsampled. See
//! [`HttpTraceLayer::skip_unsampled`] for what that leaves out and how to turn it off, and
//! [`set_sampler_drops_unsampled_children`] for samplers that do not follow the caller
//! (`seawall-telemetry` sets it from `OTEL_TRACES_SAMPLER`).
//! For such a request the layer parses the `traceparent` itself (in one pass, without
//! allocating, with the W3C rules) instead of asking the propagator, when the installed
//! propagator reads `traceparent` and the request carries none of the other fields it reads
//! (`tracestate`, `baggage`): the propagator would then build the same context. Otherwise,
//! and for a header that is not valid by the spec, the propagator reads the request as before.
//!
//! The propagator is global (`opentelemetry::global::set_text_map_propagator`);
//! `seawall-telemetry` installs TraceContext and Baggage. [`inject_context`] and
//! [`extract_context`] do the same for message headers on an event bus.
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::get};
//! use seawall::trace::HttpTraceLayer;
//!
//! let app: Router = Router::new()
//!     .route("/users/{id}", get(|| async { "ok" }))
//!     .layer(HttpTraceLayer::server("users"));
//! ```

mod future;
mod layer;
mod propagation;
mod sampling;
mod service;
mod span;
mod traceparent;
mod unsampled;

pub use future::ResponseFuture;
pub use layer::HttpTraceLayer;
pub use propagation::{
    HeaderExtractor, HeaderInjector, extract_context, inject_context, inject_span_context,
};
pub use sampling::set_sampler_drops_unsampled_children;
pub use service::HttpTrace;

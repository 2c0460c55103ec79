//! [`Pipeline`]: the client stack of one route to one of its upstreams, from the gateway to
//! an instance of that upstream; [`ReadyPipelines`] calls it without a clone per request.
//!
//! Outermost first (DESIGN §3's order, with balancing inside retry so each attempt picks
//! its instance afresh):
//!
//! 1. client metrics (`http_client_request_duration_seconds`, route = the route's prefix
//!    and `/*`);
//! 2. the route's total deadline, tightened by the request's own;
//! 3. retry with the gateway's shared budget: idempotent requests (or with an
//!    `Idempotency-Key`) only, honouring `Retry-After`;
//! 4. [`Balance`]: p2c over the available instances of the pipeline's upstream;
//! 5. a client trace span per attempt, which writes the `traceparent`;
//! 6. a circuit breaker per instance (keyed by authority): its opening ejects the instance;
//! 7. the per-attempt timeout, which writes `x-seawall-timeout-ms` for the upstream;
//! 8. hyper-util's pooled HTTP/1 client, shared by every route.
//!
//! The route's [`resilience`](RouteConfig::resilience) switches layers 3 and 6 as
//! [`ClientResilience`] does for the services' clients: `naive` retries without the budget
//! (one that never runs dry) and has no breaker; `off` makes one attempt (the retry layer
//! stays with `max_attempts = 1`, since it also makes the body replayable, which the
//! transport is typed for) and has no breaker: plain proxying. Without the breaker layer
//! the route's [`Breakers`] see no calls, so they never open and [`Balance`] ejects
//! instances on their health checks alone: those are the load balancer's, not a
//! resilience layer, and stay in every mode.

mod ready;

pub use ready::ReadyPipelines;

use http::{Request, Response};
use seawall::HttpClassifier;
use seawall::breaker::{ByAuthority, CircuitBreakerLayer};
use seawall::deadline::DeadlineLayer;
use seawall::metrics::{HttpMetricsLayer, RouteTemplate};
use seawall::retry::{RetryBudget, RetryLayer};
use seawall::trace::HttpTraceLayer;
use shop_kit::client::{RequestBody, SharedTransport, naive_retry_budget};
use shop_kit::resilience::ClientResilience;
use std::sync::Arc;
use std::time::Duration;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceBuilder};

use crate::balance::{Balance, Upstream};
use crate::config::{ConfigError, RouteConfig};

/// The `service_name` of the gateway's metrics and spans.
pub const SERVICE_NAME: &str = "gateway";

/// The transport every route shares: hyper-util's pooled client behind one `Arc`, so
/// that the per-request clones of a route's pipeline copy one reference count, not the
/// client.
pub type Transport = SharedTransport;

/// The body of an upstream's answer: axum's, so that the gateway hands it on as it is
/// instead of boxing a boxed body again.
pub type UpstreamBody = axum::body::Body;

/// A route's whole client stack, boxed.
pub type Pipeline = BoxCloneSyncService<Request<RequestBody>, Response<UpstreamBody>, BoxError>;

/// The per-instance breakers of a route.
pub type Breakers = CircuitBreakerLayer<HttpClassifier, ByAuthority>;

/// Builds the pipelines of `route` over `transport`, one for each of `upstreams` (the
/// upstreams its split sends to), with retries paid from `budget` (with the route's
/// default, [`ClientResilience::Seawall`]). They share the route's breakers, returned
/// too, and label their metrics and spans with `template`.
///
/// One pipeline per upstream, each balancing over its own upstream's instances, so that a
/// request carries no extension naming its upstream or its route: the retry layer copies a
/// request's extensions for every attempt.
///
/// # Errors
///
/// A timeout, retry or breaker setting the layers refuse, naming the route.
pub fn build(
    route: &RouteConfig,
    template: &RouteTemplate,
    upstreams: &[Arc<Upstream>],
    transport: &Transport,
    budget: RetryBudget,
) -> Result<(Vec<Pipeline>, Breakers), ConfigError> {
    let invalid = |error: &dyn std::fmt::Display| {
        ConfigError::invalid(format!("route {}", route.prefix), error.to_string())
    };
    // The attempt layer writes the time left on each attempt; this one only enforces.
    let total = DeadlineLayer::client()
        .propagate(false)
        .timeout(Duration::from_millis(route.timeout_ms))
        .service_name(SERVICE_NAME)
        .build()
        .map_err(|e| invalid(&e))?;
    let attempt = DeadlineLayer::per_attempt()
        .timeout(Duration::from_millis(route.attempt_timeout_ms))
        .service_name(SERVICE_NAME)
        .build()
        .map_err(|e| invalid(&e))?;
    let resilience = route.resilience;
    let budget = match resilience {
        ClientResilience::NaiveRetries => naive_retry_budget().map_err(|e| invalid(&e))?,
        ClientResilience::Seawall | ClientResilience::Off => budget,
    };
    let retry = RetryLayer::builder()
        .max_attempts(if resilience.retries() {
            route.attempts
        } else {
            1
        })
        .base_delay(Duration::from_millis(10))
        .budget(budget)
        .service_name(SERVICE_NAME)
        .build()
        .map_err(|e| invalid(&e))?;
    let policy = route.breaker;
    let breakers = CircuitBreakerLayer::builder()
        .key_by(ByAuthority)
        .count_window(policy.window)
        .minimum_calls(policy.minimum_calls)
        .failure_rate_threshold(policy.failure_rate)
        .open_duration(Duration::from_millis(policy.open_ms))
        .half_open_probes(3)
        .service_name(SERVICE_NAME)
        .name(route.prefix.clone())
        .build()
        .map_err(|e| invalid(&e))?;
    let metrics = HttpMetricsLayer::client(SERVICE_NAME).route(template.clone());
    let trace = HttpTraceLayer::client(SERVICE_NAME).route(template.clone());
    let pipelines = upstreams
        .iter()
        .map(|upstream| {
            let (upstream, balance_breakers) = (Arc::clone(upstream), breakers.clone());
            let stack = ServiceBuilder::new()
                .layer(metrics.clone())
                .layer(total)
                .layer(retry.clone())
                .layer_fn(move |inner| {
                    Balance::new(inner, Arc::clone(&upstream), balance_breakers.clone())
                })
                .layer(trace.clone())
                .option_layer(resilience.protects().then(|| breakers.clone()))
                .layer(attempt)
                .map_err(BoxError::from)
                .map_response(|response: Response<hyper::body::Incoming>| {
                    response.map(UpstreamBody::new)
                })
                .service(transport.clone());
            BoxCloneSyncService::new(stack)
        })
        .collect();
    Ok((pipelines, breakers))
}

/// The gateway's retry budget: 20% of requests plus 10 retries a second, shared by every
/// route so that a failing upstream cannot multiply the load on the others.
///
/// # Errors
///
/// Never with these constants; typed for the builder's sake.
pub fn retry_budget() -> Result<RetryBudget, ConfigError> {
    RetryBudget::new(0.2, 10.0).map_err(|e| ConfigError::invalid("retry budget", e.to_string()))
}

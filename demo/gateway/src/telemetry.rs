//! The gateway's own metrics (METRICS.md lists them). Every series carries
//! `service_name="gateway"`, like the rest of the shop's.

use std::sync::OnceLock;

use metrics::{Counter, counter, gauge};

use crate::balance::Endpoint;

const SERVICE: &str = "gateway";

/// `shop_gateway_endpoint_healthy{upstream,endpoint}`: 1 while the health checks let the
/// instance take traffic, 0 while they keep it out.
pub fn endpoint_health(endpoint: &Endpoint, healthy: bool) {
    gauge!(
        "shop_gateway_endpoint_healthy",
        "service_name" => SERVICE,
        "upstream" => endpoint.upstream().to_owned(),
        "endpoint" => endpoint.authority().to_string(),
    )
    .set(if healthy { 1.0 } else { 0.0 });
}

/// `shop_gateway_cache_requests_total{cache,result}`: lookups of the product detail cache
/// (`cache` is `product` or `reviews`), by `hit`, `miss` or `error` (Redis unreachable).
pub fn cache_lookup(cache: &'static str, result: &'static str) {
    counter!(
        "shop_gateway_cache_requests_total",
        "service_name" => SERVICE,
        "cache" => cache,
        "result" => result,
    )
    .increment(1);
}

/// `shop_gateway_rate_limited_total{route,scope}`: requests answered 429, by the limit that
/// refused them (`client` or `user`).
pub fn rate_limited(route: &str, scope: &'static str) {
    counter!(
        "shop_gateway_rate_limited_total",
        "service_name" => SERVICE,
        "route" => route.to_owned(),
        "scope" => scope,
    )
    .increment(1);
}

/// `shop_gateway_degraded_total{route}`: product details answered without their reviews
/// (or without live stock, from the cache) because a dependency failed.
pub fn degraded(route: &str, part: &'static str) {
    counter!(
        "shop_gateway_degraded_total",
        "service_name" => SERVICE,
        "route" => route.to_owned(),
        "missing" => part,
    )
    .increment(1);
}

/// `shop_gateway_migration_percent{route,upstream}`: the share of the route's traffic the
/// migration sends to its new upstream now.
pub fn migration_percent(route: &str, upstream: &str, percent: u8) {
    gauge!(
        "shop_gateway_migration_percent",
        "service_name" => SERVICE,
        "route" => route.to_owned(),
        "upstream" => upstream.to_owned(),
    )
    .set(f64::from(percent));
}

/// `shop_gateway_migration_rollbacks_total{route,upstream}`: migrations rolled back to 0%
/// because the new upstream's error rate passed the threshold.
pub fn migration_rollback(route: &str, upstream: &str) {
    counter!(
        "shop_gateway_migration_rollbacks_total",
        "service_name" => SERVICE,
        "route" => route.to_owned(),
        "upstream" => upstream.to_owned(),
    )
    .increment(1);
}

/// `shop_gateway_upstream_requests_total{route,upstream}`: requests the split sent to each
/// upstream (canary, weighted and migration shares show here).
///
/// One per route and upstream, kept by the route: the handle is looked up in the recorder
/// once, on first use (the recorder is installed after the routes are built), rather than
/// with two label strings allocated and hashed on every request.
pub struct UpstreamRequests {
    upstream: String,
    route: String,
    counter: OnceLock<Counter>,
}

impl std::fmt::Debug for UpstreamRequests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamRequests")
            .field("route", &self.route)
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

impl UpstreamRequests {
    /// The counter of `route`'s requests to `upstream`.
    pub fn new(route: &str, upstream: &str) -> Self {
        UpstreamRequests {
            upstream: upstream.to_owned(),
            route: route.to_owned(),
            counter: OnceLock::new(),
        }
    }

    /// The upstream counted.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// Counts one request.
    pub fn increment(&self) {
        self.counter
            .get_or_init(|| {
                counter!(
                    "shop_gateway_upstream_requests_total",
                    "service_name" => SERVICE,
                    "route" => self.route.clone(),
                    "upstream" => self.upstream.clone(),
                )
            })
            .increment(1);
    }
}

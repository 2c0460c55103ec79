//! [`GatewayConfig`]: the gateway's routes, upstreams and policies, from TOML.
//!
//! The file has a few top-level settings, a table per upstream (its instances) and an
//! array of routes, each with its own policies. [`GatewayConfig::from_toml`] checks every
//! reference and range and refuses a bad file with a message that names the key; the
//! defaults ([`DEFAULT_CONFIG`]) route the shop's public API to the services of `shop up`.
//!
//! ```toml
//! body_limit_bytes = 65536        # requests with a larger body are answered 413
//! request_timeout_ms = 10000      # the most any request may take
//!
//! [health]                         # active health checks of every instance
//! interval_ms = 1000
//! timeout_ms = 500
//! unhealthy_after = 2             # consecutive failed checks that take an instance out
//! healthy_after = 1               # consecutive passed checks that bring it back
//!
//! [cache]                          # the product detail's cache
//! ttl_ms = 5000
//! max_entries = 10000
//! # redis_url = "redis://127.0.0.1:6379"   # Redis instead of the in-process cache
//!
//! [product_detail]                 # GET /api/products/{id}: the product with its reviews
//! route = "/api/products"         # the products route; reviews from {route}/{id}/reviews
//! reviews_timeout_ms = 300        # after this the answer comes without reviews, degraded
//!
//! [upstreams.products]
//! instances = ["http://127.0.0.1:8082", "http://127.0.0.1:8182"]
//!
//! [upstreams.reviews]                # Kubernetes: a headless Service's name, resolved
//! instances = ["http://reviews-headless:8086"]
//! discover = "dns"                   # every address of the answer is an instance
//! discover_interval_ms = 5000        # how often the name is resolved again
//!
//! [[routes]]
//! prefix = "/api/products"        # `{name}` matches one path segment
//! upstream = "products"
//! strip_prefix = "/api"           # what is cut from the path before forwarding
//! auth = "optional"               # none | optional | required
//! timeout_ms = 5000               # the whole call, retries included
//! attempt_timeout_ms = 2000       # one attempt
//! attempts = 3                    # idempotent requests only
//! breaker = { window = 20, minimum_calls = 10, failure_rate = 0.5, open_ms = 5000 }
//! resilience = "seawall"         # seawall | naive (retries, no budget, no breaker) | off (one attempt, no breaker)
//! rate_limit = { per_client_per_second = 50, per_client_burst = 100 }
//! canary = [{ header = "x-canary", value = "beta", upstream = "products-canary" }]
//! weights = [{ upstream = "products", weight = 90 }, { upstream = "products-canary", weight = 10 }]
//! migration = { upstream = "products-v2", percent = 20, error_rate = 0.5, window_ms = 10000, minimum_requests = 20 }
//! ```

mod defaults;
mod error;
mod file;
mod route;
mod upstream;

pub use defaults::{CANARY_HEADER, DEFAULT_CONFIG, ShopUpstreams};
pub use error::ConfigError;
pub use file::{CacheConfig, DetailConfig, GatewayConfig, HealthConfig};
pub use route::{
    AuthMode, BreakerPolicy, CanaryRule, MigrationPolicy, RateLimitPolicy, RouteConfig,
    WeightedUpstream,
};
pub use upstream::{Discover, UpstreamConfig};

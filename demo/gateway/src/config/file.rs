//! [`GatewayConfig`]: the whole file, parsed and checked.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use shop_kit::resilience::ClientResilience;

use super::{ConfigError, RouteConfig, UpstreamConfig};

/// The gateway's configuration; see the [module docs](super) for the file format.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// The largest request body accepted, in bytes. Default 64 KiB.
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// The most any request may take at the gateway. Default 10000 ms.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Active health checks.
    #[serde(default)]
    pub health: HealthConfig,
    /// The product detail's cache.
    #[serde(default)]
    pub cache: CacheConfig,
    /// `GET /api/products/{id}` with the product's reviews; off when absent.
    #[serde(default)]
    pub product_detail: Option<DetailConfig>,
    /// The upstreams by name.
    pub upstreams: BTreeMap<String, UpstreamConfig>,
    /// The routes; the most specific prefix wins.
    pub routes: Vec<RouteConfig>,
}

const fn default_body_limit() -> usize {
    64 * 1024
}
const fn default_request_timeout_ms() -> u64 {
    10_000
}

/// How instances are checked: `GET /health/ready` every `interval_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthConfig {
    /// Time between two checks of one instance. Default 1000 ms.
    pub interval_ms: u64,
    /// The most one check may take. Default 500 ms.
    pub timeout_ms: u64,
    /// Consecutive failed checks that take an instance out. Default 2.
    pub unhealthy_after: u32,
    /// Consecutive passed checks that bring it back. Default 1.
    pub healthy_after: u32,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            interval_ms: 1000,
            timeout_ms: 500,
            unhealthy_after: 2,
            healthy_after: 1,
        }
    }
}

/// The cache of product details' catalogue fields and reviews.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// How long an entry lives. Default 5000 ms.
    pub ttl_ms: u64,
    /// The most entries the in-process cache holds. Default 10000.
    pub max_entries: u64,
    /// A `redis://` URL: use Redis instead of the in-process cache.
    pub redis_url: Option<String>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            ttl_ms: 5000,
            max_entries: 10_000,
            redis_url: None,
        }
    }
}

/// `GET {route}/{id}`: the answer of the route `route` (the products) with the reviews of
/// `{route}/{id}/reviews` added, or none (marked degraded) when they fail.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailConfig {
    /// The prefix of the products route, such as `/api/products`.
    pub route: String,
    /// How long the reviews may take before the product is answered without them.
    /// Default 300 ms.
    #[serde(default = "default_reviews_timeout_ms")]
    pub reviews_timeout_ms: u64,
}

const fn default_reviews_timeout_ms() -> u64 {
    300
}

impl GatewayConfig {
    /// Every route with `resilience`: how `shop demo --resilience` (and
    /// `SHOP_CLIENT_RESILIENCE`) switches the gateway's retries and breakers with the
    /// services' clients.
    #[must_use]
    pub fn with_resilience(mut self, resilience: ClientResilience) -> Self {
        for route in &mut self.routes {
            route.resilience = resilience;
        }
        self
    }

    /// Parses and checks a TOML document.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Syntax`] for bad TOML, unknown keys or wrong types;
    /// [`ConfigError::Invalid`] naming the key for a value out of range or a reference to
    /// an upstream that does not exist.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: GatewayConfig = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and checks the file at `path`.
    ///
    /// # Errors
    ///
    /// As [`from_toml`](Self::from_toml), and [`ConfigError::Read`].
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        GatewayConfig::from_toml(&text)
    }

    /// The most any request may take at the gateway.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// Checks every value and reference.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming the first key at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.body_limit_bytes == 0 {
            return Err(ConfigError::invalid("body_limit_bytes", "must be above 0"));
        }
        if self.request_timeout_ms == 0 {
            return Err(ConfigError::invalid(
                "request_timeout_ms",
                "must be above 0",
            ));
        }
        let health = &self.health;
        if health.interval_ms == 0
            || health.timeout_ms == 0
            || health.unhealthy_after == 0
            || health.healthy_after == 0
        {
            return Err(ConfigError::invalid(
                "health",
                "every value must be above 0",
            ));
        }
        if self.cache.ttl_ms == 0 || self.cache.max_entries == 0 {
            return Err(ConfigError::invalid(
                "cache",
                "ttl_ms and max_entries must be above 0",
            ));
        }
        if let Some(url) = &self.cache.redis_url {
            if !url.starts_with("redis://") && !url.starts_with("rediss://") {
                return Err(ConfigError::invalid(
                    "cache.redis_url",
                    "expected a redis:// or rediss:// URL",
                ));
            }
        }
        for (name, upstream) in &self.upstreams {
            upstream.authorities(name)?;
        }
        if self.routes.is_empty() {
            return Err(ConfigError::invalid(
                "routes",
                "at least one route is needed",
            ));
        }
        let mut prefixes = HashSet::new();
        for (index, route) in self.routes.iter().enumerate() {
            route.validate(index)?;
            if !prefixes.insert(route.prefix.as_str()) {
                return Err(ConfigError::invalid(
                    format!("routes[{index}].prefix"),
                    format!("{:?} is routed twice", route.prefix),
                ));
            }
            for upstream in route.upstreams() {
                self.known_upstream(upstream, &format!("routes[{index}]"))?;
            }
        }
        if let Some(detail) = &self.product_detail {
            if !self.routes.iter().any(|route| route.prefix == detail.route) {
                return Err(ConfigError::invalid(
                    "product_detail.route",
                    format!("no route has the prefix {:?}", detail.route),
                ));
            }
            if detail.reviews_timeout_ms == 0 {
                return Err(ConfigError::invalid(
                    "product_detail.reviews_timeout_ms",
                    "must be above 0",
                ));
            }
        }
        Ok(())
    }

    fn known_upstream(&self, name: &str, key: &str) -> Result<(), ConfigError> {
        if self.upstreams.contains_key(name) {
            Ok(())
        } else {
            Err(ConfigError::invalid(
                key,
                format!(
                    "upstream {name:?} is not defined (defined: {})",
                    self.upstreams
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    }
}

//! [`RouteConfig`] and the policies a route carries.

use serde::{Deserialize, Deserializer};
use shop_kit::resilience::ClientResilience;

use super::ConfigError;

/// Whether a route wants a verified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// The token is not looked at (the user id header is still stripped).
    None,
    /// A token, when sent, must be valid; the request passes without one.
    #[default]
    Optional,
    /// A valid token is required: 401 without one.
    Required,
}

/// One route: requests whose path starts with `prefix` go to `upstream`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The path prefix, segment by segment; `{name}` matches any one segment.
    pub prefix: String,
    /// The upstream that takes the route's traffic (unless a canary, weight or migration
    /// rule picks another).
    pub upstream: String,
    /// Cut from the front of the path before forwarding. Default `/api`.
    #[serde(default = "default_strip")]
    pub strip_prefix: String,
    /// Token checking. Default optional.
    #[serde(default)]
    pub auth: AuthMode,
    /// The most the whole call may take, retries included. Default 5000 ms.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// The most one attempt may take; below `timeout_ms`. Default 2000 ms.
    #[serde(default = "default_attempt_timeout_ms")]
    pub attempt_timeout_ms: u64,
    /// Attempts per idempotent request, the first included. Default 3.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// The per-instance circuit breaker.
    #[serde(default)]
    pub breaker: BreakerPolicy,
    /// Which of the route's resilience layers run, as for the services' clients
    /// ([`ClientResilience`]): `seawall` (retries paid from the gateway's budget, a breaker
    /// per instance), `naive` (the same retries without a budget, no breaker) or `off`
    /// (one attempt, no breaker: plain proxying). Default `seawall`.
    #[serde(default, deserialize_with = "resilience_from_str")]
    pub resilience: ClientResilience,
    /// Rate limits; none when absent.
    #[serde(default)]
    pub rate_limit: Option<RateLimitPolicy>,
    /// Header-matched canary rules, checked in order.
    #[serde(default)]
    pub canary: Vec<CanaryRule>,
    /// A weighted split between upstreams; when empty, all traffic goes to `upstream`.
    #[serde(default)]
    pub weights: Vec<WeightedUpstream>,
    /// A migration to a new upstream that rolls itself back.
    #[serde(default)]
    pub migration: Option<MigrationPolicy>,
}

fn default_strip() -> String {
    "/api".to_owned()
}
const fn default_timeout_ms() -> u64 {
    5000
}
const fn default_attempt_timeout_ms() -> u64 {
    2000
}
const fn default_attempts() -> u32 {
    3
}

/// `seawall`, `naive` or `off`, parsed as `SHOP_CLIENT_RESILIENCE` is.
fn resilience_from_str<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<ClientResilience, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

impl RouteConfig {
    /// A route from `prefix` to `upstream` with every default.
    pub fn new(prefix: impl Into<String>, upstream: impl Into<String>) -> Self {
        RouteConfig {
            prefix: prefix.into(),
            upstream: upstream.into(),
            strip_prefix: default_strip(),
            auth: AuthMode::default(),
            timeout_ms: default_timeout_ms(),
            attempt_timeout_ms: default_attempt_timeout_ms(),
            attempts: default_attempts(),
            breaker: BreakerPolicy::default(),
            resilience: ClientResilience::default(),
            rate_limit: None,
            canary: Vec::new(),
            weights: Vec::new(),
            migration: None,
        }
    }

    /// Every upstream this route may send to.
    pub fn upstreams(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.upstream.as_str())
            .chain(self.canary.iter().map(|rule| rule.upstream.as_str()))
            .chain(self.weights.iter().map(|weight| weight.upstream.as_str()))
            .chain(self.migration.iter().map(|m| m.upstream.as_str()))
    }

    /// Checks ranges; `index` names the route in messages.
    pub(crate) fn validate(&self, index: usize) -> Result<(), ConfigError> {
        let key = |field: &str| format!("routes[{index}].{field}");
        if !self.prefix.starts_with('/') || self.prefix.ends_with('/') && self.prefix.len() > 1 {
            return Err(ConfigError::invalid(
                key("prefix"),
                format!("{:?}: must start with / and not end with /", self.prefix),
            ));
        }
        if !self.prefix.starts_with(&self.strip_prefix) {
            return Err(ConfigError::invalid(
                key("strip_prefix"),
                format!(
                    "{:?} is not a prefix of {:?}",
                    self.strip_prefix, self.prefix
                ),
            ));
        }
        if self.timeout_ms == 0 || self.attempt_timeout_ms == 0 {
            return Err(ConfigError::invalid(key("timeout_ms"), "must be above 0"));
        }
        if self.attempt_timeout_ms >= self.timeout_ms {
            return Err(ConfigError::invalid(
                key("attempt_timeout_ms"),
                format!(
                    "{} must be below timeout_ms ({}), or no retry could ever run",
                    self.attempt_timeout_ms, self.timeout_ms
                ),
            ));
        }
        if self.attempts == 0 {
            return Err(ConfigError::invalid(key("attempts"), "must be at least 1"));
        }
        self.breaker.validate(&key("breaker"))?;
        if let Some(limit) = &self.rate_limit {
            limit.validate(&key("rate_limit"))?;
        }
        if !self.weights.is_empty() && self.weights.iter().all(|w| w.weight == 0) {
            return Err(ConfigError::invalid(key("weights"), "the weights sum to 0"));
        }
        if let Some(migration) = &self.migration {
            migration.validate(&key("migration"))?;
        }
        Ok(())
    }
}

/// The circuit breaker each instance gets on a route: it opens (ejecting the instance from
/// the route) when `failure_rate` of the last `window` calls failed, after at least
/// `minimum_calls`, for `open_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerPolicy {
    /// Calls in the sliding window. Default 20.
    pub window: u32,
    /// Calls needed before it may open. Default 10.
    pub minimum_calls: u32,
    /// Failure rate that opens it, 0 to 1. Default 0.5.
    pub failure_rate: f64,
    /// How long it stays open. Default 5000 ms.
    pub open_ms: u64,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            window: 20,
            minimum_calls: 10,
            failure_rate: 0.5,
            open_ms: 5000,
        }
    }
}

impl BreakerPolicy {
    fn validate(&self, key: &str) -> Result<(), ConfigError> {
        if !(self.failure_rate > 0.0 && self.failure_rate <= 1.0) {
            return Err(ConfigError::invalid(
                format!("{key}.failure_rate"),
                "must be above 0 and at most 1",
            ));
        }
        if self.window == 0 || self.minimum_calls == 0 || self.open_ms == 0 {
            return Err(ConfigError::invalid(
                key,
                "window, minimum_calls and open_ms must be above 0",
            ));
        }
        Ok(())
    }
}

/// Requests per second and burst, per client address and per authenticated user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitPolicy {
    /// Sustained requests per second from one client address.
    pub per_client_per_second: u32,
    /// Requests one client address may send at once. Default: the per-second rate.
    #[serde(default)]
    pub per_client_burst: Option<u32>,
    /// Sustained requests per second of one user (by token); none when absent.
    #[serde(default)]
    pub per_user_per_second: Option<u32>,
    /// Requests one user may send at once. Default: the per-second rate.
    #[serde(default)]
    pub per_user_burst: Option<u32>,
}

impl RateLimitPolicy {
    fn validate(&self, key: &str) -> Result<(), ConfigError> {
        let values = [
            Some(self.per_client_per_second),
            self.per_client_burst,
            self.per_user_per_second,
            self.per_user_burst,
        ];
        if values.into_iter().flatten().any(|value| value == 0) {
            return Err(ConfigError::invalid(
                key,
                "rates and bursts must be above 0",
            ));
        }
        Ok(())
    }
}

/// Requests with header `header` equal to `value` go to `upstream`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryRule {
    /// The header name, such as `x-canary`.
    pub header: String,
    /// The value it must have, such as `beta`.
    pub value: String,
    /// Where those requests go.
    pub upstream: String,
}

/// A share of a route's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedUpstream {
    /// The upstream.
    pub upstream: String,
    /// Its weight relative to the others of the route.
    pub weight: u32,
}

/// `percent` of the route's traffic goes to `upstream`, until the error rate of those
/// requests over `window_ms` reaches `error_rate` (with at least `minimum_requests` in the
/// window): then the share drops to 0 by itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationPolicy {
    /// The new upstream.
    pub upstream: String,
    /// Its share of the route's traffic, 0 to 100.
    pub percent: u8,
    /// The error rate that rolls the migration back, 0 to 1. Default 0.5.
    #[serde(default = "default_error_rate")]
    pub error_rate: f64,
    /// The window the error rate is measured over. Default 10000 ms.
    #[serde(default = "default_window_ms")]
    pub window_ms: u64,
    /// Requests the window must hold before a rollback. Default 20.
    #[serde(default = "default_minimum_requests")]
    pub minimum_requests: u32,
}

const fn default_error_rate() -> f64 {
    0.5
}
const fn default_window_ms() -> u64 {
    10_000
}
const fn default_minimum_requests() -> u32 {
    20
}

impl MigrationPolicy {
    fn validate(&self, key: &str) -> Result<(), ConfigError> {
        if self.percent > 100 {
            return Err(ConfigError::invalid(
                format!("{key}.percent"),
                format!("{} is above 100", self.percent),
            ));
        }
        if !(self.error_rate > 0.0 && self.error_rate <= 1.0) {
            return Err(ConfigError::invalid(
                format!("{key}.error_rate"),
                "must be above 0 and at most 1",
            ));
        }
        if self.window_ms < 100 || self.minimum_requests == 0 {
            return Err(ConfigError::invalid(
                key,
                "window_ms must be at least 100 and minimum_requests above 0",
            ));
        }
        Ok(())
    }
}

//! [`DEFAULT_CONFIG`]: the shop's public API routed to the services of `shop up`, and
//! [`ShopUpstreams`] to point it at other addresses.

use std::collections::BTreeMap;

use super::{CanaryRule, ConfigError, GatewayConfig, UpstreamConfig};

/// The default configuration: DESIGN §5's public API on the services' design ports.
///
/// Orders get a longer timeout (the saga calls three services) and are retried only with an
/// `Idempotency-Key`; routes that only serve a user's own data require a token.
pub const DEFAULT_CONFIG: &str = r#"
body_limit_bytes = 65536
request_timeout_ms = 15000

[product_detail]
route = "/api/products"
reviews_timeout_ms = 300

[upstreams.users]
instances = ["http://127.0.0.1:8081"]
[upstreams.products]
instances = ["http://127.0.0.1:8082"]
[upstreams.orders]
instances = ["http://127.0.0.1:8083"]
[upstreams.payments]
instances = ["http://127.0.0.1:8084"]
[upstreams.notifications]
instances = ["http://127.0.0.1:8085"]
[upstreams.reviews]
instances = ["http://127.0.0.1:8086"]

[[routes]]
prefix = "/api/users"
upstream = "users"
rate_limit = { per_client_per_second = 1000, per_client_burst = 2000, per_user_per_second = 200 }

[[routes]]
prefix = "/api/auth"
upstream = "users"
auth = "none"
rate_limit = { per_client_per_second = 200, per_client_burst = 400 }

[[routes]]
prefix = "/api/products/{id}/reviews"
upstream = "reviews"
rate_limit = { per_client_per_second = 1000, per_client_burst = 2000, per_user_per_second = 200 }

[[routes]]
prefix = "/api/products"
upstream = "products"
rate_limit = { per_client_per_second = 1000, per_client_burst = 2000, per_user_per_second = 200 }

[[routes]]
prefix = "/api/orders"
upstream = "orders"
auth = "required"
timeout_ms = 12000
attempt_timeout_ms = 10000
rate_limit = { per_client_per_second = 1000, per_client_burst = 2000, per_user_per_second = 200 }

[[routes]]
prefix = "/api/payments"
upstream = "payments"
auth = "required"
rate_limit = { per_client_per_second = 1000, per_client_burst = 2000, per_user_per_second = 200 }

[[routes]]
prefix = "/api/notifications"
upstream = "notifications"
auth = "required"
rate_limit = { per_client_per_second = 1000, per_client_burst = 2000, per_user_per_second = 200 }
"#;

/// The header and value that send a request to a canary upstream in the default
/// configuration (`x-canary: beta`).
pub const CANARY_HEADER: (&str, &str) = ("x-canary", "beta");

/// Where the shop's services listen, to fill in [`DEFAULT_CONFIG`]: several instances per
/// service, and canary versions reached with `x-canary: beta`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShopUpstreams {
    instances: BTreeMap<String, Vec<String>>,
    canaries: BTreeMap<String, Vec<String>>,
}

impl ShopUpstreams {
    /// No addresses: the defaults' design ports.
    pub fn new() -> Self {
        ShopUpstreams::default()
    }

    /// `service` (`products`) runs at these base URLs (`http://127.0.0.1:8082`).
    #[must_use]
    pub fn instances(mut self, service: &str, urls: Vec<String>) -> Self {
        self.instances.insert(service.to_owned(), urls);
        self
    }

    /// A canary version of `service` runs at these base URLs: requests with
    /// `x-canary: beta` on the service's routes go to the upstream `<service>-canary`.
    #[must_use]
    pub fn canary(mut self, service: &str, urls: Vec<String>) -> Self {
        self.canaries.insert(service.to_owned(), urls);
        self
    }

    /// [`DEFAULT_CONFIG`] with these addresses.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] for a service the defaults do not know, or no address.
    pub fn config(&self) -> Result<GatewayConfig, ConfigError> {
        let mut config = GatewayConfig::from_toml(DEFAULT_CONFIG)?;
        for (service, urls) in &self.instances {
            let Some(upstream) = config.upstreams.get_mut(service) else {
                return Err(ConfigError::invalid(
                    format!("upstreams.{service}"),
                    "not a service of the shop",
                ));
            };
            *upstream = UpstreamConfig::new(urls.iter().cloned());
        }
        for (service, urls) in &self.canaries {
            let name = format!("{service}-canary");
            config
                .upstreams
                .insert(name.clone(), UpstreamConfig::new(urls.iter().cloned()));
            for route in config.routes.iter_mut().filter(|r| &r.upstream == service) {
                route.canary.push(CanaryRule {
                    header: CANARY_HEADER.0.to_owned(),
                    value: CANARY_HEADER.1.to_owned(),
                    upstream: name.clone(),
                });
            }
        }
        config.validate()?;
        Ok(config)
    }
}

//! The services `shop` can run, and each one built and ready to serve.
//!
//! # Adding a service
//!
//! [`Service`] is **the** list of services: `shop up` runs every variant and
//! `shop serve` accepts each one's name. To add one: depend on its crate in
//! `demo/shop/Cargo.toml`, add it to [`Service`] in port order, map it in
//! [`Service::shop_service`] and [`Service::stage`], add a variant to [`ServiceApp`], and
//! handle it in [`ServiceApp::build`], [`ServiceApp::bind`] and [`ServiceApp::serve_on`]; the
//! compiler points at each of these places.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use clap::ValueEnum;
use gateway::config::{GatewayConfig, ShopUpstreams};
use shop_kit::bus::EventBus;
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::resilience::ClientResilience;
use shop_kit::server::ServerError;
use tokio::net::TcpListener;

/// A service `shop` can run, in port order. See the [module docs](self) to add one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum Service {
    /// The single entry point: routing, auth, rate limits, balancing, cache, canary (8080).
    Gateway,
    /// Accounts and login (8081).
    Users,
    /// Catalog and stock (8082).
    Products,
    /// The order saga (8083).
    Orders,
    /// Charges and refunds (8084).
    Payments,
    /// Per-user inboxes fed by events (8085).
    Notifications,
    /// Product reviews (8086).
    Reviews,
}

/// When a service stops during a graceful shutdown of several services in one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Stops first: its outbox flush publishes onto the bus while consumers still listen.
    Producer,
    /// Stops once every producer has stopped, so it receives what they flushed.
    Consumer,
}

impl Service {
    /// Every service, in port order: what `shop up` runs.
    pub fn all() -> &'static [Service] {
        Service::value_variants()
    }

    /// The service in shop-kit's terms (its name, default port and configuration keys).
    pub const fn shop_service(self) -> ShopService {
        match self {
            Service::Gateway => ShopService::Gateway,
            Service::Users => ShopService::Users,
            Service::Products => ShopService::Products,
            Service::Orders => ShopService::Orders,
            Service::Payments => ShopService::Payments,
            Service::Notifications => ShopService::Notifications,
            Service::Reviews => ShopService::Reviews,
        }
    }

    /// When the service stops relative to the others of the process.
    pub const fn stage(self) -> Stage {
        match self {
            Service::Notifications => Stage::Consumer,
            Service::Gateway
            | Service::Users
            | Service::Products
            | Service::Orders
            | Service::Payments
            | Service::Reviews => Stage::Producer,
        }
    }

    /// The lower-case name, as on the command line.
    pub const fn name(self) -> &'static str {
        self.shop_service().name()
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The variable that switches the clients' (and the gateway routes') resilience layers.
const CLIENT_RESILIENCE_VARIABLE: &str = "SHOP_CLIENT_RESILIENCE";

/// The variable naming a TOML file of gateway routes for `shop serve gateway`.
pub const GATEWAY_ROUTES_VARIABLE: &str = "SHOP_GATEWAY_ROUTES";

/// Where the services that call others find them: orders calls products and payments, the
/// gateway routes to every service.
#[derive(Debug, Clone, PartialEq)]
pub struct Downstream {
    /// The products service's base URL (`http://127.0.0.1:8082`).
    pub products_url: String,
    /// The payments service's base URL (`http://127.0.0.1:8084`).
    pub payments_url: String,
    /// The gateway's routes and upstreams.
    pub gateway: GatewayConfig,
}

impl Downstream {
    /// What `shop serve` uses, from `env`: `SHOP_<SERVICE>_URL` for each service's base URL
    /// (default: its design port on this host), and the gateway's routes from the TOML file
    /// named by `SHOP_GATEWAY_ROUTES`, or else the shop's defaults on those URLs.
    /// `SHOP_CLIENT_RESILIENCE`, when set, sets every route's `resilience` as it sets the
    /// services' clients'.
    ///
    /// # Errors
    ///
    /// A routes file that cannot be read or is refused, or a URL that is not
    /// `http://host:port`; the message names the key.
    pub fn from_env<K: AsRef<str>, V: Into<String>>(
        env: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, gateway::config::ConfigError> {
        let mut urls: BTreeMap<&'static str, String> = Service::all()
            .iter()
            .filter(|&&service| service != Service::Gateway)
            .map(|&service| {
                let port = service.shop_service().default_port();
                (service.name(), format!("http://127.0.0.1:{port}"))
            })
            .collect();
        let mut routes_file = None;
        let mut resilience = None;
        for (key, value) in env {
            let key = key.as_ref();
            if key == GATEWAY_ROUTES_VARIABLE {
                routes_file = Some(value.into());
                continue;
            }
            if key == CLIENT_RESILIENCE_VARIABLE {
                let value: String = value.into();
                let parsed = value.parse::<ClientResilience>().map_err(|error| {
                    gateway::config::ConfigError::Invalid {
                        key: CLIENT_RESILIENCE_VARIABLE.to_owned(),
                        reason: error.to_string(),
                    }
                })?;
                resilience = Some(parsed);
                continue;
            }
            let service = key
                .strip_prefix("SHOP_")
                .and_then(|rest| rest.strip_suffix("_URL"))
                .map(str::to_ascii_lowercase);
            if let Some(url) = service.and_then(|name| urls.get_mut(name.as_str())) {
                *url = value.into();
            }
        }
        let gateway = match routes_file {
            Some(path) => GatewayConfig::load(Path::new(&path))?,
            None => urls
                .iter()
                .fold(ShopUpstreams::new(), |upstreams, (service, url)| {
                    upstreams.instances(service, vec![url.clone()])
                })
                .config()?,
        };
        let gateway = match resilience {
            Some(resilience) => gateway.with_resilience(resilience),
            None => gateway,
        };
        Ok(Downstream {
            products_url: urls["products"].clone(),
            payments_url: urls["payments"].clone(),
            gateway,
        })
    }

    /// Products and payments listening on these addresses, and the gateway's routes.
    pub fn on(products: SocketAddr, payments: SocketAddr, gateway: GatewayConfig) -> Self {
        Downstream {
            products_url: format!("http://{products}"),
            payments_url: format!("http://{payments}"),
            gateway,
        }
    }
}

/// Why a service could not be built: its crate's own `BuildError`.
pub type BuildError = Box<dyn Error + Send + Sync + 'static>;

/// One service, built (database open and migrated, relay or consumer running) and ready to
/// serve.
#[derive(Debug)]
pub enum ServiceApp {
    /// The gateway.
    Gateway(gateway::App),
    /// The users service.
    Users(users::App),
    /// The products service.
    Products(products::App),
    /// The orders service.
    /// (Boxed: it is several times the size of the others.)
    Orders(Box<orders::App>),
    /// The payments service.
    Payments(payments::App),
    /// The notifications service.
    Notifications(notifications::App),
    /// The reviews service.
    Reviews(reviews::App),
}

impl ServiceApp {
    /// Builds `service` from `config`, on `bus` when given (one in-process bus shared by the
    /// services of the process), else on the bus `config` names. `downstream` tells the
    /// orders service where products and payments are, and the gateway its routes.
    pub async fn build(
        service: Service,
        config: &ServiceConfig,
        bus: Option<Arc<dyn EventBus>>,
        downstream: &Downstream,
    ) -> Result<ServiceApp, BuildError> {
        Ok(match (service, bus) {
            (Service::Gateway, _) => {
                ServiceApp::Gateway(gateway::build(config, &downstream.gateway).await?)
            }
            (Service::Orders, bus) => {
                let bus = match bus {
                    Some(bus) => bus,
                    None => shop_kit::bus::connect(&config.bus).await?,
                };
                let deps = orders::OrdersDeps {
                    products_url: downstream.products_url.clone(),
                    payments_url: downstream.payments_url.clone(),
                    bus,
                };
                ServiceApp::Orders(Box::new(orders::build(config, deps).await?))
            }
            (Service::Users, Some(bus)) => {
                ServiceApp::Users(users::build_with_bus(config, bus).await?)
            }
            (Service::Users, None) => ServiceApp::Users(users::build(config).await?),
            (Service::Products, _) => ServiceApp::Products(products::build(config).await?),
            (Service::Payments, bus) => {
                let options = payments::BuildOptions {
                    bus,
                    ..payments::BuildOptions::default()
                };
                ServiceApp::Payments(payments::build_with(config, options).await?)
            }
            (Service::Notifications, Some(bus)) => {
                ServiceApp::Notifications(notifications::build_with_bus(config, bus).await?)
            }
            (Service::Notifications, None) => {
                ServiceApp::Notifications(notifications::build(config).await?)
            }
            (Service::Reviews, _) => ServiceApp::Reviews(reviews::build(config).await?),
        })
    }

    /// Which service this is.
    pub fn service(&self) -> Service {
        match self {
            ServiceApp::Gateway(_) => Service::Gateway,
            ServiceApp::Users(_) => Service::Users,
            ServiceApp::Products(_) => Service::Products,
            ServiceApp::Orders(_) => Service::Orders,
            ServiceApp::Payments(_) => Service::Payments,
            ServiceApp::Notifications(_) => Service::Notifications,
            ServiceApp::Reviews(_) => Service::Reviews,
        }
    }

    /// The address the service listens on.
    pub fn bind(&self) -> SocketAddr {
        match self {
            ServiceApp::Gateway(app) => app.bind(),
            ServiceApp::Users(app) => app.bind(),
            ServiceApp::Products(app) => app.bind(),
            ServiceApp::Orders(app) => app.bind(),
            ServiceApp::Payments(app) => app.bind(),
            ServiceApp::Notifications(app) => app.bind(),
            ServiceApp::Reviews(app) => app.bind(),
        }
    }

    /// Serves on `listener` until `shutdown_signal`, then stops the service's own way:
    /// requests in flight are answered, the outbox is flushed or the consumer stopped, the
    /// database closed.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        match self {
            ServiceApp::Gateway(app) => app.serve_on(listener, shutdown_signal).await,
            ServiceApp::Users(app) => app.serve_on(listener, shutdown_signal).await,
            ServiceApp::Products(app) => app.serve_on(listener, shutdown_signal).await,
            ServiceApp::Orders(app) => app.serve_on(listener, shutdown_signal).await,
            ServiceApp::Payments(app) => app.serve_on(listener, shutdown_signal).await,
            ServiceApp::Notifications(app) => app.serve_on(listener, shutdown_signal).await,
            ServiceApp::Reviews(app) => app.serve_on(listener, shutdown_signal).await,
        }
    }
}

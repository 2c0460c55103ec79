//! [`UpSettings`]: the embedded settings of `shop up`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use gateway::config::{GatewayConfig, ShopUpstreams};
use shop_kit::config::{BusConfig, ConfigError, DatabaseUrl, Secret, ServiceConfig, ShopService};
use shop_kit::resilience::ClientResilience;

use crate::service::{Downstream, Service};

/// How far above a service's design port its extra instances listen: the second instance
/// of products (8082) on 8182, the third on 8282.
const INSTANCE_PORT_STEP: u16 = 100;
/// How far above a service's design port its canary listens: products' on 9082.
const CANARY_PORT_OFFSET: u16 = 1000;

/// One running copy of a service in `shop up`: the first (index 0), an extra one
/// (`--instances products=3`), or the canary version (`--canary products`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instance {
    /// The service.
    pub service: Service,
    /// 0 for the first instance, 1.. for the extra ones; 0 for the canary.
    pub index: u16,
    /// Whether this is the canary version, reached through the gateway with `x-canary: beta`.
    pub canary: bool,
}

impl Instance {
    /// The first instance of `service`.
    pub const fn first(service: Service) -> Self {
        Instance {
            service,
            index: 0,
            canary: false,
        }
    }

    /// The port it listens on unless told otherwise: the design port, + 100 per extra
    /// instance, + 1000 for the canary.
    pub fn default_port(self) -> u16 {
        let port = self.service.shop_service().default_port();
        if self.canary {
            port + CANARY_PORT_OFFSET
        } else {
            port + INSTANCE_PORT_STEP * self.index
        }
    }
}

impl fmt::Display for Instance {
    /// `products`, `products#2` (the second instance), `products-canary`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.canary, self.index) {
            (true, _) => write!(f, "{}-canary", self.service),
            (false, 0) => write!(f, "{}", self.service),
            (false, index) => write!(f, "{}#{}", self.service, index + 1),
        }
    }
}

const JWT_SECRET_VARIABLE: &str = "SHOP_JWT_SECRET";
const ADMIN_TOKEN_VARIABLE: &str = "SHOP_ADMIN_TOKEN";
const CLIENT_RESILIENCE_VARIABLE: &str = "SHOP_CLIENT_RESILIENCE";

/// Where a secret of [`UpSettings`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    /// Generated at random when the process started.
    Generated,
    /// Set in the environment.
    Environment,
}

/// What every service of `shop up` is configured with: one data directory, one JWT secret
/// (users signs the tokens every other service verifies), one admin token, the in-process
/// bus, and an address per service.
#[derive(Debug, Clone)]
pub struct UpSettings {
    data_dir: PathBuf,
    jwt_secret: Secret,
    admin_token: Secret,
    admin_token_source: SecretSource,
    client_resilience: ClientResilience,
    binds: BTreeMap<Instance, SocketAddr>,
    instances: BTreeMap<Service, u16>,
    canaries: BTreeSet<Service>,
}

impl UpSettings {
    /// Settings with `data_dir`, each service on `127.0.0.1` and its design port, and the
    /// secrets from `SHOP_JWT_SECRET` and `SHOP_ADMIN_TOKEN` among `env` (other pairs are
    /// ignored) or else generated at random, and the clients' resilience from
    /// `SHOP_CLIENT_RESILIENCE` (seawall's full stack unless set).
    ///
    /// # Errors
    ///
    /// A secret set in `env` that is too short, or an unknown resilience; the message names
    /// the variable.
    pub fn from_env<K, V>(
        data_dir: impl Into<PathBuf>,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let secrets: Vec<(String, String)> = env
            .into_iter()
            .filter(|(name, _)| {
                [
                    JWT_SECRET_VARIABLE,
                    ADMIN_TOKEN_VARIABLE,
                    CLIENT_RESILIENCE_VARIABLE,
                ]
                .contains(&name.as_ref())
            })
            .map(|(name, value)| (name.as_ref().to_owned(), value.into()))
            .collect();
        // Parsed as shared settings only, to reuse shop-kit's validation of these values.
        let parsed = ServiceConfig::from_sources(ShopService::Users, secrets, None)?;
        let jwt_secret = if parsed.jwt_secret.is_development_default() {
            Secret::new(random_hex(2))
        } else {
            parsed.jwt_secret
        };
        let (admin_token, admin_token_source) = if parsed.admin_token.is_development_default() {
            (Secret::new(random_hex(1)), SecretSource::Generated)
        } else {
            (parsed.admin_token, SecretSource::Environment)
        };
        Ok(UpSettings {
            data_dir: data_dir.into(),
            jwt_secret,
            admin_token,
            admin_token_source,
            client_resilience: parsed.client_resilience,
            binds: BTreeMap::new(),
            instances: BTreeMap::new(),
            canaries: BTreeSet::new(),
        })
    }

    /// Puts the first instance of `service` on `bind` instead of its design port (tests use
    /// `127.0.0.1:<free port>`).
    #[must_use]
    pub fn with_bind(self, service: Service, bind: SocketAddr) -> Self {
        self.with_instance_bind(Instance::first(service), bind)
    }

    /// Puts `instance` on `bind` instead of its default port.
    #[must_use]
    pub fn with_instance_bind(mut self, instance: Instance, bind: SocketAddr) -> Self {
        self.binds.insert(instance, bind);
        self
    }

    /// Runs `count` instances of `service` (at least 1) behind the gateway.
    ///
    /// # Errors
    ///
    /// [`InstancesError`] for the gateway itself (it is the entry point, not an upstream)
    /// or a count of 0.
    pub fn with_instances(mut self, service: Service, count: u16) -> Result<Self, InstancesError> {
        if service == Service::Gateway {
            return Err(InstancesError(
                "the gateway runs once; it balances the others".to_owned(),
            ));
        }
        if count == 0 {
            return Err(InstancesError(format!(
                "{service} needs at least 1 instance"
            )));
        }
        self.instances.insert(service, count);
        Ok(self)
    }

    /// Gives every service's clients and the gateway's routes `resilience` instead of
    /// `SHOP_CLIENT_RESILIENCE`'s (or seawall's full stack): how `shop demo` compares the
    /// shop with and without seawall.
    #[must_use]
    pub fn with_client_resilience(mut self, resilience: ClientResilience) -> Self {
        self.client_resilience = resilience;
        self
    }

    /// Also runs a canary version of `service`, which the gateway sends the requests with
    /// `x-canary: beta` to.
    ///
    /// # Errors
    ///
    /// [`InstancesError`] for the gateway.
    pub fn with_canary(mut self, service: Service) -> Result<Self, InstancesError> {
        if service == Service::Gateway {
            return Err(InstancesError("the gateway has no canary".to_owned()));
        }
        self.canaries.insert(service);
        Ok(self)
    }

    /// Every instance to run: each service's instances in port order, then its canary.
    pub fn instances(&self) -> Vec<Instance> {
        let mut all = Vec::new();
        for &service in Service::all() {
            let count = self.instances.get(&service).copied().unwrap_or(1);
            all.extend((0..count).map(|index| Instance {
                service,
                index,
                canary: false,
            }));
            if self.canaries.contains(&service) {
                all.push(Instance {
                    service,
                    index: 0,
                    canary: true,
                });
            }
        }
        all
    }

    /// Where `instance` listens.
    pub fn bind(&self, instance: Instance) -> SocketAddr {
        self.binds.get(&instance).copied().unwrap_or_else(|| {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), instance.default_port())
        })
    }

    /// The gateway's routes: the shop's defaults pointed at every instance and canary of
    /// this process, with the clients' resilience (`--resilience off` makes the gateway a
    /// plain proxy too).
    ///
    /// # Errors
    ///
    /// Never for the shop's own services; typed for the defaults' validation.
    pub fn gateway_routes(&self) -> Result<GatewayConfig, gateway::config::ConfigError> {
        let instances = self.instances();
        let urls = |service: Service, canary: bool| -> Vec<String> {
            instances
                .iter()
                .filter(|i| i.service == service && i.canary == canary)
                .map(|&i| format!("http://{}", self.bind(i)))
                .collect()
        };
        let mut upstreams = ShopUpstreams::new();
        for &service in Service::all().iter().filter(|&&s| s != Service::Gateway) {
            upstreams = upstreams.instances(service.name(), urls(service, false));
            if self.canaries.contains(&service) {
                upstreams = upstreams.canary(service.name(), urls(service, true));
            }
        }
        Ok(upstreams.config()?.with_resilience(self.client_resilience))
    }

    /// The directory of the SQLite files.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The bearer token for every service's `/admin/*`.
    pub fn admin_token(&self) -> &Secret {
        &self.admin_token
    }

    /// Whether the admin token was generated or came from `SHOP_ADMIN_TOKEN`.
    pub fn admin_token_source(&self) -> SecretSource {
        self.admin_token_source
    }

    /// Where orders finds products and payments (their first instances in this process) and
    /// the gateway its routes.
    ///
    /// # Errors
    ///
    /// As [`gateway_routes`](Self::gateway_routes).
    pub fn downstream(&self) -> Result<Downstream, gateway::config::ConfigError> {
        Ok(Downstream::on(
            self.bind(Instance::first(Service::Products)),
            self.bind(Instance::first(Service::Payments)),
            self.gateway_routes()?,
        ))
    }

    /// The configuration of the first instance of `service`; see
    /// [`instance_config`](Self::instance_config).
    pub fn config(&self, service: Service) -> ServiceConfig {
        self.instance_config(Instance::first(service))
    }

    /// The configuration of `instance`: its address, `<data dir>/<service>.db` (shared by the
    /// service's instances and canary), the in-process bus and the shared secrets.
    pub fn instance_config(&self, instance: Instance) -> ServiceConfig {
        let shop_service = instance.service.shop_service();
        let bind = self.bind(instance);
        ServiceConfig {
            service: shop_service,
            bind,
            data_dir: self.data_dir.clone(),
            database: DatabaseUrl::sqlite_in(&self.data_dir, shop_service),
            bus: BusConfig::InProcess,
            jwt_secret: self.jwt_secret.clone(),
            admin_token: self.admin_token.clone(),
            client_resilience: self.client_resilience,
        }
    }
}

/// A refused `--instances` or `--canary`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InstancesError(String);

/// `uuids` random v4 UUIDs as hex: 122 random bits each, from the operating system's source.
fn random_hex(uuids: usize) -> String {
    (0..uuids)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_generated_unless_set() {
        let generated = UpSettings::from_env::<&str, &str>(".data", []).expect("valid");
        let again = UpSettings::from_env::<&str, &str>(".data", []).expect("valid");
        assert_eq!(generated.admin_token_source(), SecretSource::Generated);
        assert_ne!(generated.admin_token(), again.admin_token());
        assert_eq!(
            generated.config(Service::Users).jwt_secret.expose().len(),
            64
        );
        assert!(!generated.config(Service::Users).uses_development_secrets());

        let token = "an-admin-token-from-the-environment";
        let set = UpSettings::from_env(".data", [(ADMIN_TOKEN_VARIABLE, token), ("PATH", "/bin")])
            .expect("valid");
        assert_eq!(set.admin_token().expose(), token);
        assert_eq!(set.admin_token_source(), SecretSource::Environment);
    }

    #[test]
    fn a_short_secret_is_refused_by_name() {
        let error =
            UpSettings::from_env(".data", [(JWT_SECRET_VARIABLE, "short")]).expect_err("too short");
        assert!(error.to_string().contains(JWT_SECRET_VARIABLE), "{error}");
    }

    #[test]
    fn every_service_shares_the_secrets_on_its_own_port_and_database() {
        let settings = UpSettings::from_env::<&str, &str>("/tmp/shop", []).expect("valid");
        let users = settings.config(Service::Users);
        let reviews = settings.config(Service::Reviews);
        assert_eq!(users.bind.to_string(), "127.0.0.1:8081");
        assert_eq!(reviews.bind.to_string(), "127.0.0.1:8086");
        assert_eq!(users.jwt_secret, reviews.jwt_secret);
        assert_eq!(
            reviews.database,
            DatabaseUrl::Sqlite {
                path: "/tmp/shop/reviews.db".into()
            }
        );
        assert_eq!(reviews.bus, BusConfig::InProcess);
    }

    #[test]
    fn extra_instances_and_a_canary_get_their_own_ports_and_gateway_upstreams() {
        let settings = UpSettings::from_env::<&str, &str>("/tmp/shop", [])
            .expect("valid")
            .with_instances(Service::Products, 3)
            .expect("three")
            .with_canary(Service::Products)
            .expect("a canary");
        let products: Vec<String> = settings
            .instances()
            .into_iter()
            .filter(|i| i.service == Service::Products)
            .map(|i| format!("{i} {}", settings.bind(i)))
            .collect();
        assert_eq!(
            products,
            [
                "products 127.0.0.1:8082",
                "products#2 127.0.0.1:8182",
                "products#3 127.0.0.1:8282",
                "products-canary 127.0.0.1:9082"
            ]
        );
        let routes = settings.gateway_routes().expect("valid routes");
        assert_eq!(routes.upstreams["products"].instances.len(), 3);
        assert_eq!(
            routes.upstreams["products-canary"].instances,
            ["http://127.0.0.1:9082"]
        );
        assert!(
            settings
                .clone()
                .with_instances(Service::Gateway, 2)
                .is_err()
        );
        assert!(settings.with_instances(Service::Orders, 0).is_err());
    }
}

//! [`UpSettings`]: the embedded settings of `shop up`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use shop_kit::config::{BusConfig, ConfigError, DatabaseUrl, Secret, ServiceConfig, ShopService};

use crate::service::{Downstream, Service};

const JWT_SECRET_VARIABLE: &str = "SHOP_JWT_SECRET";
const ADMIN_TOKEN_VARIABLE: &str = "SHOP_ADMIN_TOKEN";

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
    binds: BTreeMap<Service, SocketAddr>,
}

impl UpSettings {
    /// Settings with `data_dir`, each service on `127.0.0.1` and its design port, and the
    /// secrets from `SHOP_JWT_SECRET` and `SHOP_ADMIN_TOKEN` among `env` (other pairs are
    /// ignored) or else generated at random.
    ///
    /// # Errors
    ///
    /// A secret set in `env` that is too short; the message names the variable.
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
                [JWT_SECRET_VARIABLE, ADMIN_TOKEN_VARIABLE].contains(&name.as_ref())
            })
            .map(|(name, value)| (name.as_ref().to_owned(), value.into()))
            .collect();
        // Parsed as shared settings only, to reuse shop-kit's validation of the secrets.
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
        let binds = Service::all()
            .iter()
            .map(|&service| {
                let port = service.shop_service().default_port();
                (
                    service,
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                )
            })
            .collect();
        Ok(UpSettings {
            data_dir: data_dir.into(),
            jwt_secret,
            admin_token,
            admin_token_source,
            binds,
        })
    }

    /// Puts `service` on `bind` instead of its design port (tests use `127.0.0.1:<free port>`).
    #[must_use]
    pub fn with_bind(mut self, service: Service, bind: SocketAddr) -> Self {
        self.binds.insert(service, bind);
        self
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

    /// Where orders finds products and payments: their addresses in this process.
    pub fn downstream(&self) -> Downstream {
        Downstream::on(
            self.config(Service::Products).bind,
            self.config(Service::Payments).bind,
        )
    }

    /// The configuration of `service`: its address, `<data dir>/<service>.db`, the in-process
    /// bus and the shared secrets.
    pub fn config(&self, service: Service) -> ServiceConfig {
        let shop_service = service.shop_service();
        let bind = self.binds.get(&service).copied().unwrap_or_else(|| {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), shop_service.default_port())
        });
        ServiceConfig {
            service: shop_service,
            bind,
            data_dir: self.data_dir.clone(),
            database: DatabaseUrl::sqlite_in(&self.data_dir, shop_service),
            bus: BusConfig::InProcess,
            jwt_secret: self.jwt_secret.clone(),
            admin_token: self.admin_token.clone(),
        }
    }
}

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
}

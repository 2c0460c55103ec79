//! Settings for every service of the shop, from environment variables and an optional TOML file.
//!
//! One loader, [`ServiceConfig`], serves every service. Without any set-up it gives a working
//! service: a SQLite file under `./.data/<service>.db`, the in-process event bus, the service's
//! port from the design table on `127.0.0.1`, and development secrets.
//!
//! # Variables
//!
//! | variable | TOML key | meaning | default |
//! |---|---|---|---|
//! | `SHOP_CONFIG` | - | path of an optional TOML file whose keys override the environment | none |
//! | `SHOP_BIND` | `bind` | socket address to listen on, `IP:port` | `127.0.0.1:<service port>` |
//! | `SHOP_DATA_DIR` | `data_dir` | directory for the SQLite files | `./.data` |
//! | `SHOP_DATABASE_URL` | `database_url` | `sqlite://<path>` or `postgres://user:password@host/db` (secret: the password is redacted) | `sqlite://<data_dir>/<service>.db` |
//! | `SHOP_BUS_URL` | `bus_url` | `in-process`, or `amqp://`/`amqps://` for RabbitMQ (secret: the password is redacted) | `in-process` |
//! | `SHOP_JWT_SECRET` | `jwt_secret` | HMAC key for the tokens, at least 32 bytes (secret) | a development key |
//! | `SHOP_ADMIN_TOKEN` | `admin_token` | bearer token for `/admin/*`, at least 16 bytes (secret) | a development token |
//! | `SHOP_CLIENT_RESILIENCE` | `client_resilience` | the resilience layers of the service's clients ([`ClientResilience`]): `seawall` (retries within a budget, circuit breakers), `naive` (retries without budget or breaker), `off` (one attempt, no breaker) | `seawall` |
//!
//! Every variable also exists per service, `SHOP_<SERVICE>_<NAME>` (for example
//! `SHOP_PRODUCTS_DATABASE_URL`), and every TOML key inside a table named after the service
//! (`[products]`), so that one process running all services (`shop up`) can give each its own
//! port and database.
//!
//! Precedence, highest first: the service's TOML table, the TOML top level, `SHOP_<SERVICE>_<NAME>`,
//! `SHOP_<NAME>`, the default. The file overrides the environment.
//!
//! The development secrets are public knowledge, so a service bound to a non-loopback address
//! refuses to start with them ([`ConfigError::DevelopmentSecret`]).
//!
//! # Example
//!
//! ```
//! use shop_kit::config::{BusConfig, DatabaseUrl, ServiceConfig, ShopService};
//!
//! let env = [("SHOP_PRODUCTS_BIND", "127.0.0.1:9082"), ("SHOP_DATA_DIR", "/tmp/shop")];
//! let toml = r#"
//!     [products]
//!     bus_url = "amqp://shop:hunter2@rabbit:5672/%2f"
//! "#;
//! let config = ServiceConfig::from_sources(ShopService::Products, env, Some(toml))?;
//!
//! assert_eq!(config.bind.port(), 9082);
//! assert_eq!(
//!     config.database,
//!     DatabaseUrl::Sqlite { path: "/tmp/shop/products.db".into() }
//! );
//! assert!(matches!(config.bus, BusConfig::RabbitMq { .. }));
//! assert!(!format!("{config:?}").contains("hunter2"));
//! # Ok::<(), shop_kit::config::ConfigError>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use crate::resilience::{ClientResilience, UnknownResilience};

/// The environment variable naming the optional TOML file.
pub const CONFIG_FILE_VARIABLE: &str = "SHOP_CONFIG";

const ENV_PREFIX: &str = "SHOP_";
const DEFAULT_DATA_DIR: &str = "./.data";
const DEVELOPMENT_JWT_SECRET: &str = "shop-development-jwt-secret-do-not-use-in-production";
const DEVELOPMENT_ADMIN_TOKEN: &str = "shop-development-admin-token";
const MIN_JWT_SECRET_BYTES: usize = 32;
const MIN_ADMIN_TOKEN_BYTES: usize = 16;
const REDACTED: &str = "[redacted]";

/// One service of the shop, with its name and default port (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShopService {
    /// Routing, authentication, rate limits: port 8080.
    Gateway,
    /// Accounts and login: port 8081.
    Users,
    /// Catalog and stock: port 8082.
    Products,
    /// The order saga: port 8083.
    Orders,
    /// Charges and refunds: port 8084.
    Payments,
    /// Per-user inboxes fed by events: port 8085.
    Notifications,
    /// Product reviews: port 8086.
    Reviews,
}

impl ShopService {
    /// Every service, in port order.
    pub const ALL: [ShopService; 7] = [
        ShopService::Gateway,
        ShopService::Users,
        ShopService::Products,
        ShopService::Orders,
        ShopService::Payments,
        ShopService::Notifications,
        ShopService::Reviews,
    ];

    /// The lower-case name, used for the database file, the TOML table and in logs.
    pub const fn name(self) -> &'static str {
        match self {
            ShopService::Gateway => "gateway",
            ShopService::Users => "users",
            ShopService::Products => "products",
            ShopService::Orders => "orders",
            ShopService::Payments => "payments",
            ShopService::Notifications => "notifications",
            ShopService::Reviews => "reviews",
        }
    }

    /// The port the service listens on unless configured otherwise.
    pub const fn default_port(self) -> u16 {
        match self {
            ShopService::Gateway => 8080,
            ShopService::Users => 8081,
            ShopService::Products => 8082,
            ShopService::Orders => 8083,
            ShopService::Payments => 8084,
            ShopService::Notifications => 8085,
            ShopService::Reviews => 8086,
        }
    }
}

impl fmt::Display for ShopService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ShopService {
    type Err = UnknownService;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        ShopService::ALL
            .into_iter()
            .find(|service| service.name() == name)
            .ok_or_else(|| UnknownService(name.to_owned()))
    }
}

/// A name that is not one of the shop's services.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown service {0:?}, expected one of gateway, users, products, orders, payments, notifications, reviews"
)]
pub struct UnknownService(pub String);

/// A secret string (a key or token) that never shows in `Debug` output.
///
/// It has no `Display`; read it with [`Secret::expose`].
///
/// ```
/// use shop_kit::config::Secret;
///
/// let secret = Secret::new("s3cr3t");
/// assert_eq!(format!("{secret:?}"), "Secret([redacted])");
/// assert_eq!(secret.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    development_default: bool,
}

impl Secret {
    /// Wraps a configured secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret {
            value: value.into(),
            development_default: false,
        }
    }

    fn development_default(value: &str) -> Self {
        Secret {
            value: value.to_owned(),
            development_default: true,
        }
    }

    /// The secret itself, for the code that signs, verifies or compares with it.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Whether this is the built-in, publicly known development value.
    pub fn is_development_default(&self) -> bool {
        self.development_default
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

/// A URL that may carry credentials; `Debug` and `Display` show it with the password redacted.
///
/// ```
/// use shop_kit::config::SecretUrl;
///
/// let url = SecretUrl::new("postgres://shop:hunter2@db:5432/shop?sslmode=require");
/// assert_eq!(url.to_string(), "postgres://shop:[redacted]@db:5432/shop?sslmode=require");
/// assert!(url.expose().contains("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// Wraps a URL.
    pub fn new(url: impl Into<String>) -> Self {
        SecretUrl(url.into())
    }

    /// The full URL, credentials included, for the code that connects with it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password in the user info and any `password`-like query value replaced.
    pub fn redacted(&self) -> String {
        redact_url(&self.0)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({:?})", self.redacted())
    }
}

fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:{REDACTED}@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query_and_fragment)) => {
            let (query, fragment) = match query_and_fragment.split_once('#') {
                Some((query, fragment)) => (query, Some(fragment)),
                None => (query_and_fragment, None),
            };
            let query: Vec<String> = query.split('&').map(redact_query_pair).collect();
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            format!("{path}?{}{fragment}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

fn redact_query_pair(pair: &str) -> String {
    match pair.split_once('=') {
        Some((key, _value)) if key.to_ascii_lowercase().contains("password") => {
            format!("{key}={REDACTED}")
        }
        _ => pair.to_owned(),
    }
}

/// Why a database or bus URL was rejected. Never contains the URL, which may hold a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidUrl(&'static str);

/// Where a service keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file, created (with its directory) if missing.
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// A PostgreSQL database, from a `postgres://` or `postgresql://` URL.
    Postgres {
        /// The connection URL.
        url: SecretUrl,
    },
}

impl DatabaseUrl {
    /// The SQLite file `<data_dir>/<service>.db`.
    pub fn sqlite_in(data_dir: &Path, service: ShopService) -> Self {
        DatabaseUrl::Sqlite {
            path: data_dir.join(format!("{}.db", service.name())),
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = InvalidUrl;

    /// Parses `sqlite://<path>`, `sqlite:<path>`, `postgres://…` or `postgresql://…`.
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: SecretUrl::new(url),
            });
        }
        let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            return Err(InvalidUrl("expected a sqlite://<path> or postgres:// URL"));
        };
        if path.is_empty() || path.starts_with(":memory:") {
            return Err(InvalidUrl(
                "expected the path of a SQLite file after sqlite://",
            ));
        }
        if path.contains('?') {
            return Err(InvalidUrl(
                "SQLite options are set by the storage layer; give only the file path",
            ));
        }
        Ok(DatabaseUrl::Sqlite { path: path.into() })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite { path } => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url } => fmt::Display::fmt(url, f),
        }
    }
}

/// Which event bus a service uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusConfig {
    /// The embedded bus: every service in the same process.
    InProcess,
    /// RabbitMQ at an `amqp://` or `amqps://` URL.
    RabbitMq {
        /// The connection URL.
        url: SecretUrl,
    },
}

impl FromStr for BusConfig {
    type Err = InvalidUrl;

    /// Parses `in-process` (or `memory`), `amqp://…` or `amqps://…`.
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        match url {
            "in-process" | "memory" => Ok(BusConfig::InProcess),
            _ if url.starts_with("amqp://") || url.starts_with("amqps://") => {
                Ok(BusConfig::RabbitMq {
                    url: SecretUrl::new(url),
                })
            }
            _ => Err(InvalidUrl(
                "expected `in-process` or an amqp:// or amqps:// URL",
            )),
        }
    }
}

impl fmt::Display for BusConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusConfig::InProcess => f.write_str("in-process"),
            BusConfig::RabbitMq { url } => fmt::Display::fmt(url, f),
        }
    }
}

/// Why the settings could not be loaded. Messages name the variable and never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value could not be parsed or is out of range.
    #[error("{setting}: {reason}")]
    Invalid {
        /// The variable or TOML key, e.g. `SHOP_BIND` or `SHOP_CONFIG key products.bind`.
        setting: String,
        /// What is wrong, without the value when the value is secret.
        reason: String,
    },
    /// A `SHOP_` variable is not valid Unicode.
    #[error("{variable}: not valid Unicode")]
    NotUnicode {
        /// The variable.
        variable: String,
    },
    /// The TOML file could not be read.
    #[error("{CONFIG_FILE_VARIABLE}: cannot read {}: {source}", path.display())]
    ReadFile {
        /// The file named by `SHOP_CONFIG`.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML file is not valid TOML. The message leaves out the offending text, which may
    /// hold a secret.
    #[error("{CONFIG_FILE_VARIABLE}: invalid TOML on line {line}: {message}")]
    Toml {
        /// The 1-based line of the error.
        line: usize,
        /// What the parser expected.
        message: String,
    },
    /// The TOML file has a key that is not a setting or a service table.
    #[error("{CONFIG_FILE_VARIABLE}: unknown key {key:?}")]
    UnknownKey {
        /// The dotted key.
        key: String,
    },
    /// A development secret is in use on an address reachable from other hosts.
    #[error("{variable} must be set when binding to the non-loopback address {bind}")]
    DevelopmentSecret {
        /// The variable to set.
        variable: &'static str,
        /// The configured bind address.
        bind: SocketAddr,
    },
}

/// The resolved settings of one service. `Debug` and `Display` redact every secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Which service these settings are for.
    pub service: ShopService,
    /// The socket address to listen on.
    pub bind: SocketAddr,
    /// The directory for SQLite files.
    pub data_dir: PathBuf,
    /// The service's database.
    pub database: DatabaseUrl,
    /// The event bus.
    pub bus: BusConfig,
    /// The HMAC key for JSON Web Tokens.
    pub jwt_secret: Secret,
    /// The bearer token for `/admin/*`.
    pub admin_token: Secret,
    /// The resilience layers of the service's clients to other services.
    pub client_resilience: ClientResilience,
}

impl fmt::Display for ServiceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {}, database {}, bus {}, data dir {}, client resilience {}",
            self.service,
            self.bind,
            self.database,
            self.bus,
            self.data_dir.display(),
            self.client_resilience
        )
    }
}

/// The settings, by their TOML key; the variable is `SHOP_` and the key in upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Setting {
    Bind,
    DataDir,
    DatabaseUrl,
    BusUrl,
    JwtSecret,
    AdminToken,
    ClientResilience,
}

impl Setting {
    const ALL: [Setting; 7] = [
        Setting::Bind,
        Setting::DataDir,
        Setting::DatabaseUrl,
        Setting::BusUrl,
        Setting::JwtSecret,
        Setting::AdminToken,
        Setting::ClientResilience,
    ];

    const fn key(self) -> &'static str {
        match self {
            Setting::Bind => "bind",
            Setting::DataDir => "data_dir",
            Setting::DatabaseUrl => "database_url",
            Setting::BusUrl => "bus_url",
            Setting::JwtSecret => "jwt_secret",
            Setting::AdminToken => "admin_token",
            Setting::ClientResilience => "client_resilience",
        }
    }

    const fn variable(self) -> &'static str {
        match self {
            Setting::Bind => "SHOP_BIND",
            Setting::DataDir => "SHOP_DATA_DIR",
            Setting::DatabaseUrl => "SHOP_DATABASE_URL",
            Setting::BusUrl => "SHOP_BUS_URL",
            Setting::JwtSecret => "SHOP_JWT_SECRET",
            Setting::AdminToken => "SHOP_ADMIN_TOKEN",
            Setting::ClientResilience => "SHOP_CLIENT_RESILIENCE",
        }
    }

    fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL
            .into_iter()
            .find(|setting| setting.key() == key)
    }
}

/// A raw value and where it came from, for error messages.
struct RawValue {
    value: String,
    origin: String,
}

impl RawValue {
    fn invalid(&self, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            setting: self.origin.clone(),
            reason: reason.into(),
        }
    }
}

/// The raw values of every source, merged by precedence.
struct RawSettings(HashMap<Setting, RawValue>);

impl RawSettings {
    fn merge<K, V>(
        service: ShopService,
        env: impl IntoIterator<Item = (K, V)>,
        toml_text: Option<&str>,
    ) -> Result<Self, ConfigError>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let service_prefix = format!("{ENV_PREFIX}{}_", service.name().to_ascii_uppercase());
        let mut general = HashMap::new();
        let mut specific = HashMap::new();
        for (name, value) in env {
            let name = name.as_ref();
            let Some(suffix) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let (target, key) = match name.strip_prefix(&service_prefix) {
                Some(key) => (&mut specific, key),
                None => (&mut general, suffix),
            };
            if let Some(setting) = Setting::from_key(&key.to_ascii_lowercase()) {
                let origin = name.to_owned();
                let value = value.into();
                target.insert(setting, RawValue { value, origin });
            }
        }
        let mut merged = general;
        merged.extend(specific);
        if let Some(text) = toml_text {
            merged.extend(parse_toml(service, text)?);
        }
        Ok(RawSettings(merged))
    }

    fn take(&mut self, setting: Setting) -> Option<RawValue> {
        self.0.remove(&setting)
    }
}

fn parse_toml(service: ShopService, text: &str) -> Result<HashMap<Setting, RawValue>, ConfigError> {
    let table: toml::Table = text.parse().map_err(|error: toml::de::Error| {
        let offset = error.span().map_or(0, |span| span.start);
        ConfigError::Toml {
            line: 1 + text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|byte| **byte == b'\n')
                .count(),
            message: error.message().to_owned(),
        }
    })?;
    let mut general = HashMap::new();
    let mut specific = HashMap::new();
    for (key, value) in &table {
        if let Some(setting) = Setting::from_key(key) {
            general.insert(setting, toml_string(key, value)?);
        } else if let Ok(table_service) = key.parse::<ShopService>() {
            let toml::Value::Table(service_table) = value else {
                return Err(ConfigError::Invalid {
                    setting: format!("{CONFIG_FILE_VARIABLE} key {key}"),
                    reason: "expected a table of settings".to_owned(),
                });
            };
            for (inner, value) in service_table {
                let dotted = format!("{key}.{inner}");
                let setting = Setting::from_key(inner).ok_or_else(|| ConfigError::UnknownKey {
                    key: dotted.clone(),
                })?;
                let raw = toml_string(&dotted, value)?;
                if table_service == service {
                    specific.insert(setting, raw);
                }
            }
        } else {
            return Err(ConfigError::UnknownKey { key: key.clone() });
        }
    }
    general.extend(specific);
    Ok(general)
}

fn toml_string(key: &str, value: &toml::Value) -> Result<RawValue, ConfigError> {
    let origin = format!("{CONFIG_FILE_VARIABLE} key {key}");
    match value {
        toml::Value::String(value) => Ok(RawValue {
            value: value.clone(),
            origin,
        }),
        other => Err(ConfigError::Invalid {
            setting: origin,
            reason: format!("expected a string, found {}", other.type_str()),
        }),
    }
}

impl ServiceConfig {
    /// Resolves the settings from environment pairs and optional TOML text, touching nothing else.
    ///
    /// Pairs whose name does not start with `SHOP_` are ignored, so `std::env::vars()` can be
    /// passed as it is. `toml_text` is the content of the `SHOP_CONFIG` file.
    pub fn from_sources<K, V>(
        service: ShopService,
        env: impl IntoIterator<Item = (K, V)>,
        toml_text: Option<&str>,
    ) -> Result<Self, ConfigError>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut raw = RawSettings::merge(service, env, toml_text)?;

        let bind = match raw.take(Setting::Bind) {
            Some(raw) => raw.value.parse::<SocketAddr>().map_err(|_| {
                raw.invalid(format!(
                    "{:?} is not a socket address, expected IP:port such as 0.0.0.0:8080",
                    raw.value
                ))
            })?,
            None => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), service.default_port()),
        };
        let data_dir = match raw.take(Setting::DataDir) {
            Some(raw) if raw.value.is_empty() => return Err(raw.invalid("must not be empty")),
            Some(raw) => PathBuf::from(raw.value),
            None => PathBuf::from(DEFAULT_DATA_DIR),
        };
        let database = match raw.take(Setting::DatabaseUrl) {
            Some(raw) => raw
                .value
                .parse()
                .map_err(|reason: InvalidUrl| raw.invalid(reason.to_string()))?,
            None => DatabaseUrl::sqlite_in(&data_dir, service),
        };
        let bus = match raw.take(Setting::BusUrl) {
            Some(raw) => raw
                .value
                .parse()
                .map_err(|reason: InvalidUrl| raw.invalid(reason.to_string()))?,
            None => BusConfig::InProcess,
        };
        let jwt_secret = secret(
            raw.take(Setting::JwtSecret),
            MIN_JWT_SECRET_BYTES,
            DEVELOPMENT_JWT_SECRET,
        )?;
        let admin_token = secret(
            raw.take(Setting::AdminToken),
            MIN_ADMIN_TOKEN_BYTES,
            DEVELOPMENT_ADMIN_TOKEN,
        )?;
        let client_resilience = match raw.take(Setting::ClientResilience) {
            Some(raw) => raw
                .value
                .parse()
                .map_err(|reason: UnknownResilience| raw.invalid(reason.to_string()))?,
            None => ClientResilience::default(),
        };

        let config = ServiceConfig {
            service,
            bind,
            data_dir,
            database,
            bus,
            jwt_secret,
            admin_token,
            client_resilience,
        };
        config.refuse_development_secrets_in_public()?;
        Ok(config)
    }

    /// Loads the settings of `service` from the process environment and the `SHOP_CONFIG` file.
    ///
    /// ```no_run
    /// use shop_kit::config::{ServiceConfig, ShopService};
    ///
    /// let config = ServiceConfig::load(ShopService::Products)?;
    /// println!("starting {config}");
    /// # Ok::<(), shop_kit::config::ConfigError>(())
    /// ```
    pub fn load(service: ShopService) -> Result<Self, ConfigError> {
        let mut env = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str() else { continue };
            if !name.starts_with(ENV_PREFIX) {
                continue;
            }
            let value = value.into_string().map_err(|_| ConfigError::NotUnicode {
                variable: name.to_owned(),
            })?;
            env.push((name.to_owned(), value));
        }
        let toml_text = match env.iter().find(|(name, _)| name == CONFIG_FILE_VARIABLE) {
            Some((_, path)) => {
                let path = PathBuf::from(path);
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| ConfigError::ReadFile { path, source })?;
                Some(text)
            }
            None => None,
        };
        Self::from_sources(service, env, toml_text.as_deref())
    }

    /// Whether any secret is a built-in development value (worth a warning at start-up).
    pub fn uses_development_secrets(&self) -> bool {
        self.jwt_secret.is_development_default() || self.admin_token.is_development_default()
    }

    fn refuse_development_secrets_in_public(&self) -> Result<(), ConfigError> {
        if self.bind.ip().is_loopback() {
            return Ok(());
        }
        let unset = [
            (&self.jwt_secret, Setting::JwtSecret),
            (&self.admin_token, Setting::AdminToken),
        ]
        .into_iter()
        .find(|(secret, _)| secret.is_development_default());
        match unset {
            Some((_, setting)) => Err(ConfigError::DevelopmentSecret {
                variable: setting.variable(),
                bind: self.bind,
            }),
            None => Ok(()),
        }
    }
}

fn secret(
    raw: Option<RawValue>,
    min_bytes: usize,
    development_default: &str,
) -> Result<Secret, ConfigError> {
    match raw {
        Some(raw) if raw.value.len() < min_bytes => Err(raw.invalid(format!(
            "too short: {} bytes, at least {min_bytes} required",
            raw.value.len()
        ))),
        Some(raw) => Ok(Secret::new(raw.value)),
        None => Ok(Secret::development_default(development_default)),
    }
}

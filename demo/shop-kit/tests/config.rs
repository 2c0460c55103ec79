//! `ServiceConfig::from_sources`: defaults, precedence, errors and secret redaction.
//! The loader is pure, so no test touches the process environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use shop_kit::config::{
    BusConfig, ClientResilience, ConfigError, DatabaseUrl, ServiceConfig, ShopService,
};

const NO_ENV: [(&str, &str); 0] = [];
const JWT: &str = "0123456789abcdef0123456789abcdef-jwt";
const ADMIN: &str = "admin-token-0123456789";

fn load(env: &[(&str, &str)], toml: Option<&str>) -> Result<ServiceConfig, ConfigError> {
    ServiceConfig::from_sources(ShopService::Products, env.iter().copied(), toml)
}

fn invalid_setting(error: ConfigError) -> (String, String) {
    match error {
        ConfigError::Invalid { setting, reason } => (setting, reason),
        other => panic!("expected an invalid setting, got {other:?}"),
    }
}

#[test]
fn defaults_need_no_set_up() {
    let config = ServiceConfig::from_sources(ShopService::Products, NO_ENV, None).unwrap();

    assert_eq!(config.service, ShopService::Products);
    assert_eq!(config.bind, "127.0.0.1:8082".parse::<SocketAddr>().unwrap());
    assert_eq!(config.data_dir, PathBuf::from("./.data"));
    assert_eq!(
        config.database,
        DatabaseUrl::Sqlite {
            path: PathBuf::from("./.data/products.db")
        }
    );
    assert_eq!(config.bus, BusConfig::InProcess);
    assert!(config.jwt_secret.is_development_default());
    assert!(config.admin_token.is_development_default());
    assert!(config.uses_development_secrets());
    assert_eq!(config.client_resilience, ClientResilience::Seawall);
}

#[test]
fn client_resilience_comes_from_the_environment_or_the_file() {
    let naive = load(&[("SHOP_CLIENT_RESILIENCE", "naive")], None).unwrap();
    assert_eq!(naive.client_resilience, ClientResilience::NaiveRetries);

    let env = [
        ("SHOP_CLIENT_RESILIENCE", "naive"),
        ("SHOP_PRODUCTS_CLIENT_RESILIENCE", "off"),
    ];
    assert_eq!(
        load(&env, None).unwrap().client_resilience,
        ClientResilience::Off
    );
    let toml = "[products]\nclient_resilience = \"seawall\"";
    assert_eq!(
        load(&env, Some(toml)).unwrap().client_resilience,
        ClientResilience::Seawall
    );

    let (setting, reason) =
        invalid_setting(load(&[("SHOP_CLIENT_RESILIENCE", "hystrix")], None).unwrap_err());
    assert_eq!(setting, "SHOP_CLIENT_RESILIENCE");
    assert!(reason.contains("seawall, naive or off"), "{reason}");
}

#[test]
fn every_service_has_its_design_port() {
    let ports: Vec<u16> = ShopService::ALL
        .iter()
        .map(|service| service.default_port())
        .collect();
    assert_eq!(ports, [8080, 8081, 8082, 8083, 8084, 8085, 8086]);
    for service in ShopService::ALL {
        assert_eq!(service.name().parse::<ShopService>().unwrap(), service);
    }
    assert!("warehouse".parse::<ShopService>().is_err());
}

#[test]
fn environment_sets_every_variable() {
    let config = load(
        &[
            ("SHOP_BIND", "0.0.0.0:9000"),
            ("SHOP_DATA_DIR", "/var/lib/shop"),
            ("SHOP_DATABASE_URL", "postgres://shop:pw@db:5432/products"),
            ("SHOP_BUS_URL", "amqp://shop:pw@rabbit:5672/%2f"),
            ("SHOP_JWT_SECRET", JWT),
            ("SHOP_ADMIN_TOKEN", ADMIN),
            ("PATH", "/usr/bin"),
        ],
        None,
    )
    .unwrap();

    assert_eq!(config.bind, "0.0.0.0:9000".parse::<SocketAddr>().unwrap());
    assert_eq!(config.data_dir, PathBuf::from("/var/lib/shop"));
    let DatabaseUrl::Postgres { url } = &config.database else {
        panic!("expected PostgreSQL, got {:?}", config.database);
    };
    assert_eq!(url.expose(), "postgres://shop:pw@db:5432/products");
    let BusConfig::RabbitMq { url } = &config.bus else {
        panic!("expected RabbitMQ, got {:?}", config.bus);
    };
    assert_eq!(url.expose(), "amqp://shop:pw@rabbit:5672/%2f");
    assert_eq!(config.jwt_secret.expose(), JWT);
    assert_eq!(config.admin_token.expose(), ADMIN);
    assert!(!config.uses_development_secrets());
}

#[test]
fn data_dir_moves_the_default_sqlite_file() {
    let config = load(&[("SHOP_DATA_DIR", "/srv/data")], None).unwrap();
    assert_eq!(
        config.database,
        DatabaseUrl::Sqlite {
            path: PathBuf::from("/srv/data/products.db")
        }
    );
}

#[test]
fn sqlite_urls_name_a_file() {
    for (url, path) in [
        ("sqlite://./x/products.db", "./x/products.db"),
        ("sqlite:products.db", "products.db"),
        ("sqlite:///abs/products.db", "/abs/products.db"),
    ] {
        let config = load(&[("SHOP_DATABASE_URL", url)], None).unwrap();
        assert_eq!(
            config.database,
            DatabaseUrl::Sqlite { path: path.into() },
            "{url}"
        );
    }
    let config = load(&[("SHOP_DATABASE_URL", "postgresql://db/shop")], None).unwrap();
    assert!(matches!(config.database, DatabaseUrl::Postgres { .. }));
}

#[test]
fn service_specific_variables_beat_general_ones() {
    let env = [
        ("SHOP_BIND", "127.0.0.1:7000"),
        ("SHOP_PRODUCTS_BIND", "127.0.0.1:7002"),
        ("SHOP_ORDERS_BIND", "127.0.0.1:7003"),
    ];
    let products = load(&env, None).unwrap();
    assert_eq!(products.bind.port(), 7002);
    let users = ServiceConfig::from_sources(ShopService::Users, env, None).unwrap();
    assert_eq!(users.bind.port(), 7000);
}

#[test]
fn toml_file_overrides_the_environment() {
    let env = [
        ("SHOP_BIND", "127.0.0.1:7000"),
        ("SHOP_PRODUCTS_BIND", "127.0.0.1:7002"),
        ("SHOP_DATA_DIR", "/from/env"),
        ("SHOP_BUS_URL", "amqp://rabbit"),
    ];
    let toml = r#"
        data_dir = "/from/file"
        bind = "127.0.0.1:7100"

        [products]
        bind = "127.0.0.1:7102"

        [orders]
        bind = "127.0.0.1:7103"
    "#;
    let config = load(&env, Some(toml)).unwrap();

    assert_eq!(config.bind.port(), 7102, "the service's table wins");
    assert_eq!(config.data_dir, PathBuf::from("/from/file"));
    assert!(
        matches!(config.bus, BusConfig::RabbitMq { .. }),
        "unset in the file, so the environment's value stays"
    );
    let users = ServiceConfig::from_sources(ShopService::Users, env, Some(toml)).unwrap();
    assert_eq!(users.bind.port(), 7100, "the top level of the file");
}

#[test]
fn bad_bind_names_the_variable() {
    let (setting, reason) = invalid_setting(load(&[("SHOP_BIND", "localhost")], None).unwrap_err());
    assert_eq!(setting, "SHOP_BIND");
    assert!(reason.contains("\"localhost\""), "{reason}");

    let error = load(&[("SHOP_PRODUCTS_BIND", "1.2.3.4")], None).unwrap_err();
    assert!(
        error.to_string().starts_with("SHOP_PRODUCTS_BIND: "),
        "{error}"
    );
}

#[test]
fn bad_values_in_the_file_name_the_key() {
    let error = load(&[], Some("[products]\nbind = 8082")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "SHOP_CONFIG key products.bind: expected a string, found integer"
    );

    let error = load(&[], Some("bind = \"nope\"")).unwrap_err();
    assert!(
        error.to_string().starts_with("SHOP_CONFIG key bind: "),
        "{error}"
    );

    let error = load(&[], Some("colour = \"blue\"")).unwrap_err();
    assert!(
        matches!(&error, ConfigError::UnknownKey { key } if key == "colour"),
        "{error}"
    );

    let error = load(&[], Some("[orders]\ncolour = \"blue\"")).unwrap_err();
    assert!(
        matches!(&error, ConfigError::UnknownKey { key } if key == "orders.colour"),
        "{error}"
    );
}

#[test]
fn bad_database_and_bus_urls_are_rejected_without_echoing_them() {
    let (setting, reason) = invalid_setting(
        load(
            &[("SHOP_DATABASE_URL", "mysql://root:hunter2@db/shop")],
            None,
        )
        .unwrap_err(),
    );
    assert_eq!(setting, "SHOP_DATABASE_URL");
    assert!(!reason.contains("hunter2"), "{reason}");

    let error = load(&[("SHOP_DATABASE_URL", "sqlite::memory:")], None).unwrap_err();
    assert!(
        error.to_string().starts_with("SHOP_DATABASE_URL: "),
        "{error}"
    );

    let error = load(&[("SHOP_BUS_URL", "kafka://user:hunter2@k")], None).unwrap_err();
    assert!(error.to_string().starts_with("SHOP_BUS_URL: "), "{error}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn short_secrets_are_rejected_without_echoing_them() {
    let error = load(&[("SHOP_JWT_SECRET", "tiny-secret")], None).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("SHOP_JWT_SECRET: too short"),
        "{message}"
    );
    assert!(!message.contains("tiny-secret"), "{message}");

    let error = load(&[("SHOP_ADMIN_TOKEN", "short")], None).unwrap_err();
    assert!(
        error.to_string().starts_with("SHOP_ADMIN_TOKEN: "),
        "{error}"
    );
}

#[test]
fn development_secrets_are_refused_off_loopback() {
    let error = load(&[("SHOP_BIND", "0.0.0.0:8082")], None).unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::DevelopmentSecret {
                variable: "SHOP_JWT_SECRET",
                ..
            }
        ),
        "{error}"
    );

    let error = load(
        &[("SHOP_BIND", "0.0.0.0:8082"), ("SHOP_JWT_SECRET", JWT)],
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::DevelopmentSecret {
                variable: "SHOP_ADMIN_TOKEN",
                ..
            }
        ),
        "{error}"
    );

    let config = load(&[("SHOP_BIND", "[::1]:8082")], None).unwrap();
    assert!(config.uses_development_secrets(), "loopback is fine");
}

#[test]
fn secrets_never_appear_in_debug_or_display() {
    let config = load(
        &[
            (
                "SHOP_DATABASE_URL",
                "postgres://shop:db-pass-1@db/shop?password=db-pass-2&sslmode=require",
            ),
            ("SHOP_BUS_URL", "amqps://shop:bus-pass@rabbit/vhost"),
            ("SHOP_JWT_SECRET", JWT),
            ("SHOP_ADMIN_TOKEN", ADMIN),
        ],
        None,
    )
    .unwrap();

    for rendered in [
        format!("{config:?}"),
        format!("{config:#?}"),
        config.to_string(),
    ] {
        for secret in ["db-pass-1", "db-pass-2", "bus-pass", JWT, ADMIN] {
            assert!(!rendered.contains(secret), "{secret} leaked in {rendered}");
        }
    }
    assert_eq!(
        config.database.to_string(),
        "postgres://shop:[redacted]@db/shop?password=[redacted]&sslmode=require"
    );
    assert_eq!(
        config.bus.to_string(),
        "amqps://shop:[redacted]@rabbit/vhost"
    );
    assert_eq!(format!("{:?}", config.jwt_secret), "Secret([redacted])");
    assert!(
        config
            .to_string()
            .starts_with("products on 127.0.0.1:8082, database postgres://")
    );
}

#[test]
fn toml_syntax_errors_give_the_line_but_not_the_text() {
    let error = load(
        &[],
        Some("bind = \"127.0.0.1:1\"\njwt_secret = \"never-shown-secret"),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, ConfigError::Toml { line: 2, .. }),
        "{message}"
    );
    assert!(!message.contains("never-shown-secret"), "{message}");
}

//! The settings and the throw-away databases of a service under test: [`test_config`]
//! (the admin token and JWT secret of the tests, on a [`TestDatabase`]), and
//! [`OnEachBackend`], which builds a test app on SQLite or on PostgreSQL (skipped when
//! `SHOP_TEST_POSTGRES=skip`), as [`on_both_backends!`](crate::on_both_backends) wants.

use std::future::Future;

use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::storage::TestDatabase;

/// The settings of `service` with the admin token `admin_token`, the JWT secret
/// `jwt_secret` (the development one when `None`), and the `SHOP_*` variables of `env`;
/// on no particular database.
pub fn service_config(
    service: ShopService,
    admin_token: &str,
    jwt_secret: Option<&str>,
    env: &[(&str, &str)],
) -> ServiceConfig {
    let secrets = [
        Some(("SHOP_ADMIN_TOKEN", admin_token)),
        jwt_secret.map(|secret| ("SHOP_JWT_SECRET", secret)),
    ];
    let env = secrets.into_iter().flatten().chain(env.iter().copied());
    ServiceConfig::from_sources(service, env, None).expect("test settings")
}

/// The settings of `service` on `database`, with the admin token `admin_token` and the
/// JWT secret `jwt_secret` (the development one when `None`).
pub fn test_config(
    service: ShopService,
    admin_token: &str,
    jwt_secret: Option<&str>,
    database: &TestDatabase,
) -> ServiceConfig {
    test_config_with(service, admin_token, jwt_secret, database, &[])
}

/// [`test_config`], also taking the `SHOP_*` variables of `env`.
pub fn test_config_with(
    service: ShopService,
    admin_token: &str,
    jwt_secret: Option<&str>,
    database: &TestDatabase,
    env: &[(&str, &str)],
) -> ServiceConfig {
    let mut config = service_config(service, admin_token, jwt_secret, env);
    config.database = database.url().clone();
    config
}

/// A new SQLite test database.
pub fn sqlite_database() -> TestDatabase {
    TestDatabase::sqlite().expect("a SQLite test database")
}

/// A new PostgreSQL test database; `None` (the test skips) when `SHOP_TEST_POSTGRES=skip`,
/// and a panic when the server cannot be reached.
pub async fn postgres_database() -> Option<TestDatabase> {
    TestDatabase::postgres()
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

/// A test app that is built on a [`TestDatabase`], and so on each backend.
pub trait OnEachBackend: Sized {
    /// The app on `database`, which it keeps until it drops.
    fn on(database: TestDatabase) -> impl Future<Output = Self>;

    /// The app on a new SQLite database.
    fn sqlite() -> impl Future<Output = Self> {
        Self::on(sqlite_database())
    }

    /// The app on a new PostgreSQL database; `None` when `SHOP_TEST_POSTGRES=skip`.
    fn postgres() -> impl Future<Output = Option<Self>> {
        async {
            let database = postgres_database().await?;
            Some(Self::on(database).await)
        }
    }
}

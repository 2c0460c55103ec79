//! [`build`]: the whole reviews service, from its settings to a router ready to serve.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use shop_kit::auth::TokenVerifier;
use shop_kit::config::ServiceConfig;
use shop_kit::server::{ServerError, ServiceScaffold, serve};
use shop_kit::storage::{Storage, StorageError, migrator};

use crate::admin_state::ReviewsAdminState;
use crate::migrations::MIGRATIONS;
use crate::repository::ReviewRepository;
use crate::routes::router;
use crate::state::ReviewsState;

/// The largest request body the reviews API accepts: a review of 2000 characters, each
/// possibly a 6-byte JSON escape, fits.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be opened or migrated.
    #[error("reviews storage: {0}")]
    Storage(#[from] StorageError),
    /// The server scaffolding could not be assembled.
    #[error("reviews server: {0}")]
    Server(#[from] ServerError),
}

/// The reviews service, built and ready to serve.
#[derive(Debug)]
pub struct App {
    router: Router,
    storage: Storage,
    bind: SocketAddr,
}

impl App {
    /// The whole router: the API in the server stack, health, metrics and admin routes.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The service's database.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The configured listening address.
    pub fn bind(&self) -> SocketAddr {
        self.bind
    }

    /// Serves on the configured address until `shutdown_signal`, lets requests in flight
    /// finish, then closes the database.
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let served = serve(self.router, self.bind, shutdown_signal).await;
        self.storage.close().await;
        served
    }
}

/// Opens and migrates the database of `config` and builds the service: the [`router`] in
/// the server stack (tokens verified with `config.jwt_secret`), `/health/*` checking the
/// database, `/metrics`, and `/admin/*` with the review count as its state. Reviews
/// publishes and consumes no events, so it needs no bus.
pub async fn build(config: &ServiceConfig) -> Result<App, BuildError> {
    let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    let repository = ReviewRepository::new(storage.clone());
    let state = ReviewsState::new(repository.clone(), TokenVerifier::new(&config.jwt_secret));
    let router = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .admin_state(ReviewsAdminState::new(repository))
        .body_limit(BODY_LIMIT)
        .build(router(state))?;
    Ok(App {
        router,
        storage,
        bind: config.bind,
    })
}

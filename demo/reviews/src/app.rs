//! [`build`]: the whole reviews service, from its settings to a router ready to serve.

use shop_kit::auth::TokenVerifier;
use shop_kit::config::ServiceConfig;
use shop_kit::server::{ServerError, ServiceScaffold, StoredApp};
use shop_kit::storage::{Storage, StorageError, migrator};

use crate::admin_state::ReviewsAdminState;
use crate::migrations::MIGRATIONS;
use crate::repository::ReviewRepository;
use crate::routes::{openapi, router};
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

/// The reviews service, built and ready to serve: a router, a database and an address.
pub type App = StoredApp;

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
        .openapi(&openapi())
        .body_limit(BODY_LIMIT)
        .build(router(state))?;
    Ok(StoredApp::new(router, storage, config.bind))
}

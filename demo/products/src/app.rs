//! [`build`]: the whole products service, from its settings to a router ready to serve.

use seawall::chaos::RequestHead;
use shop_kit::config::ServiceConfig;
use shop_kit::server::{ServerError, ServiceScaffold, StoredApp, admin_routes};
use shop_kit::storage::{Storage, StorageError, migrator};

use crate::admin_reports::admin_reports;
use crate::admin_state::ProductsAdminState;
use crate::catalog::seed_catalog;
use crate::migrations::MIGRATIONS;
use crate::repository::ProductRepository;
use crate::routes::{openapi, router};

/// The largest request body the products API accepts: a reservation is a few dozen bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be opened, migrated or seeded.
    #[error("products storage: {0}")]
    Storage(#[from] StorageError),
    /// The server scaffolding could not be assembled.
    #[error("products server: {0}")]
    Server(#[from] ServerError),
}

/// The products service, built and ready to serve: a router, a database and an address.
pub type App = StoredApp;

/// Opens and migrates the database of `config`, seeds the catalog where absent, and builds
/// the service: the [`router`] in the server stack (with the product id as the entity of
/// `productFailure`-style faults), `/health/*` checking the database, `/metrics`, and
/// `/admin/*` with the stock totals as its state and the
/// [stock and reservation listings](crate::admin_reports).
pub async fn build(config: &ServiceConfig) -> Result<App, BuildError> {
    let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    let repository = ProductRepository::new(storage.clone());
    seed_catalog(&repository).await?;
    let router = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .admin_state(ProductsAdminState::new(repository.clone()))
        .fault_entity(product_id_of)
        .openapi(&openapi())
        .body_limit(BODY_LIMIT)
        .build(router(repository.clone()))?
        .merge(admin_routes(
            config.admin_token.clone(),
            admin_reports(repository),
        ));
    Ok(StoredApp::new(router, storage, config.bind))
}

/// The product id in a `/products/{id}…` path, which faults can match as their `entity`.
fn product_id_of(request: &RequestHead<'_>) -> Option<String> {
    let rest = request.uri().path().strip_prefix("/products/")?;
    let id = rest.split('/').next().filter(|id| !id.is_empty())?;
    Some(id.to_owned())
}

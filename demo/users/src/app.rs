//! [`build`]: the whole users service, from its settings to a router ready to serve.

use std::sync::Arc;

use shop_kit::auth::{TokenIssuer, TokenVerifier};
use shop_kit::bus::{BusError, EventBus};
use shop_kit::config::ServiceConfig;
use shop_kit::outbox::{OutboxRelay, RelayConfig};
use shop_kit::server::{ServerError, ServiceScaffold, StoredApp};
use shop_kit::storage::{Storage, StorageError, migrator};

use crate::admin_state::UsersAdminState;
use crate::migrations::MIGRATIONS;
use crate::password::{PasswordError, PasswordHasher};
use crate::repository::UserRepository;
use crate::routes::{openapi, router};
use crate::state::UsersState;

/// The largest request body the users API accepts: a registration is a few hundred bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be opened or migrated.
    #[error("users storage: {0}")]
    Storage(#[from] StorageError),
    /// The event bus could not be reached.
    #[error("users event bus: {0}")]
    Bus(#[from] BusError),
    /// The password hasher could not be set up.
    #[error("users password hashing: {0}")]
    Password(#[from] PasswordError),
    /// The server scaffolding could not be assembled.
    #[error("users server: {0}")]
    Server(#[from] ServerError),
}

/// The users service, built and ready to serve: its router, database and bus, and the
/// outbox relay (running from the start) that [`StoredApp::serve`] flushes and stops.
pub type App = StoredApp;

/// Builds the service of `config` on the bus it names: a new in-process bus by default, or
/// RabbitMQ for an `amqp://` URL. See [`build_with_bus`].
pub async fn build(config: &ServiceConfig) -> Result<App, BuildError> {
    let bus = shop_kit::bus::connect(&config.bus).await?;
    build_with_bus(config, bus).await
}

/// Opens and migrates the database of `config`, starts the outbox relay to `bus`, and builds
/// the service: the [`router`] in the server stack (tokens signed and verified with
/// `config.jwt_secret`), `/health/*` checking the database, `/metrics`, and `/admin/*` with
/// the user count as its state, and `/openapi.json` ([`openapi`]). For `shop up`, where every service shares one in-process bus.
pub async fn build_with_bus(
    config: &ServiceConfig,
    bus: Arc<dyn EventBus>,
) -> Result<App, BuildError> {
    let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    let passwords = PasswordHasher::new().await?;
    let (outbox, relay) = OutboxRelay::start(
        storage.clone(),
        Arc::clone(&bus),
        RelayConfig::new(config.service.name()),
    );
    let repository = UserRepository::new(storage.clone(), outbox);
    let state = UsersState::new(
        repository.clone(),
        passwords,
        TokenIssuer::new(&config.jwt_secret),
        TokenVerifier::new(&config.jwt_secret),
    );
    let router = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .admin_state(UsersAdminState::new(repository))
        .openapi(&openapi())
        .body_limit(BODY_LIMIT)
        .build(router(state))?;
    Ok(StoredApp::new(router, storage, config.bind)
        .with_bus(bus)
        .stopping(relay))
}

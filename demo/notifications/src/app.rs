//! [`build`]: the whole notifications service, from its settings to a router ready to serve.

use std::sync::Arc;

use shop_kit::auth::TokenVerifier;
use shop_kit::bus::{BusError, EventBus};
use shop_kit::config::ServiceConfig;
use shop_kit::server::{ServerError, ServiceScaffold, StoredApp, admin_routes};
use shop_kit::storage::{Storage, StorageError, migrator};

use crate::admin_reports::admin_reports;
use crate::admin_state::NotificationsAdminState;
use crate::consumer::subscribe;
use crate::migrations::MIGRATIONS;
use crate::repository::NotificationRepository;
use crate::routes::{openapi, router};
use crate::state::NotificationsState;

/// The largest request body the notifications API accepts: its requests have no body.
pub const BODY_LIMIT: usize = 1024;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be opened or migrated.
    #[error("notifications storage: {0}")]
    Storage(#[from] StorageError),
    /// The event bus could not be reached, or the consumer not subscribed.
    #[error("notifications event bus: {0}")]
    Bus(#[from] BusError),
    /// The server scaffolding could not be assembled.
    #[error("notifications server: {0}")]
    Server(#[from] ServerError),
}

/// The notifications service, built and ready to serve: its router, database and bus, and
/// the event consumer (running from the start) that [`StoredApp::serve`] stops, the event
/// in hand handled first.
pub type App = StoredApp;

/// Builds the service of `config` on the bus it names: a new in-process bus by default, or
/// RabbitMQ for an `amqp://` URL. See [`build_with_bus`].
pub async fn build(config: &ServiceConfig) -> Result<App, BuildError> {
    let bus = shop_kit::bus::connect(&config.bus).await?;
    build_with_bus(config, bus).await
}

/// Opens and migrates the database of `config`, subscribes the
/// [`CONSUMER`](crate::CONSUMER) to every event kind on `bus`, and builds the service: the
/// [`router`] in the server stack (tokens verified with `config.jwt_secret`), `/health/*`
/// checking the database, `/metrics`, and `/admin/*` with the notification count as its
/// state and the [events notified](crate::admin_reports), and `/openapi.json` ([`openapi`]).
/// Its named faults ([`faults`](crate::faults)) act on the API and on the consumer. For `shop up`, where every service shares one in-process bus.
pub async fn build_with_bus(
    config: &ServiceConfig,
    bus: Arc<dyn EventBus>,
) -> Result<App, BuildError> {
    let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    let repository = NotificationRepository::new(storage.clone());
    let state = NotificationsState::new(repository.clone(), TokenVerifier::new(&config.jwt_secret));
    let (router, faults) = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .admin_state(NotificationsAdminState::new(repository.clone()))
        .openapi(&openapi())
        .body_limit(BODY_LIMIT)
        .build_with_faults(router(state))?;
    // Subscribed after the router is built, to hand the consumer the faults its
    // `/admin/faults` controls (`notificationsDown`, `eventBusLag`).
    let subscription = subscribe(bus.as_ref(), repository.clone(), faults).await?;
    let router = router.merge(admin_routes(
        config.admin_token.clone(),
        admin_reports(repository),
    ));
    Ok(StoredApp::new(router, storage, config.bind)
        .with_bus(bus)
        .stopping(subscription))
}

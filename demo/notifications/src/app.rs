//! [`build`]: the whole notifications service, from its settings to a router ready to serve.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use shop_kit::auth::TokenVerifier;
use shop_kit::bus::{BusError, EventBus, Subscription};
use shop_kit::config::ServiceConfig;
use shop_kit::server::{ServerError, ServiceScaffold, serve};
use shop_kit::storage::{Storage, StorageError, migrator};

use crate::admin_state::NotificationsAdminState;
use crate::consumer::subscribe;
use crate::migrations::MIGRATIONS;
use crate::repository::NotificationRepository;
use crate::routes::router;
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

/// The notifications service, built and ready to serve; its event consumer runs from the
/// start.
pub struct App {
    router: Router,
    storage: Storage,
    bus: Arc<dyn EventBus>,
    subscription: Subscription,
    bind: SocketAddr,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("storage", &self.storage)
            .field("subscription", &self.subscription)
            .field("bind", &self.bind)
            .finish_non_exhaustive()
    }
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

    /// The bus the consumer listens on.
    pub fn bus(&self) -> Arc<dyn EventBus> {
        Arc::clone(&self.bus)
    }

    /// The configured listening address.
    pub fn bind(&self) -> SocketAddr {
        self.bind
    }

    /// Serves on the configured address until `shutdown_signal`, lets requests in flight
    /// finish, stops the consumer (the event in hand is handled first), then closes the
    /// database.
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let served = serve(self.router, self.bind, shutdown_signal).await;
        self.subscription.shutdown().await;
        self.storage.close().await;
        served
    }
}

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
/// state. For `shop up`, where every service shares one in-process bus.
pub async fn build_with_bus(
    config: &ServiceConfig,
    bus: Arc<dyn EventBus>,
) -> Result<App, BuildError> {
    let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    let repository = NotificationRepository::new(storage.clone());
    let subscription = subscribe(bus.as_ref(), repository.clone()).await?;
    let state = NotificationsState::new(repository.clone(), TokenVerifier::new(&config.jwt_secret));
    let router = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .admin_state(NotificationsAdminState::new(repository))
        .body_limit(BODY_LIMIT)
        .build(router(state))?;
    Ok(App {
        router,
        storage,
        bus,
        subscription,
        bind: config.bind,
    })
}

//! [`build`]: the whole payments service, from its settings to a router ready to serve.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use seawall::chaos::{ConfigError, FaultHandle};
use shop_kit::bus::{BusError, EventBus};
use shop_kit::config::ServiceConfig;
use shop_kit::outbox::{OutboxRelay, RelayConfig};
use shop_kit::server::{ServerError, ServiceScaffold, admin_router, serve};
use shop_kit::storage::{Storage, StorageError, migrator};

use crate::admin_state::PaymentsAdminState;
use crate::migrations::MIGRATIONS;
use crate::processor::PaymentProcessor;
use crate::provider::{PaymentProvider, ProviderCalls, ProviderSettings};
use crate::repository::PaymentRepository;
use crate::routes::router;

/// The largest request body the payments API accepts: a charge is a few hundred bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be opened or migrated.
    #[error("payments storage: {0}")]
    Storage(#[from] StorageError),
    /// The event bus could not be reached.
    #[error("payments event bus: {0}")]
    Bus(#[from] BusError),
    /// The provider's chaos layer could not be built.
    #[error("payments provider: {0}")]
    Provider(#[from] ConfigError),
    /// The server scaffolding could not be assembled.
    #[error("payments server: {0}")]
    Server(#[from] ServerError),
}

/// What [`build_with`] can be told beyond the [`ServiceConfig`].
#[derive(Clone, Default)]
pub struct BuildOptions {
    /// The provider's timeout and fault seed.
    pub provider: ProviderSettings,
    /// The bus to relay events to, such as one in-process bus shared by every service of
    /// the process; when `None`, the bus of the config (a new in-process bus by default).
    pub bus: Option<Arc<dyn EventBus>>,
}

impl fmt::Debug for BuildOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildOptions")
            .field("provider", &self.provider)
            .field("bus", &self.bus.as_ref().map(|_| "given"))
            .finish()
    }
}

/// The payments service, built and ready to serve; its outbox relay runs from the start.
pub struct App {
    router: Router,
    storage: Storage,
    bind: SocketAddr,
    bus: Arc<dyn EventBus>,
    relay: OutboxRelay,
    provider: PaymentProvider,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("storage", &self.storage)
            .field("bind", &self.bind)
            .field("relay", &self.relay)
            .field("provider", &self.provider)
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

    /// The configured listening address.
    pub fn bind(&self) -> SocketAddr {
        self.bind
    }

    /// The bus the outbox relay publishes `payment.completed` and `payment.refunded` to.
    pub fn bus(&self) -> Arc<dyn EventBus> {
        Arc::clone(&self.bus)
    }

    /// The provider's faults: the ones `/admin/faults` puts and removes.
    pub fn faults(&self) -> FaultHandle {
        self.provider.faults()
    }

    /// The calls the provider has handled.
    pub fn provider_calls(&self) -> ProviderCalls {
        self.provider.calls()
    }

    /// The events committed but not yet published, as last counted by the relay.
    pub fn outbox_backlog(&self) -> u64 {
        self.relay.backlog()
    }

    /// Serves on the configured address until `shutdown_signal`, lets requests in flight
    /// finish, publishes the pending events (for at most the relay's shutdown timeout),
    /// then closes the database.
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let served = serve(self.router, self.bind, shutdown_signal).await;
        let pending = self.relay.shutdown().await;
        if pending > 0 {
            tracing::warn!(
                pending,
                "payments events left in the outbox until the next start"
            );
        }
        self.storage.close().await;
        served
    }
}

/// [`build_with`] the default options: the config's bus, a 2 s provider timeout, faults
/// drawn from entropy.
pub async fn build(config: &ServiceConfig) -> Result<App, BuildError> {
    build_with(config, BuildOptions::default()).await
}

/// Opens and migrates the database of `config`, starts the outbox relay on the bus, and
/// builds the service: the [`router`] in the server stack, `/health/*` checking the
/// database, `/metrics`, and `/admin/*`.
///
/// `/admin/faults[/{name}]` controls the **provider's** faults ([`App::faults`]), so
/// `PUT /admin/faults/paymentFailure` makes the provider decline. The scaffold's own
/// server-side fault layer stays in the stack with no way to reach it: its admin routes
/// are shadowed by an admin router (the same shop-kit one, behind the same admin token) on
/// the provider's handle, since `ServiceScaffold` builds its admin routes on its own
/// handle only. `GET /admin/state` lists the provider's faults and the
/// [`PaymentsAdminState`].
pub async fn build_with(config: &ServiceConfig, options: BuildOptions) -> Result<App, BuildError> {
    let service_name = config.service.name();
    let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    let bus = match options.bus {
        Some(bus) => bus,
        None => shop_kit::bus::connect(&config.bus).await?,
    };
    let provider = PaymentProvider::simulated(service_name, &options.provider)?;
    let (outbox, relay) = OutboxRelay::start(
        storage.clone(),
        Arc::clone(&bus),
        RelayConfig::new(service_name),
    );
    let processor = PaymentProcessor::new(
        PaymentRepository::new(storage.clone(), outbox),
        provider.clone(),
    );
    let service = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .body_limit(BODY_LIMIT)
        .build(router(processor.clone()))?;
    let admin = admin_router(
        service_name,
        config.admin_token.clone(),
        provider.faults(),
        Some(Arc::new(PaymentsAdminState::new(processor))),
    );
    Ok(App {
        router: admin.fallback_service(service),
        storage,
        bind: config.bind,
        bus,
        relay,
        provider,
    })
}

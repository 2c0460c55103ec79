//! [`build`]: the whole orders service, from its settings to a router ready to serve.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use shop_kit::auth::TokenVerifier;
use shop_kit::bus::EventBus;
use shop_kit::client::{ClientConfigError, ServiceClient};
use shop_kit::config::{ServiceConfig, ShopService};
use shop_kit::outbox::{OutboxRelay, RelayConfig};
use shop_kit::server::{ServerError, ServiceScaffold, admin_routes, bind, serve_on};
use shop_kit::storage::{Storage, StorageError, migrator};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::admin::{OrdersAdminState, admin_reports};
use crate::downstream::Downstream;
use crate::migrations::MIGRATIONS;
use crate::repository::OrderRepository;
use crate::routes::{openapi, router};
use crate::saga::{Saga, SagaCounts, SagaSettings, SettingsError, recovery, sweep};
use crate::state::OrdersState;

/// The largest request body the orders API accepts: an order is a few dozen bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// How long one call to products or payments may take, retries included.
const CALL_TIMEOUT: Duration = Duration::from_secs(4);

/// How long one attempt of such a call may take: above the payment provider's 2 s
/// timeout, so a slow provider is answered by payments rather than timed out here.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(2500);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be opened or migrated.
    #[error("orders storage: {0}")]
    Storage(#[from] StorageError),
    /// The client of the downstream services could not be built.
    #[error("orders client: {0}")]
    Client(#[from] ClientConfigError),
    /// A `SHOP_SAGA_*` variable is not valid (see [`SagaSettings::from_env`]).
    #[error("orders settings: {0}")]
    Settings(#[from] SettingsError),
    /// The server scaffolding could not be assembled.
    #[error("orders server: {0}")]
    Server(#[from] ServerError),
}

/// What the orders service calls and publishes to, beyond its [`ServiceConfig`].
#[derive(Clone)]
pub struct OrdersDeps {
    /// The base URL of the products service, such as `http://127.0.0.1:8082`.
    pub products_url: String,
    /// The base URL of the payments service, such as `http://127.0.0.1:8084`.
    pub payments_url: String,
    /// The bus the outbox relay publishes `order.completed` and `order.cancelled` to.
    pub bus: Arc<dyn EventBus>,
}

impl OrdersDeps {
    /// The products and payments services on their default ports on `127.0.0.1` (what
    /// `shop up` runs), and `bus`.
    pub fn local(bus: Arc<dyn EventBus>) -> Self {
        OrdersDeps {
            products_url: local_url(ShopService::Products),
            payments_url: local_url(ShopService::Payments),
            bus,
        }
    }
}

impl fmt::Debug for OrdersDeps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrdersDeps")
            .field("products_url", &self.products_url)
            .field("payments_url", &self.payments_url)
            .finish_non_exhaustive()
    }
}

fn local_url(service: ShopService) -> String {
    format!("http://127.0.0.1:{}", service.default_port())
}

/// The orders service, built and ready to serve; its outbox relay runs from the start, and
/// so do the recovery of the sagas an earlier process left unfinished and the sweep of
/// sagas that get stuck.
pub struct App {
    router: Router,
    storage: Storage,
    bind: SocketAddr,
    bus: Arc<dyn EventBus>,
    relay: OutboxRelay,
    client: ServiceClient,
    saga: Saga,
    recovery: JoinHandle<()>,
    sweep: JoinHandle<()>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("storage", &self.storage)
            .field("bind", &self.bind)
            .field("relay", &self.relay)
            .field("client", &self.client)
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

    /// The bus the outbox relay publishes `order.completed` and `order.cancelled` to.
    pub fn bus(&self) -> Arc<dyn EventBus> {
        Arc::clone(&self.bus)
    }

    /// The client the saga calls products and payments with: its faults and breakers, and
    /// its [resilience](shop_kit::client::ClientResilience) (`SHOP_CLIENT_RESILIENCE`).
    pub fn client(&self) -> &ServiceClient {
        &self.client
    }

    /// Whether the start-up recovery of interrupted sagas has finished.
    pub fn recovery_finished(&self) -> bool {
        self.recovery.is_finished()
    }

    /// The sagas the start-up recovery and the sweep finished so far.
    pub fn saga_counts(&self) -> SagaCounts {
        self.saga.stats().counts()
    }

    /// The saga runner: its repository, running sagas and a [`sweep`] pass on demand.
    pub fn saga(&self) -> &Saga {
        &self.saga
    }

    /// The events committed but not yet published, as last counted by the relay.
    pub fn outbox_backlog(&self) -> u64 {
        self.relay.backlog()
    }

    /// Serves on the configured address until `shutdown_signal`; see
    /// [`serve_on`](Self::serve_on).
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let listener = bind(self.bind).await?;
        self.serve_on(listener, shutdown_signal).await
    }

    /// Serves on `listener` until `shutdown_signal`, lets requests in flight finish,
    /// publishes the pending events (for a bounded time), then closes the database.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let served = serve_on(listener, self.router, shutdown_signal).await;
        self.sweep.abort();
        let pending = self.relay.shutdown().await;
        if pending > 0 {
            tracing::warn!(
                pending,
                "orders events left in the outbox until the next start"
            );
        }
        self.storage.close().await;
        served
    }
}

/// [`build_with`] the [`SagaSettings`] of the process environment
/// ([`SagaSettings::load`]: `SHOP_SAGA_DEADLINE_MS`, `SHOP_SAGA_SWEEP_EVERY_MS`,
/// `SHOP_SAGA_STUCK_AFTER_MS`, or their `SHOP_ORDERS_` forms; the defaults otherwise).
pub async fn build(config: &ServiceConfig, deps: OrdersDeps) -> Result<App, BuildError> {
    build_with(config, deps, SagaSettings::load()?).await
}

/// Opens and migrates the database of `config`, starts the outbox relay to `deps.bus`,
/// starts the [recovery](crate::saga::recovery) of the sagas left unfinished and the
/// [sweep](crate::saga::sweep) of stuck ones, and builds the service: the [`router`] in
/// the server stack (tokens verified with `config.jwt_secret`), `/openapi.json`
/// ([`openapi`]), `/health/*` checking the database, `/metrics`, and `/admin/*` with the
/// [admin reports](crate::admin); `/admin/faults` controls the server stack's faults,
/// which include the saga's [`ordersCrashMidSaga`](crate::faults).
///
/// The downstream base URLs are arguments (`deps`), not settings: the launcher knows where
/// it runs products and payments ([`OrdersDeps::local`] for the default ports). `saga`
/// sets the saga's deadline and the sweep.
pub async fn build_with(
    config: &ServiceConfig,
    deps: OrdersDeps,
    saga: SagaSettings,
) -> Result<App, BuildError> {
    let service_name = config.service.name();
    let storage = Storage::open(&config.database, &migrator(MIGRATIONS)).await?;
    let (outbox, relay) = OutboxRelay::start(
        storage.clone(),
        Arc::clone(&deps.bus),
        RelayConfig::new(service_name),
    );
    let client = ServiceClient::builder(service_name)
        .resilience(config.client_resilience)
        .total_timeout(CALL_TIMEOUT)
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .build()?;
    let downstream = Downstream::new(client.clone(), deps.products_url, deps.payments_url);
    let saga = Saga::new(
        service_name,
        OrderRepository::new(storage.clone(), outbox),
        downstream,
        saga,
    );
    let recovery = recovery::start(saga.clone());
    let sweep = sweep::start(saga.clone());
    let state = OrdersState::new(saga.clone(), TokenVerifier::new(&config.jwt_secret));
    let (router, faults) = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .admin_state(OrdersAdminState::new(saga.clone()))
        .openapi(&openapi())
        .body_limit(BODY_LIMIT)
        .build_with_faults(router(state))?;
    // The saga reads `ordersCrashMidSaga` from the faults `/admin/faults` controls.
    saga.faults().attach(faults);
    let router = router.merge(admin_routes(
        config.admin_token.clone(),
        admin_reports(saga.clone()),
    ));
    Ok(App {
        router,
        storage,
        bind: config.bind,
        bus: deps.bus,
        relay,
        client,
        saga,
        recovery,
        sweep,
    })
}

//! [`build`]: the whole payments service, from its settings to a router ready to serve.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use seawall::chaos::{ConfigError, FaultHandle};
use shop_kit::auth::TokenVerifier;
use shop_kit::bus::{BusError, EventBus};
use shop_kit::config::ServiceConfig;
use shop_kit::outbox::{OutboxRelay, RelayConfig};
use shop_kit::server::{ServerError, ServiceScaffold, StoredApp, admin_routes};
use shop_kit::storage::{Storage, StorageError, migrator};
use tokio::net::TcpListener;

use crate::admin_reports::admin_reports;
use crate::admin_state::PaymentsAdminState;
use crate::migrations::MIGRATIONS;
use crate::processor::PaymentProcessor;
use crate::provider::{PaymentProvider, ProviderCalls, ProviderSettings};
use crate::repository::PaymentRepository;
use crate::routes::{openapi, router};
use crate::state::PaymentsState;

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

/// The payments service, built and ready to serve: a [`StoredApp`] (router, database,
/// bus, and the outbox relay it stops after serving) and the simulated provider, whose
/// faults and calls tests and `shop up` look at. Derefs to the [`StoredApp`] for the
/// router, storage, bus and address.
#[derive(Debug)]
pub struct App {
    app: StoredApp,
    provider: PaymentProvider,
}

impl Deref for App {
    type Target = StoredApp;

    fn deref(&self) -> &StoredApp {
        &self.app
    }
}

impl App {
    /// The provider's faults: the ones `/admin/faults` puts and removes.
    pub fn faults(&self) -> FaultHandle {
        self.provider.faults()
    }

    /// The calls the provider has handled.
    pub fn provider_calls(&self) -> ProviderCalls {
        self.provider.calls()
    }

    /// Serves on the configured address until `shutdown_signal`, lets requests in flight
    /// finish, publishes the pending events (for at most the relay's shutdown timeout),
    /// then closes the database.
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        self.app.serve(shutdown_signal).await
    }

    /// [`serve`](Self::serve) on `listener`.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        self.app.serve_on(listener, shutdown_signal).await
    }
}

/// [`build_with`] the default options: the config's bus, a 2 s provider timeout, faults
/// drawn from entropy.
pub async fn build(config: &ServiceConfig) -> Result<App, BuildError> {
    build_with(config, BuildOptions::default()).await
}

/// Opens and migrates the database of `config`, starts the outbox relay on the bus, and
/// builds the service: the [`router`] in the server stack (tokens verified with
/// `config.jwt_secret`), `/openapi.json` ([`openapi`]), `/health/*` checking the database,
/// `/metrics`, and `/admin/*`.
///
/// `/admin/faults[/{name}]` controls the **provider's** faults ([`App::faults`]), so
/// `PUT /admin/faults/paymentFailure` makes the provider decline; the scaffold's own
/// server-side fault layer stays in the stack with no admin route to it. `GET /admin/state`
/// lists the provider's faults and the [`PaymentsAdminState`]; `GET /admin/payments` lists
/// the payments ([`admin_reports`](crate::admin_reports)).
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
    let reports = admin_routes(
        config.admin_token.clone(),
        admin_reports(processor.repository().clone()),
    );
    let state = PaymentsState::new(processor.clone(), TokenVerifier::new(&config.jwt_secret));
    let router = ServiceScaffold::new(config)
        .readiness_check(storage.clone())
        .admin_state(PaymentsAdminState::new(processor))
        .admin_faults(provider.faults())
        .openapi(&openapi())
        .body_limit(BODY_LIMIT)
        .build(router(state))?
        .merge(reports);
    let app = StoredApp::new(router, storage, config.bind)
        .with_bus(bus)
        .stopping(relay);
    Ok(App { app, provider })
}

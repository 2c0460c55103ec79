//! [`ServiceScaffold`]: one service's API routes in the server stack, next to its health,
//! metrics and admin routes.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use seawall::chaos::{FaultHandle, RequestHead};

use super::ServerError;
use super::admin::{AdminState, admin_router};
use super::fallback::method_not_allowed;
use super::health::{Readiness, ReadinessCheck, health_router};
use super::stack::{ServerStack, ServerStackBuilder};
use crate::config::{Secret, ServiceConfig};

/// Assembles the whole router of a service from its API routes; see the
/// [module docs](super) for what it serves.
///
/// ```no_run
/// # async fn example(
/// #     storage: impl shop_kit::server::ReadinessCheck,
/// # ) -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, routing::get};
/// use shop_kit::config::{ServiceConfig, ShopService};
/// use shop_kit::server::{ServiceScaffold, serve};
///
/// let config = ServiceConfig::load(ShopService::Products)?;
/// let api = Router::new().route("/products", get(|| async { "[]" }));
/// let router = ServiceScaffold::new(&config)
///     .readiness_check(storage) // a `shop_kit::storage::Storage`
///     .build(api)?;
/// serve(router, config.bind, async { /* wait for a signal */ }).await?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct ServiceScaffold {
    service_name: &'static str,
    admin_token: Secret,
    stack: ServerStackBuilder,
    readiness: Readiness,
    admin_state: Option<Arc<dyn AdminState>>,
    admin_faults: Option<FaultHandle>,
    #[cfg(feature = "openapi")]
    openapi: Option<Router>,
}

impl fmt::Debug for ServiceScaffold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceScaffold")
            .field("service_name", &self.service_name)
            .field("stack", &self.stack)
            .field("readiness", &self.readiness)
            .field("admin_state", &self.admin_state.is_some())
            .field("admin_faults", &self.admin_faults.is_some())
            .finish_non_exhaustive()
    }
}

impl ServiceScaffold {
    /// A scaffold for `config`'s service, guarded by its admin token, with the default
    /// limits and no readiness check.
    pub fn new(config: &ServiceConfig) -> Self {
        let service_name = config.service.name();
        ServiceScaffold {
            service_name,
            admin_token: config.admin_token.clone(),
            stack: ServerStack::builder(service_name),
            readiness: Readiness::new(),
            admin_state: None,
            admin_faults: None,
            #[cfg(feature = "openapi")]
            openapi: None,
        }
    }

    /// Adds a check to `GET /health/ready`, such as the service's
    /// `Storage` (with the `storage` feature).
    pub fn readiness_check(mut self, check: impl ReadinessCheck) -> Self {
        self.readiness = self.readiness.with_check(check);
        self
    }

    /// What `GET /admin/state` reports under `state`.
    pub fn admin_state(mut self, state: impl AdminState) -> Self {
        self.admin_state = Some(Arc::new(state));
        self
    }

    /// The faults `/admin/faults[/{name}]` controls (and `GET /admin/state` lists) instead
    /// of the stack's own: for a service whose faults belong elsewhere, such as payments,
    /// whose named faults act on its simulated provider's client chaos layer. The stack's
    /// fault layer then stays in place with no admin route to it.
    pub fn admin_faults(mut self, faults: FaultHandle) -> Self {
        self.admin_faults = Some(faults);
        self
    }

    /// Serves `document` at `GET /openapi.json`, outside the stack like the health routes
    /// (see [`openapi_router`](crate::openapi::openapi_router)).
    #[cfg(feature = "openapi")]
    pub fn openapi(mut self, document: &utoipa::openapi::OpenApi) -> Self {
        self.openapi = Some(crate::openapi::openapi_router(document));
        self
    }

    /// The largest request body accepted; see [`ServerStackBuilder::body_limit`].
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.stack = self.stack.body_limit(bytes);
        self
    }

    /// The longest a request may take; see [`ServerStackBuilder::request_timeout`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.stack = self.stack.request_timeout(timeout);
        self
    }

    /// The entity faults can match on; see [`ServerStackBuilder::fault_entity`].
    pub fn fault_entity<F>(mut self, extract: F) -> Self
    where
        F: Fn(&RequestHead<'_>) -> Option<String> + Send + Sync + 'static,
    {
        self.stack = self.stack.fault_entity(extract);
        self
    }

    /// Puts `api` in the [`ServerStack`] and adds `/health/*`, `/metrics`, `/admin/*` (and
    /// `/openapi.json` when given),
    /// which stay outside the stack: faults never hit them and they are not in the request
    /// metrics.
    ///
    /// Installs the process-wide Prometheus recorder on first use (shared by every service of
    /// the process). `api` must not have a fallback, nor routes under `/health`, `/metrics` or
    /// `/admin`.
    pub fn build(self, api: Router) -> Result<Router, ServerError> {
        self.build_with_faults(api).map(|(router, _)| router)
    }

    /// [`build`](Self::build), also returning the faults `/admin/faults` controls, for a
    /// service that applies them beyond its HTTP routes too (its event consumer, with
    /// `shop_kit::bus::FaultedHandler`).
    pub fn build_with_faults(self, api: Router) -> Result<(Router, FaultHandle), ServerError> {
        let parts = self.build_parts()?;
        let router = parts.stack.wrap(api).merge(parts.operations);
        Ok((router, parts.faults))
    }

    /// The pieces [`build_with_faults`](Self::build_with_faults) assembles, for a service
    /// that routes its API requests itself (the gateway): the server stack, to put around
    /// its API service with [`ServerStack::layer`], and the health, metrics and admin
    /// routes, which stay outside it.
    pub fn build_parts(self) -> Result<ScaffoldParts, ServerError> {
        let metrics =
            seawall_telemetry::install_prometheus_recorder().map_err(ServerError::Metrics)?;
        let stack = self.stack.build()?;
        let operations =
            health_router(self.readiness).merge(seawall_telemetry::metrics_router(metrics));
        #[cfg(feature = "openapi")]
        let operations = match self.openapi {
            Some(openapi) => operations.merge(openapi),
            None => operations,
        };
        let operations = operations.method_not_allowed_fallback(method_not_allowed);
        let faults = self.admin_faults.unwrap_or_else(|| stack.faults());
        let admin = admin_router(
            self.service_name,
            self.admin_token,
            faults.clone(),
            self.admin_state,
        );
        Ok(ScaffoldParts {
            stack,
            operations: operations.merge(admin),
            faults,
        })
    }
}

/// What [`ServiceScaffold::build_parts`] returns.
#[derive(Debug)]
pub struct ScaffoldParts {
    /// The server stack of the API routes.
    pub stack: ServerStack,
    /// `/health/*`, `/metrics`, `/admin/*` (and `/openapi.json` when given): outside the
    /// stack, without a fallback.
    pub operations: Router,
    /// The faults `/admin/faults` controls.
    pub faults: FaultHandle,
}

//! [`ServerStack`]: the layers every shop service puts around its API routes.

use std::fmt;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use seawall::chaos::{ChaosBuilder, ChaosLayer, FaultHandle, RequestHead};
use seawall::deadline::DeadlineLayer;
use seawall::metrics::HttpMetricsLayer;
use seawall::trace::HttpTraceLayer;
use tower::layer::util::{Identity, Stack};
use tower::{Layer, ServiceBuilder};

use super::ServerError;
use super::fallback::{method_not_allowed, route_not_found};
use super::guard::ProblemGuardLayer;

/// The largest request body a service accepts unless configured otherwise: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The longest a request may take unless configured otherwise, whatever its caller allows.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The server layers of one service, applied to its API router by [`ServerStack::wrap`].
///
/// Outermost first, every API request passes through:
///
/// 1. trace ([`HttpTraceLayer::server`]): a span `{METHOD} {route}` parented on the caller's
///    `traceparent`;
/// 2. metrics ([`HttpMetricsLayer::server`]): `http_server_request_duration_seconds` and
///    `http_server_active_requests`, labelled with the route template;
/// 3. the request body limit on the declared `Content-Length`: `413` problem+json; and the
///    empty answers of the layers below (504 deadline, injected aborts) get an
///    `application/problem+json` body, keeping their status, headers and
///    [`Rejection`](seawall::Rejection) (one hand-written layer: axum's `from_fn` and
///    `map_response` would box a clone of the inner service and the future per request);
/// 4. a body without a length is cut off at the same limit when a handler reads it;
/// 5. deadline ([`DeadlineLayer::server`]): the caller's `x-seawall-timeout-ms`, capped by the
///    request timeout; `504` when it passes;
/// 6. fault injection ([`ChaosLayer`]), controlled through [`ServerStack::faults`] or the
///    admin routes;
/// 7. the routes, and a `404` (unknown path) or `405` (wrong method) problem+json fallback.
///
/// Clones share the fault set.
#[derive(Clone)]
pub struct ServerStack {
    service_name: &'static str,
    body_limit: usize,
    deadline: DeadlineLayer,
    chaos: ChaosLayer,
}

impl fmt::Debug for ServerStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerStack")
            .field("service_name", &self.service_name)
            .field("body_limit", &self.body_limit)
            .field("request_timeout", &self.deadline.timeout())
            .finish_non_exhaustive()
    }
}

impl ServerStack {
    /// Starts a stack for the service named `service_name` (the `service_name` label of its
    /// metrics and the name of its spans' service).
    pub fn builder(service_name: &'static str) -> ServerStackBuilder {
        ServerStackBuilder {
            service_name,
            body_limit: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            chaos: ChaosLayer::builder().service_name(service_name),
        }
    }

    /// The service name the stack labels everything with.
    pub fn service_name(&self) -> &'static str {
        self.service_name
    }

    /// The largest request body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Runtime control of the faults injected into the API routes.
    pub fn faults(&self) -> FaultHandle {
        self.chaos.handle()
    }

    /// Puts `api` behind the stack, with the 404/405 problem fallbacks.
    ///
    /// `api` must not have a fallback of its own.
    pub fn wrap(&self, api: Router) -> Router {
        // One `Router::layer` call with the whole stack: each call boxes every route again,
        // and a request clones its route with every box inside it (an allocation per box
        // per request: 21 of the gateway's ~100 with a call per layer).
        api.method_not_allowed_fallback(method_not_allowed)
            .fallback(route_not_found)
            .layer(self.layer())
    }

    /// The stack as one layer, for a service that routes its requests itself and labels
    /// each with a [`RouteTemplate`](seawall::metrics::RouteTemplate), as the gateway
    /// does: around a whole service, the layers are not cloned per request as they are
    /// around each route of a router ([`wrap`](Self::wrap)).
    pub fn layer(&self) -> ServerLayer {
        ServerLayer(
            ServiceBuilder::new()
                .layer(HttpTraceLayer::server(self.service_name))
                .layer(HttpMetricsLayer::server(self.service_name))
                .layer(ProblemGuardLayer::new(self.body_limit))
                .layer(DefaultBodyLimit::max(self.body_limit))
                .layer(self.deadline)
                .layer(self.chaos.clone())
                .into_inner(),
        )
    }
}

/// The layers of a [`ServerStack`], outermost first; see [`ServerStack::layer`].
#[derive(Clone)]
pub struct ServerLayer(Layers);

type Layers = Stack<
    ChaosLayer,
    Stack<
        DeadlineLayer,
        Stack<
            DefaultBodyLimit,
            Stack<ProblemGuardLayer, Stack<HttpMetricsLayer, Stack<HttpTraceLayer, Identity>>>,
        >,
    >,
>;

impl<S> Layer<S> for ServerLayer {
    type Service = <Layers as Layer<S>>::Service;

    fn layer(&self, inner: S) -> Self::Service {
        self.0.layer(inner)
    }
}

impl fmt::Debug for ServerLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerLayer").finish_non_exhaustive()
    }
}

/// Builds a [`ServerStack`], checking its limits.
#[must_use]
pub struct ServerStackBuilder {
    service_name: &'static str,
    body_limit: usize,
    request_timeout: Duration,
    chaos: ChaosBuilder<ChaosLayer>,
}

impl fmt::Debug for ServerStackBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerStackBuilder")
            .field("service_name", &self.service_name)
            .field("body_limit", &self.body_limit)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl ServerStackBuilder {
    /// The largest request body accepted, in bytes; [`DEFAULT_BODY_LIMIT`] unless set.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The longest any request may take, whatever its caller's deadline allows;
    /// [`DEFAULT_REQUEST_TIMEOUT`] unless set.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How to find the entity a request is about (a product id), for faults that match on
    /// `entity` such as `productFailure`.
    pub fn fault_entity<F>(mut self, extract: F) -> Self
    where
        F: Fn(&RequestHead<'_>) -> Option<String> + Send + Sync + 'static,
    {
        self.chaos = self.chaos.entity(extract);
        self
    }

    /// Checks the limits and builds the stack.
    pub fn build(self) -> Result<ServerStack, ServerError> {
        if self.body_limit == 0 {
            return Err(ServerError::ZeroBodyLimit);
        }
        let deadline = DeadlineLayer::server()
            .timeout(self.request_timeout)
            .service_name(self.service_name)
            .build()
            .map_err(ServerError::RequestTimeout)?;
        let chaos = self.chaos.build().map_err(ServerError::Chaos)?;
        Ok(ServerStack {
            service_name: self.service_name,
            body_limit: self.body_limit,
            deadline,
            chaos,
        })
    }
}

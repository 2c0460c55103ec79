//! [`build`]: the whole gateway from its settings, and [`App`] to serve it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::{Router, ServiceExt as _};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use shop_kit::auth::TokenVerifier;
use shop_kit::config::ServiceConfig;
use shop_kit::server::{ServerError, ServerLayer, ServiceScaffold};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::Layer;

use crate::admin::FaultFanOut;
use crate::balance::Upstreams;
use crate::balance::discovery::{Discovery, Resolve, SystemResolver};
use crate::balance::health::{self, CheckClient};
use crate::cache::{Cache, CacheError};
use crate::config::{ConfigError, Discover, GatewayConfig};
use crate::detail::Detail;
use crate::front::{Front, FrontService};
use crate::headers::AdminCredential;
use crate::pipeline::{self, Transport};
use crate::proxy::Proxy;
use crate::route::Route;
use crate::routing::RouteTable;
use crate::state::Gateway;

/// How often the rate limiters forget callers whose limit is full again.
const LIMITER_SWEEP: Duration = Duration::from_secs(60);

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The routes and upstreams do not work.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The Redis cache is unreachable.
    #[error("gateway cache: {0}")]
    Cache(#[from] CacheError),
    /// The server scaffolding could not be assembled.
    #[error("gateway server: {0}")]
    Server(#[from] ServerError),
}

/// The whole gateway: the front, the API behind the server stack, and the router of the
/// other paths.
pub type GatewayService = FrontService<<ServerLayer as Layer<Proxy>>::Service, Router>;

/// The gateway, built: its service (the front and the router), its address, and its
/// background tasks (health checks), which stop when it stops.
#[derive(Debug)]
pub struct App {
    service: GatewayService,
    bind: SocketAddr,
    tasks: JoinSet<()>,
    gateway: Arc<Gateway>,
}

/// Builds the gateway of `config` (address, secrets) with the routes of `gateway`, and
/// starts its health checks and DNS discovery (with the system resolver). Call it inside a
/// Tokio runtime.
///
/// # Errors
///
/// [`BuildError`]: a configuration the layers refuse, an unreachable Redis, the scaffolding.
pub async fn build(config: &ServiceConfig, gateway: &GatewayConfig) -> Result<App, BuildError> {
    build_with_resolver(config, gateway, Arc::new(SystemResolver)).await
}

/// [`build`], with the upstreams of `discover = "dns"` resolved by `resolver`.
///
/// # Errors
///
/// As [`build`].
pub async fn build_with_resolver(
    config: &ServiceConfig,
    gateway: &GatewayConfig,
    resolver: Arc<dyn Resolve>,
) -> Result<App, BuildError> {
    gateway.validate()?;
    let upstreams = Upstreams::from_config(gateway)?;
    let transport = Transport::from(
        Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build_http(),
    );
    let budget = pipeline::retry_budget()?;
    let mut routes = Vec::with_capacity(gateway.routes.len());
    for route in &gateway.routes {
        let built = Route::build(route, &upstreams, transport.clone(), budget.clone())?;
        routes.push((route.prefix.clone(), Arc::new(built)));
    }
    let table = RouteTable::new(routes);
    let detail = match &gateway.product_detail {
        Some(detail) => {
            let products = table.iter().find(|r| r.prefix() == detail.route).cloned();
            let reviews = table.find(&format!("{}/0/reviews", detail.route)).cloned();
            match (products, reviews) {
                (Some(products), Some(reviews)) if !Arc::ptr_eq(&products, &reviews) => {
                    Some(Detail::new(
                        &detail.route,
                        products,
                        reviews,
                        Duration::from_millis(detail.reviews_timeout_ms),
                    ))
                }
                _ => {
                    return Err(ConfigError::invalid(
                        "product_detail.route",
                        format!(
                            "needs a route for {0} and another for {0}/{{id}}/reviews",
                            detail.route
                        ),
                    )
                    .into());
                }
            }
        }
        None => None,
    };
    let cache = Cache::new(&gateway.cache).await?;
    let admin = AdminCredential::new(config.admin_token.clone());
    let state = Arc::new(Gateway::new(
        table,
        TokenVerifier::new(&config.jwt_secret),
        admin.clone(),
        cache,
        detail,
        gateway.body_limit_bytes,
    ));

    let mut tasks = JoinSet::new();
    let checks = CheckClient::new();
    for (name, upstream_config) in &gateway.upstreams {
        let Some(upstream) = upstreams.get(name) else {
            continue;
        };
        match upstream_config.discover {
            Discover::Static => {
                health::spawn_checks(upstream, &checks, gateway.health, &mut tasks);
            }
            // Discovery runs the checks of the instances it finds.
            Discover::Dns => {
                let names = upstream
                    .endpoints()
                    .iter()
                    .map(|e| e.authority().clone())
                    .collect();
                let discovery = Discovery::new(
                    Arc::clone(upstream),
                    names,
                    upstream_config.discover_interval(),
                    Arc::clone(&resolver),
                    gateway.health,
                    checks.clone(),
                );
                tasks.spawn(discovery.run());
            }
        }
    }
    let sweeper = Arc::clone(&state);
    tasks.spawn(async move {
        loop {
            tokio::time::sleep(LIMITER_SWEEP).await;
            for route in sweeper.routes().iter() {
                if let Some(limits) = route.limits() {
                    limits.retain_recent();
                }
            }
        }
    });

    let parts = ServiceScaffold::new(config)
        .body_limit(gateway.body_limit_bytes)
        .request_timeout(gateway.request_timeout())
        .build_parts()?;
    let api = parts.stack.layer().layer(Proxy::new(Arc::clone(&state)));
    let rest = parts.stack.wrap(Router::new()).merge(parts.operations);
    // The fan-out stands in front of the scaffold's own `/admin/faults`, which it reaches
    // as the instance `gateway/self`.
    let fanout = Arc::new(FaultFanOut::new(upstreams.clone(), parts.faults, admin));
    let service = Front::new(Arc::clone(&state), fanout).service(api, rest);
    Ok(App {
        service,
        bind: config.bind,
        tasks,
        gateway: state,
    })
}

impl App {
    /// The whole gateway as a service: the front, then the router with the API, health,
    /// metrics and admin routes.
    pub fn service(&self) -> GatewayService {
        self.service.clone()
    }

    /// The configured listening address.
    pub fn bind(&self) -> SocketAddr {
        self.bind
    }

    /// The shared state (routes, breakers), for inspection.
    pub fn gateway(&self) -> &Arc<Gateway> {
        &self.gateway
    }

    /// Serves on the configured address until `shutdown_signal`; see [`App::serve_on`].
    ///
    /// # Errors
    ///
    /// [`ServerError::Bind`] when the address cannot be bound, [`ServerError::Serve`].
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let listener = shop_kit::server::bind(self.bind).await?;
        self.serve_on(listener, shutdown_signal).await
    }

    /// Serves on `listener` until `shutdown_signal`, answers the requests in flight, then
    /// stops the health checks. Unlike the services, the gateway needs each connection's
    /// peer address (the per-client rate limit), so it serves with connect info.
    ///
    /// # Errors
    ///
    /// [`ServerError::Serve`] when the server fails.
    pub async fn serve_on(
        mut self,
        listener: TcpListener,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let address = listener.local_addr().map_err(ServerError::Serve)?;
        tracing::info!(%address, "gateway listening");
        let served = axum::serve(
            listener,
            self.service
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal)
        .await
        .map_err(ServerError::Serve);
        self.tasks.abort_all();
        tracing::info!(%address, "gateway stopped after answering every request in flight");
        served
    }
}

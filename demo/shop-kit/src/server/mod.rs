//! What every shop service mounts: health, metrics and admin routes, and the server layer
//! stack around its API.
//!
//! [`ServiceScaffold::build`] turns a service's API router into the router it serves:
//!
//! | route | answer |
//! |---|---|
//! | the API routes | behind the [`ServerStack`]: trace, metrics, body limit (413), deadline (504), fault injection, 404/405 fallbacks, every error `application/problem+json` |
//! | `GET /health/live` | `200 {"status":"live"}` while the process serves |
//! | `GET /health/ready` | `200 {"status":"ready","checks":{...}}` when every [`ReadinessCheck`] passes, else a `503` problem naming the failed checks |
//! | `GET /metrics` | the Prometheus exposition of the process-wide recorder (`seawall-telemetry`) |
//! | `/admin/faults[/{name}]`, `GET /admin/state` | the fault API and the service's [`AdminState`], behind `Authorization: Bearer <admin token>` ([`admin_router`]) |
//! | `/admin/faults/instanceDown` | the connection fault [`INSTANCE_DOWN`]: the instance refuses every connection until it expires |
//!
//! Health, metrics and admin routes stay outside the stack, so an injected fault never
//! locks out the operator or the scraper.
//!
//! [`serve`] runs the router until a shutdown signal and lets requests in flight finish; it
//! also honours [`INSTANCE_DOWN`], which makes the whole instance look dead for a while
//! (its listener closed, so connections are refused) and then brings it back by itself.
//!
//! # Example
//!
//! ```
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use shop_kit::config::{ServiceConfig, ShopService};
//! use shop_kit::server::ServiceScaffold;
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let env = [("SHOP_ADMIN_TOKEN", "an-admin-token-for-the-example")];
//! let config = ServiceConfig::from_sources(ShopService::Products, env, None)?;
//! let api = Router::new().route("/products", get(|| async { "[]" }));
//! let router = ServiceScaffold::new(&config).build(api)?;
//!
//! let unknown = Request::get("/nothing-here").body(Body::empty())?;
//! let response = router.clone().oneshot(unknown).await?;
//! assert_eq!(response.status(), 404);
//! assert_eq!(response.headers()["content-type"], "application/problem+json");
//!
//! let faults = Request::get("/admin/faults").body(Body::empty())?;
//! assert_eq!(router.oneshot(faults).await?.status(), 401);
//! # Ok(()) }
//! ```

mod admin;
mod admin_auth;
#[cfg(feature = "storage")]
mod background;
mod body_limit;
mod error;
mod fallback;
mod guard;
mod health;
mod instance_down;
mod rejection;
mod scaffold;
mod serve;
mod stack;
#[cfg(feature = "storage")]
mod stored_app;

pub use admin::{AdminState, admin_router, admin_routes};
#[cfg(feature = "storage")]
pub use background::Background;
pub use error::ServerError;
pub use health::{
    NotReady, READINESS_CHECK_TIMEOUT, Readiness, ReadinessCheck, ReadinessReport, health_router,
};
pub use instance_down::INSTANCE_DOWN;
pub use rejection::REJECTION_PROBLEM_TYPE;
pub use scaffold::{ScaffoldParts, ServiceScaffold};
pub use serve::{bind, serve, serve_on};
pub use stack::{
    DEFAULT_BODY_LIMIT, DEFAULT_REQUEST_TIMEOUT, ServerLayer, ServerStack, ServerStackBuilder,
};
#[cfg(feature = "storage")]
pub use stored_app::StoredApp;

//! The API gateway of the seawall demo shop: its single entry point, on port 8080.
//!
//! Every request under `/api` goes through, in order:
//!
//! 1. [`front`]: a request id (the caller's `x-request-id` when sane, else a new one,
//!    returned on the response); the internal headers stripped ([`headers`]): the user id
//!    always, seawall's fault, deadline and no-retry headers unless the caller presents the
//!    admin token in `x-shop-admin-token`; the route's template set for metrics and spans;
//!    `/admin/faults[/{name}]` answered by the [`admin`] fan-out to every instance;
//! 2. shop-kit's server stack: trace, metrics, the body limit (413), the request deadline
//!    (504), fault injection; the [`access_log`] around the rest;
//! 3. [`routing`]: the most specific configured prefix; 404 problem+json when none;
//! 4. [`auth`]: the JWT verified (signature, expiry, audience, issuer) as the route asks;
//!    401 problem+json when missing or invalid; the user id forwarded in `x-shop-user-id`;
//! 5. [`limit`]: per client address and per user, 429 with `Retry-After` and
//!    `RateLimit-*` headers;
//! 6. [`detail`] for `GET /api/products/{id}` (the product with its reviews, degrading
//!    without them), or else:
//! 7. [`split`]: header-matched canary, weighted upstreams, a migration that rolls back;
//! 8. the route's [`pipeline`]: deadline, retry, [`balance`] (p2c, health checks,
//!    per-instance breakers, DNS discovery of instances), the pooled client; prefix
//!    rewritten ([`routing::rewrite`]);
//! 9. [`errors`]: refused connections 502, timeouts 504, open circuits and no available
//!    instance 503 with `Retry-After`, all problem+json.
//!
//! The routes, upstreams and policies come from TOML ([`config`]); [`config::DEFAULT_CONFIG`]
//! serves the shop of `shop up`.
//!
//! ```no_run
//! # async fn example(
//! #     shutdown_signal: impl std::future::Future<Output = ()> + Send + 'static,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use gateway::config::ShopUpstreams;
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::load(ShopService::Gateway)?;
//! let routes = ShopUpstreams::new()
//!     .instances("products", vec!["http://127.0.0.1:8082".into(), "http://127.0.0.1:8182".into()])
//!     .config()?;
//! let app = gateway::build(&config, &routes).await?;
//! app.serve(shutdown_signal).await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod access_log;
pub mod admin;
mod app;
pub mod auth;
pub mod balance;
pub mod body;
pub mod cache;
pub mod config;
pub mod detail;
pub mod errors;
pub mod front;
pub mod headers;
pub mod limit;
pub mod pipeline;
pub mod proxy;
pub mod route;
pub mod routing;
pub mod split;
pub mod state;
pub mod telemetry;

pub use app::{App, BuildError, build, build_with_resolver};

//! The orders service of the seawall demo shop: the order saga.
//!
//! - `POST /orders` `{"product_id","quantity"}`: places an order of the token's user and
//!   runs its [`saga`]: check user → read product → reserve stock (products) → charge
//!   (payments) → confirm. Each step is logged before and after it runs; a failure, or the
//!   saga's deadline, is compensated in reverse (refund, release the stock, cancel). The
//!   answer is `201` with the completed order, or a problem after compensation: `409` out
//!   of stock, `402` declined, `503` unavailable. A repeated `Idempotency-Key` answers the
//!   first order's result.
//! - `GET /orders/{id}`: the caller's own order with its saga log.
//! - `GET /openapi.json`: the OpenAPI 3.1 document of these routes ([`openapi`]).
//!
//! `order.completed` (`{order_id, user_id, total, currency}`) and `order.cancelled`
//! (`{order_id, user_id, reason}`) go through a transactional outbox ([`events`]). At
//! start-up, orders a stopped process left `pending` or `compensating` are confirmed or
//! compensated ([`saga::recovery`]); while the service runs, a periodic sweep does the same
//! for sagas stuck longer than a configurable age ([`saga::sweep`], [`saga::SagaSettings`]).
//! `/admin/state` and `/admin/orders` report the orders for `shop check` ([`admin`]).
//! `/admin/faults` controls the server stack's faults and the saga's
//! `ordersCrashMidSaga` ([`faults`]).
//! The saga counts orders by outcome, compensations by step and recovered sagas in
//! Prometheus ([`saga::metrics`]; METRICS.md, "Orders").
//!
//! [`router`] lists the API; [`build`] makes the whole service for the `shop` launcher. It
//! listens on port 8083 unless configured otherwise, on SQLite by default or PostgreSQL
//! when given a `postgres://` URL (see [`shop_kit::config`]); the products and payments
//! URLs come with [`OrdersDeps`].
//!
//! ```no_run
//! # async fn example(
//! #     shutdown_signal: impl std::future::Future<Output = ()> + Send + 'static,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::load(ShopService::Orders)?;
//! let bus = shop_kit::bus::connect(&config.bus).await?;
//! let app = orders::build(&config, orders::OrdersDeps::local(bus)).await?;
//! app.serve(shutdown_signal).await?; // e.g. tokio::signal::ctrl_c()
//! # Ok(()) }
//! ```

pub mod admin;
mod app;
pub mod downstream;
mod error;
pub mod events;
pub mod faults;
mod handlers;
pub mod migrations;
pub mod model;
pub mod repository;
mod routes;
pub mod saga;
mod state;

pub use app::{App, BODY_LIMIT, BuildError, OrdersDeps, build, build_with};
pub use error::{
    ORDER_ABANDONED_PROBLEM, ORDER_FAILED_PROBLEM_PREFIX, ORDER_IN_PROGRESS_PROBLEM, OrdersError,
};
pub use routes::{openapi, router};
pub use state::OrdersState;

//! The products service of the seawall demo shop: the catalog and its stock.
//!
//! - a seeded catalog of 24 products with stable UUIDv5 ids (the table is in [`catalog`]);
//! - `GET /products` (paginated) and `GET /products/{id}`;
//! - `POST /products/{id}/reservations`: reserves stock for an order atomically (one
//!   transaction, a conditional `UPDATE`) and at most once per order;
//! - `DELETE /products/{id}/reservations/{order_id}`: gives it back, once.
//!
//! [`router`] lists the API; [`build`] makes the whole service (database, seed, the
//! shop-kit server stack, health, metrics and admin routes) for the `shop` launcher. It
//! listens on port 8082 unless configured otherwise, on SQLite by default or PostgreSQL
//! when given a `postgres://` URL (see [`shop_kit::config`]).
//!
//! ```no_run
//! # async fn example(
//! #     shutdown_signal: impl std::future::Future<Output = ()> + Send + 'static,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::load(ShopService::Products)?;
//! let app = products::build(&config).await?;
//! app.serve(shutdown_signal).await?; // e.g. tokio::signal::ctrl_c()
//! # Ok(()) }
//! ```

pub mod admin_reports;
mod admin_state;
mod app;
pub mod catalog;
mod error;
pub mod faults;
mod handlers;
pub mod migrations;
pub mod model;
pub mod repository;
mod request;
mod routes;

pub use admin_state::ProductsAdminState;
pub use app::{App, BODY_LIMIT, BuildError, build};
pub use error::{OUT_OF_STOCK_PROBLEM, ProductsError, RESERVATION_CONFLICT_PROBLEM};
pub use routes::{openapi, router};

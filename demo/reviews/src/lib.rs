//! The reviews service of the seawall demo shop: per-product reviews, the non-critical
//! dependency the gateway can do without (a product detail falls back to no reviews, marked
//! degraded, when this service fails).
//!
//! - `GET /products/{product_id}/reviews?limit=&offset=`: one page of a product's reviews,
//!   newest first, with their total and average rating; public.
//! - `POST /products/{product_id}/reviews` `{"rating","text"}`: the caller's review of the
//!   product, for a valid bearer token ([`shop_kit::auth`]). A user reviews a product once:
//!   the table's unique constraint on `(product_id, user_id)` refuses a second review (409),
//!   so concurrent posts cannot both succeed.
//!
//! The service does not check that the product exists: reviews stays independent of the
//! products service (it keeps working when products is down, and products never waits on
//! it). A review of an unknown product id is stored and listed like any other; the gateway
//! only shows reviews next to products it found.
//!
//! [`router`] lists the API; [`build`] makes the whole service (database, the shop-kit server
//! stack, health, metrics and admin routes) for the `shop` launcher. It listens on port 8086
//! unless configured otherwise, on SQLite by default or PostgreSQL when given a
//! `postgres://` URL (see [`shop_kit::config`]).
//!
//! ```no_run
//! # async fn example(
//! #     shutdown_signal: impl std::future::Future<Output = ()> + Send + 'static,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::load(ShopService::Reviews)?;
//! let app = reviews::build(&config).await?;
//! app.serve(shutdown_signal).await?; // e.g. tokio::signal::ctrl_c()
//! # Ok(()) }
//! ```

mod admin_state;
mod app;
mod error;
mod handlers;
pub mod migrations;
pub mod model;
pub mod repository;
mod request;
mod routes;
mod state;
pub mod validation;

pub use admin_state::ReviewsAdminState;
pub use app::{App, BODY_LIMIT, BuildError, build};
pub use error::{REVIEW_EXISTS_PROBLEM, ReviewsError};
pub use routes::{openapi, router};
pub use state::ReviewsState;

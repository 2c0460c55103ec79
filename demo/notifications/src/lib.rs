//! The notifications service of the seawall demo shop: consumes the shop's events and keeps
//! a per-user inbox.
//!
//! - The consumer [`CONSUMER`] (`notifications`) is subscribed to `user.created`,
//!   `order.completed`, `order.cancelled`, `payment.completed` and `payment.refunded` (the
//!   payload fields it reads are listed in [`events`]). Each event becomes one notification
//!   for the user its payload names, with a title and body for its kind. Delivery is at
//!   least once, so the consumer is idempotent: in one transaction it records the event id in
//!   `processed_events` and stores the notification, and an id already recorded is
//!   acknowledged without doing anything. An event without a usable `user_id` fails, is
//!   retried by the bus and then dead-lettered.
//! - `GET /notifications?limit=&offset=`: the caller's own inbox, newest first.
//! - `POST /notifications/{id}/read`: marks one of the caller's notifications read.
//!
//! [`router`] lists the API; [`build`] makes the whole service (database, consumer, the
//! shop-kit server stack, health, metrics and admin routes) for the `shop` launcher. It
//! listens on port 8085 unless configured otherwise, on SQLite by default or PostgreSQL when
//! given a `postgres://` URL, with the in-process bus unless given an `amqp://` URL (see
//! [`shop_kit::config`]).
//!
//! ```no_run
//! # async fn example(
//! #     shutdown_signal: impl std::future::Future<Output = ()> + Send + 'static,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::load(ShopService::Notifications)?;
//! let app = notifications::build(&config).await?;
//! app.serve(shutdown_signal).await?; // e.g. tokio::signal::ctrl_c()
//! # Ok(()) }
//! ```

pub mod admin_reports;
mod admin_state;
mod app;
mod consumer;
mod error;
pub mod events;
pub mod faults;
mod handlers;
pub mod migrations;
pub mod model;
pub mod repository;
mod request;
mod routes;
mod state;

pub use admin_state::NotificationsAdminState;
pub use app::{App, BODY_LIMIT, BuildError, build, build_with_bus};
pub use consumer::{CONSUMER, subscribe};
pub use error::NotificationsError;
pub use routes::{openapi, router};
pub use state::NotificationsState;

//! The payments service of the seawall demo shop: charges and refunds, each at most once
//! per order.
//!
//! - `POST /payments`: charges an order through the payment provider, idempotent per
//!   order id (one row per order, one provider call at a time; see [`processor`] for the
//!   state machine);
//! - `POST /payments/{order_id}/refund`: refunds it, once;
//! - `GET /payments?order_id=` and `GET /payments/{id}`: a payment, only to the user who
//!   pays it (`Authorization: Bearer <token>`; someone else's is a 404);
//! - `GET /openapi.json`: the OpenAPI 3.1 document of these routes ([`openapi`]).
//!
//! Charges and refunds publish `payment.completed` and `payment.refunded` through a
//! transactional outbox ([`events`]). The provider is simulated in process, behind
//! seawall's client chaos layer, so the named faults `paymentFailure`,
//! `paymentUnreachable` and `paymentSlow` ([`faults`]) act on it. The service's
//! `/admin/faults[/{name}]` routes control the provider's faults ([`App::faults`]), not
//! the server-side fault layer of the shop-kit stack (see [`build_with`]).
//!
//! [`router`] lists the API; [`build`] makes the whole service (database, outbox relay,
//! provider, the shop-kit server stack, health, metrics and admin routes) for the `shop`
//! launcher. It listens on port 8084 unless configured otherwise, on SQLite by default or
//! PostgreSQL when given a `postgres://` URL (see [`shop_kit::config`]).
//!
//! ```no_run
//! # async fn example(
//! #     shutdown_signal: impl std::future::Future<Output = ()> + Send + 'static,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::load(ShopService::Payments)?;
//! let app = payments::build(&config).await?;
//! app.serve(shutdown_signal).await?; // e.g. tokio::signal::ctrl_c()
//! # Ok(()) }
//! ```

pub mod admin_reports;
mod admin_state;
mod app;
mod error;
pub mod events;
pub mod faults;
mod handlers;
pub mod migrations;
pub mod model;
pub mod processor;
pub mod provider;
pub mod repository;
mod request;
mod routes;
mod state;

pub use admin_state::PaymentsAdminState;
pub use app::{App, BODY_LIMIT, BuildError, BuildOptions, build, build_with};
pub use error::{
    PAYMENT_CONFLICT_PROBLEM, PAYMENT_DECLINED_PROBLEM, PAYMENT_IN_PROGRESS_PROBLEM,
    PROVIDER_UNAVAILABLE_PROBLEM, PaymentsError, REFUND_REFUSED_PROBLEM,
};
pub use routes::{openapi, router};
pub use state::PaymentsState;

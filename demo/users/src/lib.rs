//! The users service of the seawall demo shop: accounts, login and profiles.
//!
//! - `POST /users`: registers an account. The username and email are validated and stored
//!   lower-case, unique by the table's constraints (409 when taken); the password is hashed
//!   with argon2id and a random salt ([`password`]); the `user.created` event
//!   (`{user_id, username, email}`) is written to the outbox in the same transaction and
//!   published by the relay.
//! - `POST /auth/login`: answers a JWT signed with the shared secret ([`shop_kit::auth`]);
//!   unknown emails and wrong passwords get the same 401 after the same argon2 work.
//! - `GET /users/{id}`: the caller's own profile, for a valid bearer token.
//!
//! [`router`] lists the API; [`build`] makes the whole service (database, outbox relay, the
//! shop-kit server stack, health, metrics and admin routes) for the `shop` launcher. It
//! listens on port 8081 unless configured otherwise, on SQLite by default or PostgreSQL when
//! given a `postgres://` URL, with the in-process bus unless given an `amqp://` URL (see
//! [`shop_kit::config`]).
//!
//! Passwords and their hashes are never logged: the request types and [`repository::Credentials`]
//! leave them out of their `Debug` output.
//!
//! ```no_run
//! # async fn example(
//! #     shutdown_signal: impl std::future::Future<Output = ()> + Send + 'static,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::config::{ServiceConfig, ShopService};
//!
//! let config = ServiceConfig::load(ShopService::Users)?;
//! let app = users::build(&config).await?;
//! app.serve(shutdown_signal).await?; // e.g. tokio::signal::ctrl_c()
//! # Ok(()) }
//! ```

mod admin_state;
mod app;
mod error;
pub mod faults;
mod handlers;
pub mod migrations;
pub mod model;
pub mod password;
pub mod repository;
mod request;
mod routes;
mod state;
pub mod validation;

pub use admin_state::UsersAdminState;
pub use app::{App, BODY_LIMIT, BuildError, build, build_with_bus};
pub use error::{INVALID_CREDENTIALS_PROBLEM, USER_EXISTS_PROBLEM, UsersError};
pub use routes::{openapi, router};
pub use state::UsersState;

//! What every service of the seawall demo shop shares.
//!
//! - [`config`]: settings from environment variables and an optional TOML file.
//! - [`problem`]: `application/problem+json` errors.
//! - [`resilience`]: which resilience layers service clients use (`SHOP_CLIENT_RESILIENCE`).
//! - [`paging`]: `?limit=&offset=` paging and its extractor, refusing bad values with a 400 problem.
//! - `storage`: sqlx on SQLite (default) or PostgreSQL, one code path, migrations.
//! - `bus`: the event bus, in-process or RabbitMQ.
//! - `outbox`: the transactional outbox and the relay that publishes it (`outbox` feature).
//! - `client`: the service-to-service client wrapped in seawall's layers (`client` feature).
//! - `server`: health, metrics and admin routes and the server layer stack (`server`).
//! - `openapi`: what every service's OpenAPI document shares, and `GET /openapi.json` (`openapi`).
//! - `auth`: signed JSON Web Tokens, their issuer and verifier, and the `AuthUser` extractor (`auth`).

pub mod config;
pub mod paging;
pub mod problem;
pub mod resilience;

#[cfg(feature = "auth")]
pub mod auth;
#[cfg(feature = "bus")]
pub mod bus;
#[cfg(feature = "client")]
pub mod client;
#[cfg(any(feature = "auth", feature = "server"))]
mod credentials;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "outbox")]
pub mod outbox;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "storage")]
pub mod storage;

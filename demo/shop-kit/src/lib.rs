//! What every service of the seawall demo shop shares.
//!
//! - [`config`]: settings from environment variables and an optional TOML file.
//! - [`problem`]: `application/problem+json` errors.
//! - `storage`: sqlx on SQLite (default) or PostgreSQL, one code path, migrations.
//! - `bus`: the event bus, in-process or RabbitMQ.

pub mod config;
pub mod problem;

#[cfg(feature = "bus")]
pub mod bus;
#[cfg(feature = "storage")]
pub mod storage;

//! [`ServerError`]: why a service's HTTP server could not be built or run.

use std::net::SocketAddr;

/// A service's server could not be assembled, bound or run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The request timeout cannot work (zero).
    #[error("invalid request timeout: {0}")]
    RequestTimeout(#[source] seawall::deadline::ConfigError),
    /// The request body limit cannot work (zero bytes).
    #[error("the request body limit must be at least 1 byte")]
    ZeroBodyLimit,
    /// The fault-injection layer refused its configuration.
    #[error("invalid fault injection settings: {0}")]
    Chaos(#[source] seawall::chaos::ConfigError),
    /// The Prometheus recorder could not be installed (another recorder was installed first).
    #[error("cannot install the Prometheus recorder: {0}")]
    Metrics(#[source] seawall_telemetry::TelemetryError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The server failed while serving.
    #[error("the server failed: {0}")]
    Serve(#[source] std::io::Error),
}

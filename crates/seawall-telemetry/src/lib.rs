//! Start-up for seawall services in one call: `tracing` logs with trace ids, OpenTelemetry
//! spans exported over OTLP, the W3C TraceContext+Baggage propagator, and a Prometheus
//! `/metrics` endpoint with the OpenTelemetry semantic-convention buckets.
//!
//! Configuration comes from the standard variables (`OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`,
//! `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`) plus `SEAWALL_LOG_FORMAT` (`pretty` or
//! `json`) and `RUST_LOG`, and can be overridden in code. Without an endpoint nothing is
//! exported, and nothing blocks or fails.
//!
//! # Example: an axum service
//!
//! ```
//! use axum::{Router, routing::get};
//! use seawall_telemetry::{TelemetryConfig, init};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let telemetry = init(TelemetryConfig::from_env()?.with_service_name("orders"))?;
//!
//!     let app = Router::new()
//!         .route("/health/live", get(|| async { "ok" }))
//!         .merge(telemetry.metrics_router());
//!
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//!     tracing::info!(address = %listener.local_addr()?, "orders listening");
//!     // A real service waits for a signal here; the example stops at once.
//!     axum::serve(listener, app).with_graceful_shutdown(async {}).await?;
//!
//!     telemetry.shutdown().await?;
//!     Ok(())
//! }
//! ```
//!
//! # Several services in one process
//!
//! Every service may call [`init`]; they share one pipeline and one metrics registry.
//! Spans that carry a [`SERVICE_NAME_ATTRIBUTE`] are exported under a resource with that
//! `service.name` (one batch exporter per service, made on first use, at most
//! [`MAX_ROUTED_SERVICES`]); metrics tell services apart by their `service_name` label.
//!
//! # Tests
//!
//! [`TracePipeline`] builds the same provider and subscriber without installing anything,
//! for use with [`tracing::subscriber::with_default`]; [`prometheus_recorder`] builds an
//! uninstalled recorder for [`metrics::with_local_recorder`].
#![warn(missing_docs)]

mod config;
mod error;
mod export;
mod logging;
mod pipeline;
mod prometheus;
mod propagation;
mod routing;
mod sampler;
mod telemetry;

pub use config::{
    DEFAULT_LOG_FILTER, DEFAULT_SERVICE_NAME, LogFormat, OtlpProtocol, TelemetryConfig,
};
pub use error::{ConfigError, TelemetryError};
pub use pipeline::TracePipeline;
pub use prometheus::{
    DURATION_BUCKETS_SECONDS, DURATION_METRIC_SUFFIX, install_prometheus_recorder,
    metrics_response, metrics_router, prometheus_recorder,
};
pub use propagation::{composite_propagator, install_global_propagator};
pub use routing::{MAX_ROUTED_SERVICES, SERVICE_NAME_ATTRIBUTE};
pub use sampler::SamplerConfig;
pub use telemetry::{Telemetry, init};

//! The typed errors of configuration and start-up.

use std::borrow::Cow;

/// A configuration value that cannot be used, named by the variable (or setter) it came from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value is present but not one this crate understands.
    #[error("{variable}={value:?} is invalid: expected {expected}")]
    InvalidValue {
        /// The environment variable (or setter) that held the value.
        variable: &'static str,
        /// The value as given.
        value: String,
        /// What would have been accepted.
        expected: Cow<'static, str>,
    },
}

impl ConfigError {
    pub(crate) fn invalid(
        variable: &'static str,
        value: impl Into<String>,
        expected: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::InvalidValue {
            variable,
            value: value.into(),
            expected: expected.into(),
        }
    }
}

/// Why telemetry could not be started or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The log filter (`RUST_LOG` or [`TelemetryConfig::with_log_filter`](crate::TelemetryConfig::with_log_filter)) does not parse.
    #[error("invalid log filter {filter:?}: {source}")]
    LogFilter {
        /// The filter as given.
        filter: String,
        /// The parser's complaint.
        source: tracing_subscriber::filter::ParseError,
    },
    /// OTLP export was asked for outside a Tokio runtime; its gRPC and HTTP clients run on one.
    #[error("OTLP export needs a Tokio runtime: call init from inside one")]
    NoTokioRuntime,
    /// The OTLP span exporter could not be built.
    #[error("cannot build the OTLP span exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    /// A global `tracing` subscriber was installed by someone else, or by an earlier
    /// pipeline that has since been shut down.
    #[error("a global tracing subscriber is already installed")]
    SubscriberAlreadySet,
    /// The Prometheus recorder could not be configured.
    #[error("cannot build the Prometheus recorder: {0}")]
    MetricsBuild(#[from] metrics_exporter_prometheus::BuildError),
    /// A global `metrics` recorder was installed by someone else.
    #[error("a global metrics recorder is already installed")]
    MetricsRecorderAlreadySet,
    /// Flushing or shutting down the span pipeline failed (for example, the collector was unreachable).
    #[error("span pipeline shutdown failed: {0}")]
    Shutdown(#[from] opentelemetry_sdk::error::OTelSdkError),
}

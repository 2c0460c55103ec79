//! [`init`] and the guard it returns: the process-wide install of the span pipeline, the
//! propagator and the Prometheus recorder, shared by every service of the process.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::config::TelemetryConfig;
use crate::error::TelemetryError;
use crate::pipeline::TracePipeline;
use crate::prometheus::{install_prometheus_recorder, metrics_router};
use crate::propagation::install_global_propagator;

/// The pipeline that [`init`] installed, while some [`Telemetry`] still holds it.
static INSTALLED: Mutex<Weak<TracePipeline>> = Mutex::new(Weak::new());

/// Starts telemetry for the process: installs the global `tracing` subscriber (log lines
/// with trace ids on stdout, spans to OpenTelemetry), the TraceContext+Baggage propagator,
/// the global tracer provider, and the Prometheus recorder.
///
/// Several services in one process may each call it. The first call builds and installs
/// everything; later calls, while a [`Telemetry`] from it is alive, share that pipeline
/// (its exporter, sampler and log settings) and the same metrics registry. Their spans
/// still reach the collector under their own service name when they carry
/// [`SERVICE_NAME_ATTRIBUTE`](crate::SERVICE_NAME_ATTRIBUTE).
///
/// With an OTLP endpoint set, call it inside a Tokio runtime: the exporters run on it.
///
/// # Errors
///
/// Invalid configuration, an exporter that cannot be built, or a global subscriber or
/// metrics recorder installed by someone else (or by a pipeline that was shut down).
pub fn init(config: TelemetryConfig) -> Result<Telemetry, TelemetryError> {
    let metrics = install_prometheus_recorder()?;
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(pipeline) = installed.upgrade() {
        tracing::debug!(
            service = config.service_name(),
            "telemetry already runs in this process; sharing it"
        );
        return Ok(Telemetry { pipeline, metrics });
    }

    let pipeline = TracePipeline::build(&config)?;
    tracing::subscriber::set_global_default(pipeline.subscriber(std::io::stdout)?)
        .map_err(|_| TelemetryError::SubscriberAlreadySet)?;
    install_global_propagator();
    opentelemetry::global::set_tracer_provider(pipeline.tracer_provider().clone());
    // seawall's server trace layers skip the spans of unsampled callers only where the
    // sampler would drop them anyway.
    seawall::trace::set_sampler_drops_unsampled_children(
        config.sampler().drops_unsampled_children(),
    );

    let pipeline = Arc::new(pipeline);
    *installed = Arc::downgrade(&pipeline);
    Ok(Telemetry { pipeline, metrics })
}

/// Running telemetry, returned by [`init`]. Keep it for the life of the service.
///
/// [`shutdown`](Telemetry::shutdown) exports the spans still buffered. Dropping the last
/// `Telemetry` of the process does the same, blocking, as a fallback.
#[derive(Debug)]
#[must_use = "dropping Telemetry flushes and stops span export"]
pub struct Telemetry {
    pipeline: Arc<TracePipeline>,
    metrics: PrometheusHandle,
}

impl Telemetry {
    /// A router serving `GET /metrics`; merge it into the service's router.
    pub fn metrics_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        metrics_router(self.metrics.clone())
    }

    /// The current metrics in the Prometheus text exposition format.
    pub fn render_metrics(&self) -> String {
        self.metrics.render()
    }

    /// The handle of the process-wide Prometheus recorder.
    pub fn prometheus_handle(&self) -> &PrometheusHandle {
        &self.metrics
    }

    /// The process-wide tracer provider.
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        self.pipeline.tracer_provider()
    }

    /// Exports the spans still buffered. The last `Telemetry` of the process also stops
    /// the exporters; an earlier one only flushes, since other services still use them.
    ///
    /// Call it before the Tokio runtime ends: the exporters run on it.
    pub async fn shutdown(self) -> Result<(), TelemetryError> {
        match Arc::try_unwrap(self.pipeline) {
            Ok(pipeline) => pipeline.shutdown().await,
            Err(shared) => shared.force_flush().await,
        }
    }
}

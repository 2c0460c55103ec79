//! The span pipeline for one configuration: tracer provider (sampler, resource, OTLP
//! export) and the `tracing` subscriber that feeds it and writes logs, built without
//! touching any global state.

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tokio::runtime::{Handle, RuntimeFlavor};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;

use crate::config::{LogFormat, TelemetryConfig};
use crate::error::TelemetryError;
use crate::export::OtlpTarget;
use crate::logging::log_layer;
use crate::routing::ServiceRoutingProcessor;

/// The instrumentation scope of spans made through `tracing`.
const TRACER_NAME: &str = env!("CARGO_PKG_NAME");

/// A tracer provider and the settings for its `tracing` subscriber, not installed globally:
/// what [`init`](crate::init) installs, and what tests use with
/// [`tracing::subscriber::with_default`].
///
/// With an OTLP endpoint, spans are exported in batches; spans carrying a
/// [`SERVICE_NAME_ATTRIBUTE`](crate::SERVICE_NAME_ATTRIBUTE) other than the configured service go
/// out under their own `service.name`. Without an endpoint nothing is exported, and spans
/// still get ids for the logs.
///
/// Prefer [`TracePipeline::shutdown`] in async code: it waits without blocking the runtime
/// the exporters need. Dropping it also flushes and shuts down, blocking; on a
/// current-thread runtime (which cannot serve the exporters while blocked) the flush is
/// left to a background thread and is lost if the runtime ends first.
#[derive(Debug)]
pub struct TracePipeline {
    provider: SdkTracerProvider,
    log_format: LogFormat,
    log_filter: String,
    shut_down: bool,
}

impl TracePipeline {
    /// Builds the provider for `config`.
    ///
    /// # Errors
    ///
    /// An invalid endpoint, [`TelemetryError::NoTokioRuntime`] when an endpoint is set
    /// outside a Tokio runtime (the exporters run on it), or an exporter that cannot be built.
    pub fn build(config: &TelemetryConfig) -> Result<Self, TelemetryError> {
        let resource = resource(config);
        let mut provider = SdkTracerProvider::builder()
            .with_sampler(config.sampler().to_sampler())
            .with_resource(resource.clone());
        if let Some(endpoint) = config.otlp_endpoint() {
            let target = OtlpTarget::new(endpoint, config.otlp_protocol())?;
            let default = target.batch_processor(&resource)?;
            provider = provider.with_span_processor(ServiceRoutingProcessor::new(
                config.service_name(),
                default,
                move |resource| target.batch_processor(resource),
            ));
        }
        Ok(Self {
            provider: provider.build(),
            log_format: config.log_format(),
            log_filter: config.log_filter().to_owned(),
            shut_down: false,
        })
    }

    /// The tracer provider, for code that makes OpenTelemetry spans directly.
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// A `tracing` subscriber that filters by the configured log filter, turns spans into
    /// OpenTelemetry spans of this provider, and writes log lines with their trace and span
    /// ids to `make_writer` (for example `std::io::stdout`, or a buffer in tests).
    ///
    /// # Errors
    ///
    /// [`TelemetryError::LogFilter`] when the filter does not parse.
    pub fn subscriber<W>(
        &self,
        make_writer: W,
    ) -> Result<
        impl Subscriber + for<'span> LookupSpan<'span> + Send + Sync + 'static,
        TelemetryError,
    >
    where
        W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
    {
        let filter =
            EnvFilter::try_new(&self.log_filter).map_err(|source| TelemetryError::LogFilter {
                filter: self.log_filter.clone(),
                source,
            })?;
        let spans = tracing_opentelemetry::layer().with_tracer(self.provider.tracer(TRACER_NAME));
        Ok(tracing_subscriber::registry()
            .with(filter)
            .with(spans)
            .with(log_layer(self.log_format, make_writer)))
    }

    /// Exports every finished span now. The pipeline keeps running.
    pub async fn force_flush(&self) -> Result<(), TelemetryError> {
        let provider = self.provider.clone();
        Ok(off_runtime(move || provider.force_flush()).await?)
    }

    /// Exports every finished span and stops the exporters.
    pub async fn shutdown(mut self) -> Result<(), TelemetryError> {
        self.shut_down = true;
        let provider = self.provider.clone();
        Ok(off_runtime(move || provider.shutdown()).await?)
    }
}

impl Drop for TracePipeline {
    fn drop(&mut self) {
        if self.shut_down {
            return;
        }
        let provider = self.provider.clone();
        // The exporters' I/O runs on the Tokio runtime, so the wait must not hold the only
        // thread that could drive it.
        let _ = match Handle::try_current().map(|runtime| runtime.runtime_flavor()) {
            Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| provider.shutdown()),
            // A current-thread runtime cannot serve the exporters while we wait here, so let
            // a thread finish the flush once this one is back in the runtime.
            Ok(_) => std::thread::Builder::new()
                .name("seawall-telemetry-flush".to_owned())
                .spawn(move || provider.shutdown())
                .map(drop)
                .map_err(|error| OTelSdkError::InternalFailure(error.to_string())),
            Err(_) => provider.shutdown(),
        };
    }
}

/// Runs a blocking flush or shutdown where it cannot stall the runtime that the exporters
/// need to make progress: on Tokio's blocking pool when inside a runtime, inline otherwise.
async fn off_runtime(operation: impl FnOnce() -> OTelSdkResult + Send + 'static) -> OTelSdkResult {
    match Handle::try_current() {
        Ok(runtime) => runtime
            .spawn_blocking(operation)
            .await
            .map_err(|join_error| OTelSdkError::InternalFailure(join_error.to_string()))?,
        Err(_) => operation(),
    }
}

/// The resource every span is exported under: the configured attributes, the service
/// name, and the SDK's `telemetry.sdk.*` attributes. It reads no environment itself: the
/// configuration already did.
fn resource(config: &TelemetryConfig) -> Resource {
    Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(
            config
                .resource_attributes()
                .iter()
                .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
        )
        .with_service_name(config.service_name().to_owned())
        .build()
}

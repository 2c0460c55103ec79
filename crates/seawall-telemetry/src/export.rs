//! OTLP span export: one batch processor per exporter, over gRPC (tonic) or HTTP/protobuf
//! (hyper), each exporter bound to the Tokio runtime it was created in.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SpanData, SpanExporter};
use tokio::runtime::Handle;

use crate::config::{OtlpProtocol, validate_endpoint};
use crate::error::TelemetryError;

/// Where spans go, and the runtime their exporters' clients run on.
#[derive(Debug, Clone)]
pub(crate) struct OtlpTarget {
    endpoint: String,
    protocol: OtlpProtocol,
    runtime: Handle,
}

impl OtlpTarget {
    /// Checks the endpoint and captures the current Tokio runtime.
    pub(crate) fn new(endpoint: &str, protocol: OtlpProtocol) -> Result<Self, TelemetryError> {
        validate_endpoint(endpoint)?;
        let runtime = Handle::try_current().map_err(|_| TelemetryError::NoTokioRuntime)?;
        let base = endpoint.trim_end_matches('/');
        let endpoint = match protocol {
            OtlpProtocol::Grpc => base.to_owned(),
            // OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; the traces path is appended to it.
            OtlpProtocol::HttpProtobuf => format!("{base}/v1/traces"),
        };
        Ok(Self {
            endpoint,
            protocol,
            runtime,
        })
    }

    /// A batch span processor exporting under `resource`.
    pub(crate) fn batch_processor(
        &self,
        resource: &Resource,
    ) -> Result<BatchSpanProcessor, TelemetryError> {
        // tonic's lazily connected channel spawns its worker on the current runtime, which
        // may be missing on the thread that asks for a processor (see the routing processor).
        let _entered = self.runtime.enter();
        let exporter = match self.protocol {
            OtlpProtocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(&self.endpoint)
                .with_protocol(Protocol::Grpc)
                .build()?,
            OtlpProtocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(&self.endpoint)
                .with_protocol(Protocol::HttpBinary)
                .build()?,
        };
        let mut exporter = RuntimeBoundExporter {
            inner: exporter,
            runtime: self.runtime.clone(),
        };
        exporter.set_resource(resource);
        Ok(BatchSpanProcessor::builder(exporter).build())
    }
}

/// Runs an exporter's futures inside a Tokio runtime context.
///
/// The SDK's batch processor drives exports with a plain executor on its own thread, but the
/// hyper client needs Tokio's timer and reactor (and tonic's retry sleeps use them when
/// present). Entering the runtime for each poll gives them both without a second runtime.
#[derive(Debug)]
struct RuntimeBoundExporter<E> {
    inner: E,
    runtime: Handle,
}

impl<E: SpanExporter> SpanExporter for RuntimeBoundExporter<E> {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        InRuntime {
            runtime: &self.runtime,
            future: self.inner.export(batch),
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let _entered = self.runtime.enter();
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        let _entered = self.runtime.enter();
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

pin_project_lite::pin_project! {
    /// A future polled with `runtime` entered.
    struct InRuntime<'a, F> {
        runtime: &'a Handle,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for InRuntime<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.runtime.enter();
        this.future.poll(cx)
    }
}

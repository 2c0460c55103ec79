//! Routes each finished span to a batch processor for the service it belongs to, so that
//! several services in one process (`shop up`) are exported under their own `service.name`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::error::TelemetryError;

/// The span attribute that names the service a span belongs to. Server spans made by
/// seawall's trace layer carry it; a span with a value other than the configured service
/// name is exported under a resource whose `service.name` is that value.
///
/// ```
/// tracing::info_span!("GET /api/orders/{id}", { seawall_telemetry::SERVICE_NAME_ATTRIBUTE } = "orders");
/// ```
pub const SERVICE_NAME_ATTRIBUTE: &str = "service.name";

/// How many services beyond the configured one get their own exporter; spans of any
/// further service go out under the configured one, so a bad attribute cannot start
/// unbounded exporters (each is a thread and a connection).
pub const MAX_ROUTED_SERVICES: usize = 32;

type MakeProcessor<P> = dyn Fn(&Resource) -> Result<P, TelemetryError> + Send + Sync;

/// A span processor that keeps one inner processor per service name, created on first use.
pub(crate) struct ServiceRoutingProcessor<P> {
    default_service: String,
    default: P,
    base_resource: Resource,
    by_service: RwLock<HashMap<String, P>>,
    make_processor: Box<MakeProcessor<P>>,
    warned_full: AtomicBool,
}

impl<P: SpanProcessor> ServiceRoutingProcessor<P> {
    /// Routes spans of `default_service` (and spans naming no service) to `default`, and
    /// makes a processor with `make_processor` for each other service seen.
    pub(crate) fn new(
        default_service: impl Into<String>,
        default: P,
        make_processor: impl Fn(&Resource) -> Result<P, TelemetryError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            default_service: default_service.into(),
            default,
            base_resource: Resource::builder_empty().build(),
            by_service: RwLock::new(HashMap::new()),
            make_processor: Box::new(make_processor),
            warned_full: AtomicBool::new(false),
        }
    }

    fn route(&self, service: &str, span: SpanData) {
        let by_service = self
            .by_service
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(processor) = by_service.get(service) {
            return processor.on_end(span);
        }
        drop(by_service);

        let mut by_service = self
            .by_service
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Another thread may have made it between the two locks.
        if !by_service.contains_key(service) {
            if by_service.len() >= MAX_ROUTED_SERVICES {
                if !self.warned_full.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        service,
                        limit = MAX_ROUTED_SERVICES,
                        "too many services in one process; exporting further services' spans under the default service"
                    );
                }
            } else {
                match (self.make_processor)(&self.resource_for(service)) {
                    Ok(processor) => {
                        by_service.insert(service.to_owned(), processor);
                    }
                    Err(error) => {
                        tracing::warn!(service, %error, "cannot start an exporter for this service; using the default one");
                    }
                }
            }
        }
        match by_service.get(service) {
            Some(processor) => processor.on_end(span),
            None => self.default.on_end(span),
        }
    }

    fn resource_for(&self, service: &str) -> Resource {
        Resource::builder_empty()
            .with_attributes(
                self.base_resource
                    .iter()
                    .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
            )
            .with_service_name(service.to_owned())
            .build()
    }

    /// Applies `operation` to every processor, all of them even after a failure, and
    /// returns the first failure.
    fn for_each_processor(&self, mut operation: impl FnMut(&P) -> OTelSdkResult) -> OTelSdkResult {
        let by_service = self
            .by_service
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let mut outcome = Ok(());
        for processor in std::iter::once(&self.default).chain(by_service.values()) {
            let result = operation(processor);
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    }
}

impl<P: SpanProcessor> SpanProcessor for ServiceRoutingProcessor<P> {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        let service = span
            .attributes
            .iter()
            .find(|attribute| attribute.key.as_str() == SERVICE_NAME_ATTRIBUTE)
            .map(|attribute| attribute.value.as_str().into_owned());
        match service {
            Some(service) if service != self.default_service => self.route(&service, span),
            _ => self.default.on_end(span),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.for_each_processor(SpanProcessor::force_flush)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        // One deadline for all, so many services do not multiply the caller's wait.
        let deadline = Instant::now() + timeout;
        self.for_each_processor(|processor| {
            processor.shutdown_with_timeout(deadline.saturating_duration_since(Instant::now()))
        })
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.base_resource = resource.clone();
        self.default.set_resource(resource);
    }
}

impl<P: fmt::Debug> fmt::Debug for ServiceRoutingProcessor<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRoutingProcessor")
            .field("default_service", &self.default_service)
            .field("default", &self.default)
            .field("by_service", &self.by_service)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    use super::*;

    /// Records, per processor, the service names of the spans it was given.
    #[derive(Debug, Clone, Default)]
    struct Recording {
        resource_service: Arc<Mutex<Option<String>>>,
        span_names: Arc<Mutex<Vec<String>>>,
    }

    impl SpanProcessor for Recording {
        fn on_start(&self, _span: &mut Span, _cx: &Context) {}
        fn on_end(&self, span: SpanData) {
            self.span_names.lock().unwrap().push(span.name.into_owned());
        }
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
            Ok(())
        }
        fn set_resource(&mut self, resource: &Resource) {
            let service = resource
                .get(&"service.name".into())
                .map(|value| value.to_string());
            *self.resource_service.lock().unwrap() = service;
        }
    }

    fn recording_for(resource: &Resource) -> Recording {
        let mut recording = Recording::default();
        recording.set_resource(resource);
        recording
    }

    #[test]
    fn spans_go_to_a_processor_per_service_with_that_service_name_resource() {
        let default = Recording::default();
        let made = Arc::new(Mutex::new(Vec::<Recording>::new()));
        let made_by_factory = made.clone();
        let router = ServiceRoutingProcessor::new("gateway", default.clone(), move |resource| {
            let recording = recording_for(resource);
            made_by_factory.lock().unwrap().push(recording.clone());
            Ok(recording)
        });
        let provider = SdkTracerProvider::builder()
            .with_resource(
                Resource::builder_empty()
                    .with_service_name("gateway")
                    .build(),
            )
            .with_span_processor(router)
            .build();
        let tracer = provider.tracer("test");

        tracer.span_builder("plain").start(&tracer).end();
        tracer
            .span_builder("gateway span")
            .with_attributes([KeyValue::new(SERVICE_NAME_ATTRIBUTE, "gateway")])
            .start(&tracer)
            .end();
        for name in ["orders 1", "orders 2"] {
            tracer
                .span_builder(name)
                .with_attributes([KeyValue::new(SERVICE_NAME_ATTRIBUTE, "orders")])
                .start(&tracer)
                .end();
        }

        assert_eq!(
            *default.resource_service.lock().unwrap(),
            Some("gateway".to_owned())
        );
        assert_eq!(
            *default.span_names.lock().unwrap(),
            ["plain", "gateway span"]
        );
        let made = made.lock().unwrap();
        assert_eq!(made.len(), 1, "one processor for orders, made once");
        assert_eq!(
            *made[0].resource_service.lock().unwrap(),
            Some("orders".to_owned())
        );
        assert_eq!(
            *made[0].span_names.lock().unwrap(),
            ["orders 1", "orders 2"]
        );
    }

    #[test]
    fn services_beyond_the_limit_and_failed_factories_fall_back_to_the_default() {
        let default = Recording::default();
        let router = ServiceRoutingProcessor::new("gateway", default.clone(), |resource| {
            match resource
                .get(&"service.name".into())
                .map(|value| value.to_string())
                .as_deref()
            {
                Some("broken") => Err(TelemetryError::NoTokioRuntime),
                _ => Ok(recording_for(resource)),
            }
        });
        let provider = SdkTracerProvider::builder()
            .with_span_processor(router)
            .build();
        let tracer = provider.tracer("test");
        let end_span_of = |service: String| {
            let mut span = tracer.start(service.clone());
            span.set_attribute(KeyValue::new(SERVICE_NAME_ATTRIBUTE, service));
            span.end();
        };

        end_span_of("broken".to_owned());
        for index in 0..=MAX_ROUTED_SERVICES {
            end_span_of(format!("service-{index}"));
        }

        assert_eq!(
            *default.span_names.lock().unwrap(),
            [
                "broken".to_owned(),
                format!("service-{MAX_ROUTED_SERVICES}")
            ]
        );
    }
}

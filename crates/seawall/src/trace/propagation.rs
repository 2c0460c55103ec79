use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::{
    Context,
    propagation::{Extractor, Injector},
};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Reads propagation fields from HTTP headers.
#[derive(Debug)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

/// Writes propagation fields to HTTP headers, skipping any that are not valid header
/// names or values.
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Reads the remote context (`traceparent`, `tracestate`, `baggage`) from any carrier with
/// the globally installed propagator; the context to give to `set_parent`.
///
/// For event-bus consumers: extract from the message headers, then parent the consumer
/// span on the result.
pub fn extract_context(carrier: &dyn Extractor) -> Context {
    opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(carrier))
}

/// Writes the context of the current `tracing` span to any carrier with the globally
/// installed propagator.
///
/// For event-bus producers: inject into the message headers when publishing.
///
/// ```
/// use std::collections::HashMap;
///
/// let mut headers: HashMap<String, String> = HashMap::new();
/// seawall::trace::inject_context(&mut headers);
/// // With no propagator installed nothing is written; with seawall-telemetry running,
/// // `traceparent` (and `baggage`, if any) are.
/// ```
pub fn inject_context(carrier: &mut dyn Injector) {
    inject_span_context(&tracing::Span::current(), carrier);
}

/// Writes the context of `span` to `carrier`.
pub fn inject_span_context(span: &tracing::Span, carrier: &mut dyn Injector) {
    let context = span.context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, carrier)
    });
}

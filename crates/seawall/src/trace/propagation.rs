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
        // `HeaderMap::get(&str)` parses and hashes the key on every call, for every field a
        // propagator asks for; a small map is scanned faster. Names in a map are lower
        // case; propagators' keys are too, but the comparison ignores case as `get` does.
        const SCAN_UP_TO: usize = 12;
        let value = if self.0.len() > SCAN_UP_TO {
            self.0.get(key)
        } else {
            self.0
                .iter()
                .find_map(|(name, value)| name.as_str().eq_ignore_ascii_case(key).then_some(value))
        };
        value.and_then(|value| value.to_str().ok())
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
    let span = tracing::Span::current();
    if span.is_disabled() {
        // No span: a request whose caller did not sample its trace runs without one, in the
        // caller's context (see `HttpTraceLayer::skip_unsampled`); send that on.
        let context = Context::current();
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.inject_context(&context, carrier)
        });
    } else {
        inject_span_context(&span, carrier);
    }
}

/// Writes the context of `span` to `carrier`.
pub fn inject_span_context(span: &tracing::Span, carrier: &mut dyn Injector) {
    let context = span.context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, carrier)
    });
}

//! Message headers: a string map that carries W3C trace context across the bus.

use opentelemetry::propagation::{Extractor, Injector};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The W3C `traceparent` header.
pub const TRACEPARENT: &str = "traceparent";
/// The W3C `tracestate` header.
pub const TRACESTATE: &str = "tracestate";
/// The W3C `baggage` header.
pub const BAGGAGE: &str = "baggage";

/// The headers of an [`Event`](super::Event): lower-case names to string values.
///
/// Publishing writes the current trace context here (see [`Headers::inject_trace_context`]);
/// a consumer reads it back with [`Headers::trace_context`]. The type implements
/// OpenTelemetry's [`Injector`] and [`Extractor`], so any propagator can use it directly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Headers(BTreeMap<String, String>);

impl Headers {
    /// The value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// Sets `name` (stored lower-case) to `value`, replacing any earlier value.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        self.0
            .insert(name.as_ref().to_ascii_lowercase(), value.into());
    }

    /// Every header, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a trace context (`traceparent`) is present.
    pub fn has_trace_context(&self) -> bool {
        self.0.contains_key(TRACEPARENT)
    }

    /// Writes the context of the current `tracing` span (`traceparent`, `tracestate`,
    /// `baggage`) with the globally installed propagator. Writes nothing when no
    /// propagator is installed or the span is not recorded by OpenTelemetry.
    pub fn inject_trace_context(&mut self) {
        seawall::trace::inject_context(self);
    }

    /// The remote context these headers carry, to parent a consumer span on
    /// (`tracing_opentelemetry::OpenTelemetrySpanExt::set_parent`) or to
    /// [`attach`](opentelemetry::Context::attach).
    pub fn trace_context(&self) -> opentelemetry::Context {
        seawall::trace::extract_context(self)
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(pairs: I) -> Self {
        let mut headers = Headers::default();
        for (name, value) in pairs {
            headers.insert(name, value);
        }
        headers
    }
}

impl Injector for Headers {
    fn set(&mut self, key: &str, value: String) {
        self.insert(key, value);
    }
}

impl Extractor for Headers {
    fn get(&self, key: &str) -> Option<&str> {
        Headers::get(self, key)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive() {
        let mut headers = Headers::default();
        headers.insert("TraceParent", "00-1-2-01");
        assert_eq!(headers.get("traceparent"), Some("00-1-2-01"));
        assert_eq!(Extractor::get(&headers, "TRACEPARENT"), Some("00-1-2-01"));
        assert!(headers.has_trace_context());
        assert_eq!(headers.keys(), vec!["traceparent"]);
    }
}

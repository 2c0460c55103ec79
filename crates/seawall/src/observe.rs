//! Marking the decisions layers make on the current span.
//!
//! Every decision is also a `tracing` event and a metric (see METRICS.md); with the `trace`
//! feature it is set as a `seawall.*` attribute on the OpenTelemetry span of the request
//! too, so a trace shows why a call was refused or retried without reading logs.

/// The `service_name` label of layers that were not told their service.
pub(crate) const UNKNOWN_SERVICE: &str = "unknown";

/// Sets a `seawall.*` attribute on the current span.
#[cfg(feature = "trace")]
pub(crate) fn mark_span(key: &'static str, value: impl Into<opentelemetry::Value>) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let span = tracing::Span::current();
    if !span.is_disabled() {
        span.set_attribute(key, value);
    }
}

/// Sets a `seawall.*` attribute on the current span (a no-op without the `trace` feature).
#[cfg(not(feature = "trace"))]
pub(crate) fn mark_span<V>(_key: &'static str, _value: V) {}

#[cfg(feature = "deadline")]
/// The one `'static` copy of a service name, so that layers can carry it in every request
/// future for free. Each distinct name is kept for the life of the process; a process
/// serves a handful of services, so this is bounded in practice.
pub(crate) fn intern(name: &str) -> &'static str {
    use std::{
        collections::HashSet,
        sync::{Mutex, OnceLock, PoisonError},
    };
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

use super::service::HttpTrace;
use std::sync::Arc;
use tower_layer::Layer;

/// Makes a span per request and propagates trace context; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct HttpTraceLayer {
    pub(crate) side: Side,
    pub(crate) service_name: Arc<str>,
    pub(crate) skip_unsampled: bool,
}

/// Which side of a call the layer sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Server,
    Client,
}

impl HttpTraceLayer {
    /// Server spans for the service named `service_name`, parented on the caller's context.
    pub fn server(service_name: impl Into<Arc<str>>) -> Self {
        HttpTraceLayer {
            side: Side::Server,
            service_name: service_name.into(),
            skip_unsampled: true,
        }
    }

    /// Client spans for calls made by the service named `service_name`, whose context is
    /// written to each outgoing request.
    pub fn client(service_name: impl Into<Arc<str>>) -> Self {
        HttpTraceLayer {
            side: Side::Client,
            service_name: service_name.into(),
            skip_unsampled: false,
        }
    }

    /// Whether a server skips the span of a request whose caller did not sample its trace
    /// (on by default; clients always make their span).
    ///
    /// A parent-based sampler, OpenTelemetry's default, drops such a span anyway, so making
    /// it is wasted work: about 2 µs per request. Skipped, the request runs in the caller's
    /// OpenTelemetry context instead, so client spans below it stay in the caller's trace,
    /// unsampled, and send on its `traceparent` (sampled flag clear) and baggage. What is
    /// lost is the `tracing` span itself: events logged while serving such a request are
    /// not inside an `HTTP request` span. Turn this off when logs need the span. A sampler
    /// that does not follow the parent (`OTEL_TRACES_SAMPLER=always_on`) turns it off for
    /// every layer through [`set_sampler_drops_unsampled_children`](super::set_sampler_drops_unsampled_children),
    /// which `seawall-telemetry` calls.
    pub fn skip_unsampled(mut self, skip: bool) -> Self {
        self.skip_unsampled = skip && self.side == Side::Server;
        self
    }
}

impl<S> Layer<S> for HttpTraceLayer {
    type Service = HttpTrace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpTrace::new(inner, self.clone())
    }
}

use super::service::HttpTrace;
use crate::route::RouteTemplate;
use std::sync::Arc;
use tower_layer::Layer;

/// Makes a span per request and propagates trace context; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct HttpTraceLayer {
    pub(crate) side: Side,
    pub(crate) names: Arc<Names>,
    pub(crate) skip_unsampled: bool,
}

/// The names a layer's spans carry, behind one `Arc` so that a clone of the service
/// (which a retry layer above makes per call) bumps one reference count.
#[derive(Debug)]
pub(crate) struct Names {
    pub(crate) service_name: Box<str>,
    /// The route of requests that carry no template of their own.
    pub(crate) route: Option<RouteTemplate>,
}

/// Which side of a call the layer sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Server,
    Client,
}

impl HttpTraceLayer {
    /// Server spans for the service named `service_name`, parented on the caller's context.
    pub fn server(service_name: impl Into<Box<str>>) -> Self {
        HttpTraceLayer {
            side: Side::Server,
            names: Names::new(service_name.into(), None),
            skip_unsampled: true,
        }
    }

    /// Client spans for calls made by the service named `service_name`, whose context is
    /// written to each outgoing request.
    pub fn client(service_name: impl Into<Box<str>>) -> Self {
        HttpTraceLayer {
            side: Side::Client,
            names: Names::new(service_name.into(), None),
            skip_unsampled: false,
        }
    }

    /// The route of requests that carry no [`RouteTemplate`] (nor, on servers, axum's
    /// `MatchedPath`), for span names: for a client that calls one route of one service,
    /// so that its requests need no extension. A request's own template still wins.
    ///
    /// ```
    /// use seawall::{route::RouteTemplate, trace::HttpTraceLayer};
    ///
    /// let layer = HttpTraceLayer::client("gateway").route(RouteTemplate::new("/api/users/*"));
    /// ```
    pub fn route(mut self, template: RouteTemplate) -> Self {
        self.names = Names::new(self.names.service_name.clone(), Some(template));
        self
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

impl Names {
    fn new(service_name: Box<str>, route: Option<RouteTemplate>) -> Arc<Self> {
        Arc::new(Names {
            service_name,
            route,
        })
    }
}

impl<S> Layer<S> for HttpTraceLayer {
    type Service = HttpTrace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpTrace::new(inner, self.clone())
    }
}

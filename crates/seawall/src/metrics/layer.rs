use super::{
    HTTP_CLIENT_REQUEST_DURATION, HTTP_SERVER_ACTIVE_REQUESTS, HTTP_SERVER_REQUEST_DURATION,
    series::{ActiveRequests, Addresses, DurationSeries},
    service::HttpMetrics,
};
use crate::route::RouteTemplate;
use ::metrics::SharedString;
use std::sync::Arc;
use tower_layer::Layer;

/// Records HTTP server or client metrics; see the [module docs](super).
///
/// Clones share their series.
#[derive(Debug, Clone)]
pub struct HttpMetricsLayer {
    pub(crate) shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) enum Side {
    Server { active: Arc<ActiveRequests> },
    Client { addresses: Addresses },
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) side: Side,
    pub(crate) duration: DurationSeries,
    /// The `http_route` of requests that carry no template of their own.
    pub(crate) route: Option<RouteTemplate>,
}

impl HttpMetricsLayer {
    /// Server metrics for the service named `service_name`.
    pub fn server(service_name: impl Into<SharedString>) -> Self {
        let service_name = service_name.into();
        let active = Arc::new(ActiveRequests::new(
            HTTP_SERVER_ACTIVE_REQUESTS,
            "Number of HTTP server requests being served.",
            service_name.clone(),
        ));
        Self::new(Side::Server { active }, service_name, None)
    }

    /// Client metrics for calls made by the service named `service_name`.
    pub fn client(service_name: impl Into<SharedString>) -> Self {
        let side = Side::Client {
            addresses: Addresses::default(),
        };
        Self::new(side, service_name.into(), None)
    }

    /// The `http_route` of requests that carry no [`RouteTemplate`] (nor, on servers,
    /// axum's `MatchedPath`): for a client that calls one route of one service, so that
    /// its requests need no extension. A request's own template still wins.
    ///
    /// ```
    /// use seawall::metrics::{HttpMetricsLayer, RouteTemplate};
    ///
    /// let layer = HttpMetricsLayer::client("gateway").route(RouteTemplate::new("/api/users/*"));
    /// ```
    pub fn route(self, template: RouteTemplate) -> Self {
        let side = match &self.shared.side {
            Side::Server { active } => Side::Server {
                active: Arc::clone(active),
            },
            Side::Client { .. } => Side::Client {
                addresses: Addresses::default(),
            },
        };
        let service_name = self.shared.duration.service_name().clone();
        Self::new(side, service_name, Some(template))
    }

    fn new(side: Side, service_name: SharedString, route: Option<RouteTemplate>) -> Self {
        let duration = match side {
            Side::Server { .. } => DurationSeries::new(
                HTTP_SERVER_REQUEST_DURATION,
                "Duration of HTTP server requests, to the response head.",
                service_name,
            ),
            Side::Client { .. } => DurationSeries::new(
                HTTP_CLIENT_REQUEST_DURATION,
                "Duration of HTTP client requests, to the response head.",
                service_name,
            ),
        };
        HttpMetricsLayer {
            shared: Arc::new(Shared {
                side,
                duration,
                route,
            }),
        }
    }
}

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetrics::new(inner, self.shared.clone())
    }
}

use super::{
    HTTP_CLIENT_REQUEST_DURATION, HTTP_SERVER_ACTIVE_REQUESTS, HTTP_SERVER_REQUEST_DURATION,
    series::{ActiveRequests, Addresses, DurationSeries},
    service::HttpMetrics,
};
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
}

impl HttpMetricsLayer {
    /// Server metrics for the service named `service_name`.
    pub fn server(service_name: impl Into<SharedString>) -> Self {
        let service_name = service_name.into();
        HttpMetricsLayer {
            shared: Arc::new(Shared {
                side: Side::Server {
                    active: Arc::new(ActiveRequests::new(
                        HTTP_SERVER_ACTIVE_REQUESTS,
                        "Number of HTTP server requests being served.",
                        service_name.clone(),
                    )),
                },
                duration: DurationSeries::new(
                    HTTP_SERVER_REQUEST_DURATION,
                    "Duration of HTTP server requests, to the response head.",
                    service_name,
                ),
            }),
        }
    }

    /// Client metrics for calls made by the service named `service_name`.
    pub fn client(service_name: impl Into<SharedString>) -> Self {
        HttpMetricsLayer {
            shared: Arc::new(Shared {
                side: Side::Client {
                    addresses: Addresses::default(),
                },
                duration: DurationSeries::new(
                    HTTP_CLIENT_REQUEST_DURATION,
                    "Duration of HTTP client requests, to the response head.",
                    service_name.into(),
                ),
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

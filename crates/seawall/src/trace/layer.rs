use super::service::HttpTrace;
use std::sync::Arc;
use tower_layer::Layer;

/// Makes a span per request and propagates trace context; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct HttpTraceLayer {
    pub(crate) side: Side,
    pub(crate) service_name: Arc<str>,
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
        }
    }

    /// Client spans for calls made by the service named `service_name`, whose context is
    /// written to each outgoing request.
    pub fn client(service_name: impl Into<Arc<str>>) -> Self {
        HttpTraceLayer {
            side: Side::Client,
            service_name: service_name.into(),
        }
    }
}

impl<S> Layer<S> for HttpTraceLayer {
    type Service = HttpTrace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpTrace::new(inner, self.clone())
    }
}

use super::{
    future::ResponseFuture,
    layer::{HttpTraceLayer, Side},
    propagation::{HeaderExtractor, HeaderInjector, extract_context, inject_span_context},
    span::request_span,
};
use http::{Request, Response};
use std::task::{Context, Poll};
use tower_service::Service;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Traces each call; made by [`HttpTraceLayer`].
#[derive(Debug, Clone)]
pub struct HttpTrace<S> {
    inner: S,
    config: HttpTraceLayer,
}

impl<S> HttpTrace<S> {
    pub(crate) fn new(inner: S, config: HttpTraceLayer) -> Self {
        HttpTrace { inner, config }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HttpTrace<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let side = self.config.side;
        let span = request_span(&req, side, &self.config.service_name);
        if !span.is_disabled() {
            match side {
                Side::Server => {
                    // A parent that cannot be set (no OpenTelemetry layer) is no error here.
                    let _ = span.set_parent(extract_context(&HeaderExtractor(req.headers())));
                }
                Side::Client => {
                    inject_span_context(&span, &mut HeaderInjector(req.headers_mut()));
                }
            }
        }
        let future = span.in_scope(|| self.inner.call(req));
        ResponseFuture::new(future, span, side)
    }
}

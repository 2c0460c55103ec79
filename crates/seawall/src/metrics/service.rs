use super::{
    future::{Recording, ResponseFuture},
    labels::method_index,
    layer::{Shared, Side},
    series::ActiveGuard,
};
use crate::route::RouteLabel;
use http::{Request, Response};
use std::{
    sync::Arc,
    task::{Context, Poll},
};
use tokio::time::Instant;
use tower_service::Service;

/// Records the metrics of each call; made by [`HttpMetricsLayer`](super::HttpMetricsLayer).
#[derive(Debug, Clone)]
pub struct HttpMetrics<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> HttpMetrics<S> {
    pub(crate) fn new(inner: S, shared: Arc<Shared>) -> Self {
        HttpMetrics { inner, shared }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HttpMetrics<S>
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

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let method = method_index(req.method());
        let route = RouteLabel::of(&req);
        let (active, address) = match &self.shared.side {
            Side::Server { active } => (Some(ActiveGuard::enter(active.clone(), method)), None),
            Side::Client { addresses } => (None, req.uri().host().map(|h| addresses.intern(h))),
        };
        let recording = Recording {
            shared: self.shared.clone(),
            start: Instant::now(),
            method,
            route,
            address,
            _active: active,
        };
        ResponseFuture::new(self.inner.call(req), recording)
    }
}

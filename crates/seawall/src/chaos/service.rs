use super::{InjectedFault, future::ResponseFuture, injector::Injector};
use http::{Request, Response};
use std::{
    sync::Arc,
    task::{Context, Poll},
};
use tower_service::Service;

/// Injects latency and aborts into a server; made by [`ChaosLayer`](super::ChaosLayer).
#[derive(Debug, Clone)]
pub struct ChaosService<S> {
    inner: S,
    injector: Arc<Injector>,
}

/// Injects latency, aborts, transport errors and connection resets into a client; made by
/// [`ClientChaosLayer`](super::ClientChaosLayer).
#[derive(Debug, Clone)]
pub struct ClientChaosService<S> {
    inner: S,
    injector: Arc<Injector>,
}

impl<S> ChaosService<S> {
    pub(crate) fn new(inner: S, injector: Arc<Injector>) -> Self {
        ChaosService { inner, injector }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> ClientChaosService<S> {
    pub(crate) fn new(inner: S, injector: Arc<Injector>) -> Self {
        ClientChaosService { inner, injector }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// The call both flavours make; they differ only in whether an injected transport fault
/// can become their error.
#[inline]
fn call<S, ReqBody>(
    inner: &mut S,
    injector: &Injector,
    req: Request<ReqBody>,
    fail: impl Fn(InjectedFault) -> Option<S::Error>,
) -> ResponseFuture<S::Future, S::Error>
where
    S: Service<Request<ReqBody>>,
{
    match injector.decide(&req, fail) {
        // The usual case, kept apart so that the request moves once, straight into the
        // inner call: moving it through a closure copies its 200-odd bytes each time.
        None => ResponseFuture::inner(inner.call(req)),
        Some(injection) => ResponseFuture::new(injection, || inner.call(req)),
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ChaosService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, S::Error>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        // A server layer refuses transport faults when they are put, so none reaches here.
        call(&mut self.inner, &self.injector, req, |_| None)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ClientChaosService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: From<InjectedFault>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, S::Error>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        call(&mut self.inner, &self.injector, req, |fault| {
            Some(S::Error::from(fault))
        })
    }
}

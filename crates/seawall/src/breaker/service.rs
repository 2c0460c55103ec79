//! The middleware.

use super::{
    circuit::Readiness,
    future::ResponseFuture,
    handle::BreakerHandle,
    key::{BreakerKey, Unkeyed},
    keyed::Breakers,
    readiness::ReadyWait,
};
use crate::classify::{Classify, HttpClassifier};
use http::{Request, Response};
use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};
use tower_service::Service;

/// A circuit breaker around a service; made by
/// [`CircuitBreakerLayer`](super::CircuitBreakerLayer), see the [module docs](super).
pub struct CircuitBreaker<S, C = HttpClassifier, K = Unkeyed> {
    inner: S,
    breakers: Arc<Breakers>,
    classifier: C,
    key: K,
    /// In readiness mode, what a not-ready service waits for.
    waiting: Option<Pin<Box<ReadyWait>>>,
}

impl<S, C, K> CircuitBreaker<S, C, K> {
    pub(crate) fn new(inner: S, breakers: Arc<Breakers>, classifier: C, key: K) -> Self {
        CircuitBreaker {
            inner,
            breakers,
            classifier,
            key,
            waiting: None,
        }
    }

    /// The handle of the shared breaker (see
    /// [`CircuitBreakerLayer::handle`](super::CircuitBreakerLayer::handle)).
    pub fn handle(&self) -> BreakerHandle {
        BreakerHandle::new(Arc::clone(self.breakers.shared()))
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// In readiness mode, `Pending` until the shared breaker would admit a call.
    fn poll_breaker_ready(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let circuit = self.breakers.shared();
        if !circuit.config().readiness {
            return Poll::Ready(());
        }
        loop {
            if let Some(waiting) = &mut self.waiting {
                ready!(waiting.as_mut().poll(cx));
                self.waiting = None;
            }
            let changed = circuit.changed();
            let open_ends = match circuit.readiness() {
                Readiness::Ready => return Poll::Ready(()),
                Readiness::NotReadyUntil(instant) => Some(tokio::time::sleep_until(instant)),
                Readiness::NotReady => None,
            };
            self.waiting = Some(Box::pin(ReadyWait::new(changed, open_ends)));
        }
    }
}

impl<S: Clone, C: Clone, K: Clone> Clone for CircuitBreaker<S, C, K> {
    fn clone(&self) -> Self {
        CircuitBreaker::new(
            self.inner.clone(),
            Arc::clone(&self.breakers),
            self.classifier.clone(),
            self.key.clone(),
        )
    }
}

impl<S: fmt::Debug, C, K> fmt::Debug for CircuitBreaker<S, C, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("inner", &self.inner)
            .field("breakers", &self.breakers)
            .finish_non_exhaustive()
    }
}

impl<S, C, K, ReqBody, ResBody> Service<Request<ReqBody>> for CircuitBreaker<S, C, K>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    C: Classify<Response<ResBody>, S::Error> + Clone,
    K: BreakerKey<ReqBody>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, C>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        ready!(self.poll_breaker_ready(cx));
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let lane = self.breakers.select(self.key.key(&request).as_deref());
        match lane.admit() {
            Ok(permit) => {
                ResponseFuture::called(self.inner.call(request), permit, self.classifier.clone())
            }
            Err(rejection) => ResponseFuture::rejected(rejection),
        }
    }
}

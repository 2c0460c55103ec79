//! [`Balance`]: picks the instance of each attempt and points the request at it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::{Either, Ready, ready};
use http::uri::{Parts, Scheme};
use http::{Request, Response, Uri};
use seawall::HttpClassifier;
use seawall::Rejection;
use seawall::breaker::{ByAuthority, CircuitBreakerLayer, State};
use tower::{BoxError, Service};

use super::endpoint::InFlight;
use super::{Endpoint, Upstream, p2c};

/// How long a caller is told to wait when no instance is available.
const NO_INSTANCE_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The balancing step of a route's pipeline to one upstream: picks an available instance
/// of the upstream with [`p2c`], rewrites the URI's scheme and authority to it, and counts the request in flight on that instance until its response
/// head arrives: the load p2c compares.
#[derive(Clone)]
pub struct Balance<S> {
    inner: S,
    upstream: Arc<Upstream>,
    breakers: CircuitBreakerLayer<HttpClassifier, ByAuthority>,
}

impl<S> Balance<S> {
    /// Balances over the instances of `upstream`, skipping those whose breaker in
    /// `breakers` is open.
    pub fn new(
        inner: S,
        upstream: Arc<Upstream>,
        breakers: CircuitBreakerLayer<HttpClassifier, ByAuthority>,
    ) -> Self {
        Balance {
            inner,
            upstream,
            breakers,
        }
    }

    /// Whether `endpoint` may take a call on this route now.
    fn available(&self, endpoint: &Endpoint) -> bool {
        endpoint.is_healthy()
            && self
                .breakers
                .handle_for(endpoint.authority().as_str())
                .is_none_or(|breaker| !matches!(breaker.state(), State::Open | State::ForcedOpen))
    }
}

impl<S, B, RB> Service<Request<B>> for Balance<S>
where
    S: Service<Request<B>, Response = Response<RB>, Error = BoxError>,
    RB: Default,
{
    type Response = Response<RB>;
    type Error = BoxError;
    type Future = Either<Ready<Result<Response<RB>, BoxError>>, Counted<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // Seeded from fastrand's thread-local generator: no lock shared between requests.
        let mut rng = fastrand::Rng::new();
        let endpoints = self.upstream.endpoints();
        let picked = p2c::pick(&endpoints, |e| self.available(e), &mut rng).cloned();
        let Some(endpoint) = picked else {
            tracing::debug!(upstream = self.upstream.name(), "no instance available");
            let rejection = Rejection::CircuitOpen {
                retry_after: NO_INSTANCE_RETRY_AFTER,
            };
            return Either::Left(ready(Ok(rejection.into_response())));
        };
        let mut parts = Parts::from(std::mem::take(request.uri_mut()));
        parts.scheme = Some(Scheme::HTTP);
        parts.authority = Some(endpoint.authority().clone());
        match Uri::from_parts(parts) {
            Ok(uri) => *request.uri_mut() = uri,
            Err(error) => return Either::Left(ready(Err(BoxError::from(error)))),
        }
        request
            .headers_mut()
            .insert(http::header::HOST, endpoint.host().clone());
        // A named future rather than a boxed one, and the inner service called in place
        // (poll_ready readied it) rather than cloned: this runs once per attempt.
        Either::Right(Counted {
            in_flight: Some(endpoint.start()),
            inner: self.inner.call(request),
        })
    }
}

pin_project_lite::pin_project! {
    /// An attempt's response, counted in flight on its instance until its head arrives.
    pub struct Counted<F> {
        #[pin]
        inner: F,
        in_flight: Option<InFlight>,
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        this.in_flight.take();
        Poll::Ready(output)
    }
}

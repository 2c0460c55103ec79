//! [`ProblemGuardLayer`]: the request body limit on the declared length, and problem
//! documents for the empty answers of the seawall layers below it, as one tower layer.
//!
//! Both ran as axum middlewares (`from_fn`, `map_response`) before; each of those clones its
//! inner service into a box and boxes its future on every request, which showed in the
//! gateway's profile. This layer does the same two jobs without either.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::body_limit::declared_oversize;
use super::rejection::rejection_as_problem;

/// Refuses a request whose `Content-Length` exceeds the body limit (`413` problem+json)
/// before the layers below see it, and gives the empty answers of the layers below a
/// problem+json body ([`rejection_as_problem`]).
#[derive(Debug, Clone, Copy)]
pub struct ProblemGuardLayer {
    body_limit: usize,
}

impl ProblemGuardLayer {
    pub(super) fn new(body_limit: usize) -> Self {
        ProblemGuardLayer { body_limit }
    }
}

impl<S> Layer<S> for ProblemGuardLayer {
    type Service = ProblemGuard<S>;

    fn layer(&self, inner: S) -> ProblemGuard<S> {
        ProblemGuard {
            inner,
            body_limit: self.body_limit,
        }
    }
}

/// The service of [`ProblemGuardLayer`].
#[derive(Debug, Clone)]
pub struct ProblemGuard<S> {
    inner: S,
    body_limit: usize,
}

impl<S> Service<Request> for ProblemGuard<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match declared_oversize(request.headers(), self.body_limit) {
            Some(refusal) => GuardFuture::Refused {
                response: Some(refusal),
            },
            None => GuardFuture::Called {
                future: self.inner.call(request),
            },
        }
    }
}

pin_project! {
    /// The response future of [`ProblemGuard`].
    #[project = GuardProj]
    pub enum GuardFuture<F> {
        Refused { response: Option<Response> },
        Called { #[pin] future: F },
    }
}

impl<F, E> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardProj::Refused { response } => Poll::Ready(Ok(response
                .take()
                .expect("GuardFuture polled after completion"))),
            GuardProj::Called { future } => future
                .poll(cx)
                .map(|result| result.map(rejection_as_problem)),
        }
    }
}

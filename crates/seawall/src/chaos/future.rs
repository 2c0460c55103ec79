use super::injector::{End, Injection};
use crate::Rejection;
use http::{Response, StatusCode};
use pin_project_lite::pin_project;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};
use tokio::time::{Sleep, sleep};

pin_project! {
    /// Response future of [`ChaosService`](super::ChaosService) and
    /// [`ClientChaosService`](super::ClientChaosService).
    pub struct ResponseFuture<F, E> {
        // The injected latency, from the moment of the call; `None` once it has passed.
        // Boxed so that the future of a call without latency stays as small as the inner
        // one: a `Sleep` is larger than most inner futures.
        delay: Option<Pin<Box<Sleep>>>,
        #[pin]
        kind: Kind<F, E>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, E> {
        // The inner service's future. Under a latency fault it is first polled when the
        // delay has passed, so a lazy service (an axum handler, a hyper client) only starts
        // then.
        Inner { #[pin] future: F },
        // Answered by the layer, without calling the inner service.
        Abort { status: StatusCode },
        // Failed by the layer, without calling the inner service.
        Fail { error: Option<E> },
    }
}

impl<F, E> ResponseFuture<F, E> {
    /// The inner service's future, nothing injected.
    #[inline]
    pub(crate) fn inner(future: F) -> Self {
        ResponseFuture {
            delay: None,
            kind: Kind::Inner { future },
        }
    }

    /// Carries out `injection`, calling the inner service (through `call`) only if the
    /// request goes on to it.
    pub(crate) fn new(injection: Injection<E>, call: impl FnOnce() -> F) -> Self {
        let Injection { delay, end } = injection;
        let kind = match end {
            End::Inner => Kind::Inner { future: call() },
            End::Abort(status) => Kind::Abort { status },
            End::Fail(error) => Kind::Fail { error: Some(error) },
        };
        ResponseFuture {
            delay: (delay > Duration::ZERO).then(|| Box::pin(sleep(delay))),
            kind,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, E>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(delay) = this.delay {
            ready!(delay.as_mut().poll(cx));
            *this.delay = None;
        }
        match this.kind.project() {
            KindProj::Inner { future } => future.poll(cx),
            KindProj::Abort { status } => {
                let mut response = Rejection::FaultInjected.into_response();
                *response.status_mut() = *status;
                Poll::Ready(Ok(response))
            }
            KindProj::Fail { error } => Poll::Ready(Err(error
                .take()
                .expect("chaos ResponseFuture polled after completion"))),
        }
    }
}

use super::{layer::Side, span::record_outcome};
use http::Response;
use pin_project_lite::pin_project;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};
use tracing::Span;

pin_project! {
    /// Response future of [`HttpTrace`](super::HttpTrace): polls the inner future inside the
    /// request's span and records the outcome on it.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: Span,
        side: Side,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, span: Span, side: Side) -> Self {
        ResponseFuture { inner, span, side }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = ready!(this.inner.poll(cx));
        record_outcome(this.span, *this.side, &result);
        Poll::Ready(result)
    }
}

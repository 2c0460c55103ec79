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
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        // A span someone records.
        Traced { #[pin] inner: F, span: Span, side: Side },
        // No subscriber wants the span: the inner future as it is.
        Untraced { #[pin] inner: F },
        // The caller did not sample the trace: no span, but the caller's context is the
        // current one while the inner future runs, for the spans and injections below.
        Unsampled { #[pin] inner: F, parent: opentelemetry::Context },
    }
}

impl<F> ResponseFuture<F> {
    #[inline]
    pub(crate) fn new(inner: F, span: Span, side: Side) -> Self {
        let kind = if span.is_disabled() {
            Kind::Untraced { inner }
        } else {
            Kind::Traced { inner, span, side }
        };
        ResponseFuture { kind }
    }

    #[inline]
    pub(crate) fn untraced(inner: F) -> Self {
        ResponseFuture {
            kind: Kind::Untraced { inner },
        }
    }

    #[inline]
    pub(crate) fn unsampled(inner: F, parent: opentelemetry::Context) -> Self {
        ResponseFuture {
            kind: Kind::Unsampled { inner, parent },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Traced { inner, span, side } => {
                let _entered = span.enter();
                let result = ready!(inner.poll(cx));
                record_outcome(span, *side, &result);
                Poll::Ready(result)
            }
            KindProj::Untraced { inner } => inner.poll(cx),
            KindProj::Unsampled { inner, parent } => {
                let _attached = parent.clone().attach();
                inner.poll(cx)
            }
        }
    }
}

//! The response future.

use super::permit::Permit;
use crate::{Rejection, classify::Classify};
use http::Response;
use pin_project_lite::pin_project;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

pin_project! {
    /// The response future of [`CircuitBreaker`](super::CircuitBreaker): the inner
    /// service's answer, classified and recorded when it arrives, or the breaker's own
    /// 503. Dropping it before it completes counts as no result.
    pub struct ResponseFuture<F, C> {
        #[pin]
        kind: Kind<F, C>,
    }
}

pin_project! {
    #[project = KindProjection]
    enum Kind<F, C> {
        Called {
            #[pin]
            future: F,
            permit: Option<Permit>,
            classifier: C,
        },
        Rejected {
            rejection: Rejection,
        },
    }
}

impl<F, C> ResponseFuture<F, C> {
    pub(crate) fn called(future: F, permit: Permit, classifier: C) -> Self {
        ResponseFuture {
            kind: Kind::Called {
                future,
                permit: Some(permit),
                classifier,
            },
        }
    }

    pub(crate) fn rejected(rejection: Rejection) -> Self {
        ResponseFuture {
            kind: Kind::Rejected { rejection },
        }
    }
}

impl<F, C, B, E> Future for ResponseFuture<F, C>
where
    F: Future<Output = Result<Response<B>, E>>,
    C: Classify<Response<B>, E>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProjection::Called {
                future,
                permit,
                classifier,
            } => {
                let result = ready!(future.poll(cx));
                if let Some(permit) = permit.take() {
                    permit.complete(classifier.classify(result.as_ref()));
                }
                Poll::Ready(result)
            }
            KindProjection::Rejected { rejection } => Poll::Ready(Ok(rejection.into_response())),
        }
    }
}

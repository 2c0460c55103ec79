use super::current::Deadline;
use crate::Rejection;
use http::Response;
use pin_project_lite::pin_project;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};
use tokio::{
    task::futures::TaskLocalFuture,
    time::{Sleep, sleep_until},
};

pin_project! {
    /// Response future of [`DeadlineService`](super::DeadlineService).
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        // No deadline applies: the inner future as it is.
        Unbounded { #[pin] future: F },
        // The inner future, run with the deadline as the current one, raced against it.
        Bounded {
            #[pin]
            future: TaskLocalFuture<Deadline, F>,
            #[pin]
            sleep: Sleep,
            on_expiry: Rejection,
        },
        // Answered without calling the inner service.
        Rejected { rejection: Rejection },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn unbounded(future: F) -> Self {
        ResponseFuture {
            kind: Kind::Unbounded { future },
        }
    }

    pub(crate) fn bounded(future: F, deadline: Deadline, on_expiry: Rejection) -> Self
    where
        F: Future,
    {
        ResponseFuture {
            kind: Kind::Bounded {
                future: deadline.scope(future),
                sleep: sleep_until(deadline.instant()),
                on_expiry,
            },
        }
    }

    pub(crate) fn rejected(rejection: Rejection) -> Self {
        ResponseFuture {
            kind: Kind::Rejected { rejection },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Unbounded { future } => future.poll(cx),
            KindProj::Bounded {
                future,
                sleep,
                on_expiry,
            } => {
                if let Poll::Ready(output) = future.poll(cx) {
                    return Poll::Ready(output);
                }
                match sleep.poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Ok(reject(*on_expiry))),
                    Poll::Pending => Poll::Pending,
                }
            }
            KindProj::Rejected { rejection } => Poll::Ready(Ok(reject(*rejection))),
        }
    }
}

fn reject<B: Default>(rejection: Rejection) -> Response<B> {
    tracing::debug!(
        target: "seawall::deadline",
        error_type = rejection.error_type(),
        "request answered with 504"
    );
    rejection.into_response()
}

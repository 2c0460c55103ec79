use super::{
    armed::{self, Report, Timer},
    current::Scoped,
    layer::Reporter,
    telemetry::Phase,
};
use crate::Rejection;
use http::Response;
use pin_project_lite::pin_project;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
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
        // The timer is armed only once the inner future is pending, and only if no deadline
        // below armed one that fires no later (`armed`): a call that answers on its first
        // poll never touches the timer wheel, and nested deadlines arm one timer. The
        // deadline is kept once, in the `Scoped` future: every byte here is copied each
        // time the future is moved.
        Bounded {
            #[pin]
            future: Scoped<F>,
            #[pin]
            timer: Option<Timer>,
            on_expiry: Rejection,
            reporter: Reporter,
        },
        // Answered without calling the inner service.
        Rejected { rejection: Rejection, reporter: Reporter },
    }
}

impl<F> ResponseFuture<F> {
    #[inline]
    pub(crate) fn unbounded(future: F) -> Self {
        ResponseFuture {
            kind: Kind::Unbounded { future },
        }
    }

    #[inline]
    pub(crate) fn bounded(future: Scoped<F>, on_expiry: Rejection, reporter: Reporter) -> Self {
        ResponseFuture {
            kind: Kind::Bounded {
                future,
                timer: None,
                on_expiry,
                reporter,
            },
        }
    }

    pub(crate) fn rejected(rejection: Rejection, reporter: Reporter) -> Self {
        ResponseFuture {
            kind: Kind::Rejected {
                rejection,
                reporter,
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Unbounded { future } => future.poll(cx),
            KindProj::Bounded {
                future,
                timer,
                on_expiry,
                reporter,
            } => {
                let deadline = future.deadline().instant();
                let report = Report::start();
                if let Poll::Ready(output) = future.poll(cx) {
                    report.finish(None);
                    if let Some(timer) = timer.as_pin_mut() {
                        timer.finished();
                    }
                    return Poll::Ready(output);
                }
                if armed::expired(timer, report, deadline, cx).is_ready() {
                    reporter.exceeded(Phase::InFlight, *on_expiry);
                    return Poll::Ready(Ok(on_expiry.into_response()));
                }
                Poll::Pending
            }
            KindProj::Rejected {
                rejection,
                reporter,
            } => {
                reporter.exceeded(Phase::Arrival, *rejection);
                Poll::Ready(Ok(rejection.into_response()))
            }
        }
    }
}

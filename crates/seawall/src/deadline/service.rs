use super::{
    current::Deadline,
    future::ResponseFuture,
    layer::{DeadlineLayer, Role},
};
use crate::Rejection;
use http::{Request, Response};
use std::task::{Context, Poll};
use tokio::time::Instant;
use tower_service::Service;

/// Enforces and propagates a request's [`Deadline`]; made by [`DeadlineLayer`].
#[derive(Debug, Clone)]
pub struct DeadlineService<S> {
    inner: S,
    config: DeadlineLayer,
}

impl<S> DeadlineService<S> {
    pub(crate) fn new(inner: S, config: DeadlineLayer) -> Self {
        DeadlineService { inner, config }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The deadline this call must meet, the rejection to answer with when it passes, and
    /// the instant it was worked out at; `None` when there is nothing to enforce, and then
    /// the clock is not read at all.
    #[inline]
    fn deadline_for<B>(&self, req: &Request<B>) -> Option<(Deadline, Rejection, Instant)> {
        match self.config.role {
            Role::Server => {
                // Both limits are relative to now: take the smaller, then read it off the
                // clock once. Either way a server answers `DeadlineExceeded`.
                let inherited = Deadline::header_budget(req.headers()).unwrap_or_else(|error| {
                    tracing::debug!(target: "seawall::deadline", %error, "ignoring malformed deadline header");
                    None
                });
                let budget = match (inherited, self.config.timeout) {
                    (Some(inherited), Some(own)) => inherited.min(own),
                    (Some(budget), None) | (None, Some(budget)) => budget,
                    (None, None) => return None,
                };
                let now = Instant::now();
                Some((
                    Deadline::after_at(now, budget),
                    Rejection::DeadlineExceeded,
                    now,
                ))
            }
            Role::Client | Role::PerAttempt => {
                let inherited = Deadline::current();
                if inherited.is_none() && self.config.timeout.is_none() {
                    return None;
                }
                let now = Instant::now();
                let own = self
                    .config
                    .timeout
                    .map(|timeout| Deadline::after_at(now, timeout));
                let own_expiry = match self.config.role {
                    Role::PerAttempt => Rejection::Timeout,
                    Role::Server | Role::Client => Rejection::DeadlineExceeded,
                };
                let (deadline, on_expiry) = match (inherited, own) {
                    (None, None) => return None,
                    (Some(inherited), None) => (inherited, Rejection::DeadlineExceeded),
                    (None, Some(own)) => (own, own_expiry),
                    (Some(inherited), Some(own)) if own < inherited => (own, own_expiry),
                    (Some(inherited), Some(_)) => (inherited, Rejection::DeadlineExceeded),
                };
                Some((deadline, on_expiry, now))
            }
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for DeadlineService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let Some((deadline, on_expiry, now)) = self.deadline_for(&req) else {
            return ResponseFuture::unbounded(self.inner.call(req));
        };
        if deadline.instant() <= now {
            return ResponseFuture::rejected(Rejection::DeadlineExceeded, self.config.telemetry());
        }
        if self.config.role != Role::Server && self.config.propagate {
            deadline.write_at(req.headers_mut(), self.config.margin, now);
        }
        // `deadline` is already the tighter of the inherited and the own one.
        let future = {
            let _current = deadline.enter();
            self.inner.call(req)
        };
        ResponseFuture::bounded(
            deadline.scope_exact(future),
            on_expiry,
            self.config.telemetry(),
        )
    }
}

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

    /// The deadline this call must meet and the rejection to answer with when it passes,
    /// or `None` when there is nothing to enforce.
    fn deadline_for<B>(&self, req: &Request<B>, now: Instant) -> Option<(Deadline, Rejection)> {
        let inherited = match self.config.role {
            Role::Server => Deadline::from_headers_at(req.headers(), now).unwrap_or_else(|error| {
                tracing::debug!(target: "seawall::deadline", %error, "ignoring malformed deadline header");
                None
            }),
            Role::Client | Role::PerAttempt => Deadline::current(),
        };
        let own = self
            .config
            .timeout
            .map(|timeout| Deadline::at(now + timeout));
        let own_expiry = match self.config.role {
            Role::PerAttempt => Rejection::Timeout,
            Role::Server | Role::Client => Rejection::DeadlineExceeded,
        };
        match (inherited, own) {
            (None, None) => None,
            (Some(inherited), None) => Some((inherited, Rejection::DeadlineExceeded)),
            (None, Some(own)) => Some((own, own_expiry)),
            (Some(inherited), Some(own)) if own < inherited => Some((own, own_expiry)),
            (Some(inherited), Some(_)) => Some((inherited, Rejection::DeadlineExceeded)),
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

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let now = Instant::now();
        let Some((deadline, on_expiry)) = self.deadline_for(&req, now) else {
            return ResponseFuture::unbounded(self.inner.call(req));
        };
        if deadline.instant() <= now {
            return ResponseFuture::rejected(Rejection::DeadlineExceeded, self.config.telemetry());
        }
        if self.config.role != Role::Server && self.config.propagate {
            deadline.write_at(req.headers_mut(), self.config.margin, now);
        }
        // `deadline` is already the tighter of the inherited and the own one.
        let future = deadline.sync_scope_exact(|| self.inner.call(req));
        ResponseFuture::bounded(future, deadline, on_expiry, self.config.telemetry())
    }
}

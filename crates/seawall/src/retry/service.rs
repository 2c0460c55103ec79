use super::{ReplayBody, ResponseFuture, RetryBudget, future::Attempts, policy::Policy};
use crate::{Rejection, classify::Classify, headers::NO_RETRY};
use http::{HeaderValue, Request, Response};
use http_body::Body;
use std::{
    fmt, mem,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
};
use tower_service::Service;

/// The service made by [`RetryLayer`](super::RetryLayer): retries failed requests; see the
/// [module docs](super).
///
/// Takes `Request<B>` and calls the inner service with `Request<ReplayBody<B>>`. The body
/// must be `Unpin` because the layer reads it before the first attempt and then moves it
/// (`axum::body::Body`, hyper's `Incoming` and the `http-body-util` bodies are; box any
/// other). Errors of the inner service pass through unchanged; the response body must be
/// `Default` so the layer can answer an expired deadline itself.
pub struct Retry<S, C> {
    inner: S,
    shared: Arc<Shared<S, C>>,
}

/// What a [`Retry`], its clones and their response futures share: the layer's policy, and
/// a clone of the inner service from which each retry takes its own. A call that is never
/// retried then clones no service (the inner stack's reference counts, in a real client).
pub(crate) struct Shared<S, C> {
    pub(crate) policy: Arc<Policy<C>>,
    spare: Mutex<S>,
}

impl<S: Clone, C> Shared<S, C> {
    /// A service for a retry, to be made ready.
    pub(crate) fn service(&self) -> S {
        self.spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl<S: Clone, C> Retry<S, C> {
    pub(crate) fn new(inner: S, policy: Arc<Policy<C>>) -> Self {
        let spare = Mutex::new(inner.clone());
        Retry {
            inner,
            shared: Arc::new(Shared { policy, spare }),
        }
    }
}

impl<S, C> Retry<S, C> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably. Retries go through clones of the service as it was
    /// when the layer wrapped it.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The budget this service's retries are paid from, shared with its clones.
    pub fn budget(&self) -> &RetryBudget {
        &self.shared.policy.settings.budget
    }
}

impl<S: Clone, C> Clone for Retry<S, C> {
    fn clone(&self) -> Self {
        Retry {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S: fmt::Debug, C: fmt::Debug> fmt::Debug for Retry<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("inner", &self.inner)
            .field("policy", &self.shared.policy)
            .finish()
    }
}

impl<S, C, B, ResBody> Service<Request<B>> for Retry<S, C>
where
    S: Service<Request<ReplayBody<B>>, Response = Response<ResBody>> + Clone,
    B: Body + Unpin,
    ResBody: Default,
    C: Classify<Response<ResBody>, S::Error>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, B, C>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if !self.shared.policy.may_start(1) {
            return ResponseFuture::deadline_exceeded();
        }
        self.shared.policy.settings.budget.deposit();
        if !self.shared.policy.may_retry(&request) {
            return ResponseFuture::once(self.inner.call(request.map(ReplayBody::stream)));
        }
        let (parts, body) = request.into_parts();
        if body.is_end_stream() {
            // Nothing to read first: call the ready service now.
            return ResponseFuture::empty_body(Arc::clone(&self.shared), &mut self.inner, parts);
        }
        // The ready service goes with the request; its clone waits for the next call.
        let clone = self.inner.clone();
        let service = mem::replace(&mut self.inner, clone);
        ResponseFuture::buffering(
            Attempts::new(Arc::clone(&self.shared), Some(service)),
            parts,
            body,
        )
    }
}

/// The answer when the deadline leaves no time for an attempt: a 504 with
/// [`Rejection::DeadlineExceeded`] and the [`NO_RETRY`] marker.
pub(crate) fn deadline_exceeded<B: Default>() -> Response<B> {
    let mut response = Rejection::DeadlineExceeded.into_response();
    mark_no_retry(&mut response);
    response
}

/// Adds the [`NO_RETRY`] marker: this hop has done the retrying.
pub(crate) fn mark_no_retry<B>(response: &mut Response<B>) {
    response
        .headers_mut()
        .insert(NO_RETRY, HeaderValue::from_static("1"));
}

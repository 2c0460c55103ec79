use super::{
    Attempt, ReplayBody,
    backoff::Delays,
    body::{Buffer, Buffered, Replay},
    policy::Decision,
    service::{Shared, deadline_exceeded, mark_no_retry},
};
use crate::{
    classify::Classify,
    headers::{NO_RETRY, TIMEOUT_MS},
};
use http::{HeaderMap, HeaderValue, Request, Response, request::Parts};
use http_body::Body;
use pin_project_lite::pin_project;
use std::{
    future::Future,
    marker::PhantomData,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::Duration,
};
use tokio::time::{Instant, Sleep};
use tower_service::Service;

const POLLED_AFTER_READY: &str = "retry ResponseFuture polled after completion";

pin_project! {
    /// The response future of [`Retry`](super::Retry).
    pub struct ResponseFuture<S, B, C>
    where
        S: Service<Request<ReplayBody<B>>>,
        B: Body,
    {
        #[pin]
        state: State<S::Future, S::Response, B>,
        // `None` when the request can never be retried: the inner future is all there is.
        attempts: Option<Attempts<S, C>>,
    }
}

pin_project! {
    // Only `Calling` is on the happy path; the other large states are boxed so that the
    // future stays small, since it is moved (copied) on its way to being polled.
    #[project = StateProj]
    enum State<F, R, B> {
        /// Answered without calling the inner service: the deadline left no time. The
        /// response is made when polled, so that this rare state adds nothing to the size.
        DeadlineExceeded { _response: PhantomData<fn() -> R> },
        /// Reading a non-empty request body before the first attempt.
        Buffering { buffering: Box<(Option<Parts>, Buffer<B>)> },
        /// Waiting for an attempt.
        Calling { #[pin] future: F },
        /// Backing off before a retry.
        Sleeping { sleep: Pin<Box<Sleep>> },
        /// Waiting for the inner service to be ready for a retry.
        Readying,
    }
}

impl<S, B, C> ResponseFuture<S, B, C>
where
    S: Service<Request<ReplayBody<B>>>,
    B: Body + Unpin,
{
    pub(crate) fn deadline_exceeded() -> Self {
        ResponseFuture {
            state: State::DeadlineExceeded {
                _response: PhantomData,
            },
            attempts: None,
        }
    }

    #[inline]
    pub(crate) fn once(future: S::Future) -> Self {
        ResponseFuture {
            state: State::Calling { future },
            attempts: None,
        }
    }

    /// A retryable request whose body must be read before the first attempt.
    pub(crate) fn buffering(attempts: Attempts<S, C>, parts: Parts, body: B) -> Self {
        let cap = attempts.shared.policy.settings.max_replay_bytes;
        ResponseFuture {
            state: State::Buffering {
                buffering: Box::new((Some(parts), Buffer::new(body, cap))),
            },
            attempts: Some(attempts),
        }
    }

    /// A retryable request with an empty body: keeps a copy of the head and calls the
    /// ready `inner` service with the first attempt; a retry takes its own service from
    /// `shared`. Built as one value, so that the head, the body and the attempt state are
    /// written where the future keeps them instead of being moved there piece by piece.
    #[inline]
    pub(crate) fn empty_body(shared: Arc<Shared<S, C>>, inner: &mut S, parts: Parts) -> Self {
        let replay = Replay::empty();
        let template = clone_head(&parts);
        let timeout = sent_timeout(&parts.headers);
        let future = inner.call(Request::from_parts(parts, replay.body()));
        ResponseFuture {
            state: State::Calling { future },
            attempts: Some(Attempts {
                shared,
                service: None,
                template: Some(template),
                replay: Some(replay),
                sent: 1,
                delays: None,
                timeout,
            }),
        }
    }
}

impl<S, B, C, ResBody> Future for ResponseFuture<S, B, C>
where
    S: Service<Request<ReplayBody<B>>, Response = Response<ResBody>> + Clone,
    B: Body + Unpin,
    ResBody: Default,
    C: Classify<Response<ResBody>, S::Error>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let next = match this.state.as_mut().project() {
                StateProj::DeadlineExceeded { .. } => {
                    return Poll::Ready(Ok(deadline_exceeded()));
                }
                StateProj::Buffering { buffering } => {
                    let (parts, buffer) = &mut **buffering;
                    let buffered = ready!(buffer.poll(cx));
                    let attempts = this.attempts.as_mut().expect(POLLED_AFTER_READY);
                    let request = attempts.first(parts.take().expect(POLLED_AFTER_READY), buffered);
                    State::Calling {
                        future: attempts.service().call(request),
                    }
                }
                StateProj::Calling { future } => {
                    let mut result = ready!(future.poll(cx));
                    let Some(attempts) = this.attempts.as_mut() else {
                        return Poll::Ready(result);
                    };
                    match attempts.decide(&result) {
                        Decision::Accept => return Poll::Ready(result),
                        Decision::GiveUp(reason) => {
                            if let (true, Ok(response)) = (reason.marks_response(), &mut result) {
                                mark_no_retry(response);
                            }
                            return Poll::Ready(result);
                        }
                        Decision::Retry(delay) => State::Sleeping {
                            sleep: Box::pin(tokio::time::sleep(delay)),
                        },
                    }
                }
                StateProj::Sleeping { sleep } => {
                    ready!(sleep.as_mut().poll(cx));
                    State::Readying
                }
                StateProj::Readying => {
                    let attempts = this.attempts.as_mut().expect(POLLED_AFTER_READY);
                    if let Err(error) = ready!(attempts.service().poll_ready(cx)) {
                        return Poll::Ready(Err(error));
                    }
                    // Waiting for readiness may have eaten the time the back-off left.
                    if !attempts.shared.policy.may_start(attempts.sent + 1) {
                        return Poll::Ready(Ok(deadline_exceeded()));
                    }
                    let request = attempts.next();
                    State::Calling {
                        future: attempts.service().call(request),
                    }
                }
            };
            this.state.set(next);
        }
    }
}

/// The state of one retryable request across its attempts.
pub(crate) struct Attempts<S, C> {
    shared: Arc<Shared<S, C>>,
    /// The service of the attempts after the first call: the one a buffered request is
    /// first sent with, else a clone taken from `shared` when a retry is due.
    service: Option<S>,
    /// The request head for the next retry; `None` when the body could not be kept or
    /// once the last attempt has taken it.
    template: Option<Parts>,
    /// The request body for every attempt; `None` when it was too large to keep.
    replay: Option<Replay>,
    /// Attempts sent so far.
    sent: u32,
    /// Back-off delays, drawn on the first retry; boxed to keep the happy path's future small.
    delays: Option<Box<Delays>>,
    /// When the first attempt went out, and the `TIMEOUT_MS` it carried.
    timeout: Option<(Instant, u64)>,
}

impl<S, C> Attempts<S, C> {
    #[inline]
    pub(crate) fn new(shared: Arc<Shared<S, C>>, service: Option<S>) -> Self {
        Attempts {
            shared,
            service,
            template: None,
            replay: None,
            sent: 0,
            delays: None,
            timeout: None,
        }
    }

    /// The service of the next attempt.
    fn service(&mut self) -> &mut S
    where
        S: Clone,
    {
        let shared = &self.shared;
        self.service.get_or_insert_with(|| shared.service())
    }

    /// The first attempt. Keeps a copy of the head only when the body can be replayed.
    #[inline]
    pub(crate) fn first<B: Body>(
        &mut self,
        parts: Parts,
        buffered: Buffered<B>,
    ) -> Request<ReplayBody<B>> {
        self.sent = 1;
        let body = match buffered {
            Buffered::Replay(replay) => {
                let body = replay.body();
                self.replay = Some(replay);
                self.timeout = sent_timeout(&parts.headers);
                self.template = Some(clone_head(&parts));
                body
            }
            Buffered::Once(body) => body,
        };
        Request::from_parts(parts, body)
    }

    /// The next retry: a copy of the head (the head itself for the last attempt) with its
    /// [`Attempt`] number and `TIMEOUT_MS` less the time spent since the first attempt.
    fn next<B: Body>(&mut self) -> Request<ReplayBody<B>> {
        self.sent += 1;
        let head = if self.sent >= self.shared.policy.settings.max_attempts {
            self.template.take()
        } else {
            self.template.as_ref().map(clone_head)
        };
        let mut head = head.expect("a retry is only scheduled with a request head to send");
        head.extensions.insert(Attempt(self.sent));
        if let Some((first_sent, millis)) = self.timeout {
            let left = Duration::from_millis(millis).saturating_sub(first_sent.elapsed());
            let left = u64::try_from(left.as_millis()).unwrap_or(u64::MAX);
            head.headers.insert(TIMEOUT_MS, HeaderValue::from(left));
        }
        let replay = self.replay.as_ref();
        let body = replay.expect("a retry is only scheduled with a replayable body");
        Request::from_parts(head, body.body())
    }

    #[inline]
    fn decide<ResBody, E>(&mut self, result: &Result<Response<ResBody>, E>) -> Decision
    where
        C: Classify<Response<ResBody>, E>,
    {
        let outcome = self.shared.policy.classifier.classify(result.as_ref());
        self.shared.policy.telemetry.attempt(outcome);
        if !outcome.is_failure() {
            return Decision::Accept;
        }
        let marked = result
            .as_ref()
            .is_ok_and(|response| response.headers().contains_key(NO_RETRY));
        let replayable = self.replay.is_some();
        self.shared
            .policy
            .decide(self.sent, outcome, marked, replayable, &mut self.delays)
    }
}

/// When the first attempt went out, and the [`TIMEOUT_MS`] it carried, if any.
#[inline]
fn sent_timeout(headers: &HeaderMap) -> Option<(Instant, u64)> {
    // Most requests carry no headers at all; skip the lookup for them.
    if headers.is_empty() {
        return None;
    }
    let millis =
        crate::deadline::header::parse_millis(crate::headers::find(headers, &TIMEOUT_MS)?)?;
    Some((Instant::now(), millis))
}

/// A copy of a request head: method, URI, version, headers and extensions.
#[inline]
fn clone_head(parts: &Parts) -> Parts {
    let (mut head, ()) = Request::new(()).into_parts();
    head.method = parts.method.clone();
    head.uri = parts.uri.clone();
    head.version = parts.version;
    // The fresh head's maps are empty already; cloning an empty one (and dropping the one
    // it replaces) is work for nothing, and most requests carry no extensions.
    if !parts.headers.is_empty() {
        head.headers = parts.headers.clone();
    }
    if !parts.extensions.is_empty() {
        head.extensions = parts.extensions.clone();
    }
    head
}

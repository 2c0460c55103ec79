#![cfg(feature = "retry")]
//! Behaviour of the retry layer, in virtual time unless a test says otherwise.

mod support;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header::RETRY_AFTER};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use seawall::{
    Rejection,
    deadline::Deadline,
    headers::{IDEMPOTENCY_KEY, NO_RETRY, TIMEOUT_MS},
    retry::{Attempt, ConfigError, Jitter, ReplayBody, RetryBudget, RetryBuilder, RetryLayer},
};
use std::{
    collections::VecDeque,
    io,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, SystemTime},
};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt, service_fn};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A request body made of scripted frames, optionally ending in an error.
#[derive(Debug, Default)]
struct TestBody {
    frames: VecDeque<Result<Frame<Bytes>, &'static str>>,
    /// Whether the size hint is exact (like `Full`) or unknown (like a stream).
    exact: bool,
}

impl TestBody {
    fn empty() -> Self {
        TestBody::default()
    }

    fn full(data: &'static str) -> Self {
        TestBody::data(Bytes::from_static(data.as_bytes()))
    }

    fn chunks(chunks: &[&'static str]) -> Self {
        let frames = chunks
            .iter()
            .map(|chunk| Ok(Frame::data(Bytes::from_static(chunk.as_bytes()))))
            .collect();
        TestBody {
            frames,
            exact: false,
        }
    }

    fn data(data: Bytes) -> Self {
        TestBody {
            frames: VecDeque::from([Ok(Frame::data(data))]),
            exact: true,
        }
    }

    fn trailers(mut self, trailers: HeaderMap) -> Self {
        self.frames.push_back(Ok(Frame::trailers(trailers)));
        self
    }

    fn error(mut self, error: &'static str) -> Self {
        self.frames.push_back(Err(error));
        self
    }
}

impl Body for TestBody {
    type Data = Bytes;
    type Error = &'static str;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, &'static str>>> {
        Poll::Ready(self.frames.pop_front())
    }

    fn is_end_stream(&self) -> bool {
        self.frames.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        if !self.exact {
            return SizeHint::new();
        }
        let len = self
            .frames
            .iter()
            .filter_map(|frame| frame.as_ref().ok()?.data_ref().map(|d| d.len() as u64))
            .sum();
        SizeHint::with_exact(len)
    }
}

/// What the inner service saw of one attempt.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    method: Method,
    attempt: u32,
    has_attempt_extension: bool,
    timeout_ms: Option<HeaderValue>,
    body: Bytes,
    trailers: Option<HeaderMap>,
    body_error: Option<&'static str>,
}

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    fn calls(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The virtual time between consecutive attempts.
    fn gaps(&self) -> Vec<Duration> {
        let seen = self.seen();
        seen.windows(2).map(|w| w[1].at - w[0].at).collect()
    }
}

type Answer = Result<Response<String>, io::Error>;

/// An inner service that reads each request body in full, records what it saw, waits
/// `latency`, and answers with `respond(index of the call)`.
fn recorder<F>(
    log: &Log,
    latency: Duration,
    respond: F,
) -> impl Service<
    Request<ReplayBody<TestBody>>,
    Response = Response<String>,
    Error = io::Error,
    Future = impl Send + use<F>,
> + Clone
+ use<F>
where
    F: Fn(usize) -> Answer + Clone + Send + 'static,
{
    let log = log.clone();
    service_fn(move |mut req: Request<ReplayBody<TestBody>>| {
        let (log, respond) = (log.clone(), respond.clone());
        async move {
            let at = Instant::now();
            let (mut body, mut trailers, mut body_error) = (Vec::new(), None, None);
            while let Some(frame) = req.body_mut().frame().await {
                match frame {
                    Ok(frame) => match frame.into_data() {
                        Ok(data) => body.extend_from_slice(&data),
                        Err(frame) => trailers = frame.into_trailers().ok(),
                    },
                    Err(error) => body_error = Some(error),
                }
            }
            let index = {
                let mut seen = log.0.lock().unwrap();
                seen.push(Seen {
                    at,
                    method: req.method().clone(),
                    attempt: Attempt::of(&req),
                    has_attempt_extension: req.extensions().get::<Attempt>().is_some(),
                    timeout_ms: req.headers().get(TIMEOUT_MS).cloned(),
                    body: body.into(),
                    trailers,
                    body_error,
                });
                seen.len() - 1
            };
            tokio::time::sleep(latency).await;
            respond(index)
        }
    })
}

fn status(code: u16) -> Answer {
    Ok(Response::builder()
        .status(code)
        .body(String::new())
        .unwrap())
}

fn status_with(code: u16, name: http::HeaderName, value: &str) -> Answer {
    let mut res = status(code)?;
    res.headers_mut().insert(name, value.parse().unwrap());
    Ok(res)
}

/// Answers from a script, repeating its last entry.
fn script(codes: &'static [u16]) -> impl Fn(usize) -> Answer + Clone + Send + 'static {
    move |i| status(codes[i.min(codes.len() - 1)])
}

/// A budget that never stands in the way of the tests that are not about budgets.
fn plenty() -> RetryBudget {
    RetryBudget::builder()
        .ratio(1000.0)
        .max_balance(1000.0)
        .build()
        .unwrap()
}

/// Deterministic back-off of 10 ms, 20 ms, 40 ms ... and a budget that always pays.
fn builder() -> RetryBuilder {
    RetryLayer::builder()
        .base_delay(Duration::from_millis(10))
        .jitter(Jitter::None)
        .budget(plenty())
}

fn get() -> Request<TestBody> {
    Request::new(TestBody::empty())
}

fn request(method: Method, body: TestBody) -> Request<TestBody> {
    let mut req = Request::new(body);
    *req.method_mut() = method;
    req
}

async fn send<S>(svc: &mut S, req: Request<TestBody>) -> Result<S::Response, S::Error>
where
    S: Service<Request<TestBody>>,
{
    svc.ready().await?.call(req).await
}

fn is_marked<B>(res: &Response<B>) -> bool {
    res.headers().get(NO_RETRY).is_some_and(|v| v == "1")
}

// ---------------------------------------------------------------------------------------
// Retrying, attempts, back-off
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn failures_are_retried_until_success_and_success_is_not_marked() {
    let log = Log::default();
    let mut svc = builder().max_attempts(3).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        script(&[500, 503, 200]),
    ));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!is_marked(&res));
    assert_eq!(log.calls(), 3);
}

/// Counts the clones made of the service it wraps.
struct CountingClones<S> {
    inner: S,
    clones: Arc<AtomicUsize>,
}

impl<S: Clone> Clone for CountingClones<S> {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::Relaxed);
        CountingClones {
            inner: self.inner.clone(),
            clones: Arc::clone(&self.clones),
        }
    }
}

impl<S: Service<R>, R> Service<R> for CountingClones<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> S::Future {
        self.inner.call(req)
    }
}

#[tokio::test(start_paused = true)]
async fn only_a_retried_request_clones_the_inner_service_once_for_all_its_retries() {
    let log = Log::default();
    let clones = Arc::new(AtomicUsize::new(0));
    let inner = CountingClones {
        inner: recorder(&log, Duration::ZERO, script(&[200, 500, 500, 200])),
        clones: Arc::clone(&clones),
    };
    let mut svc = builder().max_attempts(3).build().unwrap().layer(inner);
    let at_start = clones.load(Ordering::Relaxed);

    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        clones.load(Ordering::Relaxed),
        at_start,
        "answered at once: no clone"
    );

    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(log.calls(), 4);
    assert_eq!(
        clones.load(Ordering::Relaxed),
        at_start + 1,
        "two retries, one clone"
    );
}

#[tokio::test(start_paused = true)]
async fn attempts_stop_at_max_attempts_and_the_last_failure_is_marked_no_retry() {
    let log = Log::default();
    let mut svc = builder().max_attempts(4).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        script(&[500]),
    ));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(is_marked(&res));
    assert_eq!(log.calls(), 4);
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_neither_retried_nor_marked() {
    let log = Log::default();
    let mut svc = builder()
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[404])));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!is_marked(&res));
    assert_eq!(log.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn transport_errors_are_retried_and_the_last_one_is_passed_through_unchanged() {
    let log = Log::default();
    let mut svc =
        builder()
            .max_attempts(3)
            .build()
            .unwrap()
            .layer(recorder(&log, Duration::ZERO, |i| {
                Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    format!("reset {i}"),
                ))
            }));
    let err = send(&mut svc, get()).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    assert_eq!(err.to_string(), "reset 2");
    assert_eq!(log.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn max_attempts_of_one_sends_once_and_does_not_mark() {
    let log = Log::default();
    let mut svc = builder().max_attempts(1).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        script(&[500]),
    ));
    let res = send(&mut svc, get()).await.unwrap();
    assert!(!is_marked(&res));
    assert_eq!(log.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_exponentially_up_to_max_delay() {
    let log = Log::default();
    let mut svc = builder()
        .max_attempts(6)
        .base_delay(Duration::from_millis(100))
        .multiplier(3.0)
        .max_delay(Duration::from_secs(1))
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    send(&mut svc, get()).await.unwrap();
    let ms: Vec<_> = log.gaps().iter().map(Duration::as_millis).collect();
    assert_eq!(ms, [100, 300, 900, 1000, 1000]);
}

#[tokio::test(start_paused = true)]
async fn same_seed_gives_the_same_jittered_delays() {
    async fn gaps(seed: u64) -> Vec<Duration> {
        let log = Log::default();
        let mut svc = builder()
            .max_attempts(5)
            .base_delay(Duration::from_millis(100))
            .jitter(Jitter::Full)
            .seed(seed)
            .build()
            .unwrap()
            .layer(recorder(&log, Duration::ZERO, script(&[500])));
        send(&mut svc, get()).await.unwrap();
        log.gaps()
    }
    let first = gaps(7).await;
    assert_eq!(first, gaps(7).await);
    assert_eq!(first.len(), 4);
    assert!(
        first
            .iter()
            .zip([100, 200, 400, 800])
            .all(|(gap, ms)| gap.as_millis() <= ms)
    );
}

// ---------------------------------------------------------------------------------------
// Retry-After
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn retry_after_in_seconds_is_honoured_and_never_retried_early() {
    let log = Log::default();
    let mut svc = builder().max_attempts(2).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        |i| match i {
            0 => status_with(503, RETRY_AFTER, "3"),
            _ => status(200),
        },
    ));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(log.gaps(), [Duration::from_secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_honoured() {
    let log = Log::default();
    let mut svc = builder().max_attempts(2).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        |i| match i {
            0 => {
                let at = SystemTime::now() + Duration::from_secs(5);
                status_with(429, RETRY_AFTER, &httpdate::fmt_http_date(at))
            }
            _ => status(200),
        },
    ));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let gap = log.gaps()[0];
    // The date has whole-second precision: 5 s from now is between 4 and 5 s away.
    assert!(
        gap >= Duration::from_secs(4) && gap <= Duration::from_secs(5),
        "{gap:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_longer_than_retry_after_wins() {
    let log = Log::default();
    let mut svc = builder()
        .max_attempts(2)
        .base_delay(Duration::from_secs(5))
        .max_delay(Duration::from_secs(5))
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, |i| match i {
            0 => status_with(503, RETRY_AFTER, "1"),
            _ => status(200),
        }));
    send(&mut svc, get()).await.unwrap();
    assert_eq!(log.gaps(), [Duration::from_secs(5)]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_above_max_retry_after_ends_the_loop_at_once_and_marks() {
    let log = Log::default();
    let mut svc = builder()
        .max_retry_after(Duration::from_secs(10))
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, |_| {
            status_with(429, RETRY_AFTER, "120")
        }));
    let start = Instant::now();
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(is_marked(&res));
    assert_eq!(log.calls(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// ---------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn post_without_idempotency_key_is_not_retried_nor_marked() {
    let log = Log::default();
    let mut svc = builder()
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    let res = send(&mut svc, request(Method::POST, TestBody::full("order")))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!is_marked(&res));
    assert_eq!(log.calls(), 1);
    assert_eq!(log.seen()[0].body, "order");
}

#[tokio::test(start_paused = true)]
async fn post_and_patch_with_idempotency_key_are_retried() {
    for method in [Method::POST, Method::PATCH] {
        let log = Log::default();
        let mut svc = builder().max_attempts(3).build().unwrap().layer(recorder(
            &log,
            Duration::ZERO,
            script(&[500, 500, 201]),
        ));
        let mut req = request(method.clone(), TestBody::full("order"));
        req.headers_mut()
            .insert(IDEMPOTENCY_KEY, HeaderValue::from_static("k-1"));
        let res = send(&mut svc, req).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{method}");
        assert_eq!(log.calls(), 3, "{method}");
        assert!(
            log.seen()
                .iter()
                .all(|s| s.method == method && s.body == "order")
        );
    }
}

#[tokio::test(start_paused = true)]
async fn safe_and_idempotent_methods_are_retried_by_default() {
    for method in [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::PUT,
        Method::DELETE,
    ] {
        let log = Log::default();
        let mut svc = builder().max_attempts(2).build().unwrap().layer(recorder(
            &log,
            Duration::ZERO,
            script(&[500]),
        ));
        send(&mut svc, request(method.clone(), TestBody::empty()))
            .await
            .unwrap();
        assert_eq!(log.calls(), 2, "{method}");
    }
}

#[tokio::test(start_paused = true)]
async fn idempotent_methods_can_be_configured() {
    let layer = builder()
        .max_attempts(2)
        .idempotent_methods([Method::GET, Method::POST])
        .build()
        .unwrap();
    for (method, calls) in [(Method::POST, 2), (Method::DELETE, 1), (Method::GET, 2)] {
        let log = Log::default();
        let mut svc = layer.layer(recorder(&log, Duration::ZERO, script(&[500])));
        send(&mut svc, request(method.clone(), TestBody::empty()))
            .await
            .unwrap();
        assert_eq!(log.calls(), calls, "{method}");
    }
}

// ---------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn small_streamed_body_and_its_trailers_are_replayed_byte_for_byte() {
    let log = Log::default();
    let mut svc = builder().max_attempts(3).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        script(&[500, 502, 200]),
    ));
    let mut trailers = HeaderMap::new();
    trailers.insert("checksum", HeaderValue::from_static("abc123"));
    let body = TestBody::chunks(&["hello ", "", "wor", "ld\0\u{ff}"]).trailers(trailers.clone());
    let res = send(&mut svc, request(Method::PUT, body)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let seen = log.seen();
    assert_eq!(seen.len(), 3);
    for attempt in &seen {
        assert_eq!(attempt.body, "hello world\0\u{ff}");
        assert_eq!(attempt.trailers.as_ref(), Some(&trailers));
        assert_eq!(attempt.body_error, None);
    }
}

#[tokio::test(start_paused = true)]
async fn body_over_the_replay_cap_is_sent_once_whole_and_not_retried() {
    let log = Log::default();
    let mut svc = builder()
        .max_replay_bytes(8)
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    let mut trailers = HeaderMap::new();
    trailers.insert("checksum", HeaderValue::from_static("x"));
    let body = TestBody::chunks(&["abcde", "fghij", "klm"]).trailers(trailers.clone());
    let res = send(&mut svc, request(Method::PUT, body)).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!is_marked(&res), "only this hop's cap prevented the retry");
    let seen = log.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, "abcdefghijklm");
    assert_eq!(seen[0].trailers.as_ref(), Some(&trailers));
}

#[tokio::test(start_paused = true)]
async fn body_exactly_at_the_replay_cap_is_replayed() {
    let log = Log::default();
    let mut svc = builder()
        .max_attempts(2)
        .max_replay_bytes(10)
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    send(
        &mut svc,
        request(Method::PUT, TestBody::chunks(&["01234", "56789"])),
    )
    .await
    .unwrap();
    let bodies: Vec<_> = log.seen().into_iter().map(|s| s.body).collect();
    assert_eq!(bodies, ["0123456789", "0123456789"]);
}

#[tokio::test(start_paused = true)]
async fn body_error_while_buffering_reaches_the_inner_service_once_after_its_prefix() {
    let log = Log::default();
    let mut svc = builder()
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    let body = TestBody::chunks(&["ab"]).error("client went away");
    send(&mut svc, request(Method::PUT, body)).await.unwrap();
    let seen = log.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, "ab");
    assert_eq!(seen[0].body_error, Some("client went away"));
}

#[tokio::test(start_paused = true)]
async fn empty_body_is_replayed_as_empty() {
    let log = Log::default();
    let mut svc = builder().max_attempts(2).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        script(&[500]),
    ));
    send(&mut svc, get()).await.unwrap();
    let seen = log.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|s| s.body.is_empty() && s.trailers.is_none())
    );
}

// ---------------------------------------------------------------------------------------
// Rejections and the no-retry marker
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn circuit_open_rejection_is_not_retried_and_spends_no_budget() {
    let budget = RetryBudget::new(1.0, 0.0).unwrap();
    let log = Log::default();
    let mut svc = builder()
        .budget(budget.clone())
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, |_| {
            Ok(Rejection::CircuitOpen {
                retry_after: Duration::from_secs(1),
            }
            .into_response())
        }));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(matches!(
        Rejection::of(&res),
        Some(Rejection::CircuitOpen { .. })
    ));
    assert!(!is_marked(&res));
    assert_eq!(log.calls(), 1);
    assert_eq!(
        budget.available(),
        1.0,
        "the request's deposit is untouched"
    );
}

#[tokio::test(start_paused = true)]
async fn response_with_the_no_retry_marker_is_not_retried() {
    let log = Log::default();
    let mut svc = builder()
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, |_| {
            status_with(503, NO_RETRY, "1")
        }));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(is_marked(&res));
    assert_eq!(log.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn retries_do_not_multiply_across_two_hops() {
    // The lower hop retries 3 times, gives up and marks; the upper hop does not retry.
    let log = Log::default();
    let lower = builder().max_attempts(3).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        script(&[500]),
    ));
    let lower = service_fn(move |req: Request<ReplayBody<TestBody>>| {
        let mut lower = lower.clone();
        async move {
            // The hop in between: the upper layer's request goes out as a fresh body.
            let (parts, body) = req.into_parts();
            let body = TestBody::data(body.collect().await.unwrap().to_bytes());
            lower
                .ready()
                .await?
                .call(Request::from_parts(parts, body))
                .await
        }
    });
    let mut upper = builder().max_attempts(3).build().unwrap().layer(lower);
    let res = send(&mut upper, get()).await.unwrap();
    assert!(is_marked(&res));
    assert_eq!(log.calls(), 3);
}

// ---------------------------------------------------------------------------------------
// What the inner service sees
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn attempt_number_is_inserted_only_on_retries() {
    let log = Log::default();
    let mut svc = builder().max_attempts(3).build().unwrap().layer(recorder(
        &log,
        Duration::ZERO,
        script(&[500]),
    ));
    send(&mut svc, get()).await.unwrap();
    let seen = log.seen();
    let numbers: Vec<_> = seen.iter().map(|s| s.attempt).collect();
    let inserted: Vec<_> = seen.iter().map(|s| s.has_attempt_extension).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(inserted, [false, true, true]);
}

#[tokio::test(start_paused = true)]
async fn timeout_header_is_refreshed_on_each_retry() {
    let log = Log::default();
    let mut svc = builder()
        .max_attempts(3)
        .base_delay(Duration::from_millis(100))
        .multiplier(1.0)
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::from_millis(50), script(&[500])));
    let mut req = get();
    req.headers_mut()
        .insert(TIMEOUT_MS, HeaderValue::from_static("1000"));
    send(&mut svc, req).await.unwrap();
    let sent: Vec<_> = log
        .seen()
        .into_iter()
        .map(|s| s.timeout_ms.unwrap())
        .collect();
    // 50 ms per attempt plus 100 ms of back-off before each retry.
    assert_eq!(sent, ["1000", "850", "700"]);
}

// ---------------------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn retry_is_not_started_when_the_backoff_would_leave_less_than_min_attempt_time() {
    let log = Log::default();
    let mut svc = builder()
        .max_attempts(10)
        .base_delay(Duration::from_millis(400))
        .multiplier(1.0)
        .min_attempt_time(Duration::from_millis(300))
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    let start = Instant::now();
    let res = Deadline::after(Duration::from_secs(1))
        .scope(send(&mut svc, get()))
        .await
        .unwrap();
    // Attempt 1 at 0 ms; attempt 2 at 400 ms (600 ms left); a third at 800 ms would have
    // only 200 ms, so the layer stops at 400 ms instead of sleeping.
    assert_eq!(log.calls(), 2);
    assert_eq!(start.elapsed(), Duration::from_millis(400));
    assert!(is_marked(&res));
}

#[tokio::test(start_paused = true)]
async fn retry_is_never_scheduled_past_the_deadline() {
    let log = Log::default();
    let mut svc = builder()
        .max_attempts(10)
        .base_delay(Duration::from_secs(2))
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    let start = Instant::now();
    Deadline::after(Duration::from_secs(1))
        .scope(send(&mut svc, get()))
        .await
        .unwrap();
    assert_eq!(log.calls(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn retry_is_abandoned_when_waiting_for_readiness_ate_the_deadline() {
    let log = Log::default();
    let limited =
        tower::limit::ConcurrencyLimit::new(recorder(&log, Duration::ZERO, script(&[500])), 1);
    let mut svc = builder()
        .max_attempts(3)
        .base_delay(Duration::from_millis(100))
        .min_attempt_time(Duration::from_millis(300))
        .build()
        .unwrap()
        .layer(limited.clone());
    // Another caller takes the only slot from 50 ms to 900 ms, across the retry's start.
    let hog = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut holder = limited;
        holder.ready().await.unwrap();
        tokio::time::sleep(Duration::from_millis(850)).await;
    });
    let start = Instant::now();
    let res = Deadline::after(Duration::from_secs(1))
        .scope(send(&mut svc, get()))
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(900));
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(Rejection::of(&res), Some(Rejection::DeadlineExceeded));
    assert!(is_marked(&res));
    assert_eq!(log.calls(), 1);
    hog.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn expired_deadline_is_answered_504_without_calling_the_inner_service() {
    let log = Log::default();
    let mut svc = builder()
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[200])));
    let deadline = Deadline::after(Duration::from_millis(5));
    tokio::time::advance(Duration::from_millis(10)).await;
    let res = deadline.scope(send(&mut svc, get())).await.unwrap();
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(Rejection::of(&res), Some(Rejection::DeadlineExceeded));
    assert!(is_marked(&res));
    assert_eq!(log.calls(), 0);
}

// ---------------------------------------------------------------------------------------
// Budget
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn budget_bounds_attempts_under_a_total_outage_with_many_concurrent_callers() {
    const RATIO: f64 = 0.1;
    const MIN_PER_SEC: f64 = 5.0;
    let budget = RetryBudget::new(RATIO, MIN_PER_SEC).unwrap();
    let start = Instant::now();
    let attempts = Arc::new(AtomicUsize::new(0));
    let offered = Arc::new(AtomicUsize::new(0));
    let outage = {
        let attempts = attempts.clone();
        service_fn(move |_: Request<ReplayBody<TestBody>>| {
            attempts.fetch_add(1, Ordering::Relaxed);
            async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                status(503)
            }
        })
    };
    let svc = RetryLayer::builder()
        .max_attempts(5)
        .base_delay(Duration::from_millis(10))
        .budget(budget)
        .seed(1)
        .build()
        .unwrap()
        .layer(outage);
    let callers: Vec<_> = (0..32)
        .map(|_| {
            let (mut svc, offered) = (svc.clone(), offered.clone());
            tokio::spawn(async move {
                while start.elapsed() < Duration::from_secs(10) {
                    offered.fetch_add(1, Ordering::Relaxed);
                    let res = send(&mut svc, get()).await.unwrap();
                    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    let (attempts, offered) = (
        attempts.load(Ordering::Relaxed) as f64,
        offered.load(Ordering::Relaxed) as f64,
    );
    let bound = offered * (1.0 + RATIO) + MIN_PER_SEC * start.elapsed().as_secs_f64();
    assert!(attempts <= bound, "{attempts} attempts > bound {bound}");
    assert!(
        attempts > offered * (1.0 + RATIO / 2.0),
        "the budget did pay for retries: {attempts} attempts for {offered} requests"
    );
}

#[tokio::test(start_paused = true)]
async fn budget_is_reserved_when_the_retry_is_scheduled_before_the_backoff_sleep() {
    // Two requests deposit half a token each: one retry between them.
    let budget = RetryBudget::new(0.5, 0.0).unwrap();
    let log = Log::default();
    let svc = builder()
        .max_attempts(2)
        .base_delay(Duration::from_secs(1))
        .budget(budget.clone())
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    let start = Instant::now();
    let call = |mut svc: tower::util::BoxCloneService<_, _, _>| async move {
        let res = send(&mut svc, get()).await.unwrap();
        (start.elapsed(), is_marked(&res))
    };
    let boxed = tower::util::BoxCloneService::new(svc);
    let first = tokio::spawn(call(boxed.clone()));
    let second = tokio::spawn(call(boxed));
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Mid back-off: the retry is not sent yet, but its token is already gone.
    assert_eq!(log.calls(), 2);
    assert_eq!(budget.available(), 0.0);
    let mut done = [first.await.unwrap(), second.await.unwrap()];
    done.sort();
    assert_eq!(
        done,
        [(Duration::ZERO, true), (Duration::from_secs(1), true)]
    );
    assert_eq!(log.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn budget_exhaustion_ends_the_loop_and_marks_the_response() {
    let log = Log::default();
    let mut svc = builder()
        .budget(RetryBudget::new(0.0, 0.0).unwrap())
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    let res = send(&mut svc, get()).await.unwrap();
    assert!(is_marked(&res));
    assert_eq!(log.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn budget_accrues_min_per_sec_over_time() {
    let log = Log::default();
    let mut svc = builder()
        .max_attempts(2)
        .budget(RetryBudget::new(0.0, 1.0).unwrap())
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[500])));
    send(&mut svc, get()).await.unwrap();
    assert_eq!(log.calls(), 1, "the budget starts empty");
    tokio::time::advance(Duration::from_secs(1)).await;
    send(&mut svc, get()).await.unwrap();
    assert_eq!(log.calls(), 3, "one second earned one retry");
}

/// Two requests that fail, each depositing half a token: the second is retried only if it
/// finds the first one's deposit.
async fn second_request_is_retried(
    mut first: impl Service<Request<TestBody>, Response = Response<String>, Error = io::Error>,
    mut second: impl Service<Request<TestBody>, Response = Response<String>, Error = io::Error>,
    log: &Log,
) -> bool {
    send(&mut first, get()).await.unwrap();
    assert_eq!(log.calls(), 1);
    send(&mut second, get()).await.unwrap();
    log.calls() == 3
}

#[tokio::test(start_paused = true)]
async fn clones_of_a_layer_and_of_a_service_share_one_budget() {
    let log = Log::default();
    let layer = builder()
        .max_attempts(2)
        .budget(RetryBudget::new(0.5, 0.0).unwrap())
        .build()
        .unwrap();
    let inner = recorder(&log, Duration::ZERO, script(&[500]));
    let svc = layer.clone().layer(inner.clone());
    assert!(second_request_is_retried(svc.clone(), svc, &log).await);

    let log = Log::default();
    let layer = builder()
        .max_attempts(2)
        .budget(RetryBudget::new(0.5, 0.0).unwrap())
        .build()
        .unwrap();
    let inner = recorder(&log, Duration::ZERO, script(&[500]));
    let (a, b) = (layer.clone().layer(inner.clone()), layer.layer(inner));
    assert!(second_request_is_retried(a, b, &log).await);
}

#[tokio::test(start_paused = true)]
async fn one_budget_can_be_shared_by_several_layers() {
    let budget = RetryBudget::new(0.5, 0.0).unwrap();
    let log = Log::default();
    let inner = recorder(&log, Duration::ZERO, script(&[500]));
    let make = |budget: RetryBudget| {
        builder()
            .max_attempts(2)
            .budget(budget)
            .build()
            .unwrap()
            .layer(inner.clone())
    };
    assert!(second_request_is_retried(make(budget.clone()), make(budget), &log).await);

    // Separate budgets of the same settings do not pool.
    let log = Log::default();
    let inner = recorder(&log, Duration::ZERO, script(&[500]));
    let make = || {
        builder()
            .max_attempts(2)
            .budget(RetryBudget::new(0.5, 0.0).unwrap())
            .build()
            .unwrap()
            .layer(inner.clone())
    };
    assert!(!second_request_is_retried(make(), make(), &log).await);
}

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

#[test]
fn builder_refuses_bad_settings_with_typed_errors() {
    let err = |b: RetryBuilder| b.build().unwrap_err();
    assert_eq!(
        err(RetryLayer::builder().max_attempts(0)),
        ConfigError::ZeroAttempts
    );
    assert_eq!(
        err(RetryLayer::builder().max_delay(Duration::ZERO)),
        ConfigError::ZeroMaxDelay
    );
    assert_eq!(
        err(RetryLayer::builder()
            .base_delay(Duration::from_secs(3))
            .max_delay(Duration::from_secs(2))),
        ConfigError::BaseAboveMax {
            base: Duration::from_secs(3),
            max: Duration::from_secs(2)
        }
    );
    for multiplier in [0.5, 0.0, -2.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                err(RetryLayer::builder().multiplier(multiplier)),
                ConfigError::InvalidMultiplier { .. }
            ),
            "{multiplier}"
        );
    }
    for ratio in [-0.1, 1000.1, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                RetryBudget::new(ratio, 1.0),
                Err(ConfigError::InvalidRatio { .. })
            ),
            "{ratio}"
        );
    }
    for min_per_sec in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                RetryBudget::new(0.2, min_per_sec),
                Err(ConfigError::InvalidMinPerSec { .. })
            ),
            "{min_per_sec}"
        );
    }
    for max_balance in [0.0, 0.999, -5.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                RetryBudget::builder().max_balance(max_balance).build(),
                Err(ConfigError::InvalidMaxBalance { .. })
            ),
            "{max_balance}"
        );
    }
    assert!(!ConfigError::ZeroAttempts.to_string().is_empty());
    // The edges of what is allowed.
    assert!(
        RetryLayer::builder()
            .max_attempts(1)
            .base_delay(Duration::ZERO)
            .multiplier(1.0)
            .build()
            .is_ok()
    );
    assert!(RetryBudget::new(0.0, 0.0).is_ok());
    assert!(RetryBudget::new(1000.0, 0.0).is_ok());
}

#[tokio::test(start_paused = true)]
async fn custom_classifier_decides_what_is_retried() {
    let log = Log::default();
    let retry_404 = |result: Result<&Response<String>, &io::Error>| match result {
        Ok(res) if res.status() == StatusCode::NOT_FOUND => seawall::Outcome::Failure,
        other => seawall::classify::Classify::classify(&seawall::HttpClassifier, other),
    };
    let mut svc = builder()
        .max_attempts(2)
        .classifier(retry_404)
        .build()
        .unwrap()
        .layer(recorder(&log, Duration::ZERO, script(&[404, 200])));
    let res = send(&mut svc, get()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(log.calls(), 2);
}

// ---------------------------------------------------------------------------------------
// Tracing
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn each_retry_decision_emits_a_tracing_event() {
    async fn scenario() {
        let log = Log::default();
        let mut svc = builder().max_attempts(2).build().unwrap().layer(recorder(
            &log,
            Duration::ZERO,
            script(&[500]),
        ));
        send(&mut svc, get()).await.unwrap();
        let mut broke = builder()
            .budget(RetryBudget::new(0.0, 0.0).unwrap())
            .build()
            .unwrap()
            .layer(recorder(&log, Duration::ZERO, script(&[503])));
        send(&mut broke, get()).await.unwrap();
    }

    support::events::start();
    scenario().await;
    let events = support::events::captured("seawall::retry");
    let summary: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e.field("seawall.retry.attempt").map(str::to_owned),
                e.field("seawall.retry.reason").map(str::to_owned),
            )
        })
        .collect();
    let some = |a: &str, r: &str| (Some(a.to_owned()), Some(r.to_owned()));
    assert_eq!(
        summary,
        [
            some("1", "failure"),
            some("2", "attempts_exhausted"),
            some("1", "budget_exhausted"),
        ]
    );
    assert_eq!(events[0].field("seawall.retry.delay_ms"), Some("10"));
    assert_eq!(events[0].field("seawall.retry.next_attempt"), Some("2"));
}

// ---------------------------------------------------------------------------------------
// Through a real server (real time)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn retries_through_a_real_axum_server_and_hyper_client() {
    use axum::{Router, extract::State, routing::get as route_get, routing::post};
    use http_body_util::{Full, combinators::BoxBody};
    use hyper_util::{client::legacy::Client, rt::TokioExecutor};
    use tower::ServiceBuilder;

    #[derive(Clone, Default)]
    struct Counts {
        flaky: Arc<AtomicUsize>,
        echo: Arc<AtomicUsize>,
    }
    let counts = Counts::default();
    let app = Router::new()
        .route(
            "/flaky",
            route_get(|State(c): State<Counts>| async move {
                match c.flaky.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => (StatusCode::SERVICE_UNAVAILABLE, "down"),
                    _ => (StatusCode::OK, "up"),
                }
            }),
        )
        .route(
            "/echo",
            post(|State(c): State<Counts>, body: Bytes| async move {
                match c.echo.fetch_add(1, Ordering::SeqCst) {
                    0 => (StatusCode::BAD_GATEWAY, Bytes::new()),
                    _ => (StatusCode::OK, body),
                }
            }),
        )
        .with_state(counts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client: Client<_, ReplayBody<Full<Bytes>>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut svc = ServiceBuilder::new()
        .layer(
            RetryLayer::builder()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1))
                .budget(plenty())
                .build()
                .unwrap(),
        )
        .map_response(|res: Response<hyper::body::Incoming>| res.map(BoxBody::new))
        .service(client);

    let res = svc
        .ready()
        .await
        .unwrap()
        .call(
            Request::get(format!("http://{addr}/flaky"))
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "up");
    assert_eq!(counts.flaky.load(Ordering::SeqCst), 3);

    let res = svc
        .ready()
        .await
        .unwrap()
        .call(
            Request::post(format!("http://{addr}/echo"))
                .header(IDEMPOTENCY_KEY, "order-42")
                .body(Full::new(Bytes::from_static(b"{\"qty\":2}")))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "{\"qty\":2}"
    );
    assert_eq!(counts.echo.load(Ordering::SeqCst), 2);
    server.abort();
}

#![cfg(feature = "deadline")]
//! The deadline layer on servers, on clients and across three real services on loopback.

use axum::{Router, body::Body, extract::State, http::HeaderMap, routing::get};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, combinators::BoxBody};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use seawall::{
    Rejection,
    deadline::{Deadline, DeadlineLayer},
    headers::TIMEOUT_MS,
};
use std::{
    convert::Infallible,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    task::Poll,
    time::Duration,
};
use tokio::{net::TcpListener, time::Instant};
use tower::{ServiceBuilder, ServiceExt, service_fn};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn server(timeout: Option<Duration>) -> DeadlineLayer {
    let builder = DeadlineLayer::server();
    match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    }
    .build()
    .unwrap()
}

fn request(timeout_ms: Option<&str>) -> Request<Body> {
    let mut req = Request::get("/");
    if let Some(value) = timeout_ms {
        req = req.header(TIMEOUT_MS, value);
    }
    req.body(Body::empty()).unwrap()
}

/// A handler that reports the remaining time it sees, counting its calls.
fn remaining_reporter(calls: Arc<AtomicUsize>) -> Router {
    Router::new().route(
        "/",
        get(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                Deadline::current()
                    .map_or(0, |d| d.remaining().as_millis())
                    .to_string()
            }
        }),
    )
}

async fn body_text(res: Response<Body>) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test(start_paused = true)]
async fn server_caps_its_timeout_by_the_callers_remaining_time() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = remaining_reporter(calls.clone()).layer(server(Some(ms(2000))));

    let res = app.clone().oneshot(request(Some("300"))).await.unwrap();
    assert_eq!(body_text(res).await, "300");

    // The caller allows more than the server's own maximum: the maximum wins.
    let res = app.clone().oneshot(request(Some("9000"))).await.unwrap();
    assert_eq!(body_text(res).await, "2000");

    // No header: the server's maximum.
    let res = app.oneshot(request(None)).await.unwrap();
    assert_eq!(body_text(res).await, "2000");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn expired_request_is_answered_504_without_calling_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = remaining_reporter(calls.clone()).layer(server(None));
    let res = app.oneshot(request(Some("0"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(Rejection::of(&res), Some(Rejection::DeadlineExceeded));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn malformed_deadline_header_is_ignored() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = remaining_reporter(calls.clone()).layer(server(Some(ms(100))));
    let res = app.oneshot(request(Some("soon"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_text(res).await, "100");
}

#[tokio::test(start_paused = true)]
async fn slow_handler_is_cut_off_with_504_at_the_deadline() {
    let app = Router::new()
        .route("/", get(std::future::pending::<&'static str>))
        .layer(server(None));
    let start = Instant::now();
    let res = app.oneshot(request(Some("250"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(Rejection::of(&res), Some(Rejection::DeadlineExceeded));
    assert_eq!(start.elapsed(), ms(250));
}

/// An inner client service that records the deadline header it was sent and answers 200.
fn recording_client(
    seen: Arc<Mutex<Vec<String>>>,
) -> impl tower::Service<
    Request<Body>,
    Response = Response<Body>,
    Error = Infallible,
    Future = impl Send,
> + Clone {
    service_fn(move |req: Request<Body>| {
        let header = req
            .headers()
            .get(TIMEOUT_MS)
            .map(|v| v.to_str().unwrap().to_owned());
        seen.lock().unwrap().push(header.unwrap_or_default());
        async { Ok(Response::new(Body::empty())) }
    })
}

#[tokio::test(start_paused = true)]
async fn client_writes_the_remaining_time_minus_the_margin() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = ServiceBuilder::new()
        .layer(
            DeadlineLayer::client()
                .timeout(ms(1000))
                .margin(ms(20))
                .build()
                .unwrap(),
        )
        .service(recording_client(seen.clone()));

    // Alone, the client's own timeout applies.
    client.clone().oneshot(request(None)).await.unwrap();
    // Inside a request with 400 ms left, the tighter deadline applies.
    Deadline::after(ms(400))
        .scope(client.oneshot(request(None)))
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), ["980", "380"]);
}

#[tokio::test(start_paused = true)]
async fn client_with_an_expired_deadline_answers_504_without_sending() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = ServiceBuilder::new()
        .layer(DeadlineLayer::client().build().unwrap())
        .service(recording_client(seen.clone()));
    let deadline = Deadline::after(ms(10));
    tokio::time::advance(ms(11)).await;
    let res = deadline.scope(client.oneshot(request(None))).await.unwrap();
    assert_eq!(Rejection::of(&res), Some(Rejection::DeadlineExceeded));
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn per_attempt_timeout_is_a_timeout_unless_the_deadline_binds() {
    let hang =
        service_fn(|_: Request<Body>| std::future::pending::<Result<Response<Body>, Infallible>>());
    let attempt = ServiceBuilder::new()
        .layer(
            DeadlineLayer::per_attempt()
                .timeout(ms(100))
                .build()
                .unwrap(),
        )
        .service(hang);

    // Plenty of time overall: the attempt's own timeout runs out, which is retryable.
    let res = Deadline::after(ms(1000))
        .scope(attempt.clone().oneshot(request(None)))
        .await
        .unwrap();
    assert_eq!(Rejection::of(&res), Some(Rejection::Timeout));

    // The request's deadline is nearer than the attempt's timeout: not worth retrying.
    let res = Deadline::after(ms(50))
        .scope(attempt.oneshot(request(None)))
        .await
        .unwrap();
    assert_eq!(Rejection::of(&res), Some(Rejection::DeadlineExceeded));
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>;

#[derive(Clone)]
struct Hop {
    name: &'static str,
    next: Option<String>,
    client: HttpClient,
    seen: Arc<Mutex<Vec<(&'static str, u64)>>>,
}

/// Records the remaining time this hop sees, then calls the next hop through a client
/// deadline layer, or hangs if it is the last.
async fn hop(State(hop): State<Hop>, headers: HeaderMap) -> StatusCode {
    let remaining = Deadline::current()
        .or_else(|| Deadline::from_headers(&headers).unwrap())
        .expect("every hop has a deadline")
        .remaining();
    hop.seen
        .lock()
        .unwrap()
        .push((hop.name, remaining.as_millis() as u64));
    let Some(next) = hop.next else {
        return std::future::pending().await;
    };
    let client = ServiceBuilder::new()
        .layer(DeadlineLayer::client().build().unwrap())
        .map_response(|res: Response<hyper::body::Incoming>| res.map(BoxBody::new))
        .service(hop.client.clone());
    let req = Request::get(next).body(Empty::new()).unwrap();
    match client.oneshot(req).await {
        Ok(res) => res.status(),
        Err(_) => StatusCode::BAD_GATEWAY,
    }
}

async fn spawn_hop(hop_state: Hop, deadline: Option<DeadlineLayer>) -> String {
    let mut app = Router::new().route("/", get(hop)).with_state(hop_state);
    if let Some(layer) = deadline {
        app = app.layer(layer);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test(start_paused = true)]
async fn three_services_share_one_deadline_and_the_first_answers_504_in_time() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let hop_state = |name, next| Hop {
        name,
        next,
        client: client.clone(),
        seen: seen.clone(),
    };
    // The last hop ignores deadlines and hangs; only its callers can cut it off.
    let c = spawn_hop(hop_state("c", None), None).await;
    let b = spawn_hop(hop_state("b", Some(c)), Some(server(None))).await;
    let a = spawn_hop(hop_state("a", Some(b)), Some(server(Some(ms(500))))).await;

    let start = Instant::now();
    let req = Request::get(a).body(Empty::new()).unwrap();
    let res = client.request(req).await.unwrap();
    let elapsed = start.elapsed();

    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(elapsed <= ms(500) + ms(10), "answered after {elapsed:?}");
    let seen = seen.lock().unwrap().clone();
    let names: Vec<_> = seen.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(
        seen.windows(2).all(|pair| pair[1].1 < pair[0].1),
        "each hop must see less time than the one before: {seen:?}"
    );
    assert_eq!(seen[0].1, 500);
}

// Nested deadlines arm one timer: an outer deadline that a pending inner one covers arms
// none. These check that the outer deadline is enforced all the same once nothing covers
// it, however the inner one stops covering it.

/// A client deadline of `timeout` around a service that answers 200 after `answer_after`,
/// or never.
fn inner_call(
    timeout: Duration,
    answer_after: Option<Duration>,
) -> impl Future<Output = Result<Response<Body>, Infallible>> + Send + 'static {
    let client = ServiceBuilder::new()
        .layer(DeadlineLayer::client().timeout(timeout).build().unwrap())
        .service(service_fn(move |_: Request<Body>| async move {
            match answer_after {
                Some(delay) => tokio::time::sleep(delay).await,
                None => std::future::pending().await,
            }
            Ok::<_, Infallible>(Response::new(Body::empty()))
        }));
    client.oneshot(Request::new(Body::empty()))
}

/// Serves one request through a 1 s server deadline around `handler`; the status and when
/// it came, failing rather than hanging if nothing ever answers.
async fn serve_with_one_second<F>(
    handler: impl Fn() -> F + Clone + Send + Sync + 'static,
) -> (StatusCode, Duration)
where
    F: Future<Output = &'static str> + Send + 'static,
{
    let app = Router::new()
        .route("/", get(handler))
        .layer(server(Some(Duration::from_secs(1))));
    let start = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(5), app.oneshot(request(None)))
        .await
        .expect("the server deadline answers")
        .unwrap();
    (res.status(), start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn an_outer_deadline_fires_after_the_inner_one_that_covered_it_has_finished() {
    let (status, elapsed) = serve_with_one_second(|| async {
        // While this call is pending its 100 ms timer covers the server's; it answers at
        // 50 ms, and then nothing below the server deadline has a timer.
        inner_call(ms(100), Some(ms(50))).await.unwrap();
        std::future::pending().await
    })
    .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(elapsed, Duration::from_secs(1));
}

/// A handler future that polls `call` once (so that its timer is reported to the server
/// deadline), hands it to `then`, and then waits for nothing, with no waker stored anywhere.
fn poll_once_then<C>(
    call: C,
    then: impl FnOnce(Pin<Box<C>>) + Send + 'static,
) -> impl Future<Output = &'static str> + Send
where
    C: Future + Send + 'static,
{
    let mut pending = Some((Box::pin(call), then));
    std::future::poll_fn(move |cx| {
        if let Some((mut call, then)) = pending.take() {
            assert!(call.as_mut().poll(cx).is_pending());
            then(call);
        }
        Poll::Pending
    })
}

#[tokio::test(start_paused = true)]
async fn an_outer_deadline_fires_when_the_inner_one_is_dropped_unfinished() {
    let (status, elapsed) =
        serve_with_one_second(|| poll_once_then(inner_call(ms(100), None), drop)).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(elapsed, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn an_outer_deadline_fires_when_the_inner_one_moves_to_another_task() {
    // The other task runs the call to its 504 at 500 ms and keeps the answer: the inner
    // timer wakes that task, not this one.
    let (status, elapsed) = serve_with_one_second(|| {
        poll_once_then(inner_call(ms(500), None), |call| {
            tokio::spawn(async move {
                let answer = call.await.unwrap();
                assert_eq!(answer.status(), StatusCode::GATEWAY_TIMEOUT);
            });
        })
    })
    .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(elapsed, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn an_inner_deadline_later_than_the_outer_one_does_not_cover_it() {
    let (status, elapsed) = serve_with_one_second(|| async {
        // A server deadline inside does not take the current one into account: 5 s.
        let inner = ServiceBuilder::new()
            .layer(server(Some(Duration::from_secs(5))))
            .service(service_fn(|_: Request<Body>| async {
                std::future::pending::<Result<Response<Body>, Infallible>>().await
            }));
        inner.oneshot(Request::new(Body::empty())).await.unwrap();
        "never"
    })
    .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(elapsed, Duration::from_secs(1));
}

//! Per-call cost of each seawall layer on the happy path, against a bare service and
//! against peer crates, in one run: `cargo bench -p seawall --bench layers`.
//!
//! Every case calls a service that answers 200 at once, `iters` times inside one
//! `block_on`, so the harness adds nothing per call. BENCHMARKS.md has the results.

mod harness;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use harness::{bench_service, runtime, time_calls};
use http::{Request, Response};
use http_body_util::Empty;
use seawall::{
    breaker::CircuitBreakerLayer, deadline::DeadlineLayer, retry::RetryLayer, stack::ClientStack,
};
use std::{convert::Infallible, future::Future, hint::black_box, sync::Arc, time::Duration};
use tower::{Layer, Service, ServiceBuilder, service_fn};

type Req = Request<Empty<Bytes>>;
type Res = Response<Empty<Bytes>>;

/// Answers 200 at once, whatever the request body (the retry layer hands on a `ReplayBody`).
fn bare<B>() -> impl Service<
    Request<B>,
    Response = Res,
    Error = Infallible,
    Future = impl Future<Output = Result<Res, Infallible>> + Send,
> + Clone
+ Send {
    service_fn(|_req: Request<B>| async { Ok::<_, Infallible>(Response::new(Empty::new())) })
}

fn request() -> Req {
    Request::get("http://svc/items").body(Empty::new()).unwrap()
}

/// tower's retry needs a policy; this one retries 5xx within a `TpsBudget`, as a user would.
#[derive(Clone)]
struct TowerRetryPolicy {
    budget: Arc<tower::retry::budget::TpsBudget>,
}

impl<E> tower::retry::Policy<Req, Res, E> for TowerRetryPolicy {
    type Future = std::future::Ready<()>;

    fn retry(&mut self, _req: &mut Req, result: &mut Result<Res, E>) -> Option<Self::Future> {
        use tower::retry::budget::Budget;
        match result {
            Ok(res) if !res.status().is_server_error() => {
                self.budget.deposit();
                None
            }
            _ => self.budget.withdraw().then(|| std::future::ready(())),
        }
    }

    fn clone_request(&mut self, req: &Req) -> Option<Req> {
        let mut clone = Request::new(Empty::new());
        *clone.method_mut() = req.method().clone();
        *clone.uri_mut() = req.uri().clone();
        *clone.version_mut() = req.version();
        *clone.headers_mut() = req.headers().clone();
        Some(clone)
    }
}

fn peers(c: &mut Criterion) {
    bench_service(c, "bare", bare(), request);

    let tower_retry_timeout = ServiceBuilder::new()
        .retry(TowerRetryPolicy {
            budget: Arc::new(tower::retry::budget::TpsBudget::new(
                Duration::from_secs(10),
                10,
                0.2,
            )),
        })
        .timeout(Duration::from_secs(10))
        .service(bare());
    bench_service(c, "tower/retry+timeout", tower_retry_timeout, request);

    let tower_resilience_breaker = tower_resilience_circuitbreaker::CircuitBreakerLayer::builder()
        .failure_rate_threshold(0.5)
        .sliding_window_size(100)
        .classify_response(|res: &Res| res.status().is_server_error())
        .build()
        .unwrap()
        .layer(bare());
    bench_service(
        c,
        "tower-resilience/breaker",
        tower_resilience_breaker,
        request,
    );
}

fn request_with_deadline() -> Req {
    let mut req = request();
    req.headers_mut()
        .insert(seawall::headers::TIMEOUT_MS, "5000".parse().unwrap());
    req
}

fn seawall_layers(c: &mut Criterion) {
    // The server case's requests carry a header, which costs the bare service too.
    bench_service(
        c,
        "bare/with-deadline-header",
        bare(),
        request_with_deadline,
    );
    let server_deadline = DeadlineLayer::server()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    bench_service(
        c,
        "seawall/deadline-server",
        server_deadline.layer(bare()),
        request_with_deadline,
    );
    let client_deadline = DeadlineLayer::client()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    bench_service(
        c,
        "seawall/deadline-client",
        client_deadline.layer(bare()),
        request,
    );
}

fn seawall_resilience(c: &mut Criterion) {
    let breaker = CircuitBreakerLayer::builder().build().unwrap();
    bench_service(c, "seawall/breaker", breaker.layer(bare()), request);
    let retry = RetryLayer::builder().build().unwrap();
    bench_service(c, "seawall/retry", retry.layer(bare()), request);
    let stack = ClientStack::builder()
        .total_timeout(Duration::from_secs(10))
        .attempt_timeout(Duration::from_secs(2))
        .retry(RetryLayer::builder().build().unwrap())
        .breaker(CircuitBreakerLayer::builder().build().unwrap())
        .build()
        .unwrap();
    bench_service(
        c,
        "seawall/stack deadline+retry+breaker+attempt",
        stack.layer(bare()),
        request,
    );
}

/// The chaos layer with no fault set, over the same bare service: on the router (in the
/// observability bench) its few nanoseconds drown in the router's noise.
#[cfg(feature = "chaos")]
fn seawall_chaos_idle(c: &mut Criterion) {
    let idle = seawall::chaos::ChaosLayer::builder()
        .seed(1)
        .build()
        .unwrap();
    bench_service(c, "seawall/chaos (no fault)", idle.layer(bare()), request);
}

#[cfg(not(feature = "chaos"))]
fn seawall_chaos_idle(_: &mut Criterion) {}

/// What any layer doing a retry's or a client deadline's job must pay at least, over the
/// same bare service: the lower bounds the seawall layers are measured against.
fn floors(c: &mut Criterion) {
    // A retry layer keeps its shared policy and a copy of the request head for a second
    // attempt, since the inner service takes the request: an `Arc` and a `Uri` clone,
    // each a reference-count increment and, when dropped, a decrement.
    let policy = Arc::new(());
    bench_service(
        c,
        "floor/retry: an Arc and the URI kept per call",
        service_fn(move |req: Req| {
            let kept = (Arc::clone(&policy), req.uri().clone());
            let mut inner = bare();
            let answer = inner.call(req);
            async move {
                let answer = answer.await;
                drop(kept);
                answer
            }
        }),
        request,
    );
    // A server deadline reads the clock: the deadline is "now + budget".
    bench_service(
        c,
        "floor/deadline-server: the clock read",
        service_fn(move |req: Req| {
            black_box(tokio::time::Instant::now());
            bare().call(req)
        }),
        request_with_deadline,
    );
    // A client deadline reads the clock and writes the header that carries the budget.
    let value = http::HeaderValue::from_static("9995");
    bench_service(
        c,
        "floor/deadline-client: the clock and one header written",
        service_fn(move |mut req: Req| {
            black_box(tokio::time::Instant::now());
            req.headers_mut()
                .insert("x-seawall-timeout-ms", value.clone());
            bare().call(req)
        }),
        request,
    );
}

/// One breaker shared by one thread, then by two: the closed path must scale, which it
/// cannot if every call takes a lock. Each iteration is one call on each thread.
fn breaker_scaling(c: &mut Criterion) {
    for threads in [1_u64, 2] {
        let layer = CircuitBreakerLayer::builder().build().unwrap();
        c.bench_function(
            &format!("seawall/breaker shared by {threads} thread(s)"),
            |b| {
                b.iter_custom(|iters| {
                    let per_thread: Vec<Duration> = std::thread::scope(|scope| {
                        let workers: Vec<_> = (0..threads)
                            .map(|_| {
                                let mut service = layer.layer(bare());
                                scope.spawn(move || {
                                    time_calls(&runtime(), &mut service, iters, request)
                                })
                            })
                            .collect();
                        workers.into_iter().map(|w| w.join().unwrap()).collect()
                    });
                    per_thread.into_iter().max().unwrap()
                })
            },
        );
    }
}

criterion_group!(
    benches,
    peers,
    seawall_layers,
    seawall_resilience,
    seawall_chaos_idle,
    floors,
    breaker_scaling
);
criterion_main!(benches);

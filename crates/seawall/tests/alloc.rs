//! Heap allocations per call on the happy path, counted by a global allocator.
//!
//! Each case calls a layered service many times and the bare service as many times, with
//! the requests built before counting starts, and compares the allocations made on this
//! thread while calling. The layers must add nothing, except where the layer's job is to
//! write something new (the client deadline header), which is counted exactly.
#![cfg(all(feature = "breaker", feature = "retry", feature = "deadline"))]

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::Empty;
use seawall::{
    breaker::{ByAuthority, CircuitBreakerLayer},
    deadline::{Deadline, DeadlineLayer},
    headers::TIMEOUT_MS,
    retry::RetryLayer,
};
use std::{
    alloc::{GlobalAlloc, Layout, System},
    cell::Cell,
    convert::Infallible,
    future::Future,
    time::Duration,
};
use tower::{Layer, Service, ServiceExt, service_fn};

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: delegates every call to the system allocator; only counts on the side.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const CALLS: usize = 1000;

type Req = Request<Empty<Bytes>>;

/// The bare service every case wraps: answers 200 with an empty body, whatever the
/// request body type (the retry layer hands on a `ReplayBody`).
fn bare<B>() -> impl Service<
    Request<B>,
    Response = Response<Empty<Bytes>>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Empty<Bytes>>, Infallible>>,
> + Clone {
    service_fn(|_req: Request<B>| async { Ok::<_, Infallible>(Response::new(Empty::new())) })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// Allocations made on this thread by `CALLS` calls of `service`, after a warm-up that
/// lets lazily initialised state (timer wheel, thread locals) settle. The requests are
/// built before counting starts.
fn allocations_per_run<S, B>(
    rt: &tokio::runtime::Runtime,
    mut service: S,
    make_request: impl Fn() -> Request<B>,
) -> u64
where
    S: Service<Request<B>>,
    S::Error: std::fmt::Debug,
{
    rt.block_on(async {
        for _ in 0..10 {
            service
                .ready()
                .await
                .unwrap()
                .call(make_request())
                .await
                .unwrap();
        }
        let requests: Vec<_> = (0..CALLS).map(|_| make_request()).collect();
        let mut responses = Vec::with_capacity(CALLS);
        ALLOCATIONS.with(|n| n.set(0));
        COUNTING.with(|c| c.set(true));
        for req in requests {
            let res = service.ready().await.unwrap().call(req).await.unwrap();
            responses.push(res);
        }
        COUNTING.with(|c| c.set(false));
        drop(responses);
        ALLOCATIONS.with(Cell::get)
    })
}

fn plain_get() -> Req {
    Request::get("http://svc/items").body(Empty::new()).unwrap()
}

fn get_with_deadline_header() -> Req {
    let mut req = plain_get();
    req.headers_mut()
        .insert(TIMEOUT_MS, "5000".parse().unwrap());
    req
}

#[test]
fn bare_service_allocates_nothing_per_call() {
    // The baseline the other cases compare against; if this ever changes, they still
    // compare like with like.
    assert_eq!(allocations_per_run(&runtime(), bare(), plain_get), 0);
}

#[test]
fn closed_breaker_allocates_nothing_per_call() {
    let rt = runtime();
    let baseline = allocations_per_run(&rt, bare(), plain_get);
    let builders = [
        CircuitBreakerLayer::builder()
            .count_window(100)
            .build()
            .unwrap(),
        CircuitBreakerLayer::builder()
            .time_window(Duration::from_secs(60))
            .build()
            .unwrap(),
        CircuitBreakerLayer::builder()
            .slow_calls(Duration::from_secs(1), 0.5)
            .build()
            .unwrap(),
    ];
    for layer in builders {
        assert_eq!(
            allocations_per_run(&rt, layer.layer(bare()), plain_get),
            baseline
        );
    }
    let keyed = CircuitBreakerLayer::builder()
        .key_by(ByAuthority)
        .build()
        .unwrap();
    assert_eq!(
        allocations_per_run(&rt, keyed.layer(bare()), plain_get),
        baseline
    );
}

#[test]
fn retry_without_a_retry_allocates_nothing_per_call() {
    let rt = runtime();
    let layer = RetryLayer::builder().max_attempts(3).build().unwrap();
    let baseline = allocations_per_run(&rt, bare(), plain_get);
    // A GET may be retried, so its head is kept: free for a request without headers.
    assert_eq!(
        allocations_per_run(&rt, layer.layer(bare()), plain_get),
        baseline
    );
    // A POST without an idempotency key is passed straight through.
    let post = || {
        Request::post("http://svc/items")
            .body(Empty::<Bytes>::new())
            .unwrap()
    };
    let baseline = allocations_per_run(&rt, bare(), post);
    assert_eq!(
        allocations_per_run(&rt, layer.layer(bare()), post),
        baseline
    );
}

#[test]
fn server_deadline_allocates_nothing_per_call() {
    let rt = runtime();
    let layer = DeadlineLayer::server()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let baseline = allocations_per_run(&rt, bare(), get_with_deadline_header);
    let layered = allocations_per_run(&rt, layer.layer(bare()), get_with_deadline_header);
    assert_eq!(layered, baseline);
}

#[test]
fn client_deadline_allocates_at_most_the_header_value_it_writes() {
    let rt = runtime();
    let layer = DeadlineLayer::client()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    // Requests whose header map has room, so inserting allocates nothing but the value.
    let with_room = || {
        let mut req = plain_get();
        *req.headers_mut() = HeaderMap::with_capacity(4);
        req
    };
    let baseline = allocations_per_run(&rt, bare(), with_room);
    let layered = allocations_per_run(&rt, layer.layer(bare()), with_room);
    // With its own timeout and no inherited deadline, the layer writes the same value
    // (the timeout less the margin) on every call, and reuses the one it made last.
    assert_eq!(layered, baseline, "the header value is reused");
    // A value it has not written before costs exactly one allocation: the value itself.
    let written = rt.block_on(async {
        let mut allocations = Vec::new();
        for millis in [1_000, 2_000] {
            let deadline =
                Deadline::after(Duration::from_millis(millis) + Duration::from_secs(3600));
            let mut headers = HeaderMap::with_capacity(4);
            ALLOCATIONS.with(|n| n.set(0));
            COUNTING.with(|c| c.set(true));
            deadline.write_to(&mut headers, Duration::ZERO);
            COUNTING.with(|c| c.set(false));
            allocations.push(ALLOCATIONS.with(Cell::get));
        }
        allocations
    });
    assert_eq!(written, [1, 1]);
}

#[test]
fn client_deadline_reuses_a_value_only_while_it_is_right() {
    // Paused time: the remaining time changes only when the test moves the clock.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let deadline = Deadline::after(Duration::from_secs(5));
        let write = || {
            let mut headers = HeaderMap::with_capacity(4);
            ALLOCATIONS.with(|n| n.set(0));
            COUNTING.with(|c| c.set(true));
            deadline.write_to(&mut headers, Duration::ZERO);
            COUNTING.with(|c| c.set(false));
            (headers[TIMEOUT_MS].clone(), ALLOCATIONS.with(Cell::get))
        };
        let (first, _) = write();
        assert_eq!(first, "5000");
        assert_eq!(write(), (first, 0), "same time left: the value is shared");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(write().0, "4999", "a millisecond later: a new value");
    });
}

#[cfg(feature = "chaos")]
#[test]
fn chaos_allocates_nothing_when_no_fault_matches() {
    use seawall::chaos::{ChaosLayer, FaultSpec, MatchSpec};
    let rt = runtime();
    let layer = ChaosLayer::builder().seed(1).build().unwrap();
    let baseline = allocations_per_run(&rt, bare(), plain_get);
    assert_eq!(
        allocations_per_run(&rt, layer.layer(bare()), plain_get),
        baseline,
        "no faults"
    );
    let faults = layer.handle();
    faults
        .put(
            "paymentFailure",
            FaultSpec::abort(503).when(MatchSpec::new().with_route("/charge").with_method("POST")),
        )
        .unwrap();
    faults
        .put(
            "paymentSlow",
            FaultSpec::latency(Duration::from_millis(5))
                .when(MatchSpec::new().with_route("/charge"))
                .with_ttl(Duration::from_secs(60)),
        )
        .unwrap();
    assert_eq!(
        allocations_per_run(&rt, layer.layer(bare()), plain_get),
        baseline,
        "faults in place that do not match"
    );
}

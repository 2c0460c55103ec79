#![cfg(feature = "breaker")]
//! Behaviour of the circuit breaker, through its public API only.

mod support;

use http::{Request, Response, StatusCode, header::RETRY_AFTER};
use seawall::{
    Outcome, Rejection,
    breaker::{
        BreakerHandle, ByAuthority, CircuitBreakerBuilder, CircuitBreakerLayer, ConfigError, State,
        Transition,
    },
};
use std::{
    convert::Infallible,
    future::{Ready, poll_fn},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    task::Poll,
    time::Duration,
};
use tokio::time::{Instant, advance};
use tower::{Layer, Service, ServiceExt, service_fn, util::BoxCloneService};

/// The status the upstream answers a request with (200 without it).
#[derive(Clone, Copy)]
struct Status(u16);

fn request(status: u16) -> Request<()> {
    request_to("http://upstream/", status)
}

fn request_to(uri: &str, status: u16) -> Request<()> {
    let mut request = Request::get(uri).body(()).unwrap();
    request.extensions_mut().insert(Status(status));
    request
}

/// An upstream that answers at once with the requested status, counting its calls.
#[derive(Clone)]
struct Upstream {
    calls: Arc<AtomicUsize>,
}

fn upstream(calls: Arc<AtomicUsize>) -> Upstream {
    Upstream { calls }
}

impl Service<Request<()>> for Upstream {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        self.calls.fetch_add(1, SeqCst);
        let status = request.extensions().get::<Status>().map_or(200, |s| s.0);
        let response = Response::builder().status(status).body(String::new());
        std::future::ready(Ok(response.unwrap()))
    }
}

type Client = BoxCloneService<Request<()>, Response<String>, Infallible>;

/// A breaker around a counting upstream.
struct Fixture {
    handle: BreakerHandle,
    service: Client,
    calls: Arc<AtomicUsize>,
}

fn fixture(builder: CircuitBreakerBuilder) -> Fixture {
    let layer = builder.build().expect("a valid configuration");
    let calls = Arc::new(AtomicUsize::new(0));
    Fixture {
        handle: layer.handle(),
        service: BoxCloneService::new(layer.layer(upstream(Arc::clone(&calls)))),
        calls,
    }
}

impl Fixture {
    async fn call(&self, status: u16) -> Response<String> {
        self.service.clone().oneshot(request(status)).await.unwrap()
    }

    /// A call that takes `duration` of virtual time between admission and result.
    async fn call_taking(&self, status: u16, duration: Duration) -> Response<String> {
        let mut service = self.service.clone();
        let pending = service.ready().await.unwrap().call(request(status));
        advance(duration).await;
        pending.await.unwrap()
    }

    async fn call_times(&self, status: u16, times: usize) {
        for _ in 0..times {
            self.call(status).await;
        }
    }

    fn upstream_calls(&self) -> usize {
        self.calls.load(SeqCst)
    }
}

fn builder() -> CircuitBreakerBuilder {
    CircuitBreakerLayer::builder()
}

/// Opens after one failure, stays open 10 s, and lets one probe decide.
fn one_failure_opens() -> CircuitBreakerBuilder {
    builder()
        .count_window(10)
        .minimum_calls(1)
        .open_duration(Duration::from_secs(10))
        .half_open_probes(1)
        .half_open_success_ratio(1.0)
}

fn is_circuit_open(response: &Response<String>) -> bool {
    response.status() == StatusCode::SERVICE_UNAVAILABLE
        && matches!(Rejection::of(response), Some(Rejection::CircuitOpen { .. }))
}

// ---- windows and thresholds ----

#[tokio::test]
async fn count_window_of_100_at_half_opens_after_exactly_50_failures_following_1000_successes() {
    let breaker = fixture(
        builder()
            .count_window(100)
            .failure_rate_threshold(0.5)
            .minimum_calls(100),
    );
    breaker.call_times(200, 1_000).await;
    breaker.call_times(500, 49).await;
    assert_eq!(breaker.handle.state(), State::Closed);
    let stats = breaker.handle.stats();
    assert_eq!((stats.calls, stats.failures), (100, 49));

    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Open);
    assert_eq!(breaker.handle.stats().failure_rate(), 0.5);
}

#[tokio::test(start_paused = true)]
async fn time_window_forgets_failures_older_than_the_window() {
    let breaker = fixture(
        builder()
            .time_window(Duration::from_secs(10))
            .time_window_buckets(10)
            .minimum_calls(4)
            .failure_rate_threshold(0.5),
    );
    breaker.call_times(500, 3).await;
    advance(Duration::from_millis(9_999)).await;
    assert_eq!(breaker.handle.stats().failures, 3);
    advance(Duration::from_millis(1)).await;
    assert_eq!(breaker.handle.stats().failures, 0);

    // Had the old failures stayed, 4 of 7 would open the breaker; 1 of 4 does not.
    breaker.call_times(200, 3).await;
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Closed);
    assert_eq!(breaker.handle.stats().calls, 4);
}

/// Once the window holds the minimum number of calls, successes are handed to it in
/// batches; a batch belongs to the time its calls were made in and leaves the window with
/// it, instead of diluting the failures that come after.
#[tokio::test(start_paused = true)]
async fn successes_older_than_a_time_window_do_not_dilute_later_failures() {
    let breaker = fixture(
        builder()
            .time_window(Duration::from_secs(10))
            .time_window_buckets(10)
            .minimum_calls(5)
            .failure_rate_threshold(0.5),
    );
    breaker.call_times(200, 20).await;
    advance(Duration::from_millis(10_500)).await;
    breaker.call_times(500, 4).await;
    assert_eq!(
        breaker.handle.state(),
        State::Closed,
        "4 calls: under the minimum"
    );
    // Had the 20 old successes counted now, 5 failures of 25 calls would not open it.
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Open);
}

#[tokio::test]
async fn minimum_calls_are_respected() {
    let breaker = fixture(
        builder()
            .count_window(10)
            .minimum_calls(5)
            .failure_rate_threshold(0.5),
    );
    breaker.call_times(500, 4).await;
    assert_eq!(breaker.handle.state(), State::Closed);
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Open);
}

#[tokio::test(start_paused = true)]
async fn slow_calls_count_toward_the_slow_call_rate() {
    let breaker = fixture(
        builder()
            .count_window(10)
            .minimum_calls(4)
            .failure_rate_threshold(1.0)
            .slow_calls(Duration::from_secs(1), 0.5),
    );
    breaker.call(200).await;
    breaker.call_taking(200, Duration::from_millis(999)).await;
    breaker.call_taking(200, Duration::from_secs(1)).await;
    assert_eq!(breaker.handle.stats().slow, 1);
    assert_eq!(breaker.handle.state(), State::Closed);

    breaker.call_taking(200, Duration::from_secs(3)).await;
    let stats = breaker.handle.stats();
    assert_eq!((stats.calls, stats.failures, stats.slow), (4, 0, 2));
    assert_eq!(stats.slow_call_rate(), 0.5);
    assert_eq!(breaker.handle.state(), State::Open);
}

#[tokio::test]
async fn ignored_outcomes_are_not_recorded() {
    let breaker = fixture(builder().count_window(10).minimum_calls(1));
    breaker.call_times(404, 5).await;
    assert_eq!(breaker.handle.stats().calls, 0);
    assert_eq!(breaker.handle.state(), State::Closed);
}

#[tokio::test]
async fn handle_reports_a_snapshot_of_the_window() {
    let breaker = fixture(builder().count_window(10).minimum_calls(10));
    breaker.call_times(200, 3).await;
    breaker.call(503).await;
    let stats = breaker.handle.stats();
    assert_eq!((stats.calls, stats.failures, stats.slow), (4, 1, 0));
    assert_eq!(stats.failure_rate(), 0.25);
}

// ---- open and half-open ----

#[tokio::test(start_paused = true)]
async fn open_breaker_answers_503_with_retry_after_and_rejection_without_calling_the_service() {
    let breaker = fixture(one_failure_opens());
    breaker.call(500).await;
    assert_eq!(breaker.upstream_calls(), 1);

    advance(Duration::from_millis(3_500)).await;
    let response = breaker.call(200).await;
    assert!(is_circuit_open(&response));
    assert_eq!(response.headers()[RETRY_AFTER], "7");
    assert_eq!(
        Rejection::of(&response),
        Some(Rejection::CircuitOpen {
            retry_after: Duration::from_millis(6_500)
        })
    );
    assert_eq!(breaker.upstream_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn half_open_closes_on_the_success_ratio_with_an_empty_window() {
    let breaker = fixture(
        one_failure_opens()
            .half_open_probes(4)
            .half_open_success_ratio(0.5),
    );
    breaker.call(500).await;
    advance(Duration::from_secs(10)).await;
    assert_eq!(breaker.handle.state(), State::HalfOpen);

    breaker.call(200).await;
    assert_eq!(breaker.handle.state(), State::HalfOpen);
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::HalfOpen);
    breaker.call(200).await;
    assert_eq!(breaker.handle.state(), State::Closed);
    assert_eq!(breaker.handle.stats().calls, 0);
}

#[tokio::test(start_paused = true)]
async fn half_open_reopens_as_soon_as_the_success_ratio_is_out_of_reach() {
    let breaker = fixture(
        one_failure_opens()
            .half_open_probes(4)
            .half_open_success_ratio(0.75),
    );
    breaker.call(500).await;
    advance(Duration::from_secs(10)).await;
    breaker.call(200).await;
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::HalfOpen);
    // 3 of 4 must succeed: a second failure settles it.
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Open);
}

#[tokio::test(start_paused = true)]
async fn half_open_with_every_probe_out_refuses_further_calls() {
    let breaker = fixture(one_failure_opens().half_open_probes(2));
    breaker.call(500).await;
    advance(Duration::from_secs(10)).await;

    let mut service = breaker.service.clone();
    let first = service.call(request(200));
    let second = service.call(request(200));
    let third = breaker.call(200).await;
    assert!(is_circuit_open(&third));
    assert_eq!(third.headers()[RETRY_AFTER], "1");
    assert_eq!(breaker.upstream_calls(), 3);
    first.await.unwrap();
    second.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_ignored_or_cancelled_probe_gives_its_permit_back() {
    let breaker = fixture(one_failure_opens());
    breaker.call(500).await;
    advance(Duration::from_secs(10)).await;

    // A 404 says nothing about the upstream.
    breaker.call(404).await;
    assert_eq!(breaker.handle.state(), State::HalfOpen);
    // A probe dropped before it answered.
    let mut service = breaker.service.clone();
    drop(service.call(request(200)));
    assert_eq!(breaker.handle.state(), State::HalfOpen);

    let response = breaker.call(200).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(breaker.handle.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn reopening_backs_off_the_open_duration_up_to_its_maximum() {
    let breaker = fixture(one_failure_opens().open_backoff(2.0, Duration::from_secs(25)));
    let retry_after = |response: Response<String>| Rejection::of(&response).unwrap().retry_after();

    breaker.call(500).await;
    assert_eq!(
        retry_after(breaker.call(200).await),
        Some(Duration::from_secs(10))
    );
    for open in [10, 20, 25] {
        advance(Duration::from_secs(open)).await;
        breaker.call(500).await;
        let next = retry_after(breaker.call(200).await).unwrap();
        assert_eq!(next, Duration::from_secs((open * 2).min(25)));
    }
    // Closing resets the back-off.
    advance(Duration::from_secs(25)).await;
    breaker.call(200).await;
    assert_eq!(breaker.handle.state(), State::Closed);
    breaker.call(500).await;
    assert_eq!(
        retry_after(breaker.call(200).await),
        Some(Duration::from_secs(10))
    );
}

#[test]
fn half_open_admits_exactly_n_probes_when_many_threads_call_at_once() {
    const PROBES: usize = 5;
    const THREADS: usize = 8;
    const CALLS_PER_THREAD: usize = 200;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let breaker = runtime.block_on(async {
        let breaker = fixture(one_failure_opens().half_open_probes(PROBES as u32));
        breaker.call(500).await;
        advance(Duration::from_secs(10)).await;
        breaker
    });
    let upstream_before = breaker.upstream_calls();

    let start = std::sync::Barrier::new(THREADS);
    let refused = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (runtime, start, refused) = (runtime.handle(), &start, &refused);
                let mut service = breaker.service.clone();
                scope.spawn(move || {
                    // The runtime's paused clock, read from this thread.
                    let _clock = runtime.enter();
                    start.wait();
                    // Admission happens in `call`; keeping the futures keeps the probes out.
                    let pending: Vec<_> = (0..CALLS_PER_THREAD)
                        .map(|_| service.call(request(200)))
                        .collect();
                    start.wait();
                    let answered = runtime.block_on(async {
                        let mut refused = 0;
                        for response in pending {
                            refused += usize::from(is_circuit_open(&response.await.unwrap()));
                        }
                        refused
                    });
                    refused.fetch_add(answered, SeqCst);
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    });
    assert_eq!(breaker.upstream_calls() - upstream_before, PROBES);
    assert_eq!(refused.load(SeqCst), THREADS * CALLS_PER_THREAD - PROBES);
}

// ---- operator controls and shadow mode ----

#[tokio::test]
async fn forced_open_refuses_every_call_until_reset() {
    let breaker = fixture(builder());
    breaker.handle.force_open();
    assert_eq!(breaker.handle.state(), State::ForcedOpen);
    assert!(is_circuit_open(&breaker.call(200).await));
    assert_eq!(breaker.upstream_calls(), 0);

    breaker.handle.reset();
    assert_eq!(breaker.handle.state(), State::Closed);
    assert_eq!(breaker.call(200).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn forced_closed_records_but_never_opens() {
    let breaker = fixture(builder().count_window(10).minimum_calls(1));
    breaker.handle.force_closed();
    breaker.call_times(500, 20).await;
    assert_eq!(breaker.handle.state(), State::ForcedClosed);
    assert_eq!(breaker.handle.stats().failures, 10);
    assert_eq!(breaker.upstream_calls(), 20);
}

#[tokio::test]
async fn disabled_lets_every_call_through_and_records_nothing() {
    let breaker = fixture(one_failure_opens());
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Open);
    breaker.handle.disable();
    breaker.call_times(500, 5).await;
    assert_eq!(breaker.handle.state(), State::Disabled);
    assert_eq!(breaker.upstream_calls(), 6);
    assert_eq!(breaker.handle.stats().calls, 1);
}

#[tokio::test]
async fn reset_brings_an_open_breaker_back_to_closed_with_an_empty_window() {
    let breaker = fixture(one_failure_opens());
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Open);
    breaker.handle.reset();
    assert_eq!(breaker.handle.state(), State::Closed);
    assert_eq!(breaker.handle.stats().calls, 0);
    assert_eq!(breaker.call(200).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn reset_forgets_successes_not_yet_handed_to_the_window() {
    let breaker = fixture(builder().count_window(10).minimum_calls(5));
    breaker.call_times(200, 30).await;
    breaker.handle.reset();
    assert_eq!(breaker.handle.stats().calls, 0);
    breaker.call(200).await;
    assert_eq!(breaker.handle.stats().calls, 1);
}

#[tokio::test(start_paused = true)]
async fn shadow_mode_counts_would_be_rejections_but_lets_calls_through() {
    let breaker = fixture(one_failure_opens().shadow(true));
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::Open);

    breaker.call_times(200, 3).await;
    assert_eq!(breaker.upstream_calls(), 4);
    assert_eq!(breaker.handle.shadow_rejections(), 3);
    assert_eq!(breaker.handle.state(), State::Open);

    // The state machine runs on: a probe after the open duration closes it.
    advance(Duration::from_secs(10)).await;
    breaker.call(200).await;
    assert_eq!(breaker.handle.state(), State::Closed);
    assert_eq!(breaker.handle.shadow_rejections(), 3);
}

// ---- classification, errors, sharing ----

#[tokio::test]
async fn transport_errors_pass_through_unchanged_and_count_as_failures() {
    let layer = one_failure_opens().build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let service = layer.layer(service_fn(move |_: Request<()>| {
        counted.fetch_add(1, SeqCst);
        std::future::ready(Err::<Response<String>, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset by peer",
        )))
    }));
    let error = service.clone().oneshot(request(200)).await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    assert_eq!(error.to_string(), "reset by peer");
    assert_eq!(layer.handle().state(), State::Open);

    let response = service.oneshot(request(200)).await.unwrap();
    assert!(is_circuit_open(&response));
    assert_eq!(calls.load(SeqCst), 1);
}

#[tokio::test]
async fn a_closure_classifier_decides_what_fails() {
    let not_found_fails = |result: Result<&Response<String>, &Infallible>| match result {
        Ok(response) if response.status() == StatusCode::NOT_FOUND => Outcome::Failure,
        _ => Outcome::Success,
    };
    let layer = one_failure_opens()
        .classifier(not_found_fails)
        .build()
        .unwrap();
    let service = layer.clone().layer(upstream(Arc::default()));
    service.clone().oneshot(request(500)).await.unwrap();
    assert_eq!(layer.handle().state(), State::Closed);
    service.oneshot(request(404)).await.unwrap();
    assert_eq!(layer.handle().state(), State::Open);
}

#[tokio::test]
async fn clones_of_the_layer_and_its_services_share_one_breaker() {
    let layer = one_failure_opens().build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let first = layer.clone().layer(upstream(Arc::clone(&calls)));
    let second = layer.layer(upstream(Arc::clone(&calls)));
    first.clone().oneshot(request(500)).await.unwrap();
    assert!(is_circuit_open(
        &second.clone().oneshot(request(200)).await.unwrap()
    ));
    assert_eq!(second.handle().state(), State::Open);
    assert_eq!(calls.load(SeqCst), 1);
}

#[test]
fn many_threads_recording_at_once_lose_no_counts() {
    const THREADS: usize = 8;
    const CALLS_PER_THREAD: usize = 5_000;
    let windows = || {
        [
            builder().count_window(100_000),
            builder().time_window(Duration::from_secs(3_600)),
        ]
    };
    // With a minimum out of reach every result is recorded at once; with a small one most
    // successes are deferred per lane and handed over in batches. A threshold of 100 % is
    // never reached: no thread fails twice in a row.
    let configurations = windows()
        .map(|window| window.minimum_calls(1_000_000))
        .into_iter()
        .chain(windows().map(|window| window.minimum_calls(10).failure_rate_threshold(1.0)));
    for configuration in configurations {
        let breaker = fixture(configuration);
        std::thread::scope(|scope| {
            for thread in 0..THREADS {
                let service = breaker.service.clone();
                scope.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_time()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        for call in 0..CALLS_PER_THREAD {
                            let status = if (call + thread) % 4 == 0 { 500 } else { 200 };
                            service.clone().oneshot(request(status)).await.unwrap();
                        }
                    });
                });
            }
        });
        let stats = breaker.handle.stats();
        assert_eq!(stats.calls as usize, THREADS * CALLS_PER_THREAD);
        assert_eq!(stats.failures as usize, THREADS * CALLS_PER_THREAD / 4);
        assert_eq!(breaker.handle.state(), State::Closed);
    }
}

// ---- transitions: tracing events and listeners ----

/// Collects the events of target `seawall::breaker` as `field=value` strings.
#[tokio::test(start_paused = true)]
async fn every_transition_emits_a_tracing_event_and_calls_the_listeners() {
    support::events::start();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener_seen = Arc::clone(&seen);
    let breaker = fixture(
        one_failure_opens().on_transition(move |transition: Transition| {
            listener_seen
                .lock()
                .unwrap()
                .push((transition.from, transition.to));
        }),
    );
    breaker.call(500).await;
    advance(Duration::from_secs(10)).await;
    breaker.call(200).await;
    breaker.handle.force_open();

    let expected = [
        (State::Closed, State::Open),
        (State::Open, State::HalfOpen),
        (State::HalfOpen, State::Closed),
        (State::Closed, State::ForcedOpen),
    ];
    assert_eq!(*seen.lock().unwrap(), expected);
    let transitions: Vec<_> = support::events::captured("seawall::breaker")
        .into_iter()
        .filter(|event| event.field("seawall.breaker.to").is_some())
        .collect();
    assert_eq!(transitions.len(), expected.len());
    for (event, (from, to)) in transitions.iter().zip(expected) {
        assert_eq!(
            event.field("seawall.breaker.from"),
            Some(from.as_str()),
            "{event:?}"
        );
        assert_eq!(
            event.field("seawall.breaker.to"),
            Some(to.as_str()),
            "{event:?}"
        );
    }
}

#[tokio::test]
async fn a_listener_may_steer_the_breaker_through_its_handle() {
    let handle = Arc::new(std::sync::OnceLock::<BreakerHandle>::new());
    let listener_handle = Arc::clone(&handle);
    let breaker = fixture(one_failure_opens().on_transition(move |transition| {
        let handle = listener_handle.get().unwrap();
        assert_eq!(handle.state(), transition.to);
        if transition.to == State::Open {
            handle.force_open();
        }
    }));
    handle.set(breaker.handle.clone()).unwrap();
    breaker.call(500).await;
    assert_eq!(breaker.handle.state(), State::ForcedOpen);
}

// ---- keyed breakers ----

#[tokio::test]
async fn breakers_keyed_by_authority_are_independent() {
    let layer = one_failure_opens().key_by(ByAuthority).build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let service = layer.layer(upstream(Arc::clone(&calls)));
    let call = |uri: &'static str, status| service.clone().oneshot(request_to(uri, status));

    call("http://payments:8084/charge", 500).await.unwrap();
    assert!(is_circuit_open(
        &call("http://payments:8084/charge", 200).await.unwrap()
    ));
    let other = call("http://products:8082/items", 200).await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);

    let payments = layer.handle_for("payments:8084").unwrap();
    assert_eq!(payments.state(), State::Open);
    assert_eq!(payments.key(), Some("payments:8084"));
    let products = layer.handle_for("products:8082").unwrap();
    assert_eq!(products.state(), State::Closed);
    assert_eq!(layer.handle().state(), State::Closed);
}

#[tokio::test]
async fn breakers_keyed_by_a_user_function_are_independent() {
    let tenant = |request: &Request<()>| {
        let tenant = request.headers().get("x-tenant")?;
        Some(tenant.to_str().ok()?.to_owned())
    };
    let layer = one_failure_opens().key_by(tenant).build().unwrap();
    let service = layer.layer(upstream(Arc::default()));
    let call = |tenant: &'static str, status| {
        let mut request = request(status);
        request
            .headers_mut()
            .insert("x-tenant", tenant.parse().unwrap());
        service.clone().oneshot(request)
    };
    call("acme", 500).await.unwrap();
    assert!(is_circuit_open(&call("acme", 200).await.unwrap()));
    assert_eq!(call("globex", 200).await.unwrap().status(), StatusCode::OK);
    let mut keys = layer.keys();
    keys.sort();
    assert_eq!(keys, ["acme", "globex"]);
}

#[tokio::test]
async fn keyed_breakers_are_bounded_and_evict_the_least_recently_used_closed_one() {
    let layer = one_failure_opens()
        .key_by(ByAuthority)
        .max_keys(2)
        .build()
        .unwrap();
    let service = layer.layer(upstream(Arc::default()));
    for host in ["a", "b", "a", "c"] {
        let uri = format!("http://{host}/");
        service
            .clone()
            .oneshot(request_to(&uri, 200))
            .await
            .unwrap();
    }
    let mut keys = layer.keys();
    keys.sort();
    assert_eq!(keys, ["a", "c"]);
}

#[tokio::test]
async fn an_open_keyed_breaker_is_never_evicted() {
    let layer = one_failure_opens()
        .key_by(ByAuthority)
        .max_keys(2)
        .build()
        .unwrap();
    let service = layer.layer(upstream(Arc::default()));
    for (host, status) in [("a", 500), ("b", 200), ("c", 200), ("d", 200)] {
        let uri = format!("http://{host}/");
        service
            .clone()
            .oneshot(request_to(&uri, status))
            .await
            .unwrap();
    }
    assert_eq!(layer.handle_for("a").unwrap().state(), State::Open);
    let mut keys = layer.keys();
    keys.sort();
    assert_eq!(keys, ["a", "d"]);
}

#[tokio::test]
async fn when_no_keyed_breaker_can_be_evicted_new_keys_share_the_overflow_breaker() {
    let layer = one_failure_opens()
        .key_by(ByAuthority)
        .max_keys(1)
        .build()
        .unwrap();
    let service = layer.layer(upstream(Arc::default()));
    let call = |uri: &'static str, status| service.clone().oneshot(request_to(uri, status));
    call("http://a/", 500).await.unwrap();
    assert_eq!(layer.handle_for("a").unwrap().state(), State::Open);

    call("http://b/", 500).await.unwrap();
    assert!(layer.handle_for("b").is_none());
    assert_eq!(layer.handle().state(), State::Open);
    assert!(is_circuit_open(&call("http://c/", 200).await.unwrap()));
    assert_eq!(layer.keys(), ["a"]);
}

// ---- readiness mode ----

#[tokio::test(start_paused = true)]
async fn readiness_mode_is_not_ready_while_open_and_wakes_when_the_open_duration_ends() {
    let breaker = fixture(one_failure_opens().readiness(true));
    breaker.call(500).await;
    let mut service = breaker.service.clone();
    let polled = poll_fn(|cx| Poll::Ready(service.poll_ready(cx).is_pending())).await;
    assert!(polled, "ready while open");

    let waited_from = Instant::now();
    service.ready().await.unwrap();
    assert_eq!(waited_from.elapsed(), Duration::from_secs(10));
    assert_eq!(breaker.handle.state(), State::HalfOpen);
    service.call(request(200)).await.unwrap();
    assert_eq!(breaker.handle.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn readiness_mode_wakes_a_waiting_task_when_the_breaker_is_reset() {
    let breaker = fixture(builder().readiness(true));
    breaker.handle.force_open();
    let mut service = breaker.service.clone();
    let waiting = tokio::spawn(async move {
        service.ready().await.unwrap();
    });
    tokio::time::sleep(Duration::from_secs(3_600)).await;
    assert!(!waiting.is_finished());
    breaker.handle.reset();
    waiting.await.unwrap();
}

#[tokio::test]
async fn balance_routes_around_an_endpoint_whose_breaker_is_open() {
    use tower::{balance::p2c::Balance, discover::ServiceList, load::Constant};

    let endpoints: Vec<_> = (0..2).map(|_| fixture(builder().readiness(true))).collect();
    endpoints[0].handle.force_open();
    let services = endpoints
        .iter()
        .map(|endpoint| Constant::new(endpoint.service.clone(), 0))
        .collect::<Vec<_>>();
    let mut balance = Balance::new(ServiceList::new(services));
    for _ in 0..50 {
        balance
            .ready()
            .await
            .unwrap()
            .call(request(200))
            .await
            .unwrap();
    }
    assert_eq!(endpoints[0].upstream_calls(), 0);
    assert_eq!(endpoints[1].upstream_calls(), 50);
}

// ---- in real stacks: axum server, hyper-util client ----

mod stacks {
    use super::*;
    use axum::{Router, routing::get};
    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty, combinators::BoxBody};
    use hyper_util::{
        client::legacy::{Client, connect::HttpConnector},
        rt::TokioExecutor,
    };
    use std::net::SocketAddr;

    type HttpClient = Client<HttpConnector, Empty<Bytes>>;

    fn client() -> HttpClient {
        Client::builder(TokioExecutor::new()).build_http()
    }

    /// Serves `app` on a free local port.
    async fn serve(app: Router) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        address
    }

    async fn status(client: &HttpClient, address: SocketAddr, path: &str) -> (u16, Option<String>) {
        let uri = format!("http://{address}{path}").parse().unwrap();
        let response = client.get(uri).await.unwrap();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .map(|value| value.to_str().unwrap().to_owned());
        (response.status().as_u16(), retry_after)
    }

    /// Routes `/fail` (500) and `/ok` (200), counting the handler calls.
    fn routes(handled: &Arc<AtomicUsize>) -> Router {
        let (fail, ok) = (Arc::clone(handled), Arc::clone(handled));
        Router::new()
            .route(
                "/fail",
                get(move || async move {
                    fail.fetch_add(1, SeqCst);
                    StatusCode::INTERNAL_SERVER_ERROR
                }),
            )
            .route(
                "/ok",
                get(move || async move {
                    ok.fetch_add(1, SeqCst);
                    "ok"
                }),
            )
    }

    fn two_failures_open() -> CircuitBreakerBuilder {
        one_failure_opens().minimum_calls(2)
    }

    #[tokio::test]
    async fn works_as_axum_router_layer_on_a_real_server() {
        let handled = Arc::new(AtomicUsize::new(0));
        let layer = two_failures_open().build().unwrap();
        let address = serve(routes(&handled).layer(layer.clone())).await;
        let client = client();

        assert_eq!(status(&client, address, "/fail").await.0, 500);
        assert_eq!(status(&client, address, "/fail").await.0, 500);
        assert_eq!(layer.handle().state(), State::Open);
        assert_eq!(
            status(&client, address, "/ok").await,
            (503, Some("10".to_owned()))
        );
        assert_eq!(handled.load(SeqCst), 2);
    }

    #[tokio::test]
    async fn works_as_axum_route_layer_on_a_real_server() {
        let handled = Arc::new(AtomicUsize::new(0));
        let layer = two_failures_open().build().unwrap();
        let address = serve(routes(&handled).route_layer(layer.clone())).await;
        let client = client();

        // Unmatched paths never reach a route layer.
        assert_eq!(status(&client, address, "/missing").await.0, 404);
        assert_eq!(layer.handle().stats().calls, 0);
        status(&client, address, "/fail").await;
        status(&client, address, "/fail").await;
        assert_eq!(status(&client, address, "/ok").await.0, 503);
        assert_eq!(handled.load(SeqCst), 2);
    }

    #[cfg(feature = "axum")]
    #[tokio::test]
    async fn breakers_keyed_by_axum_route_are_independent() {
        use seawall::breaker::ByRoute;
        let handled = Arc::new(AtomicUsize::new(0));
        let layer = one_failure_opens().key_by(ByRoute).build().unwrap();
        let app = Router::new()
            .route("/users/{id}", get(|| async { StatusCode::BAD_GATEWAY }))
            .route("/products/{id}", get(|| async { "ok" }))
            .merge(routes(&handled))
            .layer(layer.clone());
        let address = serve(app).await;
        let client = client();

        assert_eq!(status(&client, address, "/users/1").await.0, 502);
        // Another path of the same route meets the same, now open, breaker.
        assert_eq!(status(&client, address, "/users/2").await.0, 503);
        assert_eq!(status(&client, address, "/products/7").await.0, 200);
        assert_eq!(
            layer.handle_for("/users/{id}").unwrap().state(),
            State::Open
        );
        assert_eq!(
            layer.handle_for("/products/{id}").unwrap().state(),
            State::Closed
        );
    }

    type ClientStack = BoxCloneService<
        Request<Empty<Bytes>>,
        Response<BoxBody<Bytes, hyper::Error>>,
        hyper_util::client::legacy::Error,
    >;

    /// A hyper-util client behind the breaker; its body boxed, since the breaker's own
    /// answers need a `Default` body.
    fn client_stack(layer: &CircuitBreakerLayer) -> ClientStack {
        let transport = client().map_response(|response| response.map(BodyExt::boxed));
        BoxCloneService::new(layer.layer(transport))
    }

    fn get_request(address: SocketAddr, path: &str) -> Request<Empty<Bytes>> {
        let uri = format!("http://{address}{path}");
        Request::get(uri).body(Empty::new()).unwrap()
    }

    #[tokio::test]
    async fn wraps_a_hyper_util_client_and_stops_calling_a_failing_server() {
        let handled = Arc::new(AtomicUsize::new(0));
        let address = serve(routes(&handled)).await;
        let layer = two_failures_open().build().unwrap();
        let stack = client_stack(&layer);

        for _ in 0..2 {
            let response = stack.clone().oneshot(get_request(address, "/fail")).await;
            assert_eq!(response.unwrap().status(), 500);
        }
        let response = stack.oneshot(get_request(address, "/ok")).await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[RETRY_AFTER], "10");
        assert!(matches!(
            Rejection::of(&response),
            Some(Rejection::CircuitOpen { .. })
        ));
        assert_eq!(handled.load(SeqCst), 2);
    }

    #[tokio::test]
    async fn hyper_client_connection_errors_pass_through_and_open_the_breaker() {
        let closed = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap()
        };
        let layer = two_failures_open().build().unwrap();
        let stack = client_stack(&layer);
        for _ in 0..2 {
            let error = stack
                .clone()
                .oneshot(get_request(closed, "/"))
                .await
                .unwrap_err();
            assert!(error.is_connect(), "{error:?}");
        }
        assert_eq!(layer.handle().state(), State::Open);
        let response = stack.oneshot(get_request(closed, "/")).await.unwrap();
        assert_eq!(response.status(), 503);
    }
}

// ---- configuration ----

#[test]
fn builder_refuses_each_bad_setting_with_a_typed_error() {
    use ConfigError::*;
    let refused = |builder: CircuitBreakerBuilder| builder.build().unwrap_err();
    let secs = Duration::from_secs;

    for rate in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            refused(builder().failure_rate_threshold(rate)),
            FailureRateOutOfRange(_)
        ));
        assert!(matches!(
            refused(builder().slow_calls(secs(1), rate)),
            SlowCallRateOutOfRange(_)
        ));
    }
    assert_eq!(refused(builder().count_window(0)), ZeroWindowSize);
    assert_eq!(
        refused(builder().count_window(1_000_001)),
        WindowTooLarge {
            size: 1_000_001,
            max: 1_000_000
        }
    );
    assert_eq!(
        refused(builder().time_window(Duration::ZERO)),
        ZeroWindowDuration
    );
    assert_eq!(
        refused(builder().time_window(secs(10)).time_window_buckets(0)),
        ZeroBuckets
    );
    assert_eq!(
        refused(builder().time_window(secs(10)).time_window_buckets(1_001)),
        TooManyBuckets {
            buckets: 1_001,
            max: 1_000
        }
    );
    assert!(matches!(
        refused(builder().time_window(Duration::from_millis(5))),
        BucketTooShort { .. }
    ));
    assert_eq!(refused(builder().minimum_calls(0)), ZeroMinimumCalls);
    assert_eq!(refused(builder().half_open_probes(0)), ZeroHalfOpenProbes);
    assert!(matches!(
        refused(builder().half_open_probes(70_000)),
        TooManyHalfOpenProbes { probes: 70_000, .. }
    ));
    for ratio in [0.0, -0.5, 1.01, f64::NAN] {
        assert!(matches!(
            refused(builder().half_open_success_ratio(ratio)),
            SuccessRatioOutOfRange(_)
        ));
    }
    assert_eq!(
        refused(builder().open_duration(Duration::ZERO)),
        ZeroOpenDuration
    );
    for multiplier in [0.5, f64::NAN] {
        assert!(matches!(
            refused(builder().open_backoff(multiplier, secs(60))),
            BackoffMultiplierBelowOne(_)
        ));
    }
    assert_eq!(
        refused(
            builder()
                .open_duration(secs(30))
                .open_backoff(2.0, secs(10))
        ),
        MaxOpenBelowOpenDuration {
            open: secs(30),
            max: secs(10)
        }
    );
    assert_eq!(
        refused(builder().slow_calls(Duration::ZERO, 0.5)),
        ZeroSlowCallDuration
    );
    assert_eq!(
        builder()
            .key_by(ByAuthority)
            .max_keys(0)
            .build()
            .unwrap_err(),
        ZeroMaxKeys
    );
    assert_eq!(
        builder()
            .key_by(ByAuthority)
            .readiness(true)
            .build()
            .unwrap_err(),
        ReadinessWithKeys
    );
}

#[test]
fn builder_accepts_the_boundaries_of_each_range() {
    let secs = Duration::from_secs;
    let accepted = [
        builder(),
        builder().failure_rate_threshold(0.0),
        builder().failure_rate_threshold(1.0),
        builder().slow_calls(Duration::from_nanos(1), 1.0),
        builder().count_window(1),
        builder().count_window(1_000_000),
        builder()
            .time_window(Duration::from_millis(1))
            .time_window_buckets(1),
        builder().time_window(secs(1)).time_window_buckets(1_000),
        builder().half_open_probes(65_535),
        builder().half_open_success_ratio(1.0),
        builder().open_backoff(1.0, secs(30)),
    ];
    for builder in accepted {
        builder.build().unwrap();
    }
}

// ---- against a reference model ----

mod model {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Call {
        Success,
        Failure,
        Ignored,
    }

    impl Call {
        fn status(self) -> u16 {
            match self {
                Call::Success => 200,
                Call::Failure => 500,
                Call::Ignored => 404,
            }
        }
    }

    #[derive(Debug, Clone)]
    enum WindowKind {
        Count(usize),
        Time { bucket_ms: u64, buckets: u64 },
    }

    #[derive(Debug, Clone)]
    struct Params {
        window: WindowKind,
        failure_rate: f64,
        slow: Option<(u64, f64)>,
        minimum_calls: usize,
        open_ms: u64,
        backoff: Option<(f64, u64)>,
        probes: u32,
        success_ratio: f64,
    }

    impl Params {
        fn builder(&self) -> CircuitBreakerBuilder {
            let mut builder = match self.window {
                WindowKind::Count(size) => builder().count_window(size as u32),
                WindowKind::Time { bucket_ms, buckets } => builder()
                    .time_window(Duration::from_millis(bucket_ms * buckets))
                    .time_window_buckets(buckets as u32),
            };
            if let Some((slow_ms, rate)) = self.slow {
                builder = builder.slow_calls(Duration::from_millis(slow_ms), rate);
            }
            if let Some((multiplier, cap)) = self.backoff {
                builder =
                    builder.open_backoff(multiplier, Duration::from_millis(self.open_ms * cap));
            }
            builder
                .failure_rate_threshold(self.failure_rate)
                .minimum_calls(self.minimum_calls as u32)
                .open_duration(Duration::from_millis(self.open_ms))
                .half_open_probes(self.probes)
                .half_open_success_ratio(self.success_ratio)
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Admitted {
        Window,
        Probe,
    }

    /// The breaker's rules, written the plain way: a deque of calls, recounted every time.
    struct Model {
        params: Params,
        state: State,
        /// (bucket epoch, failure, slow), oldest first.
        calls: VecDeque<(u64, bool, bool)>,
        newest_epoch: u64,
        open_until: Duration,
        consecutive_opens: i32,
        probes_left: u32,
        probe_successes: u32,
        probe_failures: u32,
    }

    impl Model {
        fn new(params: Params) -> Self {
            Model {
                params,
                state: State::Closed,
                calls: VecDeque::new(),
                newest_epoch: 0,
                open_until: Duration::ZERO,
                consecutive_opens: 0,
                probes_left: 0,
                probe_successes: 0,
                probe_failures: 0,
            }
        }

        fn state(&mut self, now: Duration) -> State {
            if self.state == State::Open && now >= self.open_until {
                self.enter(State::HalfOpen, now);
            }
            self.state
        }

        fn admit(&mut self, now: Duration) -> Option<Admitted> {
            match self.state(now) {
                State::Closed => Some(Admitted::Window),
                State::HalfOpen if self.probes_left > 0 => {
                    self.probes_left -= 1;
                    Some(Admitted::Probe)
                }
                _ => None,
            }
        }

        fn complete(&mut self, admitted: Admitted, call: Call, took: Duration, now: Duration) {
            if call == Call::Ignored {
                if admitted == Admitted::Probe {
                    self.probes_left += 1;
                }
                return;
            }
            let failure = call == Call::Failure;
            let slow = self
                .params
                .slow
                .is_some_and(|(slow_ms, _)| took >= Duration::from_millis(slow_ms));
            match admitted {
                Admitted::Window => {
                    self.push(failure, slow, now);
                    if self.trips() {
                        self.enter(State::Open, now);
                    }
                }
                Admitted::Probe => {
                    if failure || slow {
                        self.probe_failures += 1;
                    } else {
                        self.probe_successes += 1;
                    }
                    let needed =
                        (self.params.success_ratio * f64::from(self.params.probes)).ceil() as u32;
                    if self.probe_successes >= needed {
                        self.enter(State::Closed, now);
                    } else if self.probe_failures > self.params.probes - needed {
                        self.enter(State::Open, now);
                    }
                }
            }
        }

        fn push(&mut self, failure: bool, slow: bool, now: Duration) {
            match self.params.window {
                WindowKind::Count(size) => {
                    self.calls.push_back((0, failure, slow));
                    if self.calls.len() > size {
                        self.calls.pop_front();
                    }
                }
                WindowKind::Time { bucket_ms, buckets } => {
                    let epoch = (now.as_millis() as u64) / bucket_ms;
                    self.newest_epoch = self.newest_epoch.max(epoch);
                    let newest = self.newest_epoch;
                    self.calls.retain(|&(at, _, _)| at + buckets > newest);
                    self.calls.push_back((epoch, failure, slow));
                }
            }
        }

        fn trips(&self) -> bool {
            let calls = self.calls.len();
            let minimum = match self.params.window {
                WindowKind::Count(size) => self.params.minimum_calls.min(size),
                WindowKind::Time { .. } => self.params.minimum_calls,
            };
            let failures = self.calls.iter().filter(|call| call.1).count();
            let slow = self.calls.iter().filter(|call| call.2).count();
            let rate = |part: usize| part as f64 / calls as f64;
            calls >= minimum
                && (rate(failures) >= self.params.failure_rate
                    || self
                        .params
                        .slow
                        .is_some_and(|(_, threshold)| rate(slow) >= threshold))
        }

        fn enter(&mut self, to: State, now: Duration) {
            match to {
                State::Open => {
                    self.consecutive_opens += 1;
                    let open = Duration::from_millis(self.params.open_ms);
                    let open_for = match self.params.backoff {
                        None => open,
                        Some((multiplier, cap)) => {
                            let max = Duration::from_millis(self.params.open_ms * cap);
                            let grown =
                                open.as_secs_f64() * multiplier.powi(self.consecutive_opens - 1);
                            if grown < max.as_secs_f64() {
                                Duration::from_secs_f64(grown)
                            } else {
                                max
                            }
                        }
                    };
                    self.open_until = now + open_for;
                }
                State::HalfOpen => {
                    self.probes_left = self.params.probes;
                    self.probe_successes = 0;
                    self.probe_failures = 0;
                }
                _ => {
                    self.consecutive_opens = 0;
                    self.calls.clear();
                }
            }
            self.state = to;
        }
    }

    #[derive(Debug, Clone)]
    struct Step {
        gap_ms: u64,
        call: Call,
        took_ms: u64,
    }

    fn rate() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.25), Just(0.5), Just(0.75), Just(1.0)]
    }

    fn params() -> impl Strategy<Value = Params> {
        let window = prop_oneof![
            (1usize..20).prop_map(WindowKind::Count),
            (50u64..1_000, 1u64..6)
                .prop_map(|(bucket_ms, buckets)| WindowKind::Time { bucket_ms, buckets }),
        ];
        let backoff = proptest::option::of((prop_oneof![Just(1.0), Just(1.5), Just(2.0)], 1u64..5));
        (
            window,
            rate(),
            proptest::option::of((10u64..500, rate())),
            1usize..10,
            100u64..2_000,
            backoff,
            1u32..5,
            rate(),
        )
            .prop_map(
                |(
                    window,
                    failure_rate,
                    slow,
                    minimum_calls,
                    open_ms,
                    backoff,
                    probes,
                    success_ratio,
                )| {
                    Params {
                        window,
                        failure_rate,
                        slow,
                        minimum_calls,
                        open_ms,
                        backoff,
                        probes,
                        success_ratio,
                    }
                },
            )
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        let call = prop_oneof![
            3 => Just(Call::Success),
            3 => Just(Call::Failure),
            1 => Just(Call::Ignored),
        ];
        let step = (0u64..800, call, 0u64..600).prop_map(|(gap_ms, call, took_ms)| Step {
            gap_ms,
            call,
            took_ms,
        });
        proptest::collection::vec(step, 1..80)
    }

    proptest! {
        #[test]
        fn breaker_agrees_with_a_reference_model_after_every_call(params in params(), steps in steps()) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            runtime.block_on(async {
                let breaker = fixture(params.builder());
                let start = Instant::now();
                let mut model = Model::new(params.clone());
                for (index, step) in steps.iter().enumerate() {
                    advance(Duration::from_millis(step.gap_ms)).await;
                    let admitted = model.admit(start.elapsed());
                    let upstream_before = breaker.upstream_calls();
                    let took = Duration::from_millis(step.took_ms);
                    let response = match admitted {
                        Some(_) => breaker.call_taking(step.call.status(), took).await,
                        None => breaker.call(step.call.status()).await,
                    };
                    prop_assert_eq!(
                        breaker.upstream_calls() > upstream_before,
                        admitted.is_some(),
                        "admission differs at step {}: {:?}", index, step
                    );
                    if let Some(admitted) = admitted {
                        model.complete(admitted, step.call, took, start.elapsed());
                    } else {
                        prop_assert!(is_circuit_open(&response));
                    }
                    prop_assert_eq!(
                        breaker.handle.state(),
                        model.state(start.elapsed()),
                        "state differs after step {}: {:?}", index, step
                    );
                }
                Ok(())
            })?;
        }
    }
}

#![cfg(feature = "chaos")]
//! Fault injection: what each fault does, how often, for how long, who may ask for one, and
//! what it leaves in metrics and traces. Time is tokio's paused clock throughout.

mod support;

use http::{Request, Response, StatusCode};
use seawall::{
    Rejection,
    chaos::{
        ChaosLayer, ClientChaosLayer, FAULT_HEADER, FAULTS_INJECTED_TOTAL, FaultError, FaultHandle,
        FaultKind, FaultSpec, InjectedFault, MatchSpec,
    },
};
use std::{
    convert::Infallible,
    future::{Ready, ready},
    io,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::time::Instant;
use tower::{BoxError, Layer, Service, ServiceExt, service_fn};

// ---------------------------------------------------------------------------------------
// Helpers

/// An inner service that counts its calls and answers 200.
#[derive(Clone, Default)]
struct Inner {
    calls: Arc<AtomicUsize>,
}

impl Inner {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }
}

impl Service<Request<()>> for Inner {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::Relaxed);
        ready(Ok(Response::new(())))
    }
}

fn get(path: &str) -> Request<()> {
    Request::get(path).body(()).unwrap()
}

async fn status_of<S>(svc: &mut S, req: Request<()>) -> StatusCode
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    svc.ready().await.unwrap().call(req).await.unwrap().status()
}

fn server(seed: u64) -> (ChaosLayer, FaultHandle) {
    let layer = ChaosLayer::builder().seed(seed).build().unwrap();
    let handle = layer.handle();
    (layer, handle)
}

fn spec(json: &str) -> FaultSpec {
    FaultSpec::from_json(json).unwrap()
}

// ---------------------------------------------------------------------------------------
// What each fault does

#[tokio::test]
async fn abort_answers_with_its_status_and_rejection_without_calling_the_inner_service() {
    let (layer, faults) = server(1);
    let inner = Inner::default();
    let mut svc = layer.layer(inner.clone());
    faults.put("paymentFailure", FaultSpec::abort(502)).unwrap();

    let res = svc
        .ready()
        .await
        .unwrap()
        .call(get("/charge"))
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(Rejection::of(&res), Some(Rejection::FaultInjected));
    assert_eq!(inner.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn latency_fault_delays_the_inner_call_by_the_configured_amount() {
    let (layer, faults) = server(1);
    let polled_at = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&polled_at);
    let inner = service_fn(move |_: Request<()>| {
        let seen = Arc::clone(&seen);
        async move {
            *seen.lock().unwrap() = Some(Instant::now());
            Ok::<_, Infallible>(Response::new(()))
        }
    });
    let mut svc = layer.layer(inner);
    faults
        .put("paymentSlow", spec(r#"{"kind":"latency","delay_ms":300}"#))
        .unwrap();

    let start = Instant::now();
    let status = status_of(&mut svc, get("/charge")).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(start.elapsed(), Duration::from_millis(300));
    assert_eq!(
        polled_at.lock().unwrap().unwrap() - start,
        Duration::from_millis(300),
        "the inner future starts after the delay, not before"
    );
}

#[tokio::test(start_paused = true)]
async fn latency_range_draws_delays_between_min_and_max() {
    let (layer, faults) = server(3);
    let mut svc = layer.layer(Inner::default());
    faults
        .put(
            "usersSlow",
            FaultSpec::latency_between(Duration::from_millis(200), Duration::from_millis(800)),
        )
        .unwrap();

    let mut delays = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        status_of(&mut svc, get("/users/1")).await;
        delays.push(start.elapsed());
    }

    let (min, max) = (Duration::from_millis(200), Duration::from_millis(800));
    assert!(delays.iter().all(|d| (min..=max).contains(d)), "{delays:?}");
    delays.sort();
    delays.dedup();
    assert!(delays.len() > 10, "delays should vary: {delays:?}");
}

#[tokio::test(start_paused = true)]
async fn latency_and_abort_together_answer_the_abort_after_the_delay() {
    let (layer, faults) = server(1);
    let inner = Inner::default();
    let mut svc = layer.layer(inner.clone());
    faults
        .put(
            "paymentSlow",
            FaultSpec::latency(Duration::from_millis(100)),
        )
        .unwrap();
    faults.put("paymentFailure", FaultSpec::abort(503)).unwrap();

    let start = Instant::now();
    let status = status_of(&mut svc, get("/charge")).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    assert_eq!(inner.calls(), 0);
}

#[tokio::test]
async fn client_layer_fails_with_a_connection_reset_that_reads_as_an_io_error() {
    let layer = ClientChaosLayer::builder().build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let transport = service_fn(move |_: Request<()>| {
        counted.fetch_add(1, Ordering::Relaxed);
        ready(Ok::<_, BoxError>(Response::new(())))
    });
    let mut client = layer.layer(transport);

    for (kind, io_kind) in [
        (
            FaultSpec::connection_reset(),
            io::ErrorKind::ConnectionReset,
        ),
        (
            FaultSpec::transport_error(),
            io::ErrorKind::ConnectionRefused,
        ),
    ] {
        layer.handle().put("paymentUnreachable", kind).unwrap();
        let error = client
            .ready()
            .await
            .unwrap()
            .call(get("/charge"))
            .await
            .unwrap_err();

        let fault = error
            .downcast_ref::<InjectedFault>()
            .expect("an InjectedFault");
        assert_eq!(fault.name(), "paymentUnreachable");
        assert_eq!(fault.io_kind(), io_kind);
        let source = std::error::Error::source(fault).expect("an io::Error source");
        assert_eq!(source.downcast_ref::<io::Error>().unwrap().kind(), io_kind);
        assert_eq!(
            io::Error::from(*error.downcast::<InjectedFault>().unwrap()).kind(),
            io_kind
        );
    }
    assert_eq!(calls.load(Ordering::Relaxed), 0);
}

// ---------------------------------------------------------------------------------------
// How often

#[tokio::test]
async fn observed_abort_rate_is_within_five_standard_deviations_of_the_probability() {
    const N: u32 = 10_000;
    const P: f64 = 0.3;
    let (layer, faults) = server(0x5EA_3A11);
    let mut svc = layer.layer(Inner::default());
    faults
        .put("paymentFailure", FaultSpec::abort(503).with_probability(P))
        .unwrap();

    let mut aborted = 0_u32;
    for _ in 0..N {
        if status_of(&mut svc, get("/charge")).await == StatusCode::SERVICE_UNAVAILABLE {
            aborted += 1;
        }
    }

    let n = f64::from(N);
    let mean = n * P;
    let sd = (n * P * (1.0 - P)).sqrt();
    let observed = f64::from(aborted);
    assert!(
        (observed - mean).abs() <= 5.0 * sd,
        "{aborted} aborts out of {N}, expected {mean} ± {}",
        5.0 * sd
    );
}

#[tokio::test]
async fn the_same_seed_hits_the_same_requests() {
    async fn outcomes(seed: u64) -> Vec<StatusCode> {
        let (layer, faults) = server(seed);
        let mut svc = layer.layer(Inner::default());
        faults
            .put("f", FaultSpec::abort(503).with_probability(0.5))
            .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..200 {
            statuses.push(status_of(&mut svc, get("/")).await);
        }
        statuses
    }
    assert_eq!(outcomes(11).await, outcomes(11).await);
    assert_ne!(outcomes(11).await, outcomes(12).await);
}

#[tokio::test]
async fn probability_zero_never_hits() {
    let (layer, faults) = server(1);
    let inner = Inner::default();
    let mut svc = layer.layer(inner.clone());
    faults
        .put("off", FaultSpec::abort(503).with_probability(0.0))
        .unwrap();
    for _ in 0..100 {
        assert_eq!(status_of(&mut svc, get("/")).await, StatusCode::OK);
    }
    assert_eq!(inner.calls(), 100);
}

// ---------------------------------------------------------------------------------------
// Which requests

#[tokio::test]
async fn method_header_and_route_prefix_must_all_match() {
    let (layer, faults) = server(1);
    let mut svc = layer.layer(Inner::default());
    faults
        .put(
            "acmeWrites",
            FaultSpec::abort(503).when(
                MatchSpec::new()
                    .with_route("/api/*")
                    .with_method("post")
                    .with_header("X-Tenant", "acme"),
            ),
        )
        .unwrap();
    let request = |method: &str, path: &str, tenant: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("x-tenant", tenant)
            .body(())
            .unwrap()
    };

    let hit = request("POST", "/api/orders", "acme");
    assert_eq!(
        status_of(&mut svc, hit).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    for miss in [
        request("GET", "/api/orders", "acme"),
        request("POST", "/health", "acme"),
        request("POST", "/api/orders", "other"),
    ] {
        assert_eq!(status_of(&mut svc, miss).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn entity_fault_hits_only_the_entity_the_extractor_finds() {
    let layer = ChaosLayer::builder()
        .entity(|req| Some(req.uri().path().strip_prefix("/products/")?.to_owned()))
        .build()
        .unwrap();
    let mut svc = layer.layer(Inner::default());
    layer
        .handle()
        .put(
            "productFailure",
            FaultSpec::abort(500).when(MatchSpec::new().with_entity("42")),
        )
        .unwrap();

    assert_eq!(
        status_of(&mut svc, get("/products/42")).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        status_of(&mut svc, get("/products/7")).await,
        StatusCode::OK
    );
    assert_eq!(status_of(&mut svc, get("/orders")).await, StatusCode::OK);
}

#[cfg(feature = "axum")]
#[tokio::test]
async fn route_matches_the_axum_route_template_not_the_raw_path() {
    use axum::{Router, body::Body, routing::get as axum_get};

    let (layer, faults) = server(1);
    let app = Router::new()
        .route("/products/{id}", axum_get(|| async { "product" }))
        .route("/health", axum_get(|| async { "ok" }))
        .layer(layer);
    faults
        .put(
            "productFailure",
            FaultSpec::abort(503).when(MatchSpec::new().with_route("/products/{id}")),
        )
        .unwrap();
    let call = |path: &str| {
        let req = Request::get(path).body(Body::empty()).unwrap();
        app.clone().oneshot(req)
    };

    assert_eq!(call("/products/9").await.unwrap().status(), 503);
    assert_eq!(call("/health").await.unwrap().status(), 200);
}

// ---------------------------------------------------------------------------------------
// For how long, and how many

#[tokio::test(start_paused = true)]
async fn fault_expires_after_its_ttl_in_virtual_time() {
    let (layer, faults) = server(1);
    let mut svc = layer.layer(Inner::default());
    faults
        .put(
            "paymentFailure",
            spec(r#"{"kind":"abort","status":503,"ttl_ms":60000}"#),
        )
        .unwrap();

    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(
        faults.get("paymentFailure").unwrap().remaining,
        Some(Duration::from_secs(50))
    );
    tokio::time::advance(Duration::from_millis(49_999)).await;
    assert_eq!(
        status_of(&mut svc, get("/")).await,
        StatusCode::SERVICE_UNAVAILABLE
    );

    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(status_of(&mut svc, get("/")).await, StatusCode::OK);
    assert!(faults.get("paymentFailure").is_none());
    assert!(faults.list().is_empty());
}

#[test]
fn putting_a_fault_beyond_the_cap_is_refused_but_replacing_one_is_not() {
    let layer = ChaosLayer::builder().max_faults(2).build().unwrap();
    let faults = layer.handle();
    faults.put("a", FaultSpec::abort(500)).unwrap();
    faults.put("b", FaultSpec::abort(500)).unwrap();

    let error = faults.put("c", FaultSpec::abort(500)).unwrap_err();
    assert_eq!(error, FaultError::TooManyFaults { max: 2 });
    assert!(error.to_string().contains("the limit is 2"), "{error}");

    assert_eq!(
        faults.put("a", FaultSpec::abort(503)),
        Ok(Some(FaultSpec::abort(500)))
    );
    faults.remove("b");
    assert!(faults.put("c", FaultSpec::abort(500)).is_ok());
}

#[test]
fn handle_lists_gets_removes_and_clears() {
    let (_layer, faults) = server(1);
    faults.put("b", FaultSpec::abort(500)).unwrap();
    faults.put("a", FaultSpec::transport_error()).unwrap_err();
    faults.put("a", FaultSpec::abort(503)).unwrap();

    let names: Vec<_> = faults.list().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(faults.get("a").unwrap().spec, FaultSpec::abort(503));
    assert_eq!(faults.get("a").unwrap().remaining, None);
    assert_eq!(faults.remove("a"), Some(FaultSpec::abort(503)));
    assert_eq!(faults.remove("a"), None);
    faults.clear();
    assert!(faults.list().is_empty());
}

// ---------------------------------------------------------------------------------------
// Bad specs

/// Each bad spec with a piece of the message it must be refused with.
const BAD_SPECS: &[(&str, &str)] = &[
    (r#"{"kind":"abort","probability":1.5}"#, "probability 1.5"),
    (r#"{"kind":"abort","probability":-0.1}"#, "probability -0.1"),
    (r#"{"kind":"abort","status":600}"#, "not an HTTP status"),
    (r#"{"kind":"abort","status":99}"#, "not an HTTP status"),
    (r#"{"kind":"abort","status":302}"#, "client or server error"),
    (
        r#"{"kind":"latency","min_ms":800,"max_ms":200}"#,
        "min_ms 800 must not be greater than max_ms 200",
    ),
    (
        r#"{"kind":"latency","min_ms":200}"#,
        "both `min_ms` and `max_ms`",
    ),
    (
        r#"{"kind":"latency","delay_ms":3600000}"#,
        "over the maximum",
    ),
    (
        r#"{"kind":"latency","delay_ms":5,"status":500}"#,
        "`status` does not apply to a latency fault",
    ),
    (
        r#"{"kind":"abort","ttl_ms":0}"#,
        "ttl_ms must be greater than zero",
    ),
    (
        r#"{"kind":"abort","ttl_ms":86400001}"#,
        "ttl_ms 86400001 is over the maximum",
    ),
    (
        r#"{"kind":"abort","match":{"header":{"name":"bad header","value":"x"}}}"#,
        "not a valid header name",
    ),
    (
        r#"{"kind":"abort","match":{"header":{"name":"x-a","value":"line\nbreak"}}}"#,
        "not a valid header value",
    ),
    (
        r#"{"kind":"abort","match":{"route":"charge"}}"#,
        "must start with '/'",
    ),
    (
        r#"{"kind":"abort","match":{"method":"PO ST"}}"#,
        "not an HTTP method",
    ),
    (
        r#"{"kind":"abort","match":{"entity":"42"}}"#,
        "no entity extractor",
    ),
    (r#"{"kind":"explode"}"#, "unknown variant `explode`"),
    (r#"{"kind":"abort","stauts":503}"#, "unknown field `stauts`"),
    (r#"{"probability":0.5}"#, "missing field `kind`"),
    (r#"{"kind":"transport_error"}"#, "needs a client layer"),
    (r#"{"kind":"connection_reset"}"#, "needs a client layer"),
    ("not json", "invalid fault spec"),
];

#[test]
fn every_bad_spec_is_refused_through_the_handle_with_a_clear_message() {
    let (_layer, faults) = server(1);
    for &(json, expected) in BAD_SPECS {
        let error = FaultSpec::from_json(json)
            .and_then(|spec| faults.put("bad", spec))
            .expect_err(json);
        assert!(
            error.to_string().contains(expected),
            "{json}: {error:?} should say {expected:?}"
        );
    }
    assert!(faults.list().is_empty());
}

#[test]
fn nan_probability_and_bad_names_are_refused_through_the_handle() {
    let (_layer, faults) = server(1);
    let nan = FaultSpec::abort(503).with_probability(f64::NAN);
    assert!(matches!(
        faults.put("nan", nan),
        Err(FaultError::Probability(p)) if p.is_nan()
    ));
    assert_eq!(
        faults.put("", FaultSpec::abort(503)),
        Err(FaultError::EmptyName)
    );
    assert_eq!(
        faults.put("bad name", FaultSpec::abort(503)),
        Err(FaultError::InvalidName("bad name".into()))
    );
}

// ---------------------------------------------------------------------------------------
// The admin router

#[cfg(feature = "axum")]
mod admin {
    use super::*;
    use axum::{Router, body::Body};
    use seawall::chaos::admin_router;
    use serde_json::Value;

    async fn send(
        router: &Router,
        method: &str,
        path: &str,
        body: &str,
    ) -> (StatusCode, String, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, content_type, json)
    }

    #[tokio::test]
    async fn every_bad_spec_is_answered_with_a_problem_json_400() {
        let (_layer, faults) = server(1);
        let router = admin_router(faults.clone());
        for &(json, expected) in BAD_SPECS {
            let (status, content_type, problem) =
                send(&router, "PUT", "/admin/faults/bad", json).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
            assert_eq!(content_type, "application/problem+json", "{json}");
            assert_eq!(problem["status"], 400, "{json}");
            assert_eq!(problem["title"], "Invalid fault", "{json}");
            assert_eq!(
                problem["type"], "urn:seawall:problem:invalid-fault",
                "{json}"
            );
            let detail = problem["detail"].as_str().unwrap();
            assert!(
                detail.contains(expected),
                "{json}: {detail:?} should say {expected:?}"
            );
        }
        let (status, _, problem) = send(
            &router,
            "PUT",
            "/admin/faults/bad%20name",
            r#"{"kind":"abort"}"#,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(problem["detail"].as_str().unwrap().contains("fault name"));
        assert!(faults.list().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn admin_router_puts_gets_lists_and_deletes_faults() {
        let layer = ChaosLayer::builder().max_faults(1).build().unwrap();
        let router = admin_router(layer.handle());
        let abort = r#"{"kind":"abort","status":503,"probability":0.3,"match":{"route":"/charge","method":"POST"},"ttl_ms":60000}"#;

        let (status, content_type, created) =
            send(&router, "PUT", "/admin/faults/paymentFailure", abort).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(content_type, "application/json");
        assert_eq!(created["name"], "paymentFailure");
        assert_eq!(created["spec"]["match"]["route"], "/charge");
        assert_eq!(created["remaining_ms"], 60000);

        let (status, ..) = send(&router, "PUT", "/admin/faults/paymentFailure", abort).await;
        assert_eq!(status, StatusCode::OK, "replacing answers 200");

        tokio::time::advance(Duration::from_secs(15)).await;
        let (status, _, list) = send(&router, "GET", "/admin/faults", "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["faults"][0]["name"], "paymentFailure");
        assert_eq!(list["faults"][0]["remaining_ms"], 45000);
        assert_eq!(list["faults"][0]["spec"]["probability"], 0.3);

        let (status, _, one) = send(&router, "GET", "/admin/faults/paymentFailure", "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(one["spec"]["kind"], "abort");

        let (status, content_type, problem) = send(
            &router,
            "PUT",
            "/admin/faults/paymentSlow",
            r#"{"kind":"latency","delay_ms":5}"#,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "beyond the cap of 1");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(problem["type"], "urn:seawall:problem:too-many-faults");

        let (status, ..) = send(&router, "DELETE", "/admin/faults/paymentFailure", "").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, content_type, problem) =
            send(&router, "DELETE", "/admin/faults/paymentFailure", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(problem["status"], 404);
        let (status, ..) = send(&router, "GET", "/admin/faults/paymentFailure", "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        send(&router, "PUT", "/admin/faults/a", r#"{"kind":"abort"}"#).await;
        let (status, ..) = send(&router, "DELETE", "/admin/faults", "").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(layer.handle().list().is_empty());
    }
}

// ---------------------------------------------------------------------------------------
// Faults carried in a request header

fn with_fault_header(json: &str) -> Request<()> {
    Request::get("/charge")
        .header(FAULT_HEADER, json)
        .body(())
        .unwrap()
}

#[tokio::test]
async fn fault_header_is_ignored_unless_the_layer_trusts_it() {
    let layer = ChaosLayer::builder().build().unwrap();
    let inner = Inner::default();
    let mut svc = layer.layer(inner.clone());

    let req = with_fault_header(r#"{"kind":"abort","status":503}"#);
    assert_eq!(status_of(&mut svc, req).await, StatusCode::OK);
    assert_eq!(inner.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn trusted_fault_header_is_honoured_for_that_request_only() {
    let layer = ChaosLayer::builder()
        .trust_fault_header(true)
        .build()
        .unwrap();
    let mut svc = layer.layer(Inner::default());

    let req = with_fault_header(r#"{"kind":"abort","status":500}"#);
    assert_eq!(
        status_of(&mut svc, req).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    let start = Instant::now();
    let req = with_fault_header(r#"{"kind":"latency","delay_ms":250}"#);
    assert_eq!(status_of(&mut svc, req).await, StatusCode::OK);
    assert_eq!(start.elapsed(), Duration::from_millis(250));

    assert_eq!(status_of(&mut svc, get("/charge")).await, StatusCode::OK);
    assert!(layer.handle().list().is_empty());
}

#[tokio::test]
async fn trusted_but_invalid_fault_header_is_ignored() {
    let layer = ChaosLayer::builder()
        .trust_fault_header(true)
        .build()
        .unwrap();
    let mut svc = layer.layer(Inner::default());
    for bad in [
        r#"{"kind":"abort","ttl_ms":1000}"#,
        r#"{"kind":"connection_reset"}"#,
        r#"{"kind":"abort","probability":2}"#,
        "{",
    ] {
        assert_eq!(
            status_of(&mut svc, with_fault_header(bad)).await,
            StatusCode::OK,
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Metrics and traces

#[tokio::test]
async fn each_injected_fault_is_counted_with_its_name_kind_and_service() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    // Built under the recorder, which so learns the metric's description.
    let layer = metrics::with_local_recorder(&recorder, || {
        ChaosLayer::builder()
            .service_name("payments")
            .build()
            .unwrap()
    });
    let mut svc = layer.layer(Inner::default());
    let faults = layer.handle();
    faults
        .put(
            "paymentFailure",
            FaultSpec::abort(503).when(MatchSpec::new().with_route("/charge")),
        )
        .unwrap();
    faults
        .put("paymentSlow", FaultSpec::latency(Duration::ZERO))
        .unwrap();
    for path in ["/charge", "/charge", "/charge", "/refund"] {
        svc.ready().await.unwrap();
        // The decision, and so the count, is made when the service is called.
        let response = metrics::with_local_recorder(&recorder, || svc.call(get(path)));
        response.await.unwrap();
    }

    let exposition = recorder.handle().render();
    support::prometheus::promtool_check(&exposition);
    let count = |fault: &str, kind: &str| {
        support::prometheus::value(
            &exposition,
            &format!(
                r#"{FAULTS_INJECTED_TOTAL}{{service_name="payments",fault="{fault}",kind="{kind}"}}"#
            ),
        )
    };
    assert_eq!(count("paymentFailure", "abort"), Some(3.0));
    assert_eq!(count("paymentSlow", "latency"), Some(4.0));
}

#[tokio::test]
async fn injected_fault_is_an_event_on_the_current_span() {
    let (layer, faults) = server(1);
    let mut svc = layer.layer(Inner::default());
    faults.put("paymentFailure", FaultSpec::abort(503)).unwrap();
    support::events::start();

    svc.ready().await.unwrap();
    let response = {
        let _request = tracing::info_span!("POST /charge").entered();
        svc.call(get("/charge"))
    };
    assert_eq!(response.await.unwrap().status(), 503);

    let injected: Vec<_> = support::events::captured("seawall::chaos")
        .into_iter()
        .filter(|e| e.field("message") == Some("fault injected"))
        .collect();
    assert_eq!(injected.len(), 1, "{injected:?}");
    let event = &injected[0];
    assert_eq!(event.span.as_deref(), Some("POST /charge"));
    assert_eq!(event.field("seawall.fault"), Some("paymentFailure"));
    assert_eq!(event.field("seawall.fault.kind"), Some("abort"));
}

#[test]
fn fault_kinds_have_stable_names() {
    let kinds = [
        FaultKind::Latency,
        FaultKind::Abort,
        FaultKind::TransportError,
        FaultKind::ConnectionReset,
    ];
    let names: Vec<_> = kinds.iter().map(FaultKind::as_str).collect();
    assert_eq!(
        names,
        ["latency", "abort", "transport_error", "connection_reset"]
    );
}

#![cfg(all(feature = "trace", feature = "retry", feature = "axum"))]
//! One request through three real services on loopback makes one trace with the right
//! parent/child links, with a client span per retry attempt.

use axum::{Router, extract::State, routing::get};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{Empty, combinators::BoxBody};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use opentelemetry::{
    KeyValue, Value,
    propagation::TextMapCompositePropagator,
    trace::{SpanId, SpanKind, TraceId, TracerProvider as _},
};
use opentelemetry_sdk::{
    propagation::{BaggagePropagator, TraceContextPropagator},
    trace::{InMemorySpanExporter, SdkTracerProvider, SpanData},
};
use seawall::{
    retry::{ReplayBody, RetryBudget, RetryLayer},
    route::RouteTemplate,
    trace::HttpTraceLayer,
};
use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio::net::TcpListener;
use tower::{ServiceBuilder, ServiceExt};
use tracing_subscriber::layer::SubscriberExt;

type Plain = Client<HttpConnector, Empty<Bytes>>;
type Replaying = Client<HttpConnector, ReplayBody<Empty<Bytes>>>;

fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
}

async fn serve(app: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// C fails its first request with 503 and answers the rest.
async fn flaky(State(calls): State<Arc<AtomicUsize>>) -> StatusCode {
    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

/// B calls C through retry and a client trace layer, so each attempt has its own span.
async fn call_c(State((client, c)): State<(Replaying, String)>) -> StatusCode {
    let budget = RetryBudget::builder().ratio(1.0).build().unwrap();
    let stack = ServiceBuilder::new()
        .layer(
            RetryLayer::builder()
                .max_attempts(3)
                .budget(budget)
                .seed(1)
                .build()
                .unwrap(),
        )
        .layer(HttpTraceLayer::client("b"))
        .map_response(|res: Response<hyper::body::Incoming>| res.map(BoxBody::new))
        .service(client);
    let req = Request::get(format!("{c}/c")).body(Empty::new()).unwrap();
    stack
        .oneshot(req)
        .await
        .map_or(StatusCode::BAD_GATEWAY, |res| res.status())
}

/// A calls B through a client trace layer.
async fn call_b(State((client, b)): State<(Plain, String)>) -> StatusCode {
    let stack = ServiceBuilder::new()
        .layer(HttpTraceLayer::client("a"))
        .service(client);
    let req = Request::get(format!("{b}/b")).body(Empty::new()).unwrap();
    stack
        .oneshot(req)
        .await
        .map_or(StatusCode::BAD_GATEWAY, |res| res.status())
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv: &&KeyValue| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn service(span: &SpanData) -> String {
    attribute(span, "service.name").unwrap().to_string()
}

#[tokio::test(start_paused = true)]
async fn one_request_is_one_trace_across_three_services_with_a_span_per_attempt() {
    install_propagator();
    let (subscriber, exporter) = otel_subscriber();
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let plain: Plain = Client::builder(TokioExecutor::new()).build_http();
    let replaying: Replaying = Client::builder(TokioExecutor::new()).build_http();

    let c = serve(
        Router::new()
            .route("/c", get(flaky))
            .with_state(Arc::new(AtomicUsize::new(0)))
            .layer(HttpTraceLayer::server("c")),
    )
    .await;
    let b = serve(
        Router::new()
            .route("/b", get(call_c))
            .with_state((replaying, c))
            .layer(HttpTraceLayer::server("b")),
    )
    .await;
    let a = serve(
        Router::new()
            .route("/a", get(call_b))
            .with_state((plain.clone(), b))
            .layer(HttpTraceLayer::server("a")),
    )
    .await;

    let res = plain
        .request(Request::get(format!("{a}/a")).body(Empty::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Let the servers finish their spans after writing the responses.
    tokio::time::sleep(Duration::from_millis(10)).await;

    let spans = exporter.get_finished_spans().unwrap();
    let ours: Vec<&SpanData> = spans
        .iter()
        .filter(|s| attribute(s, "service.name").is_some())
        .collect();
    let by_role = |svc: &str, kind: SpanKind| -> Vec<&SpanData> {
        let mut found: Vec<&SpanData> = ours
            .iter()
            .copied()
            .filter(|s| service(s) == svc && s.span_kind == kind)
            .collect();
        found.sort_by_key(|s| s.start_time);
        found
    };
    let a_server = by_role("a", SpanKind::Server);
    let a_client = by_role("a", SpanKind::Client);
    let b_server = by_role("b", SpanKind::Server);
    let b_client = by_role("b", SpanKind::Client);
    let c_server = by_role("c", SpanKind::Server);
    assert_eq!(
        [
            a_server.len(),
            a_client.len(),
            b_server.len(),
            b_client.len(),
            c_server.len()
        ],
        [1, 1, 1, 2, 2],
        "spans: {:#?}",
        ours.iter()
            .map(|s| (&s.name, service(s), &s.span_kind))
            .collect::<Vec<_>>()
    );

    // One trace.
    let trace: TraceId = a_server[0].span_context.trace_id();
    assert!(ours.iter().all(|s| s.span_context.trace_id() == trace));

    // The right parents.
    let id = |s: &SpanData| s.span_context.span_id();
    assert_eq!(a_server[0].parent_span_id, SpanId::INVALID);
    assert_eq!(a_client[0].parent_span_id, id(a_server[0]));
    assert_eq!(b_server[0].parent_span_id, id(a_client[0]));
    assert!(b_server[0].parent_span_is_remote);
    for attempt in 0..2 {
        assert_eq!(b_client[attempt].parent_span_id, id(b_server[0]));
        assert_eq!(c_server[attempt].parent_span_id, id(b_client[attempt]));
    }

    // Names, attempts and status per the conventions.
    assert_eq!(a_server[0].name, "GET /a");
    assert_eq!(c_server[0].name, "GET /c");
    assert_eq!(b_client[0].name, "GET");
    let attempts: Vec<_> = b_client
        .iter()
        .map(|s| attribute(s, "seawall.attempt").unwrap().to_string())
        .collect();
    assert_eq!(attempts, ["1", "2"]);
    assert_eq!(
        attribute(b_client[1], "http.request.resend_count").map(Value::to_string),
        Some("1".to_owned())
    );
    assert_eq!(
        attribute(c_server[0], "http.response.status_code").map(Value::to_string),
        Some("503".to_owned())
    );
    assert_eq!(
        attribute(c_server[0], "error.type").map(Value::to_string),
        Some("503".to_owned())
    );
    assert!(matches!(
        c_server[0].status,
        opentelemetry::trace::Status::Error { .. }
    ));
    assert_eq!(c_server[1].status, opentelemetry::trace::Status::Unset);
}

/// A subscriber that turns `tracing` spans into OpenTelemetry spans, and the exporter that
/// keeps them in memory.
fn otel_subscriber() -> (impl tracing::Subscriber + Send + Sync, InMemorySpanExporter) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("seawall-test")));
    (subscriber, exporter)
}

#[tokio::test]
async fn baggage_received_by_a_server_is_sent_on_by_its_clients() {
    let (sent, _spans) = sent_on_for(&[
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("baggage", "synthetic=true"),
    ])
    .await;
    assert_eq!(sent["baggage"], "synthetic=true");
}

/// What a server's client call sends on for an incoming request carrying `fields`.
async fn sent_on_for(fields: &[(&'static str, &'static str)]) -> (HashMap<String, String>, usize) {
    install_propagator();
    let (subscriber, exporter) = otel_subscriber();
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let sent = Arc::new(std::sync::Mutex::new(HashMap::new()));
    let recorder = sent.clone();
    let downstream = tower::service_fn(move |req: Request<Empty<Bytes>>| {
        let mut recorded = recorder.lock().unwrap();
        for (name, value) in req.headers() {
            recorded.insert(name.to_string(), value.to_str().unwrap().to_owned());
        }
        async { Ok::<_, std::convert::Infallible>(Response::new(Empty::<Bytes>::new())) }
    });
    let client = ServiceBuilder::new()
        .layer(HttpTraceLayer::client("orders"))
        .service(downstream);
    let server = ServiceBuilder::new()
        .layer(HttpTraceLayer::server("gateway"))
        .service(tower::service_fn(move |_req: Request<Empty<Bytes>>| {
            let client = client.clone();
            async move {
                let req = Request::get("http://payments/charge")
                    .body(Empty::new())
                    .unwrap();
                client.oneshot(req).await
            }
        }));
    let mut incoming = Request::get("/orders").body(Empty::new()).unwrap();
    for (name, value) in fields {
        incoming.headers_mut().insert(*name, value.parse().unwrap());
    }
    server.oneshot(incoming).await.unwrap();
    let sent = sent.lock().unwrap().clone();
    (sent, exporter.get_finished_spans().unwrap().len())
}

#[tokio::test]
async fn an_unsampled_caller_s_trace_is_sent_on_unsampled_with_its_state_and_baggage() {
    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
    // Only `traceparent` (read by seawall's own parser), then with `tracestate` and
    // `baggage` (read by the installed propagator).
    let alone = [("traceparent", TRACEPARENT)];
    let with_state = [
        ("traceparent", TRACEPARENT),
        ("tracestate", "vendor=opaque"),
        ("baggage", "synthetic=true"),
    ];
    for fields in [&alone[..], &with_state[..]] {
        let (sent, spans) = sent_on_for(fields).await;
        assert_eq!(spans, 0, "no span for an unsampled caller");
        let traceparent = &sent["traceparent"];
        assert!(
            traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{traceparent}"
        );
        assert!(traceparent.ends_with("-00"), "{traceparent}");
        for (name, value) in &fields[1..] {
            assert_eq!(sent[*name], *value, "{name}");
        }
        assert_eq!(sent.contains_key("baggage"), fields.len() > 1);
    }
}

#[tokio::test]
async fn trace_context_round_trips_through_message_headers() {
    install_propagator();
    let _default = tracing::subscriber::set_default(otel_subscriber().0);
    tracing::callsite::rebuild_interest_cache();

    let mut headers: HashMap<String, String> = HashMap::new();
    let producer = tracing::info_span!("publish order.completed");
    producer.in_scope(|| seawall::trace::inject_context(&mut headers));
    let traceparent = headers.get("traceparent").expect("traceparent injected");

    let remote = seawall::trace::extract_context(&headers);
    use opentelemetry::trace::TraceContextExt;
    let remote_span = remote.span().span_context().clone();
    assert!(remote_span.is_valid());
    assert!(traceparent.contains(&remote_span.trace_id().to_string()));
    assert!(traceparent.contains(&remote_span.span_id().to_string()));
}

#[tokio::test]
async fn a_breaker_rejection_is_marked_on_the_attempt_span() {
    install_propagator();
    let (subscriber, exporter) = otel_subscriber();
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let breaker = seawall::breaker::CircuitBreakerLayer::builder()
        .build()
        .unwrap();
    breaker.handle().force_open();
    let never_called = tower::service_fn(|_req: Request<Empty<Bytes>>| async {
        Ok::<_, std::convert::Infallible>(Response::new(Empty::<Bytes>::new()))
    });
    let client = ServiceBuilder::new()
        .layer(HttpTraceLayer::client("orders"))
        .layer(breaker)
        .service(never_called);
    let res = client
        .oneshot(
            Request::get("http://payments/charge")
                .body(Empty::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    let spans = exporter.get_finished_spans().unwrap();
    let span = spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Client)
        .expect("a client span");
    assert_eq!(
        attribute(span, "seawall.breaker.rejected").map(Value::to_string),
        Some("forced_open".to_owned())
    );
    assert_eq!(
        attribute(span, "error.type").map(Value::to_string),
        Some("circuit_open".to_owned())
    );
}

#[tokio::test]
async fn a_client_layer_s_route_names_spans_of_requests_without_a_template() {
    let (subscriber, exporter) = otel_subscriber();
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let upstream = tower::service_fn(|_req: Request<Empty<Bytes>>| async {
        Ok::<_, std::convert::Infallible>(Response::new(Empty::<Bytes>::new()))
    });
    let client = ServiceBuilder::new()
        .layer(HttpTraceLayer::client("gateway").route(RouteTemplate::new("/api/users/*")))
        .service(upstream);
    let plain = Request::get("http://users/users/7")
        .body(Empty::new())
        .unwrap();
    client.clone().oneshot(plain).await.unwrap();
    let mut labelled = Request::get("http://users/users/me")
        .body(Empty::new())
        .unwrap();
    labelled
        .extensions_mut()
        .insert(RouteTemplate::new("/users/me"));
    client.oneshot(labelled).await.unwrap();

    let mut names: Vec<String> = exporter
        .get_finished_spans()
        .unwrap()
        .iter()
        .map(|span| span.name.to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["GET /api/users/*", "GET /users/me"]);
}

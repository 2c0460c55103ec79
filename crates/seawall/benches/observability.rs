//! Per-request cost of the metrics, trace and chaos layers on an axum router, against the
//! bare router and against peer crates, in one run:
//! `cargo bench -p seawall --all-features --bench observability`.

mod harness;

use axum::{Router, body::Body, routing::get};
use criterion::{Criterion, criterion_group, criterion_main};
use harness::bench_service;
use http::Request;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{
    error::OTelSdkResult,
    propagation::TraceContextPropagator,
    trace::{Sampler, SdkTracerProvider, SpanData, SpanExporter},
};
use seawall::{chaos::ChaosLayer, metrics::HttpMetricsLayer, trace::HttpTraceLayer};
use tracing_subscriber::layer::SubscriberExt;

fn router() -> Router {
    Router::new().route("/users/{id}", get(|| async { "ok" }))
}

fn request() -> Request<Body> {
    Request::get("/users/42").body(Body::empty()).unwrap()
}

/// A request from a caller that did not sample its trace.
fn unsampled_request() -> Request<Body> {
    Request::get("/users/42")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
        )
        .body(Body::empty())
        .unwrap()
}

/// A request from a caller that sampled its trace.
fn sampled_request() -> Request<Body> {
    Request::get("/users/42")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .body(Body::empty())
        .unwrap()
}

/// Drops every span: the cost measured is making and ending spans, not shipping them.
#[derive(Debug)]
struct DiscardingExporter;

impl SpanExporter for DiscardingExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(batch);
        Ok(())
    }
}

fn metrics(c: &mut Criterion) {
    // One global Prometheus recorder serves seawall's layer and axum-prometheus alike.
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("duration_seconds".into()),
            &seawall::metrics::HTTP_DURATION_BUCKETS,
        )
        .unwrap()
        .install_recorder()
        .unwrap();
    // opentelemetry-instrumentation-tower records into the global OpenTelemetry meter.
    let meters = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
        .with_periodic_exporter(opentelemetry_sdk::metrics::InMemoryMetricExporter::default())
        .build();
    opentelemetry::global::set_meter_provider(meters);

    bench_service(c, "axum router (bare)", router(), request);
    // `Router::layer` boxes each layered route once more, and axum clones that box per
    // request: this no-op layer measures what any layer costs there before it does anything.
    bench_service(
        c,
        "axum router + no-op layer",
        router().layer(tower::layer::util::Identity::new()),
        request,
    );
    bench_service(
        c,
        "seawall/metrics",
        router().layer(HttpMetricsLayer::server("bench")),
        request,
    );
    bench_service(
        c,
        "axum-prometheus",
        router().layer(axum_prometheus::BaseMetricLayer::new()),
        request,
    );
    let otel_metrics = opentelemetry_instrumentation_tower::http::server::LayerBuilder::builder()
        .with_tracing(false)
        .build()
        .unwrap();
    bench_service(
        c,
        "opentelemetry-instrumentation-tower (metrics)",
        router().layer(otel_metrics),
        request,
    );
}

fn trace(c: &mut Criterion) {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    bench_service(
        c,
        "seawall/trace (no subscriber)",
        router().layer(HttpTraceLayer::server("bench")),
        request,
    );

    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
        .with_batch_exporter(DiscardingExporter)
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench")));
    let _default = tracing::subscriber::set_default(subscriber);
    // The unsampled request carries a `traceparent`, which costs the router too (its
    // header map is built and dropped): this is the case's fair baseline.
    bench_service(
        c,
        "axum router + no-op layer (unsampled traceparent)",
        router().layer(tower::layer::util::Identity::new()),
        unsampled_request,
    );
    bench_service(
        c,
        "seawall/trace (unsampled parent)",
        router().layer(HttpTraceLayer::server("bench")),
        unsampled_request,
    );
    bench_service(
        c,
        "floor: the caller's context made current, unsampled",
        router().layer(tower::layer::layer_fn(RemoteParentFloor)),
        unsampled_request,
    );
    bench_service(
        c,
        "seawall/trace (sampled)",
        router().layer(HttpTraceLayer::server("bench")),
        sampled_request,
    );
}

/// The least a server layer can do with an unsampled caller and stay true to it: build
/// the caller's context (ids known in advance here, so no header is read) with the
/// OpenTelemetry API and make it current around the call and each poll, so that spans
/// started below continue the caller's trace. The floor of `seawall/trace (unsampled
/// parent)`, which also finds and parses the `traceparent`.
#[derive(Clone)]
struct RemoteParentFloor<S>(S);

impl<S> tower::Service<Request<Body>> for RemoteParentFloor<S>
where
    S: tower::Service<Request<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = opentelemetry::context::WithContext<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        use opentelemetry::context::FutureExt as _;
        use opentelemetry::trace::{
            SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
        };
        let parent = SpanContext::new(
            TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
            SpanId::from(0x00f0_67aa_0ba9_02b7),
            TraceFlags::NOT_SAMPLED,
            true,
            TraceState::NONE,
        );
        let context = opentelemetry::Context::current().with_remote_span_context(parent);
        let future = {
            let _attached = context.clone().attach();
            self.0.call(request)
        };
        future.with_context(context)
    }
}

fn chaos(c: &mut Criterion) {
    let idle = ChaosLayer::builder().seed(1).build().unwrap();
    bench_service(c, "seawall/chaos (no fault)", router().layer(idle), request);
}

criterion_group!(benches, metrics, trace, chaos);
criterion_main!(benches);

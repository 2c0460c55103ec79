//! A server trace layer and a sampler that does not follow the caller: the process-wide
//! switch lives in its own test binary, so no other test sees it flipped.
#![cfg(feature = "trace")]

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Empty;
use opentelemetry::trace::{SpanId, TracerProvider as _};
use opentelemetry_sdk::{
    propagation::TraceContextPropagator,
    trace::{InMemorySpanExporter, Sampler, SdkTracerProvider},
};
use seawall::trace::{HttpTraceLayer, set_sampler_drops_unsampled_children};
use std::convert::Infallible;
use tower::{Layer, ServiceExt, service_fn};
use tracing_subscriber::layer::SubscriberExt;

const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// The spans an `always_on` sampler exported for one request whose caller did not sample.
async fn spans_for_an_unsampled_caller() -> Vec<opentelemetry_sdk::trace::SpanData> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOn)
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    let server =
        HttpTraceLayer::server("orders").layer(service_fn(|_req: Request<Empty<Bytes>>| async {
            Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
        }));
    let request = Request::get("/orders")
        .header(
            "traceparent",
            format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{CALLER_SPAN}-00"),
        )
        .body(Empty::new())
        .unwrap();
    server.oneshot(request).await.unwrap();
    provider.force_flush().unwrap();
    exporter.get_finished_spans().unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn an_always_on_sampler_gets_the_spans_of_unsampled_callers() {
    // Told that the sampler may record such spans, the server makes its span, parented on
    // the caller's, and the sampler records it.
    set_sampler_drops_unsampled_children(false);
    let spans = spans_for_an_unsampled_caller().await;
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert_eq!(
        spans[0].parent_span_id,
        SpanId::from_hex(CALLER_SPAN).unwrap()
    );

    // By default (a parent-based sampler assumed) the span is skipped.
    set_sampler_drops_unsampled_children(true);
    assert!(spans_for_an_unsampled_caller().await.is_empty());
}

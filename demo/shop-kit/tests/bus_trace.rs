#![cfg(feature = "bus")]
//! Trace context goes from the publisher's span into the event's headers, and the
//! consumer's span continues the same trace, with a real OpenTelemetry pipeline.

use opentelemetry::{
    propagation::TextMapCompositePropagator,
    trace::{SpanKind, TraceContextExt, TracerProvider as _},
};
use opentelemetry_sdk::{
    propagation::{BaggagePropagator, TraceContextPropagator},
    trace::{InMemorySpanExporter, SdkTracerProvider, SpanData},
};
use serde_json::json;
use shop_kit::bus::{Event, EventBus, EventKind, HandlerError, InProcessBus, TRACEPARENT};
use std::{sync::Arc, time::Duration};
use tokio::sync::mpsc;
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

const PATIENCE: Duration = Duration::from_secs(30);

/// Installs the W3C propagators and a subscriber that exports spans to memory.
fn install_tracing() -> InMemorySpanExporter {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bus-test")));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    exporter
}

/// Waits (bounded) for the exported span named `name`.
async fn exported(exporter: &InMemorySpanExporter, name: &str) -> SpanData {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let spans = exporter.get_finished_spans().expect("spans");
            if let Some(span) = spans.into_iter().find(|span| span.name == name) {
                return span;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("span {name} exported in time"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_continues_the_publishers_trace() {
    let exporter = install_tracing();
    let bus = InProcessBus::default();
    let (handled_tx, mut handled) = mpsc::unbounded_channel();
    let handler = Arc::new(move |event: Event| {
        let handled_tx = handled_tx.clone();
        async move {
            let remote = event.headers.trace_context();
            let trace_id = remote.span().span_context().trace_id();
            let baggage = event.headers.get("baggage").map(str::to_owned);
            handled_tx
                .send((event, trace_id, baggage))
                .map_err(HandlerError::new)
        }
    });
    let subscription = bus
        .subscribe("notifications", &[EventKind::OrderCompleted], handler)
        .await
        .expect("subscribe");

    let checkout = tracing::info_span!("checkout");
    let event = Event::new(EventKind::OrderCompleted, json!({ "order_id": "o-1" }));
    bus.publish(&event)
        .instrument(checkout.clone())
        .await
        .expect("published");
    drop(checkout);

    let (received, trace_id, _) = tokio::time::timeout(PATIENCE, handled.recv())
        .await
        .expect("in time")
        .expect("handled");
    assert_eq!(received.id, event.id);
    assert!(
        received.headers.get(TRACEPARENT).is_some(),
        "{:?}",
        received.headers
    );

    let checkout = exported(&exporter, "checkout").await;
    let producer = exported(&exporter, "publish order.completed").await;
    let consumer = exported(&exporter, "process order.completed").await;
    assert_eq!(
        trace_id,
        checkout.span_context.trace_id(),
        "headers carry the trace"
    );
    assert_eq!(producer.span_kind, SpanKind::Producer);
    assert_eq!(producer.parent_span_id, checkout.span_context.span_id());
    assert_eq!(consumer.span_kind, SpanKind::Consumer);
    assert_eq!(
        consumer.span_context.trace_id(),
        checkout.span_context.trace_id()
    );
    assert_eq!(consumer.parent_span_id, producer.span_context.span_id());

    // An event that already carries a context (relayed from an outbox) keeps it.
    let mut relayed = Event::new(EventKind::OrderCompleted, json!({ "order_id": "o-2" }));
    let original = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    relayed.headers.insert(TRACEPARENT, original);
    relayed.headers.insert("baggage", "user_id=42");
    bus.publish(&relayed).await.expect("published");
    let (received, trace_id, baggage) = tokio::time::timeout(PATIENCE, handled.recv())
        .await
        .expect("in time")
        .expect("handled");
    assert_eq!(received.headers.get(TRACEPARENT), Some(original));
    assert_eq!(trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(baggage.as_deref(), Some("user_id=42"));

    subscription.shutdown().await;
}

//! Producer and consumer spans, and trace context written into events when published.

use super::event::Event;
use tracing::{Span, field::Empty};

/// The event as it goes out: with the trace context of a new producer span in its headers
/// unless it already carries one (an event relayed from the outbox keeps the context of
/// the request that made it), and that span to publish in.
pub(crate) fn prepare_publish(
    event: &Event,
    system: &'static str,
    destination: &str,
) -> (Event, Span) {
    let span = tracing::info_span!(
        target: "shop_kit::bus",
        "publish event",
        otel.name = %format_args!("publish {}", event.kind),
        otel.kind = "producer",
        otel.status_code = Empty,
        messaging.system = system,
        messaging.operation.type = "send",
        messaging.destination.name = destination,
        messaging.message.id = %event.id,
        event.kind = event.kind.as_str(),
    );
    let mut outgoing = event.clone();
    if !outgoing.headers.has_trace_context() {
        seawall::trace::inject_span_context(&span, &mut outgoing.headers);
    }
    (outgoing, span)
}

/// A consumer span for handling `event`, parented on the trace context in its headers.
pub(crate) fn consumer_span(event: &Event, consumer: &str, system: &'static str) -> Span {
    // Consumers run in their own tasks, outside any `tracing` span, so a new span takes
    // the current OpenTelemetry context as its parent: make that the producer's.
    let _remote_parent = event.headers.trace_context().attach();
    tracing::info_span!(
        target: "shop_kit::bus",
        "process event",
        otel.name = %format_args!("process {}", event.kind),
        otel.kind = "consumer",
        otel.status_code = Empty,
        messaging.system = system,
        messaging.operation.type = "process",
        messaging.consumer.group.name = consumer,
        messaging.message.id = %event.id,
        event.kind = event.kind.as_str(),
    )
}

//! The global text-map propagator: W3C TraceContext (`traceparent`, `tracestate`) and
//! W3C Baggage (`baggage`), composed so that one inject/extract handles both.

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

/// The TraceContext + Baggage propagator that [`init`](crate::init) installs globally.
pub fn composite_propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// Installs [`composite_propagator`] as the process-wide propagator used by
/// `opentelemetry::global::get_text_map_propagator` (and so by seawall's trace layer).
pub fn install_global_propagator() {
    opentelemetry::global::set_text_map_propagator(composite_propagator());
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::propagation::TextMapPropagator;
    use opentelemetry::trace::TraceContextExt;

    use super::*;

    #[test]
    fn composite_propagator_round_trips_traceparent_and_baggage() {
        let incoming = HashMap::from([
            (
                "traceparent".to_owned(),
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
            ),
            ("baggage".to_owned(), "tenant=acme".to_owned()),
        ]);
        let propagator = composite_propagator();
        let context = propagator.extract(&incoming);
        assert_eq!(
            context.span().span_context().trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(
            context
                .baggage()
                .get("tenant")
                .map(|v| v.as_str().to_owned()),
            Some("acme".to_owned())
        );

        let mut outgoing = HashMap::new();
        propagator.inject_context(&context, &mut outgoing);
        assert_eq!(outgoing.get("traceparent"), incoming.get("traceparent"));
        assert_eq!(outgoing.get("baggage"), incoming.get("baggage"));
    }
}

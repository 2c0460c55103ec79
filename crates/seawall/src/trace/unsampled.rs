//! Requests whose caller did not sample their trace.
//!
//! With a parent-based sampler (OpenTelemetry's default, and what `seawall-telemetry` sets
//! up unless `OTEL_TRACES_SAMPLER` says otherwise), the span of such a request is dropped
//! when it ends; building it first through the `tracing` registry and the OpenTelemetry
//! layer costs microseconds for nothing. A server layer therefore skips the span and runs the
//! request inside the caller's context instead, so that spans started below it (client
//! calls) still belong to the caller's trace, are not sampled either, and send on its
//! `traceparent` with the sampled flag clear, and its baggage.
//!
//! The caller's context is read without the installed propagator when the propagator reads
//! `traceparent` and the request carries none of the other fields it reads (`tracestate`,
//! `baggage`, ...): the `traceparent` is then all it would look at, and what it makes of one
//! is fixed by the W3C spec, so seawall parses it itself, in one pass and without
//! allocating (the SDK's `TraceContextPropagator` splits it into a `Vec` first), and builds
//! the same context. Otherwise, and when the header is not valid by the spec (which the
//! propagator may read more leniently), the propagator extracts the context as before.

use super::{
    propagation::{HeaderExtractor, extract_context},
    traceparent::{self, TraceParent},
};
use http::{HeaderMap, HeaderName};
use opentelemetry::{
    Context,
    propagation::TextMapPropagator,
    trace::{SpanContext, TraceContextExt, TraceState},
};

/// `traceparent` as a `&str` known at compile time, so that comparing a propagator's field
/// with it (on every request) compiles to fixed-length comparisons, not a `bcmp` call.
const TRACEPARENT_NAME: &str = "traceparent";
/// The same, in a `static` so that the header lookup borrows it instead of copying it.
static TRACEPARENT: HeaderName = HeaderName::from_static(TRACEPARENT_NAME);

/// The caller's context when its `traceparent` says it did not sample the trace; `Err` with
/// the context extracted (for the span to be parented on) when it turned out otherwise,
/// and `Err(None)` when the request does not look unsampled at all.
///
/// Reads the flags byte first, so that a request without a `traceparent`, or with a
/// sampled one, costs one header lookup here.
pub(crate) fn unsampled_parent(headers: &HeaderMap) -> Result<Context, Option<Context>> {
    if headers.is_empty() {
        return Err(None);
    }
    let Some(value) = crate::headers::find(headers, &TRACEPARENT) else {
        return Err(None);
    };
    let value = value.as_bytes();
    if !looks_unsampled(value) {
        return Err(None);
    }
    if let Some(parent) = traceparent::parse(value) {
        let fast = opentelemetry::global::get_text_map_propagator(|propagator| {
            reads_only_traceparent(propagator, headers)
        });
        if fast {
            // `looks_unsampled` read the same flags: `parent.flags` is `NOT_SAMPLED`.
            return Ok(remote_context(&parent));
        }
    }
    let parent = extract_context(&HeaderExtractor(headers));
    let span = parent.span();
    let context = span.span_context();
    if context.is_valid() && context.is_remote() && !context.is_sampled() {
        Ok(parent)
    } else {
        Err(Some(parent))
    }
}

/// Whether the request carries a `traceparent` whose sampled flag is clear. Only the flags
/// are read; the parser or the propagator checks the rest.
fn looks_unsampled(bytes: &[u8]) -> bool {
    // Later versions may append fields after the flags, so only the prefix is fixed.
    if bytes.len() < traceparent::LEN || bytes[traceparent::LEN - 3] != b'-' {
        return false;
    }
    // The sampled flag is the lowest bit of the flags' second hex digit.
    let low = bytes[traceparent::LEN - 1];
    let nibble = match low {
        b'0'..=b'9' => low - b'0',
        b'a'..=b'f' => low - b'a' + 10,
        _ => return false,
    };
    nibble & 1 == 0
}

/// Whether `propagator` reads `traceparent`, and `headers` holds none of the other fields
/// it reads: then what it extracts is what the `traceparent` says. Inlined into the
/// closure that `get_text_map_propagator` calls, to save a call per request.
#[inline]
fn reads_only_traceparent(propagator: &dyn TextMapPropagator, headers: &HeaderMap) -> bool {
    let mut reads_traceparent = false;
    for field in propagator.fields() {
        if same_name(field, TRACEPARENT_NAME) {
            reads_traceparent = true;
        } else if carries(headers, field) {
            return false;
        }
    }
    reads_traceparent
}

/// What a W3C propagator's `extract` makes of `parent` alone: the current context, with the
/// caller's span as a remote parent and an empty trace state.
fn remote_context(parent: &TraceParent) -> Context {
    let span = SpanContext::new(
        parent.trace_id,
        parent.span_id,
        parent.flags,
        true,
        TraceState::NONE,
    );
    Context::map_current(|current| current.with_remote_span_context(span))
}

/// Whether `headers` has a field named `name`, in any case, as the extractor would find it.
fn carries(headers: &HeaderMap, name: &str) -> bool {
    // As in `HeaderExtractor::get`: a small map is scanned faster than `name` is hashed.
    const SCAN_UP_TO: usize = 12;
    if headers.len() > SCAN_UP_TO {
        headers.contains_key(name)
    } else {
        headers
            .keys()
            .any(|candidate| same_name(candidate.as_str(), name))
    }
}

/// Whether two field names are the same, in any case (`HeaderExtractor::get` ignores case);
/// propagators' names, like those in a `HeaderMap`, are lower case, so compare bytes first.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a == b || a.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use opentelemetry::{
        baggage::BaggageExt,
        propagation::TextMapCompositePropagator,
        trace::{SpanId, TraceFlags, TraceId},
    };
    use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
    use proptest::prelude::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

    fn headers(fields: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for &(name, value) in fields {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    fn looks_unsampled_in(headers: &HeaderMap) -> bool {
        crate::headers::find(headers, &TRACEPARENT)
            .is_some_and(|value| looks_unsampled(value.as_bytes()))
    }

    /// The propagators `seawall-telemetry` installs: W3C trace context, then W3C baggage.
    fn trace_context_and_baggage() -> TextMapCompositePropagator {
        TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ])
    }

    /// What the fast path makes of the request's `traceparent`, if it takes it.
    fn fast(propagator: &dyn TextMapPropagator, headers: &HeaderMap) -> Option<Context> {
        let value = headers.get(&TRACEPARENT)?.as_bytes();
        let parent = traceparent::parse(value)?;
        reads_only_traceparent(propagator, headers).then(|| remote_context(&parent))
    }

    fn assert_same(fast: &Context, extracted: &Context) {
        assert_eq!(fast.span().span_context(), extracted.span().span_context());
        assert!(fast.span().span_context().is_remote());
        assert_eq!(entries(fast), entries(extracted));
    }

    fn entries(context: &Context) -> std::collections::BTreeMap<String, String> {
        let baggage = context.baggage().iter();
        baggage
            .map(|(k, (v, _))| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_the_sampled_flag() {
        let id = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7";
        for (flags, unsampled) in [("00", true), ("02", true), ("01", false), ("03", false)] {
            let value = format!("{id}-{flags}");
            let headers = headers(&[("traceparent", &value)]);
            assert_eq!(looks_unsampled_in(&headers), unsampled, "{flags}");
        }
        assert!(!looks_unsampled_in(&HeaderMap::new()));
        assert!(!looks_unsampled_in(&headers(&[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736"
        )])));
        assert!(!looks_unsampled_in(&headers(&[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"
        )])));
    }

    #[test]
    fn takes_the_fast_path_only_when_the_propagator_would_read_traceparent_alone() {
        let trace_context = TraceContextPropagator::new();
        let both = trace_context_and_baggage();
        let plain = headers(&[("traceparent", PARENT), ("accept", "*/*")]);
        assert!(reads_only_traceparent(&trace_context, &plain));
        assert!(reads_only_traceparent(&both, &plain));

        let with_state = headers(&[("traceparent", PARENT), ("tracestate", "vendor=1")]);
        assert!(!reads_only_traceparent(&trace_context, &with_state));
        assert!(!reads_only_traceparent(&both, &with_state));

        // Trace context alone does not read baggage: its result is the same without it.
        let with_baggage = headers(&[("traceparent", PARENT), ("baggage", "user=1")]);
        assert!(reads_only_traceparent(&trace_context, &with_baggage));
        assert!(!reads_only_traceparent(&both, &with_baggage));

        // A propagator that does not read `traceparent` (none installed, or B3 alone) would
        // not parent the request on it.
        let noop = opentelemetry::trace::noop::NoopTextMapPropagator::new();
        assert!(!reads_only_traceparent(&noop, &plain));
        assert!(!reads_only_traceparent(&BaggagePropagator::new(), &plain));

        // Many headers: looked up by hash rather than scanned.
        let mut many = headers(&[("traceparent", PARENT), ("tracestate", "vendor=1")]);
        for n in 0..20 {
            many.insert(
                HeaderName::from_bytes(format!("x-filler-{n}").as_bytes()).unwrap(),
                HeaderValue::from_static("1"),
            );
        }
        assert!(!reads_only_traceparent(&trace_context, &many));
        many.remove("tracestate");
        assert!(reads_only_traceparent(&trace_context, &many));
    }

    #[test]
    fn the_fast_path_gives_what_the_propagator_extracts() {
        for propagator in [
            &TraceContextPropagator::new() as &dyn TextMapPropagator,
            &trace_context_and_baggage(),
        ] {
            let headers = headers(&[("traceparent", PARENT), ("accept", "*/*")]);
            let fast = fast(propagator, &headers).expect("the fast path");
            let extracted = propagator.extract(&HeaderExtractor(&headers));
            assert_same(&fast, &extracted);
            let span = fast.span().span_context().clone();
            assert_eq!(
                span.trace_id(),
                TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
            );
            assert_eq!(
                span.span_id(),
                SpanId::from_hex("00f067aa0ba902b7").unwrap()
            );
            assert_eq!(span.trace_flags(), TraceFlags::NOT_SAMPLED);
        }
    }

    #[test]
    fn the_fast_path_keeps_what_the_current_context_holds() {
        let propagator = trace_context_and_baggage();
        let headers = headers(&[("traceparent", PARENT)]);
        let _outer =
            Context::current_with_baggage([opentelemetry::KeyValue::new("k", "v")]).attach();
        let fast = fast(&propagator, &headers).unwrap();
        let extracted = propagator.extract(&HeaderExtractor(&headers));
        assert_same(&fast, &extracted);
        assert_eq!(fast.baggage().get("k").map(|v| v.as_str()), Some("v"));
    }

    #[test]
    fn a_request_with_tracestate_is_left_to_the_propagator() {
        // The propagator `trace::service`'s tests install too.
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let headers = headers(&[("traceparent", PARENT), ("tracestate", "vendor=opaque")]);
        let parent = unsampled_parent(&headers).expect("an unsampled parent");
        let span = parent.span().span_context().clone();
        assert_eq!(span.trace_state().get("vendor"), Some("opaque"));
        assert!(!span.is_sampled());
        assert!(span.is_remote());

        let headers = self::headers(&[("traceparent", PARENT)]);
        let parent = unsampled_parent(&headers).expect("an unsampled parent");
        assert_eq!(parent.span().span_context().trace_state().header(), "");
        // Sampled: no parent here, the span is made and parented by the propagator.
        let sampled = format!("{}-01", &PARENT[..52]);
        let sampled = self::headers(&[("traceparent", &sampled)]);
        assert!(matches!(unsampled_parent(&sampled), Err(None)));
    }

    /// Any lower-case hex byte but the sampled bit's, as a flags field.
    fn unsampled_flags() -> impl Strategy<Value = u8> {
        any::<u8>().prop_map(|flags| flags & !1)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1_000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn the_fast_path_and_the_propagators_agree(
            trace_id in 1u128..,
            span_id in 1u64..,
            flags in unsampled_flags(),
            version in prop_oneof![Just(0u8), 1u8..0xff],
            extension in prop_oneof![Just(""), Just("-"), Just("-future-field")],
        ) {
            let extension = if version == 0 { "" } else { extension };
            let value = format!("{version:02x}-{trace_id:032x}-{span_id:016x}-{flags:02x}{extension}");
            let headers = headers(&[("traceparent", &value)]);
            prop_assert!(looks_unsampled_in(&headers));
            for propagator in [
                &TraceContextPropagator::new() as &dyn TextMapPropagator,
                &trace_context_and_baggage(),
            ] {
                let fast = fast(propagator, &headers).expect("the fast path");
                let extracted = propagator.extract(&HeaderExtractor(&headers));
                let (fast, extracted) = (fast.span(), extracted.span());
                prop_assert_eq!(fast.span_context(), extracted.span_context());
                prop_assert_eq!(fast.span_context().trace_id(), TraceId::from(trace_id));
                prop_assert_eq!(fast.span_context().span_id(), SpanId::from(span_id));
                prop_assert!(fast.span_context().is_remote() && !fast.span_context().is_sampled());
            }
        }
    }
}

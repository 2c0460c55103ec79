//! Requests whose caller did not sample their trace.
//!
//! With a parent-based sampler (OpenTelemetry's default, and what `seawall-telemetry` sets
//! up unless `OTEL_TRACES_SAMPLER` says otherwise), the span of such a request is dropped
//! when it ends; building it first through the `tracing` registry and the OpenTelemetry
//! layer costs microseconds for nothing. A server layer therefore skips the span and runs the
//! request inside the caller's context instead, so that spans started below it (client
//! calls) still belong to the caller's trace, are not sampled either, and send on its
//! `traceparent` with the sampled flag clear, and its baggage.

use super::propagation::{HeaderExtractor, extract_context};
use http::{HeaderMap, HeaderName};
use opentelemetry::{Context, trace::TraceContextExt};

/// `traceparent`, in a `static` so that the lookup borrows it instead of copying it.
static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The length of a version-00 `traceparent`: `00-{32 hex}-{16 hex}-{2 hex}`.
const TRACEPARENT_LEN: usize = 55;

/// The caller's context when its `traceparent` says it did not sample the trace; `Err` with
/// the context extracted (for the span to be parented on) when it turned out otherwise,
/// and `Err(None)` when the request does not look unsampled at all.
///
/// Reads the flags byte first, so that a request without a `traceparent`, or with a
/// sampled one, costs one header lookup here.
pub(crate) fn unsampled_parent(headers: &HeaderMap) -> Result<Context, Option<Context>> {
    if !looks_unsampled(headers) {
        return Err(None);
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
/// are read; the propagator checks the rest.
fn looks_unsampled(headers: &HeaderMap) -> bool {
    if headers.is_empty() {
        return false;
    }
    let Some(value) = crate::headers::find(headers, &TRACEPARENT) else {
        return false;
    };
    let bytes = value.as_bytes();
    // Later versions may append fields after the flags, so only the prefix is fixed.
    if bytes.len() < TRACEPARENT_LEN || bytes[TRACEPARENT_LEN - 3] != b'-' {
        return false;
    }
    // The sampled flag is the lowest bit of the flags' second hex digit.
    let low = bytes[TRACEPARENT_LEN - 1];
    let nibble = match low {
        b'0'..=b'9' => low - b'0',
        b'a'..=b'f' => low - b'a' + 10,
        _ => return false,
    };
    nibble & 1 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(traceparent: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(&TRACEPARENT, HeaderValue::from_static(traceparent));
        headers
    }

    #[test]
    fn reads_the_sampled_flag() {
        let id = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7";
        for (flags, unsampled) in [("00", true), ("02", true), ("01", false), ("03", false)] {
            let value: &'static str = format!("{id}-{flags}").leak();
            assert_eq!(looks_unsampled(&headers(value)), unsampled, "{flags}");
        }
        assert!(!looks_unsampled(&HeaderMap::new()));
        assert!(!looks_unsampled(&headers(
            "00-4bf92f3577b34da6a3ce929d0e0e4736"
        )));
        assert!(!looks_unsampled(&headers(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"
        )));
    }
}

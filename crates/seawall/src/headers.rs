//! Header names seawall reads and writes.
//!
//! Both are plain HTTP headers so that they cross any hop, including proxies that know
//! nothing of seawall. Services that must not trust callers (the public edge) strip them.

use http::HeaderName;

/// The time the caller still allows for this request, in whole milliseconds, relative to
/// the moment the request was sent (`x-seawall-timeout-ms: 850`).
///
/// Relative rather than absolute so that clock skew between hosts does not matter. The
/// [`deadline`](crate::deadline) layer reads it on servers and writes it on clients, minus a
/// margin for the time the request spends on the wire.
pub const TIMEOUT_MS: HeaderName = HeaderName::from_static("x-seawall-timeout-ms");

/// Marks a response that ended a retry loop (`x-seawall-no-retry: 1`).
///
/// A service that already retried its own dependency and gave up says so, and the
/// [`retry`](crate::retry) layer of its caller does not retry again, so that retries do not
/// multiply across hops (3 attempts at each of 3 hops would otherwise be 27 at the last).
pub const NO_RETRY: HeaderName = HeaderName::from_static("x-seawall-no-retry");

/// The request header that makes a non-idempotent request (POST, PATCH) safe to retry.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The first value of the header `name` in `headers`, like [`HeaderMap::get`], but without
/// hashing the name when the map is small.
///
/// `HeaderMap::get` hashes the whole name before it probes, and custom names such as
/// seawall's own hash byte by byte. Comparing names is cheaper: a standard header differs
/// in its tag, and a custom one mostly in its length. A request's handful of headers is
/// scanned in less time than the hash takes; a large map is still looked up by hash.
#[cfg(any(feature = "deadline", feature = "trace"))]
#[inline]
pub(crate) fn find<'a>(
    headers: &'a http::HeaderMap,
    name: &HeaderName,
) -> Option<&'a http::HeaderValue> {
    /// Up to this many values a scan beats hashing a 20-byte name. Measured with callgrind
    /// (`benches/instructions.rs`): finding `x-seawall-timeout-ms` as the only header costs
    /// about 170 instructions less than `get`, and as the ninth about 60 less.
    const SCAN_UP_TO: usize = 12;
    if headers.len() > SCAN_UP_TO {
        return headers.get(name);
    }
    // `iter` yields each name's first value first, so the first match is what `get` gives.
    headers
        .iter()
        .find_map(|(candidate, value)| (candidate == name).then_some(value))
}

#[cfg(all(test, any(feature = "deadline", feature = "trace")))]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, header};

    #[test]
    fn find_answers_as_get_does_in_small_and_large_maps() {
        for filler in [0, 3, 40] {
            let mut headers = HeaderMap::new();
            for i in 0..filler {
                let name = HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap();
                headers.insert(name, HeaderValue::from_static("x"));
            }
            headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
            assert_eq!(find(&headers, &TIMEOUT_MS), None, "{filler} absent");
            headers.append(&TIMEOUT_MS, HeaderValue::from_static("850"));
            headers.append(&TIMEOUT_MS, HeaderValue::from_static("900"));
            assert_eq!(
                find(&headers, &TIMEOUT_MS),
                headers.get(&TIMEOUT_MS),
                "{filler}"
            );
            assert_eq!(
                find(&headers, &TIMEOUT_MS).unwrap(),
                "850",
                "{filler} first value"
            );
            assert_eq!(
                find(&headers, &header::ACCEPT).unwrap(),
                "*/*",
                "{filler} standard"
            );
        }
    }
}

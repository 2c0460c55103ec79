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

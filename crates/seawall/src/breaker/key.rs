//! What picks the breaker a request goes through, for keyed breakers.

use http::{Request, header::HOST};
use std::borrow::Cow;

/// Picks the key of the breaker a request goes through; see
/// [`CircuitBreakerBuilder::key_by`](super::CircuitBreakerBuilder::key_by).
///
/// Implemented by [`ByAuthority`], `ByRoute` (feature `axum`) and every
/// closure `Fn(&Request<B>) -> Option<String>`. A request without a key (`None`) goes
/// through the layer's shared breaker.
pub trait BreakerKey<B> {
    /// The key for `request`, borrowed from it where possible.
    fn key<'r>(&self, request: &'r Request<B>) -> Option<Cow<'r, str>>;
}

impl<B, F> BreakerKey<B> for F
where
    F: Fn(&Request<B>) -> Option<String>,
{
    fn key<'r>(&self, request: &'r Request<B>) -> Option<Cow<'r, str>> {
        self(request).map(Cow::Owned)
    }
}

/// One breaker for every request: the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unkeyed;

impl<B> BreakerKey<B> for Unkeyed {
    fn key<'r>(&self, _: &'r Request<B>) -> Option<Cow<'r, str>> {
        None
    }
}

/// One breaker per upstream authority (`host:port`): the URI's authority on a client,
/// else the `Host` header.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByAuthority;

impl<B> BreakerKey<B> for ByAuthority {
    fn key<'r>(&self, request: &'r Request<B>) -> Option<Cow<'r, str>> {
        let authority = request
            .uri()
            .authority()
            .map(|authority| authority.as_str());
        let host = || request.headers().get(HOST)?.to_str().ok();
        authority.or_else(host).map(Cow::Borrowed)
    }
}

/// One breaker per axum route template (`/users/{id}`, never the raw path), read from
/// axum's `MatchedPath`. Works with `Router::layer` and `Router::route_layer`; requests
/// no route matched share the layer's shared breaker.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct ByRoute;

#[cfg(feature = "axum")]
impl<B> BreakerKey<B> for ByRoute {
    fn key<'r>(&self, request: &'r Request<B>) -> Option<Cow<'r, str>> {
        let route = request.extensions().get::<axum::extract::MatchedPath>()?;
        Some(Cow::Borrowed(route.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_comes_from_the_uri_then_the_host_header() {
        let client = Request::get("http://payments:8084/charge")
            .body(())
            .unwrap();
        assert_eq!(ByAuthority.key(&client).as_deref(), Some("payments:8084"));
        let server = Request::get("/charge")
            .header(HOST, "orders:8083")
            .body(())
            .unwrap();
        assert_eq!(ByAuthority.key(&server).as_deref(), Some("orders:8083"));
        let neither = Request::get("/charge").body(()).unwrap();
        assert_eq!(ByAuthority.key(&neither), None);
    }
}

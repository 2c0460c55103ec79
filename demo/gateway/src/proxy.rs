//! The gateway's handler for `/api/...`: route, authenticate, rate-limit, split, forward.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::header::HOST;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, Version};
use http_body_util::Full;
use seawall::{Classify, HttpClassifier, Rejection};
use shop_kit::problem::Problem;
use tower::{BoxError, Service};
use uuid::Uuid;

use crate::access_log::AccessLog;
use crate::auth::authenticate;
use crate::balance::Upstream;
use crate::body::{ReadError, read_limited};
use crate::errors;
use crate::headers::{
    Text, UPSTREAM, USER_ID, number_value, remove_hop_by_hop, text_value, uuid_value,
};
use crate::limit::{RATELIMIT_LIMIT, RATELIMIT_REMAINING, RATELIMIT_RESET, Refusal};
use crate::pipeline::UpstreamBody;
use crate::route::Route;
use crate::routing::rewrite;
use crate::state::Gateway;
use crate::telemetry;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Who sent a request, as the gateway forwards it: the caller's address and verified user.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// The client's address (unspecified when the server was not given it).
    pub address: IpAddr,
    /// The verified user, if the request carried a valid token.
    pub user: Option<Uuid>,
}

/// The service answering `/api/...` with [`handle`].
#[derive(Debug, Clone)]
pub struct Proxy {
    gateway: Arc<Gateway>,
}

impl Proxy {
    /// Answers with `gateway`.
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Proxy { gateway }
    }
}

impl Service<Request> for Proxy {
    type Response = Response;
    type Error = Infallible;
    // Boxed, as axum boxes a handler's future: `handle`'s cannot be named.
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let gateway = Arc::clone(&self.gateway);
        Box::pin(async move { Ok(handle(gateway, request).await) })
    }
}

/// `any /api/...`: the whole path of a request through the gateway, logged
/// ([`AccessLog`]).
pub async fn handle(gateway: Arc<Gateway>, request: Request) -> Response {
    let log = AccessLog::start(&request);
    let response = answer(&gateway, request).await;
    if let Some(log) = log {
        log.finish(&response);
    }
    response
}

/// Routes, authenticates, rate-limits and answers `request`.
async fn answer(gateway: &Arc<Gateway>, request: Request) -> Response {
    let Some(route) = gateway.routes().find(request.uri().path()).cloned() else {
        let path = request.uri().path();
        return Problem::not_found(format!("no route for {path}"))
            .with_instance(path.to_owned())
            .into_response();
    };
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let user = match authenticate(route.auth(), gateway.verifier(), request.headers()) {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    let caller = Caller { address, user };
    let standing = match route.limits().map(|limits| limits.check(address, user)) {
        Some(Err(refusal)) => return too_many_requests(&route, refusal),
        Some(Ok(standing)) => standing,
        None => None,
    };
    let product = gateway
        .detail()
        .and_then(|d| d.product_id(request.method(), request.uri().path()))
        .map(str::to_owned);
    let mut response = match product {
        Some(id) => {
            let (parts, _body) = request.into_parts();
            gateway
                .detail_answer(&id, &parts.headers, parts.uri.query(), caller)
                .await
        }
        None => forward(gateway, &route, request, caller).await,
    };
    if let Some(standing) = standing {
        standing.write(response.headers_mut());
    }
    response
}

/// Forwards `request` on `route`, its body read up to the gateway's limit.
async fn forward(
    gateway: &Gateway,
    route: &Arc<Route>,
    request: Request,
    caller: Caller,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_limited(body, gateway.body_limit()).await {
        Ok(body) => body,
        Err(error @ ReadError::TooLarge(_)) => {
            return Problem::payload_too_large(error.to_string()).into_response();
        }
        Err(error) => return Problem::bad_request(error.to_string()).into_response(),
    };
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let target = rewrite(path_and_query, route.strip_prefix());
    let (upstream, result) = call(route, parts.method, target, parts.headers, body, caller).await;
    let mut response = errors::answer(result, upstream.name());
    if let Some(name) = upstream.header() {
        response.headers_mut().insert(UPSTREAM, name.clone());
    }
    response
}

/// Sends one request through `route`: the split picks the upstream, the pipeline the
/// instance. Returns the upstream and the pipeline's outcome; a migration's outcome is
/// recorded for its rollback.
pub async fn call(
    route: &Route,
    method: Method,
    path_and_query: String,
    mut headers: HeaderMap,
    body: Bytes,
    caller: Caller,
) -> (
    Arc<Upstream>,
    Result<http::Response<UpstreamBody>, BoxError>,
) {
    let choice = route.split().choose(&headers, &mut fastrand::Rng::new());
    let upstream = Arc::clone(&choice.upstream);
    route.count_request(upstream.name());
    remove_hop_by_hop(&mut headers);
    headers.remove(HOST);
    if let Some(user) = caller.user {
        headers.insert(USER_ID, uuid_value(user));
    }
    if !caller.address.is_unspecified() {
        if let Some(value) = address_value(caller.address) {
            headers.insert(X_FORWARDED_FOR, value);
        }
    }
    // The rewritten path's own buffer becomes the URI's: `Uri::try_from(&str)` would copy it.
    let uri = match Uri::from_maybe_shared(Bytes::from(path_and_query)) {
        Ok(uri) => uri,
        Err(error) => return (upstream, Err(BoxError::from(error))),
    };
    let mut request = http::Request::new(Full::new(body));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    *request.headers_mut() = headers;
    let result = match route.pipeline(&choice.upstream) {
        Some(pipeline) => pipeline.call(request).await,
        None => Err(BoxError::from(
            "the split chose an upstream the route has no pipeline to",
        )),
    };
    if choice.migration {
        if let Some(migration) = route.split().migration() {
            migration.record(HttpClassifier.classify(result.as_ref()).is_failure());
        }
    }
    (upstream, result)
}

/// `address` as a header value ([`text_value`]). An IPv4 address, nearly every caller, is
/// written digit by digit: through `Display` it cost a thousand-odd instructions per request.
fn address_value(address: IpAddr) -> Option<HeaderValue> {
    let mut text = Text::default();
    match address {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text.push(b".").ok()?;
                }
                text.push(itoa::Buffer::new().format(octet).as_bytes())
                    .ok()?;
            }
        }
        // The longest form, 45 bytes, fits the buffer.
        IpAddr::V6(v6) => std::fmt::Write::write_fmt(&mut text, format_args!("{v6}")).ok()?,
    }
    text_value(text)
}

/// 429 with `Retry-After` and the `RateLimit-*` headers of the limit that refused.
fn too_many_requests(route: &Route, refusal: Refusal) -> Response {
    telemetry::rate_limited(route.prefix(), refusal.scope);
    let reset = refusal.retry_after.as_secs() + u64::from(refusal.retry_after.subsec_nanos() > 0);
    let mut response = Problem::too_many_requests(format!(
        "the {} rate limit of {} is exhausted; try again later",
        refusal.scope,
        route.prefix()
    ))
    .with_retry_after(refusal.retry_after)
    .into_response();
    let headers = response.headers_mut();
    headers.insert(RATELIMIT_LIMIT, number_value(refusal.limit.into()));
    headers.insert(RATELIMIT_REMAINING, number_value(0));
    headers.insert(RATELIMIT_RESET, number_value(reset.max(1)));
    response.extensions_mut().insert(Rejection::RateLimited {
        retry_after: Some(refusal.retry_after),
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_their_text_form() {
        let v4 = address_value(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)));
        assert_eq!(
            v4.as_ref().map(HeaderValue::as_bytes),
            Some(&b"203.0.113.7"[..])
        );
        // The longest IPv6 text form, 45 bytes, still fits.
        let longest: IpAddr = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
            .parse()
            .unwrap();
        let text = address_value(longest).unwrap();
        assert_eq!(text.to_str().unwrap(), longest.to_string());
    }
}

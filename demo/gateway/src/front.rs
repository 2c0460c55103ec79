//! The gateway's outermost layer: request ids, header hygiene and route labels, before the
//! server stack (so that a caller's deadline or fault header never reaches seawall's
//! server layers unless the caller is an admin), and the fault fan-out of
//! `/admin/faults[/{name}]` in front of the scaffold's own fault API.
//!
//! A hand-written tower layer rather than an `axum::middleware::from_fn`: that boxes the
//! inner service and the future of every request, and this is on every request's path.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{BoxFuture, Either};
use http::HeaderValue;
use seawall::metrics::RouteTemplate;
use tower::Service;

use crate::admin::{FaultFanOut, is_fault_api};
use crate::headers::{REQUEST_ID, request_id, strip_inbound};
use crate::state::Gateway;

/// What [`FrontService`] shares between its clones: the gateway's state and its fault
/// fan-out.
#[derive(Debug, Clone)]
pub struct Front {
    gateway: Arc<Gateway>,
    faults: Arc<FaultFanOut>,
    /// The route label of `/api` requests that match no route.
    unrouted: RouteTemplate,
}

impl Front {
    /// The front of `gateway`, answering the fault API with `faults`.
    pub fn new(gateway: Arc<Gateway>, faults: Arc<FaultFanOut>) -> Self {
        Front {
            gateway,
            faults,
            unrouted: RouteTemplate::new("/api/{*path}"),
        }
    }

    /// The front of `api`, which serves `/api` and the paths under it, and of `rest`, which
    /// serves the others.
    pub fn service<A, R>(self, api: A, rest: R) -> FrontService<A, R> {
        FrontService {
            front: self,
            api,
            rest,
        }
    }
}

/// Gives each request an id (kept from the caller when sane) that the response returns,
/// strips the internal headers ([`strip_inbound`]), and sends `/api` requests to the API
/// service, labelled with their route's template for metrics and spans, and the others to
/// the rest. The fault API is answered here by the fan-out ([`FaultFanOut::answer`]).
///
/// The API paths are told apart here rather than by an axum router: a route with a
/// wildcard costs a request its URL parameters and a clone of the boxed route, and the
/// gateway finds its own route by prefix anyway.
#[derive(Debug, Clone)]
pub struct FrontService<A, R> {
    front: Front,
    api: A,
    rest: R,
}

impl<A, R> Service<Request> for FrontService<A, R>
where
    A: Service<Request, Response = Response, Error = Infallible>,
    A::Future: Send + 'static,
    R: Service<Request, Response = Response, Error = Infallible>,
    R::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<
        WithRequestId<Either<A::Future, R::Future>>,
        BoxFuture<'static, Result<Response, Infallible>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Either may take the next request.
        let Ok(()) = std::task::ready!(self.api.poll_ready(cx));
        self.rest.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let front = &self.front;
        let gateway = &front.gateway;
        let id = request_id(request.headers());
        strip_inbound(request.headers_mut(), gateway.admin());
        request.headers_mut().insert(REQUEST_ID, id.clone());
        let path = request.uri().path();
        if is_fault_api(path) {
            let faults = Arc::clone(&front.faults);
            return Either::Right(Box::pin(async move {
                let mut response = faults.answer(request).await;
                response.headers_mut().insert(REQUEST_ID, id);
                Ok(response)
            }));
        }
        let inner = if is_api(path) {
            let template = match gateway.detail() {
                Some(detail) if detail.product_id(request.method(), path).is_some() => {
                    detail.template()
                }
                _ => gateway
                    .routes()
                    .find(path)
                    .map_or(&front.unrouted, |route| route.template()),
            };
            let template = template.clone();
            request.extensions_mut().insert(template);
            Either::Left(self.api.call(request))
        } else {
            Either::Right(self.rest.call(request))
        };
        Either::Left(WithRequestId {
            inner,
            id: Some(id),
        })
    }
}

/// Whether `path` is `/api` or under it.
fn is_api(path: &str) -> bool {
    path.strip_prefix("/api")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

pin_project_lite::pin_project! {
    /// The inner answer with the request id added.
    pub struct WithRequestId<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
    }
}

impl<F> Future for WithRequestId<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(mut response) = std::task::ready!(this.inner.poll(cx));
        if let Some(id) = this.id.take() {
            response.headers_mut().insert(REQUEST_ID, id);
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::is_api;

    #[test]
    fn api_paths_are_api_and_its_prefix_only_as_a_whole_segment() {
        for path in ["/api", "/api/", "/api/products", "/api/products/42/reviews"] {
            assert!(is_api(path), "{path}");
        }
        for path in [
            "/",
            "/apix",
            "/apis/x",
            "/health/ready",
            "/metrics",
            "/admin/faults",
        ] {
            assert!(!is_api(path), "{path}");
        }
    }
}

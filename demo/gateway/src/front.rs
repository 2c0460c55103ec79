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
use tower::{Layer, Service};

use crate::admin::{FaultFanOut, is_fault_api};
use crate::headers::{REQUEST_ID, request_id, strip_inbound};
use crate::state::Gateway;

/// The layer of [`FrontService`]: the gateway's state and its fault fan-out.
#[derive(Debug, Clone)]
pub struct Front {
    gateway: Arc<Gateway>,
    faults: Arc<FaultFanOut>,
}

impl Front {
    /// The front of `gateway`, answering the fault API with `faults`.
    pub fn new(gateway: Arc<Gateway>, faults: Arc<FaultFanOut>) -> Self {
        Front { gateway, faults }
    }
}

impl<S> Layer<S> for Front {
    type Service = FrontService<S>;

    fn layer(&self, inner: S) -> FrontService<S> {
        FrontService {
            front: self.clone(),
            inner,
        }
    }
}

/// Gives each request an id (kept from the caller when sane) that the response returns,
/// strips the internal headers ([`strip_inbound`]), and labels the request with its route's
/// template for metrics and spans. The fault API is answered here by the fan-out
/// ([`FaultFanOut::answer`]).
#[derive(Debug, Clone)]
pub struct FrontService<S> {
    front: Front,
    inner: S,
}

impl<S> Service<Request> for FrontService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        Either<WithRequestId<S::Future>, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let gateway = &self.front.gateway;
        let id = request_id(request.headers());
        strip_inbound(request.headers_mut(), gateway.admin());
        request.headers_mut().insert(REQUEST_ID, id.clone());
        let path = request.uri().path();
        if is_fault_api(path) {
            let faults = Arc::clone(&self.front.faults);
            return Either::Right(Box::pin(async move {
                let mut response = faults.answer(request).await;
                response.headers_mut().insert(REQUEST_ID, id);
                Ok(response)
            }));
        }
        let template = match gateway.detail() {
            Some(detail) if detail.product_id(request.method(), path).is_some() => {
                Some(RouteTemplate::new(detail.template()))
            }
            _ => gateway
                .routes()
                .find(path)
                .map(|route| route.template().clone()),
        };
        if let Some(template) = template {
            request.extensions_mut().insert(template);
        }
        Either::Left(WithRequestId {
            inner: self.inner.call(request),
            id: Some(id),
        })
    }
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

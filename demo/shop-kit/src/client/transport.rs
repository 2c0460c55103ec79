//! [`SharedTransport`]: hyper-util's pooled client behind one `Arc`, the end of every client
//! stack in the shop (the services' [`ServiceClient`](super::ServiceClient)s and the
//! gateway's routes).

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::{Client, Error, ResponseFuture};
use hyper_util::rt::TokioExecutor;
use seawall::retry::ReplayBody;
use tower::Service;

use super::RequestBody;

/// hyper-util's pooled HTTP/1 client, shared behind one `Arc`.
///
/// Layers above a transport clone it per request: a boxed stack is cloned whole for each
/// call, and the retry layer keeps a clone for the next attempt. Cloning hyper-util's
/// `Client` copies its connector, executor, connection builders and pool handle (five
/// reference counts and a few hundred bytes); cloning this is one reference count. Clones
/// share the connection pool.
#[derive(Clone, Debug)]
pub struct SharedTransport(Arc<Client<HttpConnector, ReplayBody<RequestBody>>>);

impl SharedTransport {
    /// A transport with hyper-util's default pool and a Tokio executor.
    pub fn new() -> Self {
        SharedTransport(Arc::new(Client::builder(TokioExecutor::new()).build_http()))
    }
}

impl From<Client<HttpConnector, ReplayBody<RequestBody>>> for SharedTransport {
    /// Shares a client built with other settings (a pool idle timeout, say).
    fn from(client: Client<HttpConnector, ReplayBody<RequestBody>>) -> Self {
        SharedTransport(Arc::new(client))
    }
}

impl Default for SharedTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl Service<Request<ReplayBody<RequestBody>>> for SharedTransport {
    type Response = Response<Incoming>;
    type Error = Error;
    type Future = ResponseFuture;

    /// Always ready: the pool makes or waits for a connection inside the call, as
    /// hyper-util's `Client` does.
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<ReplayBody<RequestBody>>) -> ResponseFuture {
        self.0.request(request)
    }
}

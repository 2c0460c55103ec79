//! `instanceDown`: a fault on a server's connections rather than on its requests, so that
//! one instance looks dead from outside (DESIGN §6's "dead instance behind the gateway").
//!
//! Request faults ([`ServerStack`](super::ServerStack)'s chaos layer) answer; a dead
//! process does not. While `instanceDown` is in place, every way in fails in transport,
//! `/health/*` and `/admin/*` included:
//!
//! | `kind` | new connections | requests on connections already open |
//! |---|---|---|
//! | `transport_error` | **refused**: the listening socket is closed, and bound again on the same address when the fault ends | the connection is dropped when the next request's bytes arrive (the caller sees it closed before an answer) |
//! | `connection_reset` | accepted and dropped at once (the listener stays open) | as above |
//!
//! A request already read is still answered, as a process would that dies between two
//! requests. An idle keep-alive connection is only cut when its next request arrives.
//!
//! The instance cannot be reached to remove the fault, so it must expire by itself: the
//! spec needs a `ttl_ms` (seawall's fault expiry), a probability of 1 and no `match`.
//! `PUT /admin/faults/instanceDown` puts it, `GET` and `DELETE` read and remove it (the
//! same JSON as seawall's fault API; it is not listed by `GET /admin/faults`, which lists
//! the request faults). Only a server run by [`serve`](super::serve) or
//! [`serve_on`](super::serve_on) can drop its connections; any other answers `501`.
//!
//! ```json
//! {"kind": "transport_error", "ttl_ms": 30000}
//! ```

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::serve::Listener;
use seawall::chaos::{ClientChaosLayer, FaultHandle, FaultKind, FaultSpec};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tower::ServiceExt;

use super::ServerError;
use crate::problem::Problem;

/// The name of the connection fault: `PUT /admin/faults/instanceDown`.
pub const INSTANCE_DOWN: &str = "instanceDown";

/// The largest admin request body read for `instanceDown`.
const ADMIN_BODY_LIMIT: usize = 16 * 1024;

/// How long to wait before binding the address again when it is taken.
const REBIND_EVERY: Duration = Duration::from_millis(100);

/// The `instanceDown` fault of one server: what its listener and connections consult.
/// Cheap to clone; clones share the fault.
#[derive(Clone)]
pub(crate) struct InstanceDown {
    inner: Arc<Inner>,
}

struct Inner {
    /// Where the fault lives, with its ttl: a client chaos handle, since only those accept
    /// the transport kinds. No layer ever draws from it.
    faults: FaultHandle,
    /// seawall's fault API on `faults`.
    admin: Router,
    /// Whether the fault may be in place: read without a lock on every request received,
    /// confirmed against `faults` (and cleared once expired) only when set.
    down: AtomicBool,
    /// Woken whenever the fault is put or removed.
    changed: Notify,
}

impl InstanceDown {
    pub(crate) fn new() -> Result<Self, ServerError> {
        let faults = ClientChaosLayer::builder()
            .service_name("instance")
            .max_faults(1)
            .build()
            .map_err(ServerError::Chaos)?
            .handle();
        Ok(InstanceDown {
            inner: Arc::new(Inner {
                admin: seawall::chaos::admin_router(faults.clone()),
                faults,
                down: AtomicBool::new(false),
                changed: Notify::new(),
            }),
        })
    }

    /// The kind of the fault in place and its time left, or `None` while the instance is up.
    fn current(&self) -> Option<(FaultKind, Option<Duration>)> {
        if !self.inner.down.load(Ordering::Acquire) {
            return None;
        }
        match self.inner.faults.get(INSTANCE_DOWN) {
            Some(fault) => Some((fault.spec.kind, fault.remaining)),
            None => {
                self.inner.down.store(false, Ordering::Release);
                None
            }
        }
    }

    fn is_down(&self) -> bool {
        self.current().is_some()
    }

    /// Answers `GET/PUT/DELETE /admin/faults/instanceDown` (the admin token already checked).
    pub(crate) async fn admin(&self, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, ADMIN_BODY_LIMIT).await else {
            return Problem::payload_too_large(format!(
                "a fault spec is at most {ADMIN_BODY_LIMIT} bytes"
            ))
            .into_response();
        };
        if parts.method == Method::PUT {
            // A body seawall cannot read goes on to its own 400.
            if let Ok(spec) = serde_json::from_slice::<FaultSpec>(&bytes)
                && let Err(problem) = check(&spec)
            {
                return problem.into_response();
            }
        }
        let request = Request::from_parts(parts, Body::from(bytes));
        let response = match self.inner.admin.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let down = self.inner.faults.get(INSTANCE_DOWN).is_some();
        self.inner.down.store(down, Ordering::Release);
        self.inner.changed.notify_waiters();
        if down {
            tracing::warn!("instanceDown: every connection fails until the fault expires");
        }
        response
    }
}

/// Refuses what `instanceDown` cannot honour.
fn check(spec: &FaultSpec) -> Result<(), Problem> {
    let refuse = |detail: &str| {
        Err(Problem::bad_request(format!("{INSTANCE_DOWN}: {detail}"))
            .with_type("urn:seawall:problem:invalid-fault")
            .with_title("Invalid fault"))
    };
    if !spec.kind.is_transport() {
        return refuse("kind must be transport_error (connections refused) or connection_reset");
    }
    if spec.ttl_ms.is_none() {
        return refuse("ttl_ms is required: a dead instance cannot be reached to remove the fault");
    }
    if spec.probability < 1.0 || !spec.matching.is_any() {
        return refuse("the whole instance is down: no probability below 1 and no match");
    }
    Ok(())
}

/// `/admin/faults/instanceDown`: the fault of the server serving the request (an extension
/// [`serve_on`](super::serve_on) puts on every request), else `501`.
pub(crate) async fn instance_down_route(request: Request) -> Response {
    match request.extensions().get::<InstanceDown>().cloned() {
        Some(instance) => instance.admin(request).await,
        None => Problem::new(StatusCode::NOT_IMPLEMENTED)
            .with_detail(format!(
                "{INSTANCE_DOWN} needs a server run by shop_kit::server::serve, which can drop its connections"
            ))
            .into_response(),
    }
}

/// A TCP listener that closes (or drops every connection) while `instanceDown` is in place.
pub(crate) struct DownableListener {
    listener: Option<TcpListener>,
    address: SocketAddr,
    instance: InstanceDown,
}

impl DownableListener {
    pub(crate) fn new(listener: TcpListener, address: SocketAddr, instance: InstanceDown) -> Self {
        DownableListener {
            listener: Some(listener),
            address,
            instance,
        }
    }
}

impl Listener for DownableListener {
    type Io = DownableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (DownableStream, SocketAddr) {
        let address = self.address;
        loop {
            let instance = &self.instance;
            let changed = instance.inner.changed.notified();
            tokio::pin!(changed);
            // Registered before the state is read, so a change in between still wakes us.
            changed.as_mut().enable();
            if let Some((FaultKind::TransportError, remaining)) = instance.current() {
                if self.listener.take().is_some() {
                    tracing::warn!(%address, "instanceDown: listener closed, connections refused");
                }
                tokio::select! {
                    () = tokio::time::sleep(remaining.unwrap_or(REBIND_EVERY)) => {}
                    () = &mut changed => {}
                }
                continue;
            }
            let listener = match &mut self.listener {
                Some(listener) => listener,
                None => match TcpListener::bind(address).await {
                    Ok(listener) => {
                        tracing::info!(%address, "instanceDown over: listening again");
                        self.listener.insert(listener)
                    }
                    Err(error) => {
                        tracing::warn!(%address, %error, "cannot listen again yet");
                        tokio::time::sleep(REBIND_EVERY).await;
                        continue;
                    }
                },
            };
            tokio::select! {
                (stream, peer) = Listener::accept(listener) => {
                    if instance.is_down() {
                        // connection_reset, or a transport_error put just now.
                        drop(stream);
                        continue;
                    }
                    let stream = DownableStream {
                        stream,
                        instance: instance.clone(),
                    };
                    return (stream, peer);
                }
                () = &mut changed => {}
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.address)
    }
}

/// An accepted connection that fails when a request's bytes arrive while `instanceDown` is
/// in place.
pub(crate) struct DownableStream {
    stream: TcpStream,
    instance: InstanceDown,
}

impl AsyncRead for DownableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before && self.instance.is_down() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                INSTANCE_DOWN,
            )));
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for DownableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

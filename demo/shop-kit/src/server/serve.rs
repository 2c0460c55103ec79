//! Serving a service's router over HTTP/1 until a shutdown signal, then draining.

use std::future::Future;
use std::net::SocketAddr;

use axum::{Extension, Router};
use tokio::net::TcpListener;

use super::ServerError;
use super::instance_down::{DownableListener, InstanceDown};

/// Binds `address` and serves `router` on it until `shutdown_signal` completes; see
/// [`serve_on`].
pub async fn serve(
    router: Router,
    address: SocketAddr,
    shutdown_signal: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_on(bind(address).await?, router, shutdown_signal).await
}

/// A listener on `address`, for [`serve_on`]; [`ServerError::Bind`] names the address when
/// it is taken. Binding before building what is served leaves no moment in which another
/// socket can take the port.
pub async fn bind(address: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| ServerError::Bind { address, source })
}

/// Serves `router` on `listener` until `shutdown_signal` completes.
///
/// Graceful: once the signal fires, no new connection is accepted, idle connections are
/// closed, and the call returns when every request in flight has been answered.
///
/// The server honours the connection fault [`INSTANCE_DOWN`](super::INSTANCE_DOWN) put
/// through the router's `/admin/faults/instanceDown`: while it is in place the listener is
/// closed (or drops every connection) and requests on open connections fail in transport.
pub async fn serve_on(
    listener: TcpListener,
    router: Router,
    shutdown_signal: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let address = listener.local_addr().map_err(ServerError::Serve)?;
    tracing::info!(%address, "listening");
    let instance = InstanceDown::new()?;
    let router = router.layer(Extension(instance.clone()));
    axum::serve(DownableListener::new(listener, address, instance), router)
        .with_graceful_shutdown(shutdown_signal)
        .await
        .map_err(ServerError::Serve)?;
    tracing::info!(%address, "stopped after answering every request in flight");
    Ok(())
}

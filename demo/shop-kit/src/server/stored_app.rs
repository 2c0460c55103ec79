//! [`StoredApp`]: a built service: its router, its database, and the background work to
//! stop when it stops serving.

use std::fmt;
use std::{future::Future, net::SocketAddr};

use axum::Router;
use tokio::net::TcpListener;

use super::background::Background;
use super::{ServerError, bind, serve_on};
use crate::storage::Storage;

/// A service built and ready to serve: the whole router, the database, the listening
/// address, and what runs beside the server (an outbox relay, an event consumer), which
/// [`serve`](StoredApp::serve) stops once requests in flight are answered and before the
/// database closes. With the `bus` feature it also keeps the service's event bus, for
/// subscribers in the same process (`shop up`, tests).
///
/// A service with more to expose (payments' provider) wraps one in its own `App`.
pub struct StoredApp {
    router: Router,
    storage: Storage,
    bind: SocketAddr,
    #[cfg(feature = "bus")]
    bus: Option<std::sync::Arc<dyn crate::bus::EventBus>>,
    background: Vec<Box<dyn Background>>,
}

impl fmt::Debug for StoredApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("StoredApp");
        debug
            .field("storage", &self.storage)
            .field("bind", &self.bind)
            .field("background", &self.background);
        #[cfg(feature = "bus")]
        debug.field("bus", &self.bus.as_ref().map(|_| "connected"));
        debug.finish_non_exhaustive()
    }
}

impl StoredApp {
    /// A service serving `router` on `bind`, owning `storage`, with nothing in the background.
    pub fn new(router: Router, storage: Storage, bind: SocketAddr) -> Self {
        StoredApp {
            router,
            storage,
            bind,
            #[cfg(feature = "bus")]
            bus: None,
            background: Vec::new(),
        }
    }

    /// Adds work to stop after serving, such as an
    /// [`OutboxRelay`](crate::outbox::OutboxRelay) or a
    /// [`Subscription`](crate::bus::Subscription); stopped in the order added.
    pub fn stopping(mut self, work: impl Background) -> Self {
        self.background.push(Box::new(work));
        self
    }

    /// Keeps `bus`, the bus the service publishes to or consumes from, for [`bus`](Self::bus).
    #[cfg(feature = "bus")]
    pub fn with_bus(mut self, bus: std::sync::Arc<dyn crate::bus::EventBus>) -> Self {
        self.bus = Some(bus);
        self
    }

    /// The service's event bus, when it has one.
    #[cfg(feature = "bus")]
    pub fn bus(&self) -> Option<std::sync::Arc<dyn crate::bus::EventBus>> {
        self.bus.clone()
    }

    /// The whole router: the API in the server stack, health, metrics and admin routes.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The service's database.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The configured listening address.
    pub fn bind(&self) -> SocketAddr {
        self.bind
    }

    /// Serves on the configured address until `shutdown_signal`; see
    /// [`serve_on`](Self::serve_on).
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let listener = bind(self.bind).await?;
        self.serve_on(listener, shutdown_signal).await
    }

    /// Serves on `listener` until `shutdown_signal`, lets requests in flight finish, stops
    /// the background work in order, then closes the database.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let served = serve_on(listener, self.router, shutdown_signal).await;
        for work in self.background {
            work.stop().await;
        }
        self.storage.close().await;
        served
    }
}

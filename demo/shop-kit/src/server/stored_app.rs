//! [`StoredApp`]: a built service that owns a database and nothing else to stop.

use super::{ServerError, serve};
use crate::storage::Storage;
use axum::Router;
use std::{future::Future, net::SocketAddr};

/// A service built and ready to serve whose only resource is its database: the whole
/// router, the storage, and the listening address. Services with a bus, an outbox relay or a
/// consumer keep their own `App` and stop those too.
#[derive(Debug, Clone)]
pub struct StoredApp {
    router: Router,
    storage: Storage,
    bind: SocketAddr,
}

impl StoredApp {
    /// A service serving `router` on `bind`, owning `storage`.
    pub fn new(router: Router, storage: Storage, bind: SocketAddr) -> Self {
        StoredApp {
            router,
            storage,
            bind,
        }
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

    /// Serves on the configured address until `shutdown_signal`, lets requests in flight
    /// finish, then closes the database.
    pub async fn serve(
        self,
        shutdown_signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let served = serve(self.router, self.bind, shutdown_signal).await;
        self.storage.close().await;
        served
    }
}

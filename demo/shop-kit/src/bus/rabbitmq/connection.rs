//! One AMQP connection that is re-established on demand after it drops.

use super::config::RabbitMqConfig;
use crate::bus::error::BusError;
use lapin::{Channel, Connection, ConnectionProperties};
use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};
use tokio::sync::Mutex;

/// A connection to the broker that reconnects when asked for a channel after it was lost.
///
/// The backend keeps two, one for publishing and one for consuming, as RabbitMQ
/// recommends: the broker throttles a publishing connection under memory pressure, and
/// that must not hold up consumers' acknowledgements, which free the memory.
pub(crate) struct BrokerConnection {
    uri: String,
    name: String,
    connect_timeout: Duration,
    current: Mutex<Option<Connection>>,
    closed: AtomicBool,
}

impl BrokerConnection {
    /// A connection for `role` (`publish` or `consume`); nothing is opened yet.
    pub(crate) fn new(config: &RabbitMqConfig, role: &str) -> Self {
        BrokerConnection {
            uri: config.uri.clone(),
            name: format!("{} ({role})", config.connection_name),
            connect_timeout: config.connect_timeout,
            current: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    /// A new channel, on the current connection if it is up, or on a new one (a single
    /// connection attempt; callers retry with back-off).
    pub(crate) async fn open_channel(&self) -> Result<Channel, BusError> {
        let mut current = self.current.lock().await;
        if self.closed.load(Ordering::Acquire) {
            return Err(BusError::Closed);
        }
        let connection = match current.as_ref() {
            Some(connection) if connection.status().connected() => connection,
            _ => {
                let connection = self.connect().await?;
                tracing::info!(connection = %self.name, "connected to the broker");
                current.insert(connection)
            }
        };
        connection
            .create_channel()
            .await
            .map_err(|source| BusError::Broker {
                operation: "opening a channel",
                source,
            })
    }

    /// Closes the connection for good: later calls to `open_channel` fail with
    /// [`BusError::Closed`].
    pub(crate) async fn close(&self) {
        let mut current = self.current.lock().await;
        self.closed.store(true, Ordering::Release);
        if let Some(connection) = current.take()
            && connection.status().connected()
            && let Err(error) = connection.close(200, "closing".into()).await
        {
            tracing::debug!(connection = %self.name, %error, "closing the broker connection");
        }
    }

    async fn connect(&self) -> Result<Connection, BusError> {
        let properties =
            ConnectionProperties::default().with_connection_name(self.name.clone().into());
        match tokio::time::timeout(
            self.connect_timeout,
            Connection::connect(&self.uri, properties),
        )
        .await
        {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(source)) => Err(BusError::Broker {
                operation: "connecting",
                source,
            }),
            Err(_) => Err(BusError::ConnectTimeout),
        }
    }
}

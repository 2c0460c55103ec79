//! Publishing with publisher confirms, retried across reconnections.

use super::{
    backoff::Backoff,
    config::RabbitMqConfig,
    connection::BrokerConnection,
    topology::{self, broker, short},
    wire,
};
use crate::bus::{error::BusError, event::Event};
use lapin::{
    BasicProperties, Channel, Confirmation,
    options::{BasicPublishOptions, ConfirmSelectOptions},
    types::ShortString,
};
use tokio::sync::Mutex;

/// Publishes events on one confirm-mode channel, shared by concurrent publishers.
pub(crate) struct ConfirmedPublisher {
    connection: BrokerConnection,
    exchange: ShortString,
    config: RabbitMqConfig,
    channel: Mutex<Option<Channel>>,
}

impl ConfirmedPublisher {
    pub(crate) fn new(config: &RabbitMqConfig) -> Result<Self, BusError> {
        Ok(ConfirmedPublisher {
            connection: BrokerConnection::new(config, "publish"),
            exchange: short(&config.exchange)?,
            config: config.clone(),
            channel: Mutex::new(None),
        })
    }

    /// Publishes `event` persistently and returns once the broker confirmed it. A publish
    /// that is nacked, times out or loses its connection is sent again on a new channel
    /// after a back-off pause, up to `publish_attempts` times. A retried event may reach
    /// consumers twice (with the same id) if its first confirm was lost in transit.
    pub(crate) async fn publish(&self, event: &Event) -> Result<(), BusError> {
        let (body, properties) = wire::encode(event)?;
        let routing_key: ShortString = event.kind.as_str().into();
        let attempts = self.config.publish_attempts.max(1);
        let mut backoff = Backoff::new(
            self.config.reconnect_min_delay,
            self.config.reconnect_max_delay,
        );
        let mut attempt = 1;
        loop {
            let reason = match self
                .publish_once(&routing_key, &body, properties.clone())
                .await
            {
                Ok(()) => return Ok(()),
                Err(AttemptFailure::Closed) => return Err(BusError::Closed),
                Err(AttemptFailure::Failed(reason)) => reason,
            };
            if attempt >= attempts {
                return Err(BusError::NotConfirmed {
                    event_id: event.id,
                    attempts,
                    reason,
                });
            }
            tracing::warn!(event.id = %event.id, attempt, %reason, "publish not confirmed; retrying");
            tokio::time::sleep(backoff.next_delay()).await;
            attempt += 1;
        }
    }

    /// Opens the publishing channel now, to fail fast when the broker is unreachable.
    pub(crate) async fn ready(&self) -> Result<(), BusError> {
        self.channel().await.map(drop)
    }

    /// Closes the publishing connection for good.
    pub(crate) async fn close(&self) {
        self.connection.close().await;
    }

    async fn publish_once(
        &self,
        routing_key: &ShortString,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<(), AttemptFailure> {
        let channel = self.channel().await.map_err(|error| match error {
            BusError::Closed => AttemptFailure::Closed,
            error => AttemptFailure::Failed(error.to_string()),
        })?;
        let sent = async {
            channel
                .basic_publish(
                    self.exchange.clone(),
                    routing_key.clone(),
                    BasicPublishOptions::default(),
                    body,
                    properties,
                )
                .await?
                .await
        };
        let failure = match tokio::time::timeout(self.config.confirm_timeout, sent).await {
            Ok(Ok(Confirmation::Ack(_))) => return Ok(()),
            Ok(Ok(Confirmation::Nack(_) | Confirmation::NotRequested)) => {
                "the broker nacked the message".to_owned()
            }
            Ok(Err(error)) => format!("publishing failed: {error}"),
            Err(_) => "no confirm from the broker in time".to_owned(),
        };
        self.forget(&channel).await;
        Err(AttemptFailure::Failed(failure))
    }

    /// The confirm-mode channel, opened (with the exchange declared) if there is none or
    /// it was closed.
    async fn channel(&self) -> Result<Channel, BusError> {
        let mut current = self.channel.lock().await;
        if let Some(channel) = current.as_ref()
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        let channel = self.connection.open_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(broker("enabling publisher confirms"))?;
        topology::declare_exchange(&channel, &self.config).await?;
        Ok(current.insert(channel).clone())
    }

    /// Drops `channel` if it is still the current one, so the next publish opens another.
    async fn forget(&self, channel: &Channel) {
        let mut current = self.channel.lock().await;
        if current
            .as_ref()
            .is_some_and(|kept| kept.id() == channel.id())
        {
            *current = None;
        }
    }
}

/// Why one publish attempt failed.
enum AttemptFailure {
    /// The bus was closed: retrying is pointless.
    Closed,
    /// Anything else, worth another attempt.
    Failed(String),
}

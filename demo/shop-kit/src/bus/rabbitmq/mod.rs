//! The RabbitMQ backend, through lapin.

mod backoff;
mod config;
mod connection;
mod consumer;
mod publisher;
mod topology;
mod wire;

pub use config::RabbitMqConfig;

use super::{
    counters,
    error::BusError,
    event::{Event, EventKind},
    event_bus::{EventBus, Subscription},
    handler::EventHandler,
    telemetry,
};
use connection::BrokerConnection;
use consumer::QueueConsumer;
use publisher::ConfirmedPublisher;
use std::sync::Arc;
use tracing::Instrument;

/// `messaging.system` on spans.
const SYSTEM: &str = "rabbitmq";

/// The event bus on RabbitMQ.
///
/// - Events go to a durable **topic exchange** ([`RabbitMqConfig::exchange`]) with their
///   kind as routing key, as **persistent** messages, and [`publish`](EventBus::publish)
///   returns only after the broker's **publisher confirm**. A publish that is not
///   confirmed (nack, timeout, lost connection) is retried on a new channel, with back-off,
///   up to [`publish_attempts`](RabbitMqConfig::publish_attempts) times.
/// - Each consumer has a durable **quorum queue** bound to its kinds. Messages are
///   **acked manually** after the handler succeeds; at most
///   [`prefetch`](RabbitMqConfig::prefetch) are in flight per consumer, handled one at a
///   time in arrival order. A failed message is nacked and redelivered; after
///   [`max_deliveries`](RabbitMqConfig::max_deliveries) deliveries the broker moves it to
///   the consumer's **dead-letter queue** (see
///   [`RabbitMqConfig::dead_letter_queue_name`]). A message that is not an event goes
///   there at once.
/// - Publishing and consuming use separate connections. When one drops, it is
///   re-established with exponential back-off and jitter; consumers re-declare their
///   topology and resume, and whatever was unacked is delivered again.
///
/// Several processes may subscribe under the same consumer name: they share the queue
/// and split its messages (competing consumers).
pub struct RabbitMqBus {
    config: Arc<RabbitMqConfig>,
    publisher: ConfirmedPublisher,
    consuming: Arc<BrokerConnection>,
}

impl RabbitMqBus {
    /// Connects to the broker and declares the exchange. Fails if the broker cannot be
    /// reached now; once connected, later drops are recovered from.
    pub async fn connect(config: RabbitMqConfig) -> Result<Self, BusError> {
        let publisher = ConfirmedPublisher::new(&config)?;
        publisher.ready().await?;
        let consuming = Arc::new(BrokerConnection::new(&config, "consume"));
        let channel = consuming.open_channel().await?;
        if let Err(error) = channel.close(200, "connected".into()).await {
            tracing::debug!(%error, "closing the first consumer channel");
        }
        Ok(RabbitMqBus {
            config: Arc::new(config),
            publisher,
            consuming,
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &RabbitMqConfig {
        &self.config
    }

    /// Closes both connections. Publishing then fails with [`BusError::Closed`], and
    /// consumers stop (their unacked messages return to their queues). Shut subscriptions
    /// down first to let the event in hand finish.
    pub async fn close(&self) {
        self.publisher.close().await;
        self.consuming.close().await;
    }
}

impl std::fmt::Debug for RabbitMqBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitMqBus")
            .field("exchange", &self.config.exchange)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl EventBus for RabbitMqBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        let (event, span) = telemetry::prepare_publish(event, SYSTEM, &self.config.exchange);
        self.publisher.publish(&event).instrument(span).await
    }

    async fn subscribe(
        &self,
        consumer: &str,
        kinds: &[EventKind],
        handler: Arc<dyn EventHandler>,
    ) -> Result<Subscription, BusError> {
        if consumer.is_empty() {
            return Err(BusError::InvalidName {
                name: String::new(),
                reason: "a consumer needs a name",
            });
        }
        counters::register_consumer(consumer, kinds);
        QueueConsumer {
            name: consumer.to_owned(),
            kinds: kinds.to_vec(),
            handler,
            connection: self.consuming.clone(),
            config: self.config.clone(),
        }
        .start()
        .await
    }
}

//! Settings of the RabbitMQ backend, and the names it derives from them.

use std::time::Duration;

/// Settings of a [`RabbitMqBus`](super::RabbitMqBus).
///
/// Every broker object is named after [`exchange`](RabbitMqConfig::exchange), so one
/// setting keeps two shops (or two test runs) on one broker apart:
///
/// | object | name (default exchange `shop.events`) |
/// |---|---|
/// | topic exchange, routing key = event kind | `shop.events` |
/// | dead-letter exchange (direct) | `shop.events.dead-letter` |
/// | queue of consumer `notifications` | `shop.events.notifications` |
/// | its dead-letter queue | `shop.events.notifications.dead-letter` |
#[derive(Debug, Clone)]
pub struct RabbitMqConfig {
    /// AMQP URI, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
    pub uri: String,
    /// The topic exchange events are published to. Default `shop.events`.
    pub exchange: String,
    /// Shown as the connection name in the broker's management tools. Default `shop`.
    pub connection_name: String,
    /// Deliveries of one message (the first included) before the broker dead-letters it.
    /// Default 5; at least 1.
    pub max_deliveries: u32,
    /// Unacknowledged messages the broker sends a consumer ahead (basic.qos). Default 32.
    pub prefetch: u16,
    /// Pause before a failed message is handed back to the broker for redelivery.
    /// Default 500 ms.
    pub redelivery_delay: Duration,
    /// Attempts to publish one event before [`BusError::NotConfirmed`](super::super::BusError::NotConfirmed).
    /// Default 8; at least 1.
    pub publish_attempts: u32,
    /// How long to wait for the broker's confirm of one publish. Default 10 s.
    pub confirm_timeout: Duration,
    /// How long one connection attempt may take. Default 10 s.
    pub connect_timeout: Duration,
    /// First pause before reconnecting or retrying; doubles up to `reconnect_max_delay`.
    /// Default 100 ms.
    pub reconnect_min_delay: Duration,
    /// Longest pause between reconnection attempts. Default 10 s.
    pub reconnect_max_delay: Duration,
}

impl Default for RabbitMqConfig {
    fn default() -> Self {
        RabbitMqConfig {
            uri: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            exchange: "shop.events".to_owned(),
            connection_name: "shop".to_owned(),
            max_deliveries: 5,
            prefetch: 32,
            redelivery_delay: Duration::from_millis(500),
            publish_attempts: 8,
            confirm_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            reconnect_min_delay: Duration::from_millis(100),
            reconnect_max_delay: Duration::from_secs(10),
        }
    }
}

impl RabbitMqConfig {
    /// The defaults, with the broker at `uri`.
    pub fn new(uri: impl Into<String>) -> Self {
        RabbitMqConfig {
            uri: uri.into(),
            ..RabbitMqConfig::default()
        }
    }

    /// The direct exchange dead-lettered messages go to.
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dead-letter", self.exchange)
    }

    /// The durable queue of `consumer`.
    pub fn queue_name(&self, consumer: &str) -> String {
        format!("{}.{consumer}", self.exchange)
    }

    /// The queue that keeps the messages `consumer` failed to handle.
    pub fn dead_letter_queue_name(&self, consumer: &str) -> String {
        format!("{}.dead-letter", self.queue_name(consumer))
    }
}

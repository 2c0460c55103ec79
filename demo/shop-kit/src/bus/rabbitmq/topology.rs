//! Declaring the exchanges and queues: idempotent, so it runs on every (re)connection.

use super::config::RabbitMqConfig;
use crate::bus::{error::BusError, event::EventKind};
use lapin::{
    Channel, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, ShortString},
};

/// Declares the durable topic exchange events are published to.
pub(crate) async fn declare_exchange(
    channel: &Channel,
    config: &RabbitMqConfig,
) -> Result<(), BusError> {
    channel
        .exchange_declare(
            short(&config.exchange)?,
            ExchangeKind::Topic,
            durable_exchange(),
            FieldTable::default(),
        )
        .await
        .map_err(broker("declaring the event exchange"))
}

/// Declares everything `consumer` needs and binds its queue to `kinds`; returns the queue
/// name.
///
/// The queue is a **quorum queue** with `x-delivery-limit`: the broker counts every
/// delivery that did not end in an ack (a nack, or a channel or connection that died with
/// the message unacked) and dead-letters the message once the count passes the limit.
/// The count lives in the broker, replicated with the message, so it survives consumer
/// crashes and reconnections, which a counter in a header cannot: a header is only
/// updated by republishing, and a consumer that dies mid-handler never republishes, so a
/// message that crashes its consumer would loop forever. Dead-lettering uses the
/// `at-least-once` strategy (which requires `x-overflow: reject-publish`) so a message is
/// not lost between the queue and its dead-letter queue.
///
/// Bindings only accumulate: a kind dropped from `kinds` stays bound until unbound by hand.
pub(crate) async fn declare_consumer(
    channel: &Channel,
    config: &RabbitMqConfig,
    consumer: &str,
    kinds: &[EventKind],
) -> Result<ShortString, BusError> {
    let queue = short(&config.queue_name(consumer))?;
    let dead_letter_queue = short(&config.dead_letter_queue_name(consumer))?;
    let dead_letter_exchange = short(&config.dead_letter_exchange())?;

    declare_exchange(channel, config).await?;
    channel
        .exchange_declare(
            dead_letter_exchange.clone(),
            ExchangeKind::Direct,
            durable_exchange(),
            FieldTable::default(),
        )
        .await
        .map_err(broker("declaring the dead-letter exchange"))?;

    let mut dead_letter_arguments = FieldTable::default();
    dead_letter_arguments.insert("x-queue-type".into(), string("quorum"));
    channel
        .queue_declare(
            dead_letter_queue.clone(),
            durable_queue(),
            dead_letter_arguments,
        )
        .await
        .map_err(broker("declaring the dead-letter queue"))?;
    channel
        .queue_bind(
            dead_letter_queue,
            dead_letter_exchange.clone(),
            queue.clone(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(broker("binding the dead-letter queue"))?;

    let redeliveries = config.max_deliveries.max(1) - 1;
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), string("quorum"));
    arguments.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongLongInt(i64::from(redeliveries)),
    );
    arguments.insert(
        "x-dead-letter-exchange".into(),
        string(dead_letter_exchange.as_str()),
    );
    arguments.insert("x-dead-letter-routing-key".into(), string(queue.as_str()));
    arguments.insert("x-dead-letter-strategy".into(), string("at-least-once"));
    arguments.insert("x-overflow".into(), string("reject-publish"));
    channel
        .queue_declare(queue.clone(), durable_queue(), arguments)
        .await
        .map_err(broker("declaring the consumer queue"))?;

    for kind in kinds {
        channel
            .queue_bind(
                queue.clone(),
                short(&config.exchange)?,
                kind.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker("binding the consumer queue"))?;
    }
    Ok(queue)
}

/// `name` as an AMQP short string (at most 255 bytes).
pub(crate) fn short(name: &str) -> Result<ShortString, BusError> {
    ShortString::try_new(name).map_err(|_| BusError::InvalidName {
        name: name.to_owned(),
        reason: "longer than 255 bytes",
    })
}

/// Wraps a client error with what was being done.
pub(crate) fn broker(operation: &'static str) -> impl FnOnce(lapin::Error) -> BusError {
    move |source| BusError::Broker { operation, source }
}

fn string(value: &str) -> AMQPValue {
    AMQPValue::LongString(value.into())
}

fn durable_exchange() -> ExchangeDeclareOptions {
    ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    }
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

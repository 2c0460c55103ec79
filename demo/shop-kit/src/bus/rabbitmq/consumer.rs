//! A consumer: declares its queue, handles deliveries one at a time with manual acks, and
//! re-attaches with back-off when its channel or connection is lost.

use super::{
    SYSTEM,
    backoff::Backoff,
    config::RabbitMqConfig,
    connection::BrokerConnection,
    topology::{self, broker},
    wire,
};
use crate::bus::{
    error::BusError,
    event::EventKind,
    event_bus::{Subscription, stopped},
    handler::{self, EventHandler},
};
use futures_util::StreamExt;
use lapin::{
    Channel, Consumer,
    message::Delivery,
    options::{
        BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
        BasicQosOptions, BasicRejectOptions,
    },
    types::FieldTable,
};
use std::sync::Arc;
use tokio::sync::watch;

/// Everything a consumer task needs.
pub(crate) struct QueueConsumer {
    pub(crate) name: String,
    pub(crate) kinds: Vec<EventKind>,
    pub(crate) handler: Arc<dyn EventHandler>,
    pub(crate) connection: Arc<BrokerConnection>,
    pub(crate) config: Arc<RabbitMqConfig>,
}

/// A channel consuming the queue.
struct Attachment {
    channel: Channel,
    deliveries: Consumer,
}

/// How consuming on one attachment ended.
enum Detached {
    /// The subscription asked to stop.
    Stopped,
    /// The channel or connection went away.
    Lost(String),
}

impl QueueConsumer {
    /// Attaches once (so that the queue exists and is bound when this returns, or the
    /// error is reported), then keeps consuming in a task.
    pub(crate) async fn start(self) -> Result<Subscription, BusError> {
        let attachment = self.attach().await?;
        let (stop, stop_requested) = watch::channel(false);
        let task = tokio::spawn(self.run(attachment, stop_requested));
        Ok(Subscription::new(stop, task))
    }

    async fn run(self, first: Attachment, mut stop: watch::Receiver<bool>) {
        let mut backoff = Backoff::new(
            self.config.reconnect_min_delay,
            self.config.reconnect_max_delay,
        );
        let mut attachment = Some(first);
        loop {
            let current = match attachment.take() {
                Some(current) => current,
                None => match self.attach().await {
                    Ok(current) => {
                        tracing::info!(consumer = %self.name, "consumer re-attached");
                        backoff.reset();
                        current
                    }
                    Err(BusError::Closed) => return,
                    Err(error) => {
                        tracing::warn!(consumer = %self.name, %error, "cannot attach consumer; retrying");
                        if self.pause(&mut backoff, &mut stop).await {
                            return;
                        }
                        continue;
                    }
                },
            };
            match self.consume(current, &mut stop).await {
                Detached::Stopped => return,
                Detached::Lost(reason) => {
                    tracing::warn!(consumer = %self.name, %reason, "consumer lost its channel; re-attaching");
                    if self.pause(&mut backoff, &mut stop).await {
                        return;
                    }
                }
            }
        }
    }

    /// Declares the topology, sets the prefetch and starts consuming on a new channel.
    async fn attach(&self) -> Result<Attachment, BusError> {
        let channel = self.connection.open_channel().await?;
        let declared = async {
            let queue =
                topology::declare_consumer(&channel, &self.config, &self.name, &self.kinds).await?;
            channel
                .basic_qos(self.config.prefetch, BasicQosOptions::default())
                .await
                .map_err(broker("setting the prefetch"))?;
            let tag = format!("{}-{}", self.name, uuid::Uuid::new_v4());
            channel
                .basic_consume(
                    queue,
                    topology::short(&tag)?,
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(broker("starting to consume"))
        };
        match declared.await {
            Ok(deliveries) => Ok(Attachment {
                channel,
                deliveries,
            }),
            Err(error) => {
                close(&channel).await;
                Err(error)
            }
        }
    }

    /// Handles deliveries until asked to stop or the channel goes away.
    async fn consume(
        &self,
        mut attachment: Attachment,
        stop: &mut watch::Receiver<bool>,
    ) -> Detached {
        loop {
            let next = tokio::select! {
                biased;
                () = stopped(stop) => {
                    let tag = attachment.deliveries.tag();
                    if let Err(error) = attachment.channel.basic_cancel(tag, BasicCancelOptions::default()).await {
                        tracing::debug!(consumer = %self.name, %error, "cancelling the consumer");
                    }
                    close(&attachment.channel).await;
                    return Detached::Stopped;
                }
                next = attachment.deliveries.next() => next,
            };
            match next {
                // Messages prefetched on a channel that has since closed can no longer be
                // acknowledged; the broker delivers them again on the next channel.
                Some(Ok(_)) if !attachment.channel.status().connected() => {
                    return Detached::Lost("the channel closed".to_owned());
                }
                Some(Ok(delivery)) => self.handle(delivery).await,
                Some(Err(error)) => return Detached::Lost(error.to_string()),
                None => return Detached::Lost("the broker cancelled the consumer".to_owned()),
            }
        }
    }

    /// Acks `delivery` if the handler succeeds, nacks it for redelivery (or dead-lettering,
    /// once the queue's delivery limit is reached) if it fails, and dead-letters at once a
    /// message that is not an event.
    async fn handle(&self, delivery: Delivery) {
        let event = match wire::decode(&delivery.data, &delivery.properties) {
            Ok(event) => event,
            Err(error) => {
                tracing::error!(consumer = %self.name, %error, "not an event; dead-lettering it");
                let options = BasicRejectOptions { requeue: false };
                if let Err(error) = delivery.reject(options).await {
                    tracing::warn!(consumer = %self.name, %error, "rejecting a message");
                }
                return;
            }
        };
        let event_id = event.id;
        let acknowledged = match handler::invoke(&*self.handler, event, &self.name, SYSTEM).await {
            Ok(()) => delivery.ack(BasicAckOptions::default()).await,
            Err(_) => {
                tokio::time::sleep(self.config.redelivery_delay).await;
                let options = BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                };
                delivery.nack(options).await
            }
        };
        if let Err(error) = acknowledged {
            tracing::warn!(
                consumer = %self.name,
                event.id = %event_id,
                %error,
                "cannot acknowledge; the broker will deliver the event again"
            );
        }
    }

    /// Sleeps for the next back-off pause; true if the subscription asked to stop meanwhile.
    async fn pause(&self, backoff: &mut Backoff, stop: &mut watch::Receiver<bool>) -> bool {
        tokio::select! {
            () = stopped(stop) => true,
            () = tokio::time::sleep(backoff.next_delay()) => false,
        }
    }
}

/// Closes `channel` if it is open; unacked messages go back to the queue.
async fn close(channel: &Channel) {
    if channel.status().connected()
        && let Err(error) = channel.close(200, "consumer stopped".into()).await
    {
        tracing::debug!(%error, "closing a consumer channel");
    }
}

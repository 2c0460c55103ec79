//! The embedded backend: bounded in-memory queues, one per consumer, in this process.

use super::{
    counters,
    error::BusError,
    event::{Event, EventKind},
    event_bus::{EventBus, Subscription, stopped},
    handler::{self, EventHandler},
    telemetry,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};
use tokio::sync::{mpsc, watch};
use tracing::Instrument;

const SYSTEM: &str = "in_process";

/// Settings of an [`InProcessBus`].
#[derive(Debug, Clone)]
pub struct InProcessConfig {
    /// Events each consumer's queue holds before publishers wait. Default 1024.
    pub queue_capacity: usize,
    /// Deliveries of one event (first delivery included) before it goes to the
    /// dead-letter list. Default 5; at least 1.
    pub max_deliveries: u32,
    /// Pause before delivering a failed event again. Default 100 ms.
    pub redelivery_delay: Duration,
    /// How long a publisher waits for room in a full queue before the publish fails
    /// with [`BusError::NotConfirmed`]. Default 5 s.
    pub publish_timeout: Duration,
}

impl Default for InProcessConfig {
    fn default() -> Self {
        InProcessConfig {
            queue_capacity: 1024,
            max_deliveries: 5,
            redelivery_delay: Duration::from_millis(100),
            publish_timeout: Duration::from_secs(5),
        }
    }
}

/// An event a consumer failed to handle in every allowed delivery.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The consumer that failed.
    pub consumer: String,
    /// The event, as delivered.
    pub event: Event,
    /// How many times it was delivered.
    pub deliveries: u32,
    /// The error of the last delivery.
    pub last_error: String,
}

/// The in-process event bus: the embedded default, for `shop up` and tests.
///
/// Each subscribed consumer has a bounded queue and one task that handles its events in
/// publish order. A failed event is delivered again after
/// [`redelivery_delay`](InProcessConfig::redelivery_delay), up to
/// [`max_deliveries`](InProcessConfig::max_deliveries) times, then kept in the
/// dead-letter list ([`InProcessBus::dead_letters`]) and the consumer moves on. When a
/// queue is full, publishers wait (back-pressure) up to
/// [`publish_timeout`](InProcessConfig::publish_timeout).
///
/// Queues live in memory: an event is only delivered to consumers subscribed when it is
/// published, and events still queued when the process dies are gone; the outbox makes
/// committed events survive that. A handler must not publish to its own consumer's full
/// queue and wait for it, or it waits for itself until the publish times out.
///
/// Clones share the same queues.
#[derive(Debug, Clone, Default)]
pub struct InProcessBus {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    config: InProcessConfig,
    queues: Mutex<HashMap<String, ConsumerQueue>>,
    dead_letters: Mutex<Vec<DeadLetter>>,
}

#[derive(Debug)]
struct ConsumerQueue {
    kinds: Vec<EventKind>,
    sender: mpsc::Sender<Event>,
}

/// One consumer's task: its queue, its handler and what it needs to retry.
struct Worker {
    consumer: String,
    handler: Arc<dyn EventHandler>,
    shared: Arc<Shared>,
}

impl InProcessBus {
    /// A bus with `config`.
    pub fn new(mut config: InProcessConfig) -> Self {
        config.max_deliveries = config.max_deliveries.max(1);
        config.queue_capacity = config.queue_capacity.max(1);
        InProcessBus {
            shared: Arc::new(Shared {
                config,
                ..Shared::default()
            }),
        }
    }

    /// The events that failed every delivery, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        lock(&self.shared.dead_letters).clone()
    }

    /// Removes and returns the dead letters, oldest first (to replay or discard them).
    pub fn take_dead_letters(&self) -> Vec<DeadLetter> {
        std::mem::take(&mut *lock(&self.shared.dead_letters))
    }
}

#[async_trait::async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        let (event, span) = telemetry::prepare_publish(event, SYSTEM, "in_process");
        let publish_timeout = self.shared.config.publish_timeout;
        let targets: Vec<(String, mpsc::Sender<Event>)> = lock(&self.shared.queues)
            .iter()
            .filter(|(_, queue)| queue.kinds.contains(&event.kind))
            .map(|(consumer, queue)| (consumer.clone(), queue.sender.clone()))
            .collect();
        async move {
            let mut full = Vec::new();
            for (consumer, sender) in targets {
                match tokio::time::timeout(publish_timeout, sender.send(event.clone())).await {
                    // A closed queue belongs to a consumer that has just stopped.
                    Ok(_) => {}
                    Err(_) => full.push(consumer),
                }
            }
            if full.is_empty() {
                Ok(())
            } else {
                Err(BusError::NotConfirmed {
                    event_id: event.id,
                    attempts: 1,
                    reason: format!("queue full for consumer(s) {}", full.join(", ")),
                })
            }
        }
        .instrument(span)
        .await
    }

    async fn subscribe(
        &self,
        consumer: &str,
        kinds: &[EventKind],
        handler: Arc<dyn EventHandler>,
    ) -> Result<Subscription, BusError> {
        let (sender, receiver) = mpsc::channel(self.shared.config.queue_capacity);
        counters::register_consumer(consumer, kinds);
        {
            let mut queues = lock(&self.shared.queues);
            if queues.contains_key(consumer) {
                return Err(BusError::DuplicateConsumer(consumer.to_owned()));
            }
            let kinds = kinds.to_vec();
            queues.insert(consumer.to_owned(), ConsumerQueue { kinds, sender });
        }
        let worker = Worker {
            consumer: consumer.to_owned(),
            handler,
            shared: self.shared.clone(),
        };
        let (stop, stop_requested) = watch::channel(false);
        let task = tokio::spawn(worker.run(receiver, stop_requested));
        Ok(Subscription::new(stop, task))
    }
}

impl Worker {
    /// Handles events in order until asked to stop, then unsubscribes and handles what
    /// is still queued.
    async fn run(self, mut queue: mpsc::Receiver<Event>, mut stop: watch::Receiver<bool>) {
        loop {
            let event = tokio::select! {
                biased;
                () = stopped(&mut stop) => break,
                event = queue.recv() => event,
            };
            match event {
                Some(event) => self.deliver(event).await,
                None => return,
            }
        }
        lock(&self.shared.queues).remove(&self.consumer);
        queue.close();
        while let Some(event) = queue.recv().await {
            self.deliver(event).await;
        }
    }

    /// Delivers `event` until the handler accepts it or the attempts run out.
    async fn deliver(&self, event: Event) {
        let config = &self.shared.config;
        let mut deliveries = 0;
        loop {
            deliveries += 1;
            let outcome =
                handler::invoke(&*self.handler, event.clone(), &self.consumer, SYSTEM).await;
            let Err(error) = outcome else { return };
            if deliveries >= config.max_deliveries {
                tracing::error!(
                    consumer = %self.consumer,
                    event.id = %event.id,
                    deliveries,
                    %error,
                    "event dead-lettered"
                );
                lock(&self.shared.dead_letters).push(DeadLetter {
                    consumer: self.consumer.clone(),
                    event,
                    deliveries,
                    last_error: error.to_string(),
                });
                return;
            }
            tokio::time::sleep(config.redelivery_delay).await;
        }
    }
}

/// Locks `mutex`; the data behind these locks stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

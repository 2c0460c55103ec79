//! The event bus: domain events between the shop's services, in-process or over RabbitMQ.
//!
//! - [`Event`]: the envelope (id, [`EventKind`], time, JSON payload, [`Headers`]).
//! - [`EventBus`]: publish one event (confirmed or an error), subscribe a named consumer
//!   to a set of kinds with an [`EventHandler`].
//! - [`InProcessBus`]: the embedded default; bounded per-consumer queues, redelivery,
//!   a dead-letter list.
//! - [`RabbitMqBus`]: durable quorum queues on a topic exchange, publisher confirms,
//!   manual acks, a dead-letter queue per consumer, reconnection with back-off.
//!
//! # Delivery guarantees
//!
//! Delivery is **at least once**. An event whose handler fails is delivered again, up to
//! a limit, then dead-lettered; it is never dropped silently. The same event can also
//! arrive twice after a reconnection or a publisher retry. Every delivery of an event
//! carries the same [`Event::id`], so **handlers must be idempotent**: a consumer that
//! must not act twice records the ids it has handled and skips an id it has seen.
//! Events are only routed to consumers that exist (subscribed once, on RabbitMQ, or
//! subscribed now, in process) when they are published.
//!
//! # Metrics
//!
//! Every consumer counts its deliveries in [`EVENTS_CONSUMED`] by kind and
//! [`ConsumeOutcome`] (a handler reports a skipped duplicate with [`Handled::Duplicate`]);
//! the outbox relay counts what it published in [`EVENTS_PUBLISHED`].
//!
//! # Faults
//!
//! [`FaultedHandler`] puts a service's fault handle in front of its consumer: the
//! `eventBusLag` fault ([`EVENT_BUS_LAG`]) and pauses while a named fault is in place.
//!
//! # Tracing
//!
//! Publishing makes a `producer` span and writes its W3C context (`traceparent`,
//! `tracestate`, `baggage`) into the event's headers, unless the event already carries a
//! context (an event relayed from an outbox keeps the one of the request that made it).
//! Each delivery runs in a `consumer` span whose parent is that context; handlers can read
//! it with [`Headers::trace_context`].
//!
//! # Example
//!
//! ```
//! use shop_kit::bus::{Event, EventBus, EventKind, HandlerError, InProcessBus};
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
//!
//! let (seen, mut notified) = tokio::sync::mpsc::unbounded_channel();
//! let subscription = bus
//!     .subscribe(
//!         "notifications",
//!         &[EventKind::OrderCompleted, EventKind::OrderCancelled],
//!         Arc::new(move |event: Event| {
//!             let seen = seen.clone();
//!             async move {
//!                 // Idempotent: a real consumer skips an `event.id` it has already handled.
//!                 seen.send(event.id).map_err(HandlerError::new)
//!             }
//!         }),
//!     )
//!     .await?;
//!
//! let event = Event::new(EventKind::OrderCompleted, serde_json::json!({ "order_id": "o-1" }));
//! bus.publish(&event).await?;
//! assert_eq!(notified.recv().await, Some(event.id));
//! subscription.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod connect;
mod counters;
mod error;
mod event;
mod event_bus;
mod faults;
mod handler;
mod headers;
mod in_process;
mod rabbitmq;
mod telemetry;
mod timestamp;

pub use connect::connect;
#[cfg(feature = "outbox")]
pub(crate) use counters::PublishedCounters;
pub use counters::{ConsumeOutcome, EVENTS_CONSUMED, EVENTS_PUBLISHED};
pub use error::BusError;
pub use event::{Event, EventKind, UnknownEventKind};
pub use event_bus::{EventBus, Subscription};
pub use faults::{
    EVENT_BUS_LAG, EVENT_BUS_ROUTE, FaultedHandler, event_bus_lag, event_bus_lag_between,
};
pub use handler::{EventHandler, Handled, HandlerError};
pub use headers::{BAGGAGE, Headers, TRACEPARENT, TRACESTATE};
pub use in_process::{DeadLetter, InProcessBus, InProcessConfig};
pub use rabbitmq::{RabbitMqBus, RabbitMqConfig};

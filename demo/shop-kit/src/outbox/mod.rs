//! The transactional outbox: a committed change always gets its event.
//!
//! Publishing an event after committing a change loses the event if the process dies in
//! between, or if the bus is down; publishing before committing announces changes that may
//! roll back. The outbox does neither: the event is written into the `outbox` table **in
//! the same transaction** as the change, and an [`OutboxRelay`] publishes committed rows
//! through any [`EventBus`](crate::bus::EventBus) afterwards.
//!
//! - [`outbox_migration`] creates the table; add it to the service's migration list.
//! - [`Outbox::enqueue`] writes an event in the caller's transaction; it commits or rolls
//!   back with the change. [`Outbox::commit`] commits and wakes the relay at once.
//! - [`OutboxRelay::start`] runs the relay: it publishes pending rows in the order they
//!   were enqueued and marks each one published only after the bus confirmed it. When the
//!   bus fails it keeps the row (and every later one) pending and tries again after an
//!   exponential back-off. It is woken by [`Outbox::commit`] and also polls every
//!   [`poll_interval`](RelayConfig::poll_interval), for events committed otherwise.
//!   [`OutboxRelay::shutdown`] publishes what is pending, for at most
//!   [`shutdown_timeout`](RelayConfig::shutdown_timeout), before it returns.
//! - The backlog (rows waiting) is counted after every pass:
//!   [`OutboxRelay::backlog`] and the gauge [`shop_outbox_backlog`](OUTBOX_BACKLOG)
//!   (label `service_name`) through the `metrics` facade.
//!
//! # Delivery
//!
//! **At least once.** A crash (or a lost connection) after the bus confirmed an event but
//! before its row was marked publishes it again when the relay next runs, with the same
//! [`Event::id`](crate::bus::Event::id); consumers dedupe by id. Run one relay per
//! database: two would publish every event twice and interleave them.
//!
//! Published rows are kept for [`retention`](RelayConfig::retention) and then deleted. A
//! row whose JSON no longer reads as an event is set aside (state `undecodable`) and
//! logged, so it cannot block the rows behind it.
//!
//! # Example
//!
//! ```no_run
//! # async fn example(storage: shop_kit::storage::Storage) -> Result<(), Box<dyn std::error::Error>> {
//! use shop_kit::bus::{Event, EventBus, EventKind, InProcessBus};
//! use shop_kit::outbox::{Outbox, OutboxRelay, RelayConfig};
//! use std::sync::Arc;
//!
//! let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
//! let (outbox, relay) = OutboxRelay::start(storage.clone(), bus, RelayConfig::new("orders"));
//!
//! let mut transaction = storage.begin().await?;
//! sqlx::query("UPDATE orders SET status = 'completed' WHERE id = $1")
//!     .bind("0190…")
//!     .execute(&mut *transaction)
//!     .await?;
//! let event = Event::new(EventKind::OrderCompleted, serde_json::json!({ "order_id": "0190…" }));
//! Outbox::enqueue(&mut transaction, &event).await?;
//! outbox.commit(transaction).await?; // the relay publishes it now
//!
//! let still_pending = relay.shutdown().await; // on the way out
//! # let _ = still_pending;
//! # Ok(()) }
//! ```

mod backlog;
mod config;
mod enqueue;
mod migration;
mod position;
mod relay;
mod table;

pub use backlog::OUTBOX_BACKLOG;
pub use config::RelayConfig;
pub use enqueue::Outbox;
pub use migration::outbox_migration;
pub use relay::OutboxRelay;

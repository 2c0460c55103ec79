//! [`Outbox`]: writing events in the caller's transaction, and waking the relay.

use std::sync::Arc;

use sqlx::{Any, Transaction};
use tokio::sync::Notify;

use super::position::next_position;
use super::table::{self, NewRow};
use crate::bus::Event;
use crate::storage::StorageError;

/// Writes events into the `outbox` table in the caller's transaction, and wakes the
/// [`OutboxRelay`](super::OutboxRelay) that publishes them.
///
/// Get one from [`OutboxRelay::start`](super::OutboxRelay::start). Cloning is cheap; every
/// clone wakes the same relay.
#[derive(Debug, Clone)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    pub(super) fn new(wake: Arc<Notify>) -> Self {
        Outbox { wake }
    }

    /// Writes `event` in `transaction`: it is published if, and only if, the transaction
    /// commits. Enqueue after the business change it announces, then commit with
    /// [`Outbox::commit`] so the relay publishes it at once.
    ///
    /// The current trace context (of the request making the change) is written into the
    /// event's headers unless it already carries one, so consumers join that trace however
    /// late the event is published. Events of one process are published in the order they
    /// were enqueued.
    ///
    /// Fails with [`StorageError::Conflict`] if an event with the same id was enqueued
    /// before.
    pub async fn enqueue(
        transaction: &mut Transaction<'_, Any>,
        event: &Event,
    ) -> Result<(), StorageError> {
        let mut event = event.clone();
        if !event.headers.has_trace_context() {
            event.headers.inject_trace_context();
        }
        let json = serde_json::to_string(&event)
            .map_err(|error| StorageError::from(sqlx::Error::Encode(Box::new(error))))?;
        let row = NewRow {
            id: event.id.to_string(),
            position: next_position(),
            kind: event.kind.as_str(),
            event: &json,
        };
        table::insert(transaction, row).await
    }

    /// Commits `transaction` and wakes the relay, which publishes the events it enqueued
    /// right away. A transaction committed any other way has its events published at the
    /// relay's next poll.
    pub async fn commit(&self, transaction: Transaction<'_, Any>) -> Result<(), StorageError> {
        transaction.commit().await?;
        self.wake();
        Ok(())
    }

    /// Wakes the relay to look for pending events now, for code that commits its
    /// transactions itself.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

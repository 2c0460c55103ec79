//! The events the orders service publishes, through its outbox.

use serde::{Deserialize, Serialize};
use shop_kit::bus::{Event, EventKind};
use shop_kit::storage::StorageError;
use uuid::Uuid;

use crate::model::FailureReason;

/// The payload of `order.completed`: `{"order_id","user_id","total","currency"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCompleted {
    /// The order.
    pub order_id: Uuid,
    /// The user who ordered.
    pub user_id: Uuid,
    /// What was charged, in minor units of `currency`.
    pub total: i64,
    /// The ISO 4217 code of the total.
    pub currency: String,
}

/// The payload of `order.cancelled`: `{"order_id","user_id","reason"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelled {
    /// The order.
    pub order_id: Uuid,
    /// The user who ordered.
    pub user_id: Uuid,
    /// Why it was cancelled.
    pub reason: FailureReason,
}

impl OrderCompleted {
    /// The `order.completed` event of this payload, with a fresh event id.
    pub fn event(&self) -> Result<Event, StorageError> {
        event(EventKind::OrderCompleted, self)
    }
}

impl OrderCancelled {
    /// The `order.cancelled` event of this payload, with a fresh event id.
    pub fn event(&self) -> Result<Event, StorageError> {
        event(EventKind::OrderCancelled, self)
    }
}

fn event<T: Serialize>(kind: EventKind, payload: &T) -> Result<Event, StorageError> {
    Event::with_payload(kind, payload)
        .map_err(|error| StorageError::from(sqlx::Error::Encode(Box::new(error))))
}

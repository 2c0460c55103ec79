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

/// The namespace of the UUIDv5 ids of the orders service's events.
const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x5ea3_a11d_0bde_4e7e_9f1c_0a7d_e5c3_b0e1);

/// The id of the `kind` event of `order_id`: a UUIDv5 of both, so an order has one
/// `order.completed` (or `order.cancelled`) event whoever publishes it, and anyone who
/// knows the order (`shop check`, an operator) can find its event at a consumer.
pub fn event_id(order_id: Uuid, kind: EventKind) -> Uuid {
    Uuid::new_v5(
        &EVENT_ID_NAMESPACE,
        format!("{order_id}/{}", kind.as_str()).as_bytes(),
    )
}

impl OrderCompleted {
    /// The `order.completed` event of this payload, with the order's [`event_id`].
    pub fn event(&self) -> Result<Event, StorageError> {
        event(self.order_id, EventKind::OrderCompleted, self)
    }
}

impl OrderCancelled {
    /// The `order.cancelled` event of this payload, with the order's [`event_id`].
    pub fn event(&self) -> Result<Event, StorageError> {
        event(self.order_id, EventKind::OrderCancelled, self)
    }
}

fn event<T: Serialize>(
    order_id: Uuid,
    kind: EventKind,
    payload: &T,
) -> Result<Event, StorageError> {
    let mut event = Event::with_payload(kind, payload)
        .map_err(|error| StorageError::from(sqlx::Error::Encode(Box::new(error))))?;
    event.id = event_id(order_id, kind);
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_has_one_id_per_event_kind() {
        let order = Uuid::now_v7();
        let completed = OrderCompleted {
            order_id: order,
            user_id: Uuid::now_v7(),
            total: 100,
            currency: "EUR".to_owned(),
        };
        let first = completed.event().expect("an event");
        let again = completed.event().expect("an event");
        assert_eq!(first.id, again.id);
        assert_eq!(first.id, event_id(order, EventKind::OrderCompleted));
        assert_ne!(first.id, event_id(order, EventKind::OrderCancelled));
        assert_ne!(
            first.id,
            event_id(Uuid::now_v7(), EventKind::OrderCompleted)
        );
    }
}

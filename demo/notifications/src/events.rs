//! The events the consumer understands, the payload fields it expects of each, and the
//! notification it makes of them.
//!
//! | kind | payload fields read (others are ignored) |
//! |---|---|
//! | `user.created` | `{user_id, username}` |
//! | `order.completed` | `{order_id, user_id, total?, currency?}` |
//! | `order.cancelled` | `{order_id, user_id, reason?}` |
//! | `payment.completed` | `{payment_id, order_id, user_id, amount, currency}` |
//! | `payment.refunded` | `{payment_id, order_id, user_id, amount, currency}` |
//!
//! Ids are UUIDs, money is integer minor units. A payload without these fields (above all
//! without a UUID `user_id`) is a [`PayloadError`]: the consumer fails the delivery, so the
//! bus retries it and then dead-letters it.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use shop_kit::bus::{Event, EventKind};
use uuid::Uuid;

/// An event whose payload does not have the fields its kind needs.
#[derive(Debug, thiserror::Error)]
#[error("{kind} event {event_id} has an unusable payload: {reason}")]
pub struct PayloadError {
    /// The event's id.
    pub event_id: Uuid,
    /// The event's kind.
    pub kind: EventKind,
    /// What is missing or mistyped.
    pub reason: String,
}

/// The notification an event makes, for the user it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// The user whose inbox it goes to.
    pub user_id: Uuid,
    /// The event it is made from.
    pub event_id: Uuid,
    /// The event's kind.
    pub kind: EventKind,
    /// A one-line summary.
    pub title: String,
    /// The text.
    pub body: String,
}

#[derive(Deserialize)]
struct UserCreated {
    user_id: Uuid,
    username: String,
}

#[derive(Deserialize)]
struct OrderCompleted {
    order_id: Uuid,
    user_id: Uuid,
    total: Option<i64>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct OrderCancelled {
    order_id: Uuid,
    user_id: Uuid,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct PaymentEvent {
    order_id: Uuid,
    user_id: Uuid,
    amount: i64,
    currency: String,
}

impl NewNotification {
    /// The notification of `event`, with a human-readable title and body for its kind.
    pub fn from_event(event: &Event) -> Result<Self, PayloadError> {
        let names_a_user = event
            .payload
            .get("user_id")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|user_id| Uuid::parse_str(user_id).is_ok());
        if !names_a_user {
            return Err(PayloadError {
                event_id: event.id,
                kind: event.kind,
                reason: "no UUID `user_id`".to_owned(),
            });
        }
        let (user_id, title, body) = match event.kind {
            EventKind::UserCreated => {
                let user: UserCreated = payload(event)?;
                (
                    user.user_id,
                    format!("Welcome, {}!", user.username),
                    "Your account is ready. Happy shopping!".to_owned(),
                )
            }
            EventKind::OrderCompleted => {
                let order: OrderCompleted = payload(event)?;
                let total = order
                    .total
                    .map(|total| format!(" Total: {}.", money(total, order.currency.as_deref())))
                    .unwrap_or_default();
                (
                    order.user_id,
                    "Order confirmed".to_owned(),
                    format!("Your order {} is confirmed.{total}", order.order_id),
                )
            }
            EventKind::OrderCancelled => {
                let order: OrderCancelled = payload(event)?;
                let reason = order
                    .reason
                    .map(|reason| format!(" Reason: {reason}."))
                    .unwrap_or_default();
                (
                    order.user_id,
                    "Order cancelled".to_owned(),
                    format!("Your order {} was cancelled.{reason}", order.order_id),
                )
            }
            EventKind::PaymentCompleted => {
                let payment: PaymentEvent = payload(event)?;
                (
                    payment.user_id,
                    "Payment received".to_owned(),
                    format!(
                        "We received your payment of {} for order {}.",
                        money(payment.amount, Some(&payment.currency)),
                        payment.order_id
                    ),
                )
            }
            EventKind::PaymentRefunded => {
                let payment: PaymentEvent = payload(event)?;
                (
                    payment.user_id,
                    "Payment refunded".to_owned(),
                    format!(
                        "Your payment of {} for order {} was refunded.",
                        money(payment.amount, Some(&payment.currency)),
                        payment.order_id
                    ),
                )
            }
        };
        Ok(NewNotification {
            user_id,
            event_id: event.id,
            kind: event.kind,
            title,
            body,
        })
    }
}

fn payload<T: DeserializeOwned>(event: &Event) -> Result<T, PayloadError> {
    event.payload_as().map_err(|error| PayloadError {
        event_id: event.id,
        kind: event.kind,
        reason: error.to_string(),
    })
}

/// `minor` units as `12.34 EUR` (two decimals; the currency left out when unknown).
fn money(minor: i64, currency: Option<&str>) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let units = minor.unsigned_abs();
    let amount = format!("{sign}{}.{:02}", units / 100, units % 100);
    match currency {
        Some(currency) => format!("{amount} {currency}"),
        None => amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(4900, Some("EUR")), "49.00 EUR");
        assert_eq!(money(5, None), "0.05");
        assert_eq!(money(-1234, Some("USD")), "-12.34 USD");
    }

    #[test]
    fn each_kind_names_its_user() {
        let user_id = Uuid::now_v7();
        let order_id = Uuid::now_v7();
        let payloads = [
            (
                EventKind::UserCreated,
                json!({"user_id": user_id, "username": "ada"}),
            ),
            (
                EventKind::OrderCompleted,
                json!({"order_id": order_id, "user_id": user_id, "total": 1299}),
            ),
            (
                EventKind::OrderCancelled,
                json!({"order_id": order_id, "user_id": user_id}),
            ),
            (
                EventKind::PaymentCompleted,
                json!({"payment_id": Uuid::now_v7(), "order_id": order_id, "user_id": user_id, "amount": 1299, "currency": "EUR"}),
            ),
            (
                EventKind::PaymentRefunded,
                json!({"payment_id": Uuid::now_v7(), "order_id": order_id, "user_id": user_id, "amount": 1299, "currency": "EUR"}),
            ),
        ];
        for (kind, payload) in payloads {
            let event = Event::new(kind, payload);
            let notification = NewNotification::from_event(&event).expect("a usable payload");
            assert_eq!(notification.user_id, user_id, "{kind}");
            assert_eq!(notification.event_id, event.id);
            assert!(!notification.title.is_empty() && !notification.body.is_empty());
        }
        let completed = Event::new(
            EventKind::OrderCompleted,
            json!({"order_id": order_id, "user_id": user_id, "total": 1299, "currency": "EUR"}),
        );
        let body = NewNotification::from_event(&completed)
            .expect("usable")
            .body;
        assert!(body.contains("12.99 EUR"), "{body}");
    }

    #[test]
    fn a_payload_without_a_user_is_an_error() {
        for kind in EventKind::ALL {
            let event = Event::new(
                kind,
                json!({"order_id": Uuid::now_v7(), "user_id": "nobody"}),
            );
            assert!(NewNotification::from_event(&event).is_err(), "{kind}");
        }
    }
}

//! The event envelope and the kinds of events the shop publishes.

use super::{headers::Headers, timestamp};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::{fmt, str::FromStr, time::SystemTime};
use uuid::Uuid;

/// What happened. The string form (`user.created`, ...) is the routing key on the broker
/// and the `kind` field in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    /// A user registered.
    #[serde(rename = "user.created")]
    UserCreated,
    /// An order's saga finished and the order is confirmed.
    #[serde(rename = "order.completed")]
    OrderCompleted,
    /// An order was cancelled (its saga compensated).
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
    /// A payment was charged.
    #[serde(rename = "payment.completed")]
    PaymentCompleted,
    /// A payment was refunded.
    #[serde(rename = "payment.refunded")]
    PaymentRefunded,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 5] = [
        EventKind::UserCreated,
        EventKind::OrderCompleted,
        EventKind::OrderCancelled,
        EventKind::PaymentCompleted,
        EventKind::PaymentRefunded,
    ];

    /// The dotted name, e.g. `order.completed`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::UserCreated => "user.created",
            EventKind::OrderCompleted => "order.completed",
            EventKind::OrderCancelled => "order.cancelled",
            EventKind::PaymentCompleted => "payment.completed",
            EventKind::PaymentRefunded => "payment.refunded",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given to [`EventKind::from_str`] is not a known event kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event kind `{0}`")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| UnknownEventKind(name.to_owned()))
    }
}

/// One event: what happened, when, its data, and the trace context it was published in.
///
/// Delivery is **at least once**: a consumer may see the same event more than once (after
/// a handler failure, a lost acknowledgement or a publisher retry), always with the same
/// [`id`](Event::id). Handlers must be idempotent; a consumer that must not act twice
/// records the ids it has handled (for example in the same transaction as its change) and
/// skips an id it has seen.
///
/// JSON form:
///
/// ```json
/// {"id":"0190...","kind":"order.completed","occurred_at":"2025-01-31T12:00:00.123456789Z",
///  "payload":{"order_id":"..."},"headers":{"traceparent":"00-..."}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique per event and stable across redeliveries: the key consumers dedupe on.
    /// [`Event::new`] makes a UUIDv7, so ids sort by creation time.
    pub id: Uuid,
    /// What happened; also the routing key.
    pub kind: EventKind,
    /// When it happened (UTC, RFC 3339 in JSON).
    #[serde(with = "timestamp")]
    pub occurred_at: SystemTime,
    /// The event's data, shaped by its kind.
    pub payload: serde_json::Value,
    /// Message headers; carries W3C trace context (`traceparent`, `tracestate`,
    /// `baggage`), written when the event is published.
    #[serde(default)]
    pub headers: Headers,
}

impl Event {
    /// A new event of `kind` with `payload`, a fresh UUIDv7 id, the current time and no
    /// headers.
    pub fn new(kind: EventKind, payload: serde_json::Value) -> Self {
        Event {
            id: Uuid::now_v7(),
            kind,
            occurred_at: SystemTime::now(),
            payload,
            headers: Headers::default(),
        }
    }

    /// A new event whose payload is `payload` serialized to JSON.
    pub fn with_payload<T: Serialize>(kind: EventKind, payload: &T) -> serde_json::Result<Self> {
        Ok(Event::new(kind, serde_json::to_value(payload)?))
    }

    /// The payload deserialized into `T`.
    pub fn payload_as<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        T::deserialize(&self.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names_and_json() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).expect("a kind serializes");
            assert_eq!(json, format!("\"{kind}\""));
        }
        assert!("order.shipped".parse::<EventKind>().is_err());
    }

    #[test]
    fn event_round_trips_through_json() {
        let mut event = Event::new(
            EventKind::OrderCompleted,
            serde_json::json!({"order_id": "o-1", "total": 1299}),
        );
        event.headers.insert("traceparent", "00-abc-def-01");
        let json = serde_json::to_string(&event).expect("an event serializes");
        let back: Event = serde_json::from_str(&json).expect("and deserializes");
        assert_eq!(back, event);
    }
}

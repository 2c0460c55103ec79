//! An event as an AMQP message, and back.
//!
//! The body is the event's JSON (see [`Event`]). The AMQP properties repeat what brokers
//! and tools look at: `message_id` (the event id), `type` (the kind), `timestamp`,
//! `content_type: application/json`, `delivery_mode: 2` (persistent), and the event's
//! headers as string headers, so `traceparent` is visible to any AMQP client. When reading,
//! string headers of the message other than the broker's own `x-*` ones override the
//! body's.

use crate::bus::{error::BusError, event::Event};
use lapin::{
    BasicProperties,
    types::{AMQPValue, FieldTable, ShortString},
};
use std::time::UNIX_EPOCH;

/// AMQP delivery mode of messages written to disk.
const PERSISTENT: u8 = 2;

/// The body and properties of the message for `event`.
pub(crate) fn encode(event: &Event) -> Result<(Vec<u8>, BasicProperties), BusError> {
    let body = serde_json::to_vec(event)?;
    let mut headers = FieldTable::default();
    for (name, value) in event.headers.iter() {
        if let Ok(name) = ShortString::try_new(name) {
            headers.insert(name, AMQPValue::LongString(value.into()));
        }
    }
    let timestamp = event
        .occurred_at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_delivery_mode(PERSISTENT)
        .with_message_id(event.id.to_string().into())
        .with_type(event.kind.as_str().into())
        .with_timestamp(timestamp)
        .with_headers(headers);
    Ok((body, properties))
}

/// The event in a message's `body`, with the string headers of `properties`.
pub(crate) fn decode(body: &[u8], properties: &BasicProperties) -> serde_json::Result<Event> {
    let mut event: Event = serde_json::from_slice(body)?;
    if let Some(headers) = properties.headers() {
        for (name, value) in headers {
            let name = name.as_str();
            if name.starts_with("x-") {
                continue;
            }
            let text = match value {
                AMQPValue::LongString(text) => std::str::from_utf8(text.as_bytes()).ok(),
                AMQPValue::ShortString(text) => Some(text.as_str()),
                _ => None,
            };
            if let Some(text) = text {
                event.headers.insert(name, text);
            }
        }
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::EventKind;

    #[test]
    fn an_event_survives_encoding() {
        let mut event = Event::new(
            EventKind::PaymentRefunded,
            serde_json::json!({"amount": 500}),
        );
        event.headers.insert(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        );
        event.headers.insert("baggage", "user_id=42");
        let (body, properties) = encode(&event).expect("encodes");
        assert_eq!(properties.delivery_mode(), &Some(PERSISTENT));
        assert_eq!(decode(&body, &properties).expect("decodes"), event);
    }
}

//! Recording the events a bus carries, and waiting for them: [`EventLog`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use shop_kit::bus::{Event, EventBus, EventKind, HandlerError, Subscription};

/// How long to wait for events that take milliseconds; only a hang reaches it.
const PATIENCE: Duration = Duration::from_secs(20);

/// How long to keep listening after the expected events, to catch a duplicate.
const SETTLE: Duration = Duration::from_millis(300);

/// Every event of some kinds a bus delivered to a test consumer, while it lives.
pub struct EventLog {
    events: Arc<Mutex<Vec<Event>>>,
    _subscription: Subscription,
}

impl EventLog {
    /// Subscribes the consumer `consumer` to `kinds` on `bus`, recording what it gets.
    pub async fn subscribe(bus: &dyn EventBus, consumer: &str, kinds: &[EventKind]) -> EventLog {
        let events = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&events);
        let subscription = bus
            .subscribe(
                consumer,
                kinds,
                Arc::new(move |event: Event| {
                    let recorded = Arc::clone(&recorded);
                    async move {
                        recorded.lock().map_err(HandlerError::new)?.push(event);
                        Ok(())
                    }
                }),
            )
            .await
            .expect("the test consumer subscribes");
        EventLog {
            events,
            _subscription: subscription,
        }
    }

    /// The events of `kind` recorded so far.
    pub fn of_kind(&self, kind: EventKind) -> Vec<Event> {
        self.events
            .lock()
            .expect("the event log")
            .iter()
            .filter(|event| event.kind == kind)
            .cloned()
            .collect()
    }

    /// Waits until `count` events of `kind` were recorded, listens a little longer for
    /// duplicates, asserts there are exactly `count`, and returns them.
    pub async fn published(&self, kind: EventKind, count: usize) -> Vec<Event> {
        tokio::time::timeout(PATIENCE, async {
            while self.of_kind(kind).len() < count {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{count} {kind} events in time, got {}",
                self.of_kind(kind).len()
            )
        });
        tokio::time::sleep(SETTLE).await;
        let events = self.of_kind(kind);
        assert_eq!(events.len(), count, "{kind}: {events:?}");
        events
    }
}

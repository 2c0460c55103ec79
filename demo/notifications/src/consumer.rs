//! The event consumer: turns the shop's events into notifications, once per event id.

use std::sync::Arc;

use seawall::chaos::FaultHandle;
use shop_kit::bus::{
    BusError, Event, EventBus, EventHandler, EventKind, FaultedHandler, Handled, HandlerError,
    Subscription,
};

use crate::events::NewNotification;
use crate::faults::NOTIFICATIONS_DOWN;
use crate::repository::{NotificationRepository, Recorded};

/// The consumer name the service subscribes under (its queue on a durable bus).
pub const CONSUMER: &str = "notifications";

/// Subscribes [`CONSUMER`] to every [`EventKind`] on `bus`, storing each event's
/// notification through `repository`.
///
/// Each delivery is handled in one transaction that records the event id and stores the
/// notification; a redelivered id is acknowledged without doing anything. An event whose
/// payload has no usable `user_id` (see [`events`](crate::events)) fails, so the bus
/// retries it and then dead-letters it; so does one that meets a database failure.
///
/// `faults` are the service's own (its `/admin/faults`): deliveries wait while
/// [`NOTIFICATIONS_DOWN`] is in place and are delayed by
/// [`EVENT_BUS_LAG`](crate::faults::EVENT_BUS_LAG) (see [`faults`](crate::faults)).
pub async fn subscribe(
    bus: &dyn EventBus,
    repository: NotificationRepository,
    faults: FaultHandle,
) -> Result<Subscription, BusError> {
    let handler: Arc<dyn EventHandler> = Arc::new(move |event: Event| {
        let repository = repository.clone();
        async move { handle(&repository, &event).await }
    });
    let handler = FaultedHandler::new(handler, faults).pause_while(NOTIFICATIONS_DOWN);
    bus.subscribe(CONSUMER, &EventKind::ALL, Arc::new(handler))
        .await
}

async fn handle(
    repository: &NotificationRepository,
    event: &Event,
) -> Result<Handled, HandlerError> {
    let notification = NewNotification::from_event(event)?;
    match repository.record(&notification).await? {
        Recorded::Stored(id) => {
            tracing::info!(
                event_id = %event.id,
                kind = %event.kind,
                notification_id = %id,
                user_id = %notification.user_id,
                "notification stored"
            );
            Ok(Handled::Processed)
        }
        Recorded::AlreadyProcessed => {
            tracing::debug!(event_id = %event.id, kind = %event.kind, "event already processed");
            Ok(Handled::Duplicate)
        }
    }
}

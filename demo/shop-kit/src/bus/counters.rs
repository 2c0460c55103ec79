//! The event counters of the shop's metrics (METRICS.md, "Shop"): events published by the
//! outbox relay and events consumed by outcome.
//!
//! Every series is registered at zero when its publisher or consumer starts, like
//! seawall's layers do, so that `rate()` and `increase()` see a first sample before the
//! first event.

use super::event::EventKind;

/// The counter of events the bus confirmed, labelled `service_name` and `event`.
pub const EVENTS_PUBLISHED: &str = "shop_events_published_total";

/// The counter of event deliveries a consumer finished, labelled `service_name`, `event`
/// and `outcome` ([`ConsumeOutcome`]).
pub const EVENTS_CONSUMED: &str = "shop_events_consumed_total";

/// How one delivery of an event to a consumer ended: the `outcome` label of
/// [`EVENTS_CONSUMED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsumeOutcome {
    /// The handler acted on the event.
    Handled,
    /// The handler had already acted on this event id and skipped it.
    Duplicate,
    /// The handler failed (or panicked); the event is delivered again or dead-lettered.
    Failed,
}

impl ConsumeOutcome {
    /// Every outcome.
    pub const ALL: [ConsumeOutcome; 3] = [
        ConsumeOutcome::Handled,
        ConsumeOutcome::Duplicate,
        ConsumeOutcome::Failed,
    ];

    /// The label value: `handled`, `duplicate` or `failed`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConsumeOutcome::Handled => "handled",
            ConsumeOutcome::Duplicate => "duplicate",
            ConsumeOutcome::Failed => "failed",
        }
    }
}

/// The published counter of each event kind, for one publishing service.
#[cfg(feature = "outbox")]
#[derive(Debug, Clone)]
pub(crate) struct PublishedCounters {
    service_name: String,
}

#[cfg(feature = "outbox")]
impl PublishedCounters {
    /// Describes the counter and registers a zero series for every kind.
    pub(crate) fn register(service_name: &str) -> Self {
        ::metrics::describe_counter!(
            EVENTS_PUBLISHED,
            ::metrics::Unit::Count,
            "Events the event bus confirmed, by the service whose outbox published them and the event kind."
        );
        for kind in EventKind::ALL {
            published(service_name, kind).absolute(0);
        }
        PublishedCounters {
            service_name: service_name.to_owned(),
        }
    }

    /// Counts one confirmed event of `kind`.
    pub(crate) fn record(&self, kind: EventKind) {
        published(&self.service_name, kind).increment(1);
    }
}

#[cfg(feature = "outbox")]
fn published(service_name: &str, kind: EventKind) -> ::metrics::Counter {
    ::metrics::counter!(
        EVENTS_PUBLISHED,
        "service_name" => service_name.to_owned(),
        "event" => kind.as_str(),
    )
}

/// Describes the consumed counter and registers a zero series for every kind the consumer
/// `consumer` takes and every outcome. The consumer's name is the `service_name` label: in
/// the shop a service consumes under its own name.
pub(crate) fn register_consumer(consumer: &str, kinds: &[EventKind]) {
    ::metrics::describe_counter!(
        EVENTS_CONSUMED,
        ::metrics::Unit::Count,
        "Event deliveries a consumer finished, by consumer (its service), event kind and outcome (handled, duplicate, failed)."
    );
    for &kind in kinds {
        for outcome in ConsumeOutcome::ALL {
            consumed(consumer, kind, outcome).absolute(0);
        }
    }
}

/// Counts one delivery of an event of `kind` to `consumer` that ended in `outcome`.
pub(crate) fn record_consumed(consumer: &str, kind: EventKind, outcome: ConsumeOutcome) {
    consumed(consumer, kind, outcome).increment(1);
}

fn consumed(consumer: &str, kind: EventKind, outcome: ConsumeOutcome) -> ::metrics::Counter {
    ::metrics::counter!(
        EVENTS_CONSUMED,
        "service_name" => consumer.to_owned(),
        "event" => kind.as_str(),
        "outcome" => outcome.as_str(),
    )
}

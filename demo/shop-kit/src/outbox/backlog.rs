//! The number of events waiting in the outbox, as a value and as a gauge.

use std::sync::atomic::{AtomicU64, Ordering};

/// The gauge of events waiting in the outbox, labelled `service_name`.
pub const OUTBOX_BACKLOG: &str = "shop_outbox_backlog";

/// The backlog the relay last counted, shared between the relay task and its handle.
#[derive(Debug)]
pub(super) struct Backlog {
    pending: AtomicU64,
    gauge: metrics::Gauge,
}

impl Backlog {
    pub(super) fn new(service_name: &str) -> Self {
        metrics::describe_gauge!(
            OUTBOX_BACKLOG,
            metrics::Unit::Count,
            "Events committed to the transactional outbox and not yet confirmed by the bus."
        );
        Backlog {
            pending: AtomicU64::new(0),
            gauge: metrics::gauge!(OUTBOX_BACKLOG, "service_name" => service_name.to_owned()),
        }
    }

    /// Records a new count.
    pub(super) fn set(&self, pending: u64) {
        self.pending.store(pending, Ordering::Relaxed);
        self.gauge.set(pending as f64);
    }

    /// The last count.
    pub(super) fn get(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }
}

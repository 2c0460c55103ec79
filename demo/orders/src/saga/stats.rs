//! [`SagaStats`]: what the sagas did since the process started, for `GET /admin/state` and
//! the [metrics](super::metrics).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::metrics::{CompensationStep, OrderOutcome, RecoveredBy, SagaMetrics};

/// Counters shared by every clone of a [`Saga`](super::Saga); each count also goes to its
/// Prometheus series.
#[derive(Debug, Clone)]
pub struct SagaStats {
    recovered: Arc<AtomicU64>,
    swept: Arc<AtomicU64>,
    metrics: SagaMetrics,
}

/// A reading of [`SagaStats`], as `GET /admin/state` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SagaCounts {
    /// Interrupted sagas the start-up recovery confirmed or compensated.
    pub recovered: u64,
    /// Stuck sagas the sweep confirmed or compensated.
    pub swept: u64,
}

impl SagaStats {
    /// Counters at zero, with the series of `service_name` registered at zero in the
    /// current recorder.
    pub(crate) fn new(service_name: &str) -> Self {
        SagaStats {
            recovered: Arc::default(),
            swept: Arc::default(),
            metrics: SagaMetrics::register(service_name),
        }
    }

    /// Counts a saga the start-up recovery finished.
    pub(crate) fn count_recovered(&self) {
        self.recovered.fetch_add(1, Ordering::Relaxed);
        self.metrics.recovered(RecoveredBy::Startup);
    }

    /// Counts a saga the sweep finished.
    pub(crate) fn count_swept(&self) {
        self.swept.fetch_add(1, Ordering::Relaxed);
        self.metrics.recovered(RecoveredBy::Sweep);
    }

    /// Counts an order that reached its final status.
    pub(crate) fn count_order(&self, outcome: OrderOutcome) {
        self.metrics.order(outcome);
    }

    /// Counts a compensation done.
    pub(crate) fn count_compensation(&self, step: CompensationStep) {
        self.metrics.compensation(step);
    }

    /// The counts now.
    pub fn counts(&self) -> SagaCounts {
        SagaCounts {
            recovered: self.recovered.load(Ordering::Relaxed),
            swept: self.swept.load(Ordering::Relaxed),
        }
    }
}

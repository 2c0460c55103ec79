//! The saga's metrics (METRICS.md, "Orders"): orders by outcome, compensations by step,
//! and sagas finished by the start-up recovery or the sweep.
//!
//! Every series is described and registered at zero when the saga is built, like
//! seawall's layers do, so that `rate()` and `increase()` see a first sample before the
//! first order. The handles are kept, so recording is one atomic add and works from any
//! task or thread.

use metrics::{Counter, Unit, counter, describe_counter};

use crate::model::FailureReason;

/// The counter of orders that reached a final status, labelled `service_name` and
/// `outcome` ([`OrderOutcome`]).
pub const ORDERS_TOTAL: &str = "shop_orders_total";

/// The counter of saga compensations done, labelled `service_name` and `step`
/// ([`CompensationStep`]).
pub const SAGA_COMPENSATIONS: &str = "shop_saga_compensations_total";

/// The counter of unfinished sagas taken over and finished, labelled `service_name` and
/// `by` ([`RecoveredBy`]).
pub const SAGA_RECOVERED: &str = "shop_saga_recovered_total";

/// How an order ended: the `outcome` label of [`ORDERS_TOTAL`]. A closed set: `completed`
/// or the [`FailureReason`] it was cancelled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderOutcome {
    /// Confirmed: stock reserved and payment charged.
    Completed,
    /// Cancelled after compensation, for this reason.
    Cancelled(FailureReason),
}

impl OrderOutcome {
    /// Every outcome: `completed`, then each reason in [`FailureReason::ALL`] order.
    pub const ALL: [OrderOutcome; 8] = {
        let mut all = [OrderOutcome::Completed; 8];
        let mut i = 0;
        while i < FailureReason::ALL.len() {
            all[i + 1] = OrderOutcome::Cancelled(FailureReason::ALL[i]);
            i += 1;
        }
        all
    };

    /// The position of this outcome in [`OrderOutcome::ALL`].
    const fn index(self) -> usize {
        match self {
            OrderOutcome::Completed => 0,
            OrderOutcome::Cancelled(reason) => 1 + reason as usize,
        }
    }

    /// The label value: `completed`, or the reason's column value such as `out_of_stock`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderOutcome::Completed => "completed",
            OrderOutcome::Cancelled(reason) => reason.as_str(),
        }
    }
}

/// A compensation of the saga: the `step` label of [`SAGA_COMPENSATIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompensationStep {
    /// The charge was refunded.
    Refund,
    /// The reserved stock was released.
    Release,
    /// The order was cancelled (with `order.cancelled`), after the steps were undone.
    Cancel,
}

impl CompensationStep {
    /// Every step, in the order they run (and of their discriminants, which index it).
    pub const ALL: [CompensationStep; 3] = [
        CompensationStep::Refund,
        CompensationStep::Release,
        CompensationStep::Cancel,
    ];

    /// The label value: `refund`, `release` or `cancel`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompensationStep::Refund => "refund",
            CompensationStep::Release => "release",
            CompensationStep::Cancel => "cancel",
        }
    }
}

/// Who finished an unfinished saga: the `by` label of [`SAGA_RECOVERED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveredBy {
    /// The recovery at start-up, of sagas a stopped process left.
    Startup,
    /// The periodic sweep, of sagas stuck while the service runs.
    Sweep,
}

impl RecoveredBy {
    /// Both, in the order of their discriminants, which index it.
    pub const ALL: [RecoveredBy; 2] = [RecoveredBy::Startup, RecoveredBy::Sweep];

    /// The label value: `startup` or `sweep`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecoveredBy::Startup => "startup",
            RecoveredBy::Sweep => "sweep",
        }
    }
}

/// The registered counters of one orders service. Cloning is cheap.
#[derive(Debug, Clone)]
pub(crate) struct SagaMetrics {
    orders: [Counter; 8],
    compensations: [Counter; 3],
    recovered: [Counter; 2],
}

impl SagaMetrics {
    /// Describes the counters and registers every series of `service_name` at zero, in
    /// the recorder current now.
    pub(crate) fn register(service_name: &str) -> Self {
        describe_counter!(
            ORDERS_TOTAL,
            Unit::Count,
            "Orders that reached a final status, by outcome: completed, or the reason they were cancelled."
        );
        describe_counter!(
            SAGA_COMPENSATIONS,
            Unit::Count,
            "Order saga compensations done, by step: refund, release (of stock), cancel."
        );
        describe_counter!(
            SAGA_RECOVERED,
            Unit::Count,
            "Unfinished order sagas confirmed or compensated by the start-up recovery or the sweep."
        );
        let service = service_name.to_owned();
        let metrics = SagaMetrics {
            orders: OrderOutcome::ALL.map(|outcome| {
                counter!(ORDERS_TOTAL, "service_name" => service.clone(), "outcome" => outcome.as_str())
            }),
            compensations: CompensationStep::ALL.map(|step| {
                counter!(SAGA_COMPENSATIONS, "service_name" => service.clone(), "step" => step.as_str())
            }),
            recovered: RecoveredBy::ALL.map(|by| {
                counter!(SAGA_RECOVERED, "service_name" => service.clone(), "by" => by.as_str())
            }),
        };
        let all = metrics
            .orders
            .iter()
            .chain(&metrics.compensations)
            .chain(&metrics.recovered);
        for series in all {
            series.absolute(0);
        }
        metrics
    }

    /// Counts an order that ended in `outcome`.
    pub(crate) fn order(&self, outcome: OrderOutcome) {
        self.orders[outcome.index()].increment(1);
    }

    /// Counts a compensation `step` done.
    pub(crate) fn compensation(&self, step: CompensationStep) {
        self.compensations[step as usize].increment(1);
    }

    /// Counts a saga finished `by` the recovery or the sweep.
    pub(crate) fn recovered(&self, by: RecoveredBy) {
        self.recovered[by as usize].increment(1);
    }
}

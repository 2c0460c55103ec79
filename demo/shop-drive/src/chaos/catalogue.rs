//! The named faults of DESIGN.md §6 that act through a service's `/admin/faults` API, with
//! their graded variants: [`NamedFault`] says which service gets which spec under which name.

use std::time::Duration;

use seawall::chaos::{FaultSpec, MatchSpec};

/// A fault to put on one service under one name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFault {
    /// The service whose `/admin/faults/{name}` receives it (`payments`, `products`, ...).
    pub service: &'static str,
    /// The fault's name (`paymentFailure`, ...).
    pub name: &'static str,
    /// What it does.
    pub spec: FaultSpec,
}

impl NamedFault {
    /// `payments` declines `percent` % of charges (402 from its provider).
    pub fn payment_failure(percent: u8) -> NamedFault {
        NamedFault {
            service: "payments",
            name: payments::faults::PAYMENT_FAILURE,
            spec: payments::faults::payment_failure(percent),
        }
    }

    /// `percent` % of payments' provider calls fail as a refused connection (503).
    pub fn payment_unreachable(percent: u8) -> NamedFault {
        NamedFault {
            service: "payments",
            name: payments::faults::PAYMENT_UNREACHABLE,
            spec: payments::faults::payment_unreachable(percent),
        }
    }

    /// Payments' provider answers between `min` and `max` late.
    pub fn payment_slow(min: Duration, max: Duration) -> NamedFault {
        NamedFault {
            service: "payments",
            name: payments::faults::PAYMENT_SLOW,
            spec: payments::faults::payment_slow_between(min, max),
        }
    }

    /// `products` answers `percent` % of stock reservations (the saga's reserve step) with 503.
    pub fn product_failure(percent: u8) -> NamedFault {
        NamedFault {
            service: "products",
            name: "productFailure",
            spec: FaultSpec::abort(503)
                .with_probability(share(percent))
                .when(MatchSpec::new().with_route("/products/{id}/reservations")),
        }
    }

    /// `users` answers every request `delay` late.
    pub fn users_slow(delay: Duration) -> NamedFault {
        NamedFault {
            service: "users",
            name: "usersSlow",
            spec: FaultSpec::latency(delay),
        }
    }

    /// `notifications` answers every request of its API with 503.
    pub fn notifications_down() -> NamedFault {
        NamedFault {
            service: "notifications",
            name: "notificationsDown",
            spec: FaultSpec::abort(503),
        }
    }
}

/// `percent` (capped at 100) as a probability.
fn share(percent: u8) -> f64 {
    f64::from(percent.min(100)) / 100.0
}

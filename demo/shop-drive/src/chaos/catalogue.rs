//! The named faults of DESIGN.md §6 that act through a service's `/admin/faults` API, with
//! their graded variants: [`NamedFault`] says which service gets which spec under which name.
//! The names and specs are the services' own (each service's `faults` module), and
//! shop-kit's server's for [`instanceDown`](shop_kit::server::INSTANCE_DOWN), which any
//! one instance honours.

use std::time::Duration;

use seawall::chaos::FaultSpec;
use uuid::Uuid;

/// A fault to put on one service under one name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFault {
    /// The service whose `/admin/faults/{name}` receives it (`payments`, `products`, ...),
    /// or one instance of a service as [`Targets`](super::Targets) names it (`products#2`).
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

    /// `products` fails `percent` % of its requests (500), or only those about `product`.
    pub fn product_failure(percent: u8, product: Option<Uuid>) -> NamedFault {
        NamedFault {
            service: "products",
            name: products::faults::PRODUCT_FAILURE,
            spec: match product {
                Some(id) => products::faults::product_failure(id, percent),
                None => products::faults::every_product_failure(percent),
            },
        }
    }

    /// `users` answers every request between `min` and `max` late.
    pub fn users_slow(min: Duration, max: Duration) -> NamedFault {
        NamedFault {
            service: "users",
            name: users::faults::USERS_SLOW,
            spec: users::faults::users_slow_between(min, max),
        }
    }

    /// `notifications` answers 503 and stops consuming events (they wait on the bus).
    pub fn notifications_down() -> NamedFault {
        NamedFault {
            service: "notifications",
            name: notifications::faults::NOTIFICATIONS_DOWN,
            spec: notifications::faults::notifications_down(),
        }
    }

    /// `percent` % of orders' sagas are abandoned right after `point`, as if the process
    /// died there; the sweep finishes them later.
    pub fn orders_crash_mid_saga(point: orders::faults::CrashPoint, percent: u8) -> NamedFault {
        NamedFault {
            service: "orders",
            name: orders::faults::ORDERS_CRASH_MID_SAGA,
            spec: orders::faults::orders_crash_mid_saga(point, percent),
        }
    }

    /// Events reach notifications between `min` and `max` late.
    pub fn event_bus_lag(min: Duration, max: Duration) -> NamedFault {
        NamedFault {
            service: "notifications",
            name: shop_kit::bus::EVENT_BUS_LAG,
            spec: shop_kit::bus::event_bus_lag_between(min, max),
        }
    }

    /// The instance `target` (a [`Targets`](super::Targets) name such as `products#2`)
    /// looks dead for `duration`: its listener closes, so every connection is refused,
    /// `/health/ready` and `/admin` included; then it listens again by itself. Nobody can
    /// reach it to remove the fault, so the fault's ttl is `duration`.
    pub fn instance_down(target: &'static str, duration: Duration) -> NamedFault {
        NamedFault {
            service: target,
            name: shop_kit::server::INSTANCE_DOWN,
            spec: FaultSpec::transport_error().with_ttl(duration),
        }
    }
}

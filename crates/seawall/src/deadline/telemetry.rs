//! The deadline layer's metric: requests it answered with 504.

use super::layer::Role;
use crate::Rejection;

/// `seawall_deadline_exceeded_total{service_name, role, error_type, phase}`: requests a
/// deadline layer answered itself. `role` is `server`, `client` or `attempt`; `error_type`
/// is `deadline_exceeded` or `timeout`; `phase` is `arrival` (the time had run out before
/// the call) or `in_flight` (it ran out while waiting).
pub const DEADLINE_EXCEEDED_TOTAL: &str = "seawall_deadline_exceeded_total";

/// When a deadline ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Arrival,
    InFlight,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Arrival => "arrival",
            Phase::InFlight => "in_flight",
        }
    }
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Client => "client",
            Role::PerAttempt => "attempt",
        }
    }
}

/// Describes the metric and creates the series a layer can produce, so that they are
/// exported (at zero) from the start.
pub(crate) fn register(service_name: &'static str, role: Role) {
    ::metrics::describe_counter!(
        DEADLINE_EXCEEDED_TOTAL,
        "Requests answered with 504 because their deadline or timeout ran out."
    );
    for phase in [Phase::Arrival, Phase::InFlight] {
        for rejection in [Rejection::DeadlineExceeded, Rejection::Timeout] {
            counter(service_name, role, phase, rejection).increment(0);
        }
    }
}

/// Counts one request answered with `rejection`. Off the hot path: it looks the series up.
pub(crate) fn exceeded(service_name: &'static str, role: Role, phase: Phase, rejection: Rejection) {
    counter(service_name, role, phase, rejection).increment(1);
}

fn counter(
    service_name: &'static str,
    role: Role,
    phase: Phase,
    rejection: Rejection,
) -> ::metrics::Counter {
    ::metrics::counter!(
        DEADLINE_EXCEEDED_TOTAL,
        "service_name" => service_name,
        "role" => role.as_str(),
        "error_type" => rejection.error_type(),
        "phase" => phase.as_str(),
    )
}

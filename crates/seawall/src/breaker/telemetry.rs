//! The breaker's metrics: a gauge per state, transitions, and calls by outcome.

use super::state::State;
use ::metrics::{Counter, Gauge, SharedString};

/// `seawall_breaker_state{service_name, breaker, state}`: 1 for the current state, 0 for
/// every other; all six series exist from the breaker's construction.
pub const BREAKER_STATE: &str = "seawall_breaker_state";
/// `seawall_breaker_transitions_total{service_name, breaker, from, to}`.
pub const BREAKER_TRANSITIONS_TOTAL: &str = "seawall_breaker_transitions_total";
/// `seawall_breaker_calls_total{service_name, breaker, outcome}`, where `outcome` is
/// `success`, `failure`, `ignored`, `rejected` or `shadow_rejected`.
pub const BREAKER_CALLS_TOTAL: &str = "seawall_breaker_calls_total";

/// What became of one call, for [`BREAKER_CALLS_TOTAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallOutcome {
    Success,
    Failure,
    Ignored,
    Rejected,
    ShadowRejected,
}

impl CallOutcome {
    const ALL: [CallOutcome; 5] = [
        CallOutcome::Success,
        CallOutcome::Failure,
        CallOutcome::Ignored,
        CallOutcome::Rejected,
        CallOutcome::ShadowRejected,
    ];

    fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Success => "success",
            CallOutcome::Failure => "failure",
            CallOutcome::Ignored => "ignored",
            CallOutcome::Rejected => "rejected",
            CallOutcome::ShadowRejected => "shadow_rejected",
        }
    }
}

/// The metric handles of one breaker, registered when it is made so that the hot path
/// only increments.
#[derive(Debug)]
pub(crate) struct BreakerTelemetry {
    service_name: SharedString,
    breaker: SharedString,
    states: [Gauge; State::ALL.len()],
    calls: [Counter; CallOutcome::ALL.len()],
}

impl BreakerTelemetry {
    pub(crate) fn new(service_name: SharedString, breaker: SharedString) -> Self {
        ::metrics::describe_gauge!(
            BREAKER_STATE,
            "Circuit breaker state: 1 for the current state, 0 for the others."
        );
        ::metrics::describe_counter!(
            BREAKER_TRANSITIONS_TOTAL,
            "Circuit breaker state transitions."
        );
        ::metrics::describe_counter!(
            BREAKER_CALLS_TOTAL,
            "Calls through a circuit breaker, by outcome."
        );
        let states = State::ALL.map(|state| {
            ::metrics::gauge!(
                BREAKER_STATE,
                "service_name" => service_name.clone(),
                "breaker" => breaker.clone(),
                "state" => state.as_str(),
            )
        });
        let calls = CallOutcome::ALL.map(|outcome| {
            ::metrics::counter!(
                BREAKER_CALLS_TOTAL,
                "service_name" => service_name.clone(),
                "breaker" => breaker.clone(),
                "outcome" => outcome.as_str(),
            )
        });
        let telemetry = BreakerTelemetry {
            service_name,
            breaker,
            states,
            calls,
        };
        telemetry.show_state(Some(State::Closed));
        telemetry
    }

    pub(crate) fn call(&self, outcome: CallOutcome) {
        self.calls[outcome as usize].increment(1);
    }

    pub(crate) fn transition(&self, from: State, to: State) {
        self.show_state(Some(to));
        ::metrics::counter!(
            BREAKER_TRANSITIONS_TOTAL,
            "service_name" => self.service_name.clone(),
            "breaker" => self.breaker.clone(),
            "from" => from.as_str(),
            "to" => to.as_str(),
        )
        .increment(1);
    }

    /// Sets the gauge of `current` to 1 and the others to 0; all to 0 for `None`.
    fn show_state(&self, current: Option<State>) {
        for (state, gauge) in State::ALL.iter().zip(&self.states) {
            gauge.set(if Some(*state) == current { 1.0 } else { 0.0 });
        }
    }
}

impl Drop for BreakerTelemetry {
    /// A breaker that is gone (an evicted key) is in no state; its series say so rather
    /// than freeze at their last value.
    fn drop(&mut self) {
        self.show_state(None);
    }
}

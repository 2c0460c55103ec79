//! The retry layer's metrics: attempts by outcome, and what was decided after each failure.

use super::policy::{Decision, GiveUp};
use crate::Outcome;
use ::metrics::{Counter, SharedString};

/// `seawall_retry_attempts_total{service_name, outcome}`: attempts of retryable requests
/// by the outcome of their result: `success`, `failure`, `overload` or `ignored`.
pub const RETRY_ATTEMPTS_TOTAL: &str = "seawall_retry_attempts_total";
/// `seawall_retry_decisions_total{service_name, decision}`: what followed a failed attempt:
/// `retry`, or why not: `attempts_exhausted`, `budget_exhausted`, `retry_after_too_long`,
/// `deadline_too_near`, `no_retry_marker`, `body_not_replayable`.
pub const RETRY_DECISIONS_TOTAL: &str = "seawall_retry_decisions_total";

const OUTCOMES: [&str; 4] = ["success", "failure", "overload", "ignored"];

const GIVE_UPS: [GiveUp; 6] = [
    GiveUp::Marked,
    GiveUp::BodyNotReplayable,
    GiveUp::AttemptsExhausted,
    GiveUp::RetryAfterTooLong,
    GiveUp::DeadlineTooNear,
    GiveUp::BudgetExhausted,
];

/// Counter handles registered when the layer is built, so that counting is one add.
#[derive(Debug)]
pub(crate) struct RetryTelemetry {
    attempts: [Counter; OUTCOMES.len()],
    retries: Counter,
    give_ups: [Counter; GIVE_UPS.len()],
}

impl RetryTelemetry {
    pub(crate) fn new(service_name: SharedString) -> Self {
        ::metrics::describe_counter!(
            RETRY_ATTEMPTS_TOTAL,
            "Attempts of retryable requests, by outcome."
        );
        ::metrics::describe_counter!(
            RETRY_DECISIONS_TOTAL,
            "Decisions after a failed attempt: retry, or why not."
        );
        let decision = |decision: &'static str| {
            ::metrics::counter!(
                RETRY_DECISIONS_TOTAL,
                "service_name" => service_name.clone(),
                "decision" => decision,
            )
        };
        RetryTelemetry {
            attempts: OUTCOMES.map(|outcome| {
                ::metrics::counter!(
                    RETRY_ATTEMPTS_TOTAL,
                    "service_name" => service_name.clone(),
                    "outcome" => outcome,
                )
            }),
            retries: decision("retry"),
            give_ups: GIVE_UPS.map(|give_up| decision(give_up.as_str())),
        }
    }

    pub(crate) fn attempt(&self, outcome: Outcome) {
        let index = match outcome {
            Outcome::Success => 0,
            Outcome::Failure => 1,
            Outcome::Overload { .. } => 2,
            _ => 3,
        };
        self.attempts[index].increment(1);
    }

    pub(crate) fn decision(&self, decision: Decision) {
        match decision {
            Decision::Accept => {}
            Decision::Retry(_) => self.retries.increment(1),
            Decision::GiveUp(give_up) => {
                let index = GIVE_UPS.iter().position(|g| *g == give_up).unwrap_or(0);
                self.give_ups[index].increment(1);
            }
        }
    }
}

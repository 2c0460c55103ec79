use super::telemetry::RetryTelemetry;
use super::{
    RetryBudget,
    backoff::{Backoff, Delays},
};
use crate::{classify::Outcome, deadline::Deadline, headers::IDEMPOTENCY_KEY, observe::mark_span};
use http::{Method, Request};
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// The validated settings of a [`RetryLayer`](super::RetryLayer).
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) max_attempts: u32,
    pub(crate) backoff: Backoff,
    pub(crate) budget: RetryBudget,
    pub(crate) max_retry_after: Duration,
    pub(crate) max_replay_bytes: usize,
    pub(crate) min_attempt_time: Duration,
    pub(crate) idempotent: Vec<Method>,
}

/// Everything the clones of one layer share: settings, budget, classifier and the stream
/// of jitter seeds.
#[derive(Debug)]
pub(crate) struct Policy<C> {
    pub(crate) settings: Settings,
    pub(crate) classifier: C,
    pub(crate) telemetry: RetryTelemetry,
    /// The next request's jitter seed; each retried request takes one (Weyl sequence).
    seeds: AtomicU64,
}

/// What to do with the result of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Not a failure: hand it to the caller as it is.
    Accept,
    /// Retry after this delay; the budget token is already taken.
    Retry(Duration),
    /// A failure that will not be retried.
    GiveUp(GiveUp),
}

/// Why a failure is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// The response already carries the no-retry marker of a hop below.
    Marked,
    /// The request body was too large to keep, so it cannot be sent again.
    BodyNotReplayable,
    /// `max_attempts` attempts were made.
    AttemptsExhausted,
    /// `Retry-After` asked for longer than `max_retry_after`.
    RetryAfterTooLong,
    /// The back-off would leave less than `min_attempt_time` of the deadline.
    DeadlineTooNear,
    /// The budget had no token.
    BudgetExhausted,
}

impl GiveUp {
    /// The `reason` recorded on tracing events.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GiveUp::Marked => "no_retry_marker",
            GiveUp::BodyNotReplayable => "body_not_replayable",
            GiveUp::AttemptsExhausted => "attempts_exhausted",
            GiveUp::RetryAfterTooLong => "retry_after_too_long",
            GiveUp::DeadlineTooNear => "deadline_too_near",
            GiveUp::BudgetExhausted => "budget_exhausted",
        }
    }

    /// Whether the response gets the no-retry marker: yes when this hop ended a retry loop
    /// (or could not start one for lack of time or budget); no when the marker is already
    /// there or when only this hop's replay cap stood in the way.
    pub(crate) fn marks_response(self) -> bool {
        !matches!(self, GiveUp::Marked | GiveUp::BodyNotReplayable)
    }
}

impl<C> Policy<C> {
    pub(crate) fn new(
        settings: Settings,
        classifier: C,
        seed: u64,
        telemetry: RetryTelemetry,
    ) -> Self {
        Policy {
            settings,
            classifier,
            telemetry,
            seeds: AtomicU64::new(seed),
        }
    }

    /// Whether a retry of `request` is possible at all: more than one attempt, and an
    /// idempotent method or an `Idempotency-Key`.
    pub(crate) fn may_retry<B>(&self, request: &Request<B>) -> bool {
        self.settings.max_attempts > 1
            && (self.settings.idempotent.contains(request.method())
                || request.headers().contains_key(IDEMPOTENCY_KEY))
    }

    /// Whether an attempt started after `delay` would still have `min_attempt_time` (and
    /// more than nothing) of the current deadline. Always true without a deadline.
    fn deadline_allows(&self, delay: Duration) -> bool {
        let Some(deadline) = Deadline::current() else {
            return true;
        };
        deadline
            .remaining()
            .checked_sub(delay)
            .is_some_and(|left| !left.is_zero() && left >= self.settings.min_attempt_time)
    }

    /// Whether attempt number `attempt` may start now, given the current deadline; records
    /// the decision when it may not.
    pub(crate) fn may_start(&self, attempt: u32) -> bool {
        let allowed = self.deadline_allows(Duration::ZERO);
        if !allowed {
            self.give_up(attempt, GiveUp::DeadlineTooNear);
        }
        allowed
    }

    /// Counts, marks and logs a failure that is not retried: budget exhaustion at INFO, as
    /// it means the dependency is failing more than the budget allows; the rest at DEBUG.
    fn give_up(&self, attempt: u32, give_up: GiveUp) {
        self.telemetry.decision(Decision::GiveUp(give_up));
        mark_span("seawall.retry.decision", give_up.as_str());
        if give_up == GiveUp::BudgetExhausted {
            tracing::event!(
                target: "seawall::retry",
                tracing::Level::INFO,
                seawall.retry.attempt = attempt,
                seawall.retry.reason = give_up.as_str(),
                "retry budget exhausted; not retrying"
            );
        } else {
            tracing::event!(
                target: "seawall::retry",
                tracing::Level::DEBUG,
                seawall.retry.attempt = attempt,
                seawall.retry.reason = give_up.as_str(),
                "not retrying"
            );
        }
    }

    /// The back-off delays of one more request.
    fn delays(&self) -> Delays {
        const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
        let seed = self.seeds.fetch_add(GOLDEN_GAMMA, Ordering::Relaxed);
        self.settings.backoff.delays(seed)
    }

    /// Decides whether attempt number `attempt`, which ended with `outcome`, is retried,
    /// and takes the budget token if so. `delays` is created on the first retry.
    pub(crate) fn decide(
        &self,
        attempt: u32,
        outcome: Outcome,
        marked: bool,
        replayable: bool,
        delays: &mut Option<Box<Delays>>,
    ) -> Decision {
        if !outcome.is_failure() {
            return Decision::Accept;
        }
        let decision = self.decide_failure(attempt, outcome, marked, replayable, delays);
        match decision {
            Decision::Retry(delay) => {
                self.telemetry.decision(decision);
                mark_span("seawall.retry.decision", "retry");
                tracing::event!(
                    target: "seawall::retry",
                    tracing::Level::DEBUG,
                    seawall.retry.attempt = attempt,
                    seawall.retry.next_attempt = attempt + 1,
                    seawall.retry.reason = failure_kind(outcome),
                    seawall.retry.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "retrying"
                );
            }
            Decision::GiveUp(give_up) => self.give_up(attempt, give_up),
            Decision::Accept => {}
        }
        decision
    }

    fn decide_failure(
        &self,
        attempt: u32,
        outcome: Outcome,
        marked: bool,
        replayable: bool,
        delays: &mut Option<Box<Delays>>,
    ) -> Decision {
        let settings = &self.settings;
        if marked {
            return Decision::GiveUp(GiveUp::Marked);
        }
        if !replayable {
            return Decision::GiveUp(GiveUp::BodyNotReplayable);
        }
        if attempt >= settings.max_attempts {
            return Decision::GiveUp(GiveUp::AttemptsExhausted);
        }
        let retry_after = outcome.retry_after().unwrap_or_default();
        if retry_after > settings.max_retry_after {
            return Decision::GiveUp(GiveUp::RetryAfterTooLong);
        }
        let backoff = delays
            .get_or_insert_with(|| Box::new(self.delays()))
            .next()
            .unwrap_or_default();
        let delay = backoff.max(retry_after);
        if !self.deadline_allows(delay) {
            return Decision::GiveUp(GiveUp::DeadlineTooNear);
        }
        if !settings.budget.try_withdraw() {
            return Decision::GiveUp(GiveUp::BudgetExhausted);
        }
        Decision::Retry(delay)
    }
}

fn failure_kind(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Overload { .. } => "overload",
        _ => "failure",
    }
}

use super::telemetry::RetryTelemetry;
use super::{
    Jitter, RetryBudget, RetryLayer,
    backoff::Backoff,
    policy::{Policy, Settings},
};
use crate::{classify::HttpClassifier, observe::UNKNOWN_SERVICE};
use ::metrics::SharedString;
use http::Method;
use std::{fmt, time::Duration};

/// A [`RetryLayer`] or [`RetryBudget`] setting that makes no sense, refused by `build`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `max_attempts` was 0; it counts the first attempt, so it must be at least 1.
    ZeroAttempts,
    /// `max_delay` was zero.
    ZeroMaxDelay,
    /// `base_delay` was above `max_delay`.
    BaseAboveMax {
        /// The base delay given.
        base: Duration,
        /// The maximum delay given.
        max: Duration,
    },
    /// The back-off multiplier was below 1, infinite or NaN.
    InvalidMultiplier {
        /// The multiplier given.
        multiplier: f64,
    },
    /// The budget ratio was outside `0..=1000`, or NaN.
    InvalidRatio {
        /// The ratio given.
        ratio: f64,
    },
    /// The budget's `min_per_sec` was negative, infinite or NaN.
    InvalidMinPerSec {
        /// The rate given.
        min_per_sec: f64,
    },
    /// The budget's `max_balance` was below one token, infinite or NaN.
    InvalidMaxBalance {
        /// The cap given.
        max_balance: f64,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ZeroAttempts => {
                f.write_str("max_attempts must be at least 1 (it counts the first attempt)")
            }
            ConfigError::ZeroMaxDelay => f.write_str("max_delay must be above zero"),
            ConfigError::BaseAboveMax { base, max } => {
                write!(f, "base_delay {base:?} is above max_delay {max:?}")
            }
            ConfigError::InvalidMultiplier { multiplier } => {
                write!(
                    f,
                    "multiplier must be finite and at least 1, got {multiplier}"
                )
            }
            ConfigError::InvalidRatio { ratio } => {
                write!(f, "budget ratio must be within 0..=1000, got {ratio}")
            }
            ConfigError::InvalidMinPerSec { min_per_sec } => {
                write!(
                    f,
                    "budget min_per_sec must be finite and >= 0, got {min_per_sec}"
                )
            }
            ConfigError::InvalidMaxBalance { max_balance } => {
                write!(
                    f,
                    "budget max_balance must be finite and >= 1, got {max_balance}"
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Builds a [`RetryLayer`]; see [`RetryLayer::builder`] for the defaults.
#[derive(Debug, Clone)]
pub struct RetryBuilder<C = HttpClassifier> {
    max_attempts: u32,
    backoff: Backoff,
    budget: Option<RetryBudget>,
    max_retry_after: Duration,
    max_replay_bytes: usize,
    min_attempt_time: Duration,
    idempotent: Vec<Method>,
    seed: Option<u64>,
    service_name: SharedString,
    classifier: C,
}

impl RetryBuilder {
    pub(crate) fn new() -> Self {
        RetryBuilder {
            max_attempts: 3,
            backoff: Backoff {
                base: Duration::from_millis(50),
                max: Duration::from_secs(2),
                multiplier: 2.0,
                jitter: Jitter::Full,
            },
            budget: None,
            service_name: SharedString::const_str(UNKNOWN_SERVICE),
            max_retry_after: Duration::from_secs(10),
            max_replay_bytes: 64 * 1024,
            min_attempt_time: Duration::ZERO,
            idempotent: vec![
                Method::GET,
                Method::HEAD,
                Method::OPTIONS,
                Method::TRACE,
                Method::PUT,
                Method::DELETE,
            ],
            seed: None,
            classifier: HttpClassifier,
        }
    }
}

impl<C> RetryBuilder<C> {
    /// Attempts in all, the first included (default 3). 1 turns retries off.
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The back-off before the first retry, before jitter (default 50 ms).
    pub fn base_delay(mut self, base: Duration) -> Self {
        self.backoff.base = base;
        self
    }

    /// The longest back-off, before jitter (default 2 s). A `Retry-After` may still ask for
    /// longer, up to [`max_retry_after`](Self::max_retry_after).
    pub fn max_delay(mut self, max: Duration) -> Self {
        self.backoff.max = max;
        self
    }

    /// How much the back-off grows per retry, at least 1 (default 2).
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.backoff.multiplier = multiplier;
        self
    }

    /// How the back-off is randomised (default [`Jitter::Full`]).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.backoff.jitter = jitter;
        self
    }

    /// The budget retries are paid from (default `RetryBudget::new(0.2, 10.0)`, one per
    /// layer). Hand the same budget to several layers to cap their retries together.
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The longest `Retry-After` honoured (default 10 s). A response asking for longer ends
    /// the retry loop: retrying at the cap would be retrying early.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The largest request body kept for replay (default 64 KiB). A larger body is sent
    /// once, whole, and its request is not retried.
    pub fn max_replay_bytes(mut self, max: usize) -> Self {
        self.max_replay_bytes = max;
        self
    }

    /// The least time that must remain of the current [`Deadline`](crate::deadline::Deadline)
    /// when an attempt starts (default zero: some time must remain). A retry whose
    /// back-off would leave less is not taken. Set it near the dependency's usual latency.
    pub fn min_attempt_time(mut self, min: Duration) -> Self {
        self.min_attempt_time = min;
        self
    }

    /// The methods retried without an `Idempotency-Key` (default GET, HEAD, OPTIONS, TRACE,
    /// PUT, DELETE). Requests with any other method are retried only with that header.
    pub fn idempotent_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.idempotent = methods.into_iter().collect();
        self
    }

    /// Seeds the jitter, so that a run can be repeated (default: a random seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Replaces the classifier that decides which results are failures worth retrying.
    pub fn classifier<C2>(self, classifier: C2) -> RetryBuilder<C2> {
        RetryBuilder {
            max_attempts: self.max_attempts,
            backoff: self.backoff,
            budget: self.budget,
            max_retry_after: self.max_retry_after,
            max_replay_bytes: self.max_replay_bytes,
            min_attempt_time: self.min_attempt_time,
            idempotent: self.idempotent,
            seed: self.seed,
            service_name: self.service_name,
            classifier,
        }
    }

    /// The `service_name` label of the layer's metrics: the service that makes the calls.
    pub fn service_name(mut self, service_name: impl Into<SharedString>) -> Self {
        self.service_name = service_name.into();
        self
    }

    /// Checks the settings and builds the layer.
    pub fn build(self) -> Result<RetryLayer<C>, ConfigError> {
        let Backoff {
            base,
            max,
            multiplier,
            ..
        } = self.backoff;
        if self.max_attempts == 0 {
            return Err(ConfigError::ZeroAttempts);
        }
        if max.is_zero() {
            return Err(ConfigError::ZeroMaxDelay);
        }
        if base > max {
            return Err(ConfigError::BaseAboveMax { base, max });
        }
        if !(multiplier >= 1.0 && multiplier.is_finite()) {
            return Err(ConfigError::InvalidMultiplier { multiplier });
        }
        let budget = match self.budget {
            Some(budget) => budget,
            None => RetryBudget::builder().build()?,
        };
        let settings = Settings {
            max_attempts: self.max_attempts,
            backoff: self.backoff,
            budget,
            max_retry_after: self.max_retry_after,
            max_replay_bytes: self.max_replay_bytes,
            min_attempt_time: self.min_attempt_time,
            idempotent: self.idempotent,
        };
        let seed = self.seed.unwrap_or_else(|| fastrand::u64(..));
        Ok(RetryLayer::new(Policy::new(
            settings,
            self.classifier,
            seed,
            RetryTelemetry::new(self.service_name),
        )))
    }
}

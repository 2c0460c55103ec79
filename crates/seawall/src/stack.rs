//! The resilience core of a client, assembled in the right order with its timeouts checked.
//!
//! [`ClientStack`] is the four layers every outgoing call of a service should have, outermost
//! first:
//!
//! 1. a [client deadline](crate::deadline::DeadlineLayer::client): the total time, tightened
//!    by the deadline of the request being served;
//! 2. [retry](crate::retry), which sees that deadline and never starts an attempt that
//!    cannot finish;
//! 3. the [circuit breaker](crate::breaker), which counts every attempt;
//! 4. a [per-attempt deadline](crate::deadline::DeadlineLayer::per_attempt), which also
//!    writes the remaining time on each attempt's request.
//!
//! Put metrics outside it, a client trace layer between retry and breaker if you want a span
//! per attempt (compose by hand for that), and fault injection and the transport inside it.
//! [`ClientStackBuilder::build`] refuses an attempt timeout that is not below the total
//! timeout: the attempt could never run out first, so retries could never happen in time.
//!
//! ```
//! use seawall::{breaker::CircuitBreakerLayer, retry::RetryLayer, stack::ClientStack};
//! use std::time::Duration;
//!
//! let stack = ClientStack::builder()
//!     .total_timeout(Duration::from_secs(2))
//!     .attempt_timeout(Duration::from_millis(500))
//!     .retry(RetryLayer::builder().max_attempts(3).build().unwrap())
//!     .breaker(CircuitBreakerLayer::builder().build().unwrap())
//!     .build()
//!     .unwrap();
//! # let _ = stack;
//!
//! let too_long = ClientStack::builder()
//!     .total_timeout(Duration::from_secs(1))
//!     .attempt_timeout(Duration::from_secs(1))
//!     .retry(RetryLayer::builder().build().unwrap())
//!     .breaker(CircuitBreakerLayer::builder().build().unwrap())
//!     .build();
//! assert!(too_long.is_err());
//! ```

use crate::{
    HttpClassifier,
    breaker::{CircuitBreaker, CircuitBreakerLayer, Unkeyed},
    deadline::{self, DeadlineLayer, DeadlineService},
    retry::{Retry, RetryLayer},
};
use std::{fmt, time::Duration};
use tower_layer::Layer;

/// Deadline, retry, breaker and per-attempt deadline as one layer; see the
/// [module docs](self).
#[derive(Debug, Clone)]
pub struct ClientStack<C = HttpClassifier, K = Unkeyed> {
    total: DeadlineLayer,
    retry: RetryLayer<C>,
    breaker: CircuitBreakerLayer<C, K>,
    attempt: DeadlineLayer,
}

impl ClientStack {
    /// Starts a stack; [`retry`](ClientStackBuilder::retry) and
    /// [`breaker`](ClientStackBuilder::breaker) are required.
    pub fn builder() -> ClientStackBuilder {
        ClientStackBuilder {
            total_timeout: None,
            attempt_timeout: None,
            margin: None,
            service_name: None,
            retry: None,
            breaker: None,
        }
    }
}

impl<S: Clone, C: Clone, K: Clone> Layer<S> for ClientStack<C, K> {
    type Service = DeadlineService<Retry<CircuitBreaker<DeadlineService<S>, C, K>, C>>;

    fn layer(&self, inner: S) -> Self::Service {
        let attempt = self.attempt.layer(inner);
        let breaker = self.breaker.layer(attempt);
        let retry = self.retry.layer(breaker);
        self.total.layer(retry)
    }
}

/// Builds a [`ClientStack`], checking that its parts fit together.
#[derive(Debug)]
#[must_use]
pub struct ClientStackBuilder<C = HttpClassifier, K = Unkeyed> {
    total_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    margin: Option<Duration>,
    service_name: Option<&'static str>,
    retry: Option<RetryLayer<C>>,
    breaker: Option<CircuitBreakerLayer<C, K>>,
}

impl<C, K> ClientStackBuilder<C, K> {
    /// The most time a call may take, retries included. Without it the call still keeps
    /// to the deadline of the request being served, if any.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// The most time one attempt may take. Without it each attempt keeps to the total
    /// deadline only.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// What the per-attempt deadline subtracts from the remaining time it writes for the
    /// next hop; [`deadline`]'s default (5 ms) unless set.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = Some(margin);
        self
    }

    /// The `service_name` label of the two deadline layers' metric (set the retry layer's
    /// and the breaker's on their own builders).
    pub fn service_name(mut self, service_name: &str) -> Self {
        self.service_name = Some(crate::observe::intern(service_name));
        self
    }

    /// The retry layer.
    pub fn retry<C2>(self, retry: RetryLayer<C2>) -> ClientStackBuilder<C2, K> {
        ClientStackBuilder {
            total_timeout: self.total_timeout,
            attempt_timeout: self.attempt_timeout,
            margin: self.margin,
            service_name: self.service_name,
            retry: Some(retry),
            breaker: None,
        }
    }

    /// The circuit breaker; set it after [`retry`](Self::retry), with the same classifier.
    pub fn breaker<K2>(self, breaker: CircuitBreakerLayer<C, K2>) -> ClientStackBuilder<C, K2> {
        ClientStackBuilder {
            total_timeout: self.total_timeout,
            attempt_timeout: self.attempt_timeout,
            margin: self.margin,
            service_name: self.service_name,
            retry: self.retry,
            breaker: Some(breaker),
        }
    }

    /// Checks the parts and assembles the stack.
    pub fn build(self) -> Result<ClientStack<C, K>, ConfigError> {
        if let (Some(attempt), Some(total)) = (self.attempt_timeout, self.total_timeout) {
            if attempt >= total {
                return Err(ConfigError::AttemptTimeoutNotBelowTotal { attempt, total });
            }
        }
        // The attempt layer below writes the remaining time on every attempt, the tighter of
        // its own and this one; a header written here would only be overwritten (and cost a
        // header value per call).
        let total = deadline_layer(
            DeadlineLayer::client().propagate(false),
            self.total_timeout,
            None,
        )?;
        // Without an attempt timeout this layer still enforces the total deadline and
        // writes a fresh remaining time on every attempt.
        let attempt = match self.attempt_timeout {
            Some(timeout) => {
                deadline_layer(DeadlineLayer::per_attempt(), Some(timeout), self.margin)?
            }
            None => deadline_layer(DeadlineLayer::client(), None, self.margin)?,
        };
        Ok(ClientStack {
            total,
            retry: self.retry.ok_or(ConfigError::MissingRetry)?,
            breaker: self.breaker.ok_or(ConfigError::MissingBreaker)?,
            attempt,
        })
    }
}

fn deadline_layer(
    builder: deadline::DeadlineBuilder,
    timeout: Option<Duration>,
    margin: Option<Duration>,
) -> Result<DeadlineLayer, ConfigError> {
    let builder = match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    };
    let builder = match margin {
        Some(margin) => builder.margin(margin),
        None => builder,
    };
    builder.build().map_err(ConfigError::Deadline)
}

/// A [`ClientStackBuilder`] was given parts that do not fit together.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// An attempt could never time out before the whole call does.
    AttemptTimeoutNotBelowTotal {
        /// The attempt timeout given.
        attempt: Duration,
        /// The total timeout given.
        total: Duration,
    },
    /// No retry layer was given.
    MissingRetry,
    /// No circuit breaker was given.
    MissingBreaker,
    /// A timeout or margin was refused by the deadline layer.
    Deadline(deadline::ConfigError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::AttemptTimeoutNotBelowTotal { attempt, total } => write!(
                f,
                "the attempt timeout {attempt:?} must be below the total timeout {total:?}"
            ),
            ConfigError::MissingRetry => f.write_str("a client stack needs a retry layer"),
            ConfigError::MissingBreaker => f.write_str("a client stack needs a circuit breaker"),
            ConfigError::Deadline(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Deadline(error) => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> ClientStackBuilder {
        ClientStack::builder()
            .retry(RetryLayer::builder().build().unwrap())
            .breaker(CircuitBreakerLayer::builder().build().unwrap())
    }

    #[test]
    fn attempt_timeout_must_be_below_the_total() {
        let err = parts()
            .total_timeout(Duration::from_secs(1))
            .attempt_timeout(Duration::from_secs(2))
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            ConfigError::AttemptTimeoutNotBelowTotal {
                attempt: Duration::from_secs(2),
                total: Duration::from_secs(1)
            }
        );
    }

    #[test]
    fn missing_parts_are_named() {
        let no_retry = ClientStack::builder().build().unwrap_err();
        assert_eq!(no_retry, ConfigError::MissingRetry);
        let no_breaker = ClientStack::builder()
            .retry(RetryLayer::builder().build().unwrap())
            .build()
            .unwrap_err();
        assert_eq!(no_breaker, ConfigError::MissingBreaker);
    }

    #[test]
    fn deadline_errors_are_passed_on() {
        let err = parts().total_timeout(Duration::ZERO).build().unwrap_err();
        assert_eq!(
            err,
            ConfigError::Deadline(deadline::ConfigError::ZeroTimeout)
        );
        let err = parts()
            .attempt_timeout(Duration::from_millis(5))
            .margin(Duration::from_millis(5))
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Deadline(deadline::ConfigError::MarginNotBelowTimeout { .. })
        ));
    }

    #[test]
    fn a_complete_stack_builds() {
        assert!(
            parts()
                .total_timeout(Duration::from_secs(2))
                .attempt_timeout(Duration::from_millis(300))
                .build()
                .is_ok()
        );
    }
}

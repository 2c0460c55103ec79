use super::{service::DeadlineService, telemetry};
use crate::observe::{UNKNOWN_SERVICE, intern};
use std::{fmt, time::Duration};
use tower_layer::Layer;

/// The margin subtracted from the remaining time written to outgoing requests, by default:
/// time for the request to travel and the answer to come back.
pub(crate) const DEFAULT_MARGIN: Duration = Duration::from_millis(5);

/// Which side of a call the layer sits on; see the [module docs](super).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Server,
    Client,
    PerAttempt,
}

/// Applies a [`DeadlineService`]; see the [module docs](super) for the three roles.
#[derive(Debug, Clone, Copy)]
pub struct DeadlineLayer {
    pub(crate) role: Role,
    pub(crate) timeout: Option<Duration>,
    pub(crate) margin: Duration,
    pub(crate) service_name: &'static str,
    /// Whether a client layer writes the remaining time on outgoing requests.
    pub(crate) propagate: bool,
}

impl DeadlineLayer {
    /// A server-side layer: honours the caller's deadline, optionally capped by
    /// [`timeout`](DeadlineBuilder::timeout).
    pub fn server() -> DeadlineBuilder {
        DeadlineBuilder::new(Role::Server)
    }

    /// A client-side layer: propagates the current deadline, tightened by an optional total
    /// [`timeout`](DeadlineBuilder::timeout) for the call.
    pub fn client() -> DeadlineBuilder {
        DeadlineBuilder::new(Role::Client)
    }

    /// A per-attempt timeout for use below a retry layer; needs a
    /// [`timeout`](DeadlineBuilder::timeout).
    pub fn per_attempt() -> DeadlineBuilder {
        DeadlineBuilder::new(Role::PerAttempt)
    }

    /// Who to count a 504 against.
    pub(crate) fn telemetry(&self) -> Reporter {
        Reporter {
            service_name: self.service_name,
            role: self.role,
        }
    }

    /// The layer's own timeout, if it has one.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = DeadlineService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DeadlineService::new(inner, *self)
    }
}

/// What a response future needs to count and log the 504 it may answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reporter {
    service_name: &'static str,
    role: Role,
}

impl Reporter {
    pub(crate) fn exceeded(self, phase: telemetry::Phase, rejection: crate::Rejection) {
        telemetry::exceeded(self.service_name, self.role, phase, rejection);
        crate::observe::mark_span("seawall.deadline.exceeded", rejection.error_type());
        tracing::event!(
            target: "seawall::deadline",
            tracing::Level::DEBUG,
            seawall.error_type = rejection.error_type(),
            seawall.deadline.role = self.role.as_str(),
            "request answered with 504"
        );
    }
}

/// Builds a [`DeadlineLayer`], checking its configuration.
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct DeadlineBuilder {
    layer: DeadlineLayer,
}

impl DeadlineBuilder {
    fn new(role: Role) -> Self {
        DeadlineBuilder {
            layer: DeadlineLayer {
                role,
                timeout: None,
                margin: DEFAULT_MARGIN,
                service_name: UNKNOWN_SERVICE,
                propagate: true,
            },
        }
    }

    /// Server: the longest any request may take, whatever the caller allows.
    /// Client: the total time for the call. Per attempt: the time for one attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.layer.timeout = Some(timeout);
        self
    }

    /// What to subtract from the remaining time written to outgoing requests (clients
    /// only); 5 ms unless set.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.layer.margin = margin;
        self
    }

    /// Whether a client or per-attempt layer writes the remaining time on outgoing requests
    /// (on unless turned off). Turn it off for a layer with another deadline layer below it
    /// that writes it anyway, as [`ClientStack`](crate::stack::ClientStack) does for its
    /// total deadline.
    pub fn propagate(mut self, propagate: bool) -> Self {
        self.layer.propagate = propagate;
        self
    }

    /// The `service_name` label of the layer's metric.
    pub fn service_name(mut self, service_name: &str) -> Self {
        self.layer.service_name = intern(service_name);
        self
    }

    /// Checks the configuration.
    pub fn build(self) -> Result<DeadlineLayer, ConfigError> {
        let DeadlineLayer {
            role,
            timeout,
            margin,
            service_name,
            propagate: _,
        } = self.layer;
        match timeout {
            Some(Duration::ZERO) => return Err(ConfigError::ZeroTimeout),
            None if role == Role::PerAttempt => return Err(ConfigError::MissingTimeout),
            Some(timeout) if role != Role::Server && margin >= timeout => {
                return Err(ConfigError::MarginNotBelowTimeout { margin, timeout });
            }
            _ => {}
        }
        telemetry::register(service_name, role);
        Ok(self.layer)
    }
}

/// A [`DeadlineBuilder`] was given a configuration that cannot work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A zero timeout would answer every request with 504.
    ZeroTimeout,
    /// A per-attempt layer needs a timeout.
    MissingTimeout,
    /// The margin would leave the next hop no time at all.
    MarginNotBelowTimeout {
        /// The margin given.
        margin: Duration,
        /// The timeout given.
        timeout: Duration,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ZeroTimeout => f.write_str("deadline timeout must be greater than zero"),
            ConfigError::MissingTimeout => {
                f.write_str("a per-attempt deadline layer needs a timeout")
            }
            ConfigError::MarginNotBelowTimeout { margin, timeout } => write!(
                f,
                "deadline margin {margin:?} must be below the timeout {timeout:?}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_timeout_is_refused() {
        for builder in [
            DeadlineLayer::server(),
            DeadlineLayer::client(),
            DeadlineLayer::per_attempt(),
        ] {
            assert_eq!(
                builder.timeout(Duration::ZERO).build().unwrap_err(),
                ConfigError::ZeroTimeout
            );
        }
    }

    #[test]
    fn per_attempt_without_timeout_is_refused() {
        assert_eq!(
            DeadlineLayer::per_attempt().build().unwrap_err(),
            ConfigError::MissingTimeout
        );
    }

    #[test]
    fn margin_must_be_below_the_timeout() {
        let err = DeadlineLayer::client()
            .timeout(Duration::from_millis(5))
            .margin(Duration::from_millis(5))
            .build()
            .unwrap_err();
        assert!(matches!(err, ConfigError::MarginNotBelowTimeout { .. }));
        assert!(err.to_string().contains("margin"));
    }

    #[test]
    fn valid_configurations_build() {
        assert!(DeadlineLayer::server().build().is_ok());
        assert!(DeadlineLayer::client().build().is_ok());
        assert!(
            DeadlineLayer::per_attempt()
                .timeout(Duration::from_millis(200))
                .build()
                .is_ok()
        );
    }
}

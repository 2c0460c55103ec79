//! [`ClientResilience`]: which of seawall's resilience layers a service client uses.
//!
//! The demo compares the shop with seawall's layers against the same shop with plain
//! clients (issue #6), so the choice is a setting (`SHOP_CLIENT_RESILIENCE`, see
//! [`config`](crate::config)) rather than a code change. It lives outside the `client`
//! module so that the settings can name it without the client's dependencies.

use std::fmt;
use std::str::FromStr;

/// Which resilience layers a service client stacks around its transport.
///
/// Every choice keeps the client metrics, the total and per-attempt timeouts, the trace
/// span per attempt and fault injection, so that runs with different choices are measured
/// and faulted the same way; they differ only in retries and circuit breaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClientResilience {
    /// seawall's full stack: retries paid from a shared retry budget (and honouring
    /// `Retry-After`), and a circuit breaker per upstream. The default.
    #[default]
    Seawall,
    /// Retries with the same attempts and back-off as [`Seawall`](Self::Seawall), but no
    /// budget (every failed attempt of an idempotent request is retried up to the maximum)
    /// and no circuit breaker: the naive client a budget is compared against.
    NaiveRetries,
    /// One attempt per call and no circuit breaker: a plain client with timeouts.
    Off,
}

impl ClientResilience {
    /// Every choice, in the order of the setting's documentation.
    pub const ALL: [ClientResilience; 3] = [
        ClientResilience::Seawall,
        ClientResilience::NaiveRetries,
        ClientResilience::Off,
    ];

    /// The setting's value for this choice: `seawall`, `naive` or `off`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClientResilience::Seawall => "seawall",
            ClientResilience::NaiveRetries => "naive",
            ClientResilience::Off => "off",
        }
    }

    /// Whether calls are retried at all.
    pub const fn retries(self) -> bool {
        !matches!(self, ClientResilience::Off)
    }

    /// Whether retries are limited by a retry budget and calls by a circuit breaker.
    pub const fn protects(self) -> bool {
        matches!(self, ClientResilience::Seawall)
    }
}

impl fmt::Display for ClientResilience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value of `SHOP_CLIENT_RESILIENCE` that names no [`ClientResilience`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a client resilience; expected seawall, naive or off")]
pub struct UnknownResilience(pub String);

impl FromStr for ClientResilience {
    type Err = UnknownResilience;

    /// Parses `seawall`, `naive` (or `naive-retries`) and `off` (or `plain`), in any case.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "seawall" => Ok(ClientResilience::Seawall),
            "naive" | "naive-retries" | "naive_retries" => Ok(ClientResilience::NaiveRetries),
            "off" | "plain" => Ok(ClientResilience::Off),
            _ => Err(UnknownResilience(value.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_parses_from_its_own_name() {
        for choice in ClientResilience::ALL {
            assert_eq!(choice.as_str().parse::<ClientResilience>(), Ok(choice));
            assert_eq!(
                choice
                    .to_string()
                    .to_uppercase()
                    .parse::<ClientResilience>(),
                Ok(choice)
            );
        }
    }

    #[test]
    fn aliases_and_unknown_values() {
        assert_eq!("plain".parse(), Ok(ClientResilience::Off));
        assert_eq!("naive-retries".parse(), Ok(ClientResilience::NaiveRetries));
        assert_eq!(
            "envoy".parse::<ClientResilience>(),
            Err(UnknownResilience("envoy".to_owned()))
        );
        assert_eq!(ClientResilience::default(), ClientResilience::Seawall);
    }
}

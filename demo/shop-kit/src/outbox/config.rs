//! [`RelayConfig`]: how the relay polls, retries and shuts down.

use std::time::Duration;

/// Settings of an [`OutboxRelay`](super::OutboxRelay). Start from [`RelayConfig::new`] and
/// change the fields you need.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The `service_name` label of the backlog gauge.
    pub service_name: String,
    /// How often the relay looks for pending events when nothing wakes it (events
    /// committed without [`Outbox::commit`](super::Outbox::commit), or by another process).
    /// Default 1 s.
    pub poll_interval: Duration,
    /// How many pending rows one query reads. Default 100; at least 1.
    pub batch_size: u32,
    /// The pause after the first failed publish; it doubles with every failure in a row.
    /// Default 100 ms.
    pub min_backoff: Duration,
    /// The longest pause between failed publishes. Default 30 s.
    pub max_backoff: Duration,
    /// How long [`OutboxRelay::shutdown`](super::OutboxRelay::shutdown) keeps publishing
    /// what is pending before it gives up (the rest is published after the next start).
    /// Default 5 s.
    pub shutdown_timeout: Duration,
    /// How long published rows are kept (for inspection) before the relay deletes them.
    /// Default 1 hour.
    pub retention: Duration,
}

impl RelayConfig {
    /// The defaults, for the service named `service_name`.
    pub fn new(service_name: impl Into<String>) -> Self {
        RelayConfig {
            service_name: service_name.into(),
            poll_interval: Duration::from_secs(1),
            batch_size: 100,
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
            retention: Duration::from_secs(3600),
        }
    }

    /// The pause after `failures` failed publishes in a row (1 or more): `min_backoff`
    /// doubled `failures - 1` times, at most `max_backoff`.
    pub(super) fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.min_backoff
            .saturating_mul(1_u32 << doublings)
            .min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let config = RelayConfig::new("test");
        assert_eq!(config.backoff(1), Duration::from_millis(100));
        assert_eq!(config.backoff(2), Duration::from_millis(200));
        assert_eq!(config.backoff(4), Duration::from_millis(800));
        assert_eq!(config.backoff(20), Duration::from_secs(30));
        assert_eq!(config.backoff(u32::MAX), Duration::from_secs(30));
    }
}

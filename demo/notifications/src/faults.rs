//! The named faults of the notifications service (DESIGN.md §6), with graded variants.
//!
//! Each constructor returns the [`FaultSpec`] to put under its name with
//! `PUT /admin/faults/{name}` on the service (as JSON), which acts both on the HTTP API
//! (through the server stack's fault layer) and on the event consumer (through
//! [`FaultedHandler`](shop_kit::bus::FaultedHandler)):
//!
//! | name | constructor | what the service does |
//! |---|---|---|
//! | [`NOTIFICATIONS_DOWN`] `notificationsDown` | [`notifications_down`]`()`, [`notifications_down_for`]`(ttl)` | answers every API request `503` and consumes no event while in place; the events wait on the bus (or in their outbox) and are each consumed once after it is removed or expires |
//! | [`EVENT_BUS_LAG`] `eventBusLag` | [`event_bus_lag`]`(delay)`, [`event_bus_lag_between`]`(min, max)` | delays each event delivery to the consumer by that latency; the API is not affected |
//!
//! ```
//! use notifications::faults::{NOTIFICATIONS_DOWN, notifications_down};
//! assert_eq!(notifications_down().status, Some(503));
//! assert_eq!(NOTIFICATIONS_DOWN, "notificationsDown");
//! ```

use std::time::Duration;

use seawall::chaos::FaultSpec;
pub use shop_kit::bus::{EVENT_BUS_LAG, event_bus_lag, event_bus_lag_between};

/// The name of the fault that takes the service down: API and consumer.
pub const NOTIFICATIONS_DOWN: &str = "notificationsDown";

/// The status the API answers with while [`NOTIFICATIONS_DOWN`] is in place.
pub const DOWN_STATUS: u16 = 503;

/// The service answers `503` to every API request and stops consuming until the fault is
/// removed.
pub fn notifications_down() -> FaultSpec {
    FaultSpec::abort(DOWN_STATUS)
}

/// [`notifications_down`] for `ttl`, after which the service recovers on its own.
pub fn notifications_down_for(ttl: Duration) -> FaultSpec {
    notifications_down().with_ttl(ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_hits_every_request_and_may_expire() {
        let down = notifications_down();
        assert!(down.matching.is_any());
        assert_eq!(down.probability, 1.0);
        assert_eq!(down.ttl_ms, None);
        assert_eq!(
            notifications_down_for(Duration::from_secs(30)).ttl_ms,
            Some(30_000)
        );
    }
}

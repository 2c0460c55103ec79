//! The named faults of the users service (DESIGN.md §6), with graded variants.
//!
//! Each constructor returns the [`FaultSpec`] to put under its name, as JSON, with
//! `PUT /admin/faults/{name}` on the service; the server stack's fault layer applies it to
//! the API (registration, login, profiles), inside the request's deadline, so a delay past
//! the caller's deadline ends in `504`:
//!
//! | name | constructor | what the service does |
//! |---|---|---|
//! | [`USERS_SLOW`] `usersSlow` | [`users_slow`]`(delay)`, [`users_slow_between`]`(min, max)` | answers every API request that much later (a fixed delay, or one drawn uniformly from the range) |
//!
//! ```
//! use std::time::Duration;
//! use users::faults::{USERS_SLOW, users_slow};
//! assert_eq!(users_slow(Duration::from_millis(800)).delay_ms, Some(800));
//! assert_eq!(USERS_SLOW, "usersSlow");
//! ```
//!
//! A fault's latency is at most 10 minutes (seawall refuses longer ones).

use std::time::Duration;

use seawall::chaos::FaultSpec;

/// The name of the fault that slows the users API down.
pub const USERS_SLOW: &str = "usersSlow";

/// Every users API request takes `delay` longer.
pub fn users_slow(delay: Duration) -> FaultSpec {
    FaultSpec::latency(delay)
}

/// Every users API request takes a delay drawn uniformly from `min..=max` longer.
pub fn users_slow_between(min: Duration, max: Duration) -> FaultSpec {
    FaultSpec::latency_between(min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_ranged_delays_hit_every_request() {
        let fixed = users_slow(Duration::from_millis(250));
        assert_eq!(fixed.delay_ms, Some(250));
        assert!(fixed.matching.is_any());
        let range = users_slow_between(Duration::from_millis(100), Duration::from_secs(2));
        assert_eq!((range.min_ms, range.max_ms), (Some(100), Some(2000)));
        assert_eq!(range.probability, 1.0);
    }
}

//! The named faults of the payments service (DESIGN.md §6), with graded variants.
//!
//! Each constructor returns the [`FaultSpec`] to put under its name on the provider's
//! fault handle ([`App::faults`](crate::App::faults)), or, as JSON, with
//! `PUT /admin/faults/{name}` on the service:
//!
//! | name | constructor | what the provider does |
//! |---|---|---|
//! | [`PAYMENT_FAILURE`] `paymentFailure` | [`payment_failure`]`(percent)` | declines that share of charges (an abort with [`DECLINE_STATUS`] on [`CHARGES_ROUTE`]): `402` |
//! | [`PAYMENT_UNREACHABLE`] `paymentUnreachable` | [`payment_unreachable`]`(percent)` | fails that share of charges and refunds in transport, as a refused connection: `503` |
//! | [`PAYMENT_SLOW`] `paymentSlow` | [`payment_slow`]`(delay)`, [`payment_slow_between`]`(min, max)` | answers charges and refunds late; beyond the provider timeout (2 s by default) that is `503` |
//!
//! ```
//! use payments::faults::{PAYMENT_FAILURE, payment_failure};
//! # use seawall::chaos::ClientChaosLayer;
//! # let faults = ClientChaosLayer::builder().build().unwrap().handle();
//! faults.put(PAYMENT_FAILURE, payment_failure(30)).unwrap();
//! assert_eq!(faults.get(PAYMENT_FAILURE).unwrap().spec.probability, 0.3);
//! ```
//!
//! Percentages above 100 count as 100.

use std::time::Duration;

use seawall::chaos::{FaultSpec, MatchSpec};

use crate::provider::CHARGES_ROUTE;

/// The name of the fault that makes the provider decline charges.
pub const PAYMENT_FAILURE: &str = "paymentFailure";

/// The name of the fault that makes the provider unreachable.
pub const PAYMENT_UNREACHABLE: &str = "paymentUnreachable";

/// The name of the fault that makes the provider slow.
pub const PAYMENT_SLOW: &str = "paymentSlow";

/// The status a declining provider answers with: 402 Payment Required.
pub const DECLINE_STATUS: u16 = 402;

/// The provider declines `percent` % of charges (refunds go through).
pub fn payment_failure(percent: u8) -> FaultSpec {
    FaultSpec::abort(DECLINE_STATUS)
        .with_probability(share(percent))
        .when(MatchSpec::new().with_route(CHARGES_ROUTE))
}

/// `percent` % of provider calls, charges and refunds, fail as if the connection was
/// refused.
pub fn payment_unreachable(percent: u8) -> FaultSpec {
    FaultSpec::transport_error().with_probability(share(percent))
}

/// Every provider call, charge or refund, takes `delay` longer.
pub fn payment_slow(delay: Duration) -> FaultSpec {
    FaultSpec::latency(delay)
}

/// Every provider call takes a delay drawn uniformly from `min..=max` longer.
pub fn payment_slow_between(min: Duration, max: Duration) -> FaultSpec {
    FaultSpec::latency_between(min, max)
}

/// `percent` as a probability from 0 to 1.
fn share(percent: u8) -> f64 {
    f64::from(percent.min(100)) / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_become_probabilities_capped_at_one() {
        assert_eq!(payment_failure(0).probability, 0.0);
        assert_eq!(payment_failure(30).probability, 0.3);
        assert_eq!(payment_unreachable(100).probability, 1.0);
        assert_eq!(payment_unreachable(250).probability, 1.0);
    }

    #[test]
    fn failures_hit_charges_only_and_decline_with_402() {
        let spec = payment_failure(50);
        assert_eq!(spec.status, Some(DECLINE_STATUS));
        assert_eq!(spec.matching.route.as_deref(), Some(CHARGES_ROUTE));
        assert!(payment_unreachable(50).matching.is_any());
        assert_eq!(payment_slow(Duration::from_millis(300)).delay_ms, Some(300));
    }
}

//! The named faults of the products service (DESIGN.md §6), with graded variants.
//!
//! Each constructor returns the [`FaultSpec`] to put under its name, as JSON, with
//! `PUT /admin/faults/{name}` on the service; the server stack's fault layer applies it to
//! the API. A product's requests carry its id as the fault *entity* (the `{id}` of
//! `/products/{id}…` paths), so a fault can hit one product and spare the others:
//!
//! | name | constructor | what the service does |
//! |---|---|---|
//! | [`PRODUCT_FAILURE`] `productFailure` | [`product_failure`]`(id, percent)` | fails that share of the requests about product `id` (read, reserve, release) with [`FAILURE_STATUS`]; other products answer as usual |
//! | [`PRODUCT_FAILURE`] `productFailure` | [`every_product_failure`]`(percent)` | fails that share of every `/products…` request |
//!
//! ```
//! use products::catalog::CATALOG;
//! use products::faults::{PRODUCT_FAILURE, product_failure};
//! let lantern = CATALOG[0].product_id();
//! let spec = product_failure(lantern, 100);
//! assert_eq!(spec.matching.entity, Some(lantern.to_string()));
//! assert_eq!(PRODUCT_FAILURE, "productFailure");
//! ```
//!
//! Percentages above 100 count as 100.

use seawall::chaos::{FaultSpec, MatchSpec};
use uuid::Uuid;

/// The name of the fault that fails requests about products.
pub const PRODUCT_FAILURE: &str = "productFailure";

/// The status a failed product request answers with: 500 Internal Server Error, as a
/// crashing catalog would.
pub const FAILURE_STATUS: u16 = 500;

/// The routes of the products API, for [`every_product_failure`].
const PRODUCT_ROUTES: &str = "/products*";

/// `percent` % of the requests about product `id` fail with [`FAILURE_STATUS`].
pub fn product_failure(id: Uuid, percent: u8) -> FaultSpec {
    FaultSpec::abort(FAILURE_STATUS)
        .with_probability(share(percent))
        .when(MatchSpec::new().with_entity(id.to_string()))
}

/// `percent` % of the requests about any product, and of the catalog listing, fail with
/// [`FAILURE_STATUS`].
pub fn every_product_failure(percent: u8) -> FaultSpec {
    FaultSpec::abort(FAILURE_STATUS)
        .with_probability(share(percent))
        .when(MatchSpec::new().with_route(PRODUCT_ROUTES))
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
        assert_eq!(product_failure(Uuid::nil(), 0).probability, 0.0);
        assert_eq!(product_failure(Uuid::nil(), 25).probability, 0.25);
        assert_eq!(every_product_failure(250).probability, 1.0);
    }

    #[test]
    fn one_product_is_matched_by_entity_every_product_by_route() {
        let one = product_failure(Uuid::nil(), 100);
        assert_eq!(one.status, Some(FAILURE_STATUS));
        assert_eq!(one.matching.entity, Some(Uuid::nil().to_string()));
        assert_eq!(one.matching.route, None);
        let every = every_product_failure(100);
        assert_eq!(every.matching.entity, None);
        assert_eq!(every.matching.route.as_deref(), Some(PRODUCT_ROUTES));
    }
}

//! The named fault of the orders service (DESIGN.md §6): `ordersCrashMidSaga`.
//!
//! While it is in place, a saga is abandoned right after a chosen step, exactly as if the
//! process had died there: the step's effect stays (stock reserved, or payment charged),
//! nothing is compensated by the request, which is answered `503` problem+json, and the
//! order is left `pending` for the [sweep](crate::saga::sweep) (or the start-up
//! [recovery](crate::saga::recovery)) to finish: compensated after a reserve, confirmed
//! after a charge. Its probability grades it.
//!
//! The fault lives in the handle `/admin/faults` controls, the server stack's own, so
//! `PUT /admin/faults/ordersCrashMidSaga` with a spec below puts it in place. Its spec
//! matches only a [`CrashPoint::route`], which no HTTP route of the shop has, so the HTTP
//! fault layer sharing the handle never applies it to a request.
//!
//! | name | constructor | what the saga does |
//! |---|---|---|
//! | [`ORDERS_CRASH_MID_SAGA`] `ordersCrashMidSaga` | [`orders_crash_mid_saga`]`(point, percent)` | abandons that share of sagas right after `point`: [`CrashPoint::AfterReserve`] or [`CrashPoint::AfterCharge`] |
//!
//! ```
//! use orders::faults::{CrashPoint, ORDERS_CRASH_MID_SAGA, orders_crash_mid_saga};
//! # let faults = seawall::chaos::ChaosLayer::builder().build().unwrap().handle();
//! faults
//!     .put(ORDERS_CRASH_MID_SAGA, orders_crash_mid_saga(CrashPoint::AfterCharge, 25))
//!     .unwrap();
//! let spec = faults.get(ORDERS_CRASH_MID_SAGA).unwrap().spec;
//! assert_eq!(spec.probability, 0.25);
//! assert_eq!(spec.matching.route.as_deref(), Some("/_saga/after/charge"));
//! ```
//!
//! As JSON: `{"kind":"abort","probability":0.25,"match":{"route":"/_saga/after/charge"}}`.
//! Percentages above 100 count as 100.

use std::sync::{Arc, OnceLock};

use seawall::chaos::{FaultHandle, FaultKind, FaultSpec, MatchSpec};

use crate::model::StepName;

/// The name of the fault that abandons sagas mid-way.
pub const ORDERS_CRASH_MID_SAGA: &str = "ordersCrashMidSaga";

/// Where a saga may be abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// Right after the stock was reserved, before the charge.
    AfterReserve,
    /// Right after the payment was charged, before the order is confirmed.
    AfterCharge,
}

impl CrashPoint {
    /// The step after which the saga is abandoned.
    pub const fn step(self) -> StepName {
        match self {
            CrashPoint::AfterReserve => StepName::ReserveStock,
            CrashPoint::AfterCharge => StepName::Charge,
        }
    }

    /// The route a fault spec matches to crash here: `/_saga/after/{step}`, such as
    /// `/_saga/after/reserve_stock`. A spec matching `/_saga/after/*` crashes at the first
    /// point it hits.
    pub const fn route(self) -> &'static str {
        match self {
            CrashPoint::AfterReserve => "/_saga/after/reserve_stock",
            CrashPoint::AfterCharge => "/_saga/after/charge",
        }
    }
}

/// `percent` % of sagas are abandoned right after `point`.
pub fn orders_crash_mid_saga(point: CrashPoint, percent: u8) -> FaultSpec {
    FaultSpec::abort(503)
        .with_probability(f64::from(percent.min(100)) / 100.0)
        .when(MatchSpec::new().with_route(point.route()))
}

/// The saga's view of the faults `/admin/faults` controls. The server stack that owns the
/// handle is built after the saga (its router needs the saga), so the handle is
/// [attached](SagaFaults::attach) once built; until then no fault is in place. Cloning is
/// cheap; clones share the handle.
#[derive(Debug, Clone, Default)]
pub struct SagaFaults {
    handle: Arc<OnceLock<FaultHandle>>,
}

impl SagaFaults {
    /// Reads the faults of `handle` from now on; a second call is ignored (one handle per
    /// service).
    pub fn attach(&self, handle: FaultHandle) {
        if self.handle.set(handle).is_err() {
            tracing::warn!("the saga's fault handle was attached already; keeping the first");
        }
    }

    /// Whether the saga is to be abandoned at `point` now: [`ORDERS_CRASH_MID_SAGA`] is in
    /// place, aborts, matches `point`'s route, and its probability draw hits.
    pub fn crash_at(&self, point: CrashPoint) -> bool {
        let Some(fault) = self
            .handle
            .get()
            .and_then(|handle| handle.get(ORDERS_CRASH_MID_SAGA))
        else {
            return false;
        };
        let spec = fault.spec;
        spec.kind == FaultKind::Abort
            && route_matches(spec.matching.route.as_deref(), point.route())
            && fastrand::f64() < spec.probability
    }
}

/// Whether a spec's route (exact, or a prefix ending in `*`) names `route`. A spec without
/// a route does not: it would fault every HTTP request too, so it is not a crash spec.
fn route_matches(pattern: Option<&str>, route: &str) -> bool {
    match pattern {
        Some(pattern) => match pattern.strip_suffix('*') {
            Some(prefix) => route.starts_with(prefix),
            None => pattern == route,
        },
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall::chaos::ChaosLayer;

    fn faults_with(spec: FaultSpec) -> SagaFaults {
        let handle = ChaosLayer::builder().build().expect("a layer").handle();
        handle.put(ORDERS_CRASH_MID_SAGA, spec).expect("put");
        let faults = SagaFaults::default();
        faults.attach(handle);
        faults
    }

    #[test]
    fn crashes_only_at_the_chosen_point() {
        let faults = faults_with(orders_crash_mid_saga(CrashPoint::AfterCharge, 100));
        assert!(faults.crash_at(CrashPoint::AfterCharge));
        assert!(!faults.crash_at(CrashPoint::AfterReserve));
    }

    #[test]
    fn a_prefix_route_crashes_at_every_point_and_zero_percent_never() {
        let any = FaultSpec::abort(503).when(MatchSpec::new().with_route("/_saga/after/*"));
        let faults = faults_with(any);
        assert!(faults.crash_at(CrashPoint::AfterReserve));
        assert!(faults.crash_at(CrashPoint::AfterCharge));
        let never = faults_with(orders_crash_mid_saga(CrashPoint::AfterReserve, 0));
        assert!(!never.crash_at(CrashPoint::AfterReserve));
    }

    #[test]
    fn no_handle_or_other_specs_never_crash() {
        assert!(!SagaFaults::default().crash_at(CrashPoint::AfterReserve));
        let everywhere = faults_with(FaultSpec::abort(503));
        assert!(!everywhere.crash_at(CrashPoint::AfterReserve));
        let latency = FaultSpec::latency(std::time::Duration::from_millis(1))
            .when(MatchSpec::new().with_route(CrashPoint::AfterReserve.route()));
        assert!(!faults_with(latency).crash_at(CrashPoint::AfterReserve));
    }

    #[test]
    fn percentages_become_probabilities_capped_at_one() {
        let spec = orders_crash_mid_saga(CrashPoint::AfterReserve, 30);
        assert_eq!(spec.probability, 0.3);
        assert_eq!(spec.status, Some(503));
        assert_eq!(
            orders_crash_mid_saga(CrashPoint::AfterCharge, 250).probability,
            1.0
        );
    }
}

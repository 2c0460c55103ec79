//! Faults on the consumer side of the bus (DESIGN.md §6): `eventBusLag`, and pausing a
//! consumer while a named fault (such as `notificationsDown`) is in place.
//!
//! See [`FaultedHandler`] for what each fault does.
//!
//! ```
//! use shop_kit::bus::{EVENT_BUS_LAG, event_bus_lag};
//! use std::time::Duration;
//! # let faults = seawall::chaos::ChaosLayer::builder().build().unwrap().handle();
//! faults.put(EVENT_BUS_LAG, event_bus_lag(Duration::from_millis(250))).unwrap();
//! assert_eq!(faults.get(EVENT_BUS_LAG).unwrap().spec.delay_ms, Some(250));
//! ```

use std::sync::Arc;
use std::time::Duration;

use seawall::chaos::{FaultHandle, FaultKind, FaultSpec, MatchSpec};

use super::event::Event;
use super::handler::{EventHandler, Handled, HandlerError};

/// The name of the fault that delays event deliveries.
pub const EVENT_BUS_LAG: &str = "eventBusLag";

/// The route an [`event_bus_lag`] spec matches: no HTTP route of the shop, so the server
/// fault layer sharing the handle leaves requests alone.
pub const EVENT_BUS_ROUTE: &str = "/_bus/deliveries";

/// How often a paused consumer checks whether its pause fault is still in place.
const PAUSE_POLL: Duration = Duration::from_millis(50);

/// Every delivery waits `delay` before its handler runs.
pub fn event_bus_lag(delay: Duration) -> FaultSpec {
    FaultSpec::latency(delay).when(MatchSpec::new().with_route(EVENT_BUS_ROUTE))
}

/// Every delivery waits a delay drawn uniformly from `min..=max` before its handler runs.
pub fn event_bus_lag_between(min: Duration, max: Duration) -> FaultSpec {
    FaultSpec::latency_between(min, max).when(MatchSpec::new().with_route(EVENT_BUS_ROUTE))
}

/// An [`EventHandler`] that applies the consumer-side faults of a [`FaultHandle`] before
/// calling the handler it wraps.
///
/// Wraps a consumer's [`EventHandler`] and reads a [`FaultHandle`], the
/// one the consuming service exposes at `/admin/faults` (its server stack's), so the same
/// admin API that faults its HTTP routes faults its event consumption:
///
/// - [`EVENT_BUS_LAG`] `eventBusLag`: each delivery waits the fault's latency (fixed or a
///   uniform range, with its probability) before the handler runs, or until the fault is
///   removed, whichever comes first. Its spec matches only
///   [`EVENT_BUS_ROUTE`], so the HTTP fault layer that shares the handle never applies it to
///   a request.
/// - a pause fault ([`FaultedHandler::pause_while`]): while a fault of that name is in
///   place, the delivery in hand waits before the handler runs, and so does every event
///   behind it (they stay queued on the bus, or in the outbox when the queue is full).
///   Once the fault is removed or expires, they are handled in order, each once (or
///   redelivered under the usual at-least-once rules). Stopping the subscription while
///   paused waits for the pause to end, like any delivery in hand.
pub struct FaultedHandler {
    inner: Arc<dyn EventHandler>,
    faults: FaultHandle,
    pause_while: Vec<String>,
}

impl FaultedHandler {
    /// Wraps `inner`, applying [`EVENT_BUS_LAG`] from `faults`.
    pub fn new(inner: Arc<dyn EventHandler>, faults: FaultHandle) -> Self {
        FaultedHandler {
            inner,
            faults,
            pause_while: Vec::new(),
        }
    }

    /// Also holds deliveries back while a fault named `name` is in place in the handle.
    #[must_use]
    pub fn pause_while(mut self, name: impl Into<String>) -> Self {
        self.pause_while.push(name.into());
        self
    }

    fn paused(&self) -> bool {
        self.pause_while
            .iter()
            .any(|name| self.faults.get(name).is_some())
    }

    /// The lag to apply to this delivery, if the fault is in place and hits it.
    fn lag(&self) -> Option<Duration> {
        let spec = self.faults.get(EVENT_BUS_LAG)?.spec;
        if spec.kind != FaultKind::Latency || unit_draw() >= spec.probability {
            return None;
        }
        match (spec.delay_ms, spec.min_ms, spec.max_ms) {
            (Some(delay), _, _) => Some(Duration::from_millis(delay)),
            (None, Some(min), Some(max)) if max >= min => {
                let span = max - min + 1;
                Some(Duration::from_millis(min + random_u64() % span))
            }
            _ => None,
        }
    }
}

#[async_trait::async_trait]
impl EventHandler for FaultedHandler {
    async fn handle(&self, event: Event) -> Result<Handled, HandlerError> {
        if self.paused() {
            tracing::info!(event.id = %event.id, "consumer paused by a fault; the event waits");
            while self.paused() {
                tokio::time::sleep(PAUSE_POLL).await;
            }
        }
        if let Some(lag) = self.lag() {
            tracing::debug!(event.id = %event.id, lag_ms = lag.as_millis() as u64, "event bus lag injected");
            // In steps, so that removing the fault also releases the delivery in hand.
            let until = tokio::time::Instant::now() + lag;
            while self.faults.get(EVENT_BUS_LAG).is_some() {
                let now = tokio::time::Instant::now();
                if now >= until {
                    break;
                }
                tokio::time::sleep((until - now).min(PAUSE_POLL)).await;
            }
        }
        self.inner.handle(event).await
    }
}

/// 64 random bits. A fresh v4 UUID is the operating system's randomness, already a
/// dependency; fault draws need no reproducible seed on the consumer side.
fn random_u64() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0
}

/// A uniform draw from `[0, 1)`.
fn unit_draw() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_specs_match_only_the_bus_route() {
        let fixed = event_bus_lag(Duration::from_millis(300));
        assert_eq!(fixed.delay_ms, Some(300));
        assert_eq!(fixed.matching.route.as_deref(), Some(EVENT_BUS_ROUTE));
        let range = event_bus_lag_between(Duration::from_millis(10), Duration::from_millis(20));
        assert_eq!((range.min_ms, range.max_ms), (Some(10), Some(20)));
    }

    #[test]
    fn draws_stay_in_the_unit_interval() {
        for _ in 0..1000 {
            let draw = unit_draw();
            assert!((0.0..1.0).contains(&draw), "{draw}");
        }
    }
}

//! [`Migration`]: a strangler-fig route that sends a percentage of traffic to a new
//! upstream and rolls itself back when that upstream fails.
//!
//! The outcomes of the requests the migration sent are kept in a sliding time window of ten
//! buckets. When the window holds at least `minimum_requests` and the share that failed
//! (transport errors, 5xx, timeouts: seawall's [`HttpClassifier`](seawall::HttpClassifier)
//! verdict) reaches `error_rate`, the percentage drops to 0 at once: a warning is logged and
//! `shop_gateway_migration_rollbacks_total` counts it; `shop_gateway_migration_percent` shows
//! the share in effect.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::balance::Upstream;
use crate::config::MigrationPolicy;
use crate::telemetry;

const BUCKETS: u32 = 10;

/// A migration of one route; see the [module docs](self).
#[derive(Debug)]
pub struct Migration {
    route: String,
    upstream: Arc<Upstream>,
    percent: AtomicU8,
    error_rate: f64,
    minimum_requests: u64,
    window: ErrorWindow,
}

impl Migration {
    /// The migration of the route `route` to `upstream` per `policy`.
    pub fn new(route: &str, policy: &MigrationPolicy, upstream: Arc<Upstream>) -> Self {
        telemetry::migration_percent(route, upstream.name(), policy.percent);
        Migration {
            route: route.to_owned(),
            upstream,
            percent: AtomicU8::new(policy.percent.min(100)),
            error_rate: policy.error_rate,
            minimum_requests: u64::from(policy.minimum_requests),
            window: ErrorWindow::new(Duration::from_millis(policy.window_ms)),
        }
    }

    /// The new upstream.
    pub fn upstream(&self) -> &Arc<Upstream> {
        &self.upstream
    }

    /// The share of traffic it takes now, 0 to 100.
    pub fn percent(&self) -> u8 {
        self.percent.load(Ordering::Relaxed)
    }

    /// Whether this request goes to the new upstream.
    pub fn takes(&self, rng: &mut fastrand::Rng) -> bool {
        let percent = self.percent();
        percent > 0 && rng.u8(..100) < percent
    }

    /// Records the outcome of a request it sent; rolls back when the window's error rate
    /// reaches the threshold. Returns whether this call rolled it back.
    pub fn record(&self, failed: bool) -> bool {
        let (requests, failures) = self.window.record(Instant::now(), failed);
        if requests < self.minimum_requests {
            return false;
        }
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let rate = failures as f64 / requests as f64;
        if rate < self.error_rate || self.percent.swap(0, Ordering::Relaxed) == 0 {
            return false;
        }
        tracing::warn!(
            route = %self.route,
            upstream = self.upstream.name(),
            requests,
            failures,
            error_rate = rate,
            threshold = self.error_rate,
            "migration rolled back to 0%: the new upstream fails too often"
        );
        telemetry::migration_rollback(&self.route, self.upstream.name());
        telemetry::migration_percent(&self.route, self.upstream.name(), 0);
        true
    }
}

/// Requests and failures over a sliding time window of [`BUCKETS`] buckets.
#[derive(Debug)]
struct ErrorWindow {
    bucket: Duration,
    buckets: Mutex<VecDeque<Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    start: Instant,
    requests: u64,
    failures: u64,
}

impl ErrorWindow {
    fn new(window: Duration) -> Self {
        ErrorWindow {
            bucket: window / BUCKETS,
            buckets: Mutex::new(VecDeque::with_capacity(BUCKETS as usize + 1)),
        }
    }

    /// Adds one outcome at `now`; the window's totals after it.
    fn record(&self, now: Instant, failed: bool) -> (u64, u64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let window = self.bucket * BUCKETS;
        while buckets
            .front()
            .is_some_and(|b| now.saturating_duration_since(b.start) >= window)
        {
            buckets.pop_front();
        }
        match buckets.back_mut() {
            Some(last) if now.saturating_duration_since(last.start) < self.bucket => {
                last.requests += 1;
                last.failures += u64::from(failed);
            }
            _ => buckets.push_back(Bucket {
                start: now,
                requests: 1,
                failures: u64::from(failed),
            }),
        }
        buckets.iter().fold((0, 0), |(requests, failures), b| {
            (requests + b.requests, failures + b.failures)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(percent: u8) -> Migration {
        let policy = MigrationPolicy {
            upstream: "v2".to_owned(),
            percent,
            error_rate: 0.5,
            window_ms: 10_000,
            minimum_requests: 10,
        };
        Migration::new(
            "/api/things",
            &policy,
            Arc::new(Upstream::new("v2", vec![])),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn too_many_failures_in_the_window_roll_it_back_once() {
        let migration = migration(30);
        for _ in 0..9 {
            assert!(!migration.record(true), "below the minimum");
        }
        assert_eq!(migration.percent(), 30);
        assert!(migration.record(true));
        assert_eq!(migration.percent(), 0);
        assert!(!migration.record(true), "already rolled back");
        let mut rng = fastrand::Rng::with_seed(1);
        assert!((0..100).all(|_| !migration.takes(&mut rng)));
    }

    #[tokio::test(start_paused = true)]
    async fn old_failures_leave_the_window() {
        let migration = migration(30);
        for _ in 0..9 {
            migration.record(true);
        }
        tokio::time::advance(Duration::from_secs(11)).await;
        for _ in 0..10 {
            assert!(!migration.record(false));
        }
        assert!(!migration.record(true));
        assert_eq!(migration.percent(), 30);
    }

    #[test]
    fn the_share_taken_follows_the_percentage() {
        let migration = migration(20);
        let mut rng = fastrand::Rng::with_seed(9);
        let taken = (0..10_000).filter(|_| migration.takes(&mut rng)).count();
        assert!((1700..2300).contains(&taken), "{taken}");
    }
}

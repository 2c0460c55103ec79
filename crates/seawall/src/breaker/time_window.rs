//! A window of the calls of the last period of time.

use super::{
    packed,
    window::{Sample, WindowStats},
};
use std::{
    sync::{
        Mutex, PoisonError,
        atomic::{
            AtomicU64,
            Ordering::{Acquire, Relaxed, Release},
        },
    },
    time::Duration,
};
use tokio::time::Instant;

/// B buckets, each holding the packed counts of one slice of `size / B`, and their packed
/// total.
///
/// Time is cut into epochs of one bucket length since `base`; epoch `e` lives in bucket
/// `e % B`, and `head` is the newest epoch whose bucket is live. A call in the head epoch
/// adds to its bucket and to the total: two `fetch_add`s, no lock. The first call of a
/// newer epoch advances `head` under a small lock, clearing the at most B buckets that
/// expired (each swapped to empty and subtracted from the total), so a call costs O(1)
/// amortised however long the window was idle.
#[derive(Debug)]
#[repr(align(128))] // its shared words on cache lines of their own
pub(crate) struct TimeWindow {
    buckets: Box<[AtomicU64]>,
    totals: AtomicU64,
    head: AtomicU64,
    base: Instant,
    bucket_nanos: u64,
    /// Calls a bucket takes before further calls in its slice go unrecorded, so the
    /// packed total never overflows; each slice keeps an equal say.
    bucket_capacity: u32,
    advance: Mutex<()>,
}

impl TimeWindow {
    /// A window of `size` in `buckets` slices (`buckets > 0`, `size / buckets >= 1ns`).
    pub(crate) fn new(size: Duration, buckets: u32, base: Instant) -> Self {
        let bucket_nanos = u64::try_from(size.as_nanos() / u128::from(buckets)).unwrap_or(u64::MAX);
        TimeWindow {
            buckets: (0..buckets)
                .map(|_| AtomicU64::new(packed::EMPTY))
                .collect(),
            totals: AtomicU64::new(packed::EMPTY),
            head: AtomicU64::new(0),
            base,
            bucket_nanos,
            bucket_capacity: packed::MAX_WINDOW_CALLS / buckets,
            advance: Mutex::new(()),
        }
    }

    /// Records `count` calls with the same result in epoch `epoch` (from [`Self::epoch`]).
    pub(crate) fn record(&self, sample: Sample, count: u32, epoch: u64) -> WindowStats {
        let head = self.advance_to(epoch);
        // A recorder that read the clock just before another advanced past its epoch, or
        // deferred successes handed over late: that epoch has left the window. (One that
        // passes this check and is then overtaken lands in the reused bucket, counted up to
        // one bucket length too young: harmless.)
        if epoch + (self.buckets.len() as u64) <= head {
            return packed::unpack(self.totals.load(Relaxed));
        }
        let bucket = &self.buckets[(epoch % self.buckets.len() as u64) as usize];
        let room = self
            .bucket_capacity
            .saturating_sub(packed::unpack(bucket.load(Relaxed)).calls);
        let delta = sample.delta().wrapping_mul(u64::from(count.min(room)));
        if delta == 0 {
            return packed::unpack(self.totals.load(Relaxed));
        }
        bucket.fetch_add(delta, Relaxed);
        let before = self.totals.fetch_add(delta, Relaxed);
        packed::unpack(before.wrapping_add(delta))
    }

    /// The counts of the window that ends in epoch `epoch`.
    pub(crate) fn stats(&self, epoch: u64) -> WindowStats {
        self.advance_to(epoch);
        packed::unpack(self.totals.load(Relaxed))
    }

    pub(crate) fn clear(&self) {
        for bucket in self.buckets.iter() {
            self.empty(bucket);
        }
    }

    /// The epoch (bucket-length slice of time since the window was made) of `now`.
    pub(crate) fn epoch(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.base).as_nanos();
        u64::try_from(elapsed / u128::from(self.bucket_nanos)).unwrap_or(u64::MAX)
    }

    /// Makes `epoch` live if it is newer than the head; returns the head after that.
    fn advance_to(&self, epoch: u64) -> u64 {
        let head = self.head.load(Acquire);
        if epoch <= head {
            return head;
        }
        let _advancing = self.advance.lock().unwrap_or_else(PoisonError::into_inner);
        let head = self.head.load(Acquire);
        if epoch <= head {
            return head;
        }
        // Epochs head+1..=epoch reuse the buckets of the epochs B earlier; a jump of B or
        // more clears each bucket once.
        let expired = (epoch - head).min(self.buckets.len() as u64);
        for stale in (epoch + 1 - expired)..=epoch {
            self.empty(&self.buckets[(stale % self.buckets.len() as u64) as usize]);
        }
        self.head.store(epoch, Release);
        epoch
    }

    fn empty(&self, bucket: &AtomicU64) {
        let old = bucket.swap(packed::EMPTY, Relaxed);
        self.totals
            .fetch_add(packed::EMPTY.wrapping_sub(old), Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILURE: Sample = Sample {
        failure: true,
        slow: false,
    };
    const SUCCESS: Sample = Sample {
        failure: false,
        slow: false,
    };

    fn record_at(window: &TimeWindow, sample: Sample, now: Instant) -> WindowStats {
        window.record(sample, 1, window.epoch(now))
    }

    fn stats_at(window: &TimeWindow, now: Instant) -> WindowStats {
        window.stats(window.epoch(now))
    }

    fn window(base: Instant) -> TimeWindow {
        TimeWindow::new(Duration::from_secs(10), 10, base)
    }

    #[test]
    fn forgets_calls_older_than_the_window() {
        let base = Instant::now();
        let window = window(base);
        record_at(&window, FAILURE, base + Duration::from_millis(500));
        record_at(&window, FAILURE, base + Duration::from_millis(5_500));
        assert_eq!(
            stats_at(&window, base + Duration::from_millis(9_999)).failures,
            2
        );
        assert_eq!(
            stats_at(&window, base + Duration::from_secs(10)).failures,
            1
        );
        assert_eq!(
            stats_at(&window, base + Duration::from_secs(16)).failures,
            0
        );
    }

    #[test]
    fn recording_in_the_live_epoch_takes_no_lock() {
        let base = Instant::now();
        let window = window(base);
        record_at(&window, FAILURE, base);
        // Holding the advance lock would deadlock a recorder that tried to take it.
        let _held = window.advance.lock().unwrap();
        let stats = record_at(&window, FAILURE, base + Duration::from_millis(999));
        assert_eq!(stats.failures, 2);
    }

    #[test]
    fn a_jump_of_a_billion_buckets_clears_each_bucket_once() {
        let base = Instant::now();
        let window = window(base);
        record_at(&window, FAILURE, base);
        // A per-epoch loop would take seconds here; the jump touches 10 buckets.
        let far = base + Duration::from_secs(1_000_000_000);
        let stats = record_at(&window, FAILURE, far);
        assert_eq!((stats.calls, stats.failures), (1, 1));
    }

    #[test]
    fn a_late_sample_from_an_expired_epoch_is_dropped() {
        let base = Instant::now();
        let window = window(base);
        stats_at(&window, base + Duration::from_secs(30));
        let stats = record_at(&window, FAILURE, base + Duration::from_secs(1));
        assert_eq!(stats.calls, 0);
    }

    #[test]
    fn a_batch_lands_in_its_own_epoch_while_that_epoch_is_in_the_window() {
        let base = Instant::now();
        let window = window(base);
        let first_second = window.epoch(base);
        stats_at(&window, base + Duration::from_millis(5_500));
        window.record(SUCCESS, 3, first_second);
        assert_eq!(
            stats_at(&window, base + Duration::from_millis(9_999)).calls,
            3
        );
        assert_eq!(stats_at(&window, base + Duration::from_secs(10)).calls, 0);
        let stats = window.record(SUCCESS, 3, first_second);
        assert_eq!(
            stats.calls, 0,
            "a batch from an epoch that left the window is dropped"
        );
    }

    #[test]
    fn a_full_bucket_stops_counting_instead_of_overflowing() {
        let base = Instant::now();
        let window = TimeWindow::new(Duration::from_secs(1), 1_000, base);
        for _ in 0..1_005 {
            record_at(&window, FAILURE, base);
        }
        assert_eq!(stats_at(&window, base).calls, 1_000);
    }
}

//! The sliding window of recent call results, by count or by time.

use super::{count_window::CountWindow, packed, time_window::TimeWindow};
use std::time::Duration;
use tokio::time::Instant;

/// The result of one recorded call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub(crate) failure: bool,
    pub(crate) slow: bool,
}

impl Sample {
    /// A success that was not slow.
    pub(crate) const FAST_SUCCESS: Sample = Sample {
        failure: false,
        slow: false,
    };

    /// The packed delta that adds this sample to a window.
    pub(crate) fn delta(self) -> u64 {
        packed::one_call(self.failure, self.slow)
    }

    /// A success that was not slow: the one result that never raises a rate.
    pub(crate) fn is_fast_success(self) -> bool {
        !self.failure && !self.slow
    }
}

/// How much history a window keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowSpec {
    /// The last `size` calls.
    Count { size: u32 },
    /// The calls of the last `size`, in `buckets` slices.
    Time { size: Duration, buckets: u32 },
}

/// A snapshot of what a breaker's window holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WindowStats {
    /// Calls recorded (outcomes other than [`Ignored`](crate::Outcome::Ignored)).
    pub calls: u32,
    /// Of those, failures (including overloads).
    pub failures: u32,
    /// Of those, calls that took at least the slow-call duration.
    pub slow: u32,
}

impl WindowStats {
    /// `failures / calls`, or 0 for an empty window.
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failures, self.calls)
    }

    /// `slow / calls`, or 0 for an empty window.
    pub fn slow_call_rate(&self) -> f64 {
        ratio(self.slow, self.calls)
    }
}

fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

/// One of the two window kinds; both record in O(1) without a lock on the common path.
#[derive(Debug)]
pub(crate) enum Window {
    Count(CountWindow),
    Time(TimeWindow),
}

impl Window {
    pub(crate) fn new(spec: WindowSpec) -> Self {
        match spec {
            WindowSpec::Count { size } => Window::Count(CountWindow::new(size)),
            WindowSpec::Time { size, buckets } => {
                Window::Time(TimeWindow::new(size, buckets, Instant::now()))
            }
        }
    }

    /// The current epoch of a time window (see [`TimeWindow::epoch`]); always 0 for a
    /// count window, which has no notion of time.
    pub(crate) fn epoch(&self) -> u64 {
        match self {
            Window::Count(_) => 0,
            Window::Time(window) => window.epoch(Instant::now()),
        }
    }

    /// Records `count` calls with the same result in `epoch`, and returns the window's
    /// counts right after them.
    pub(crate) fn record(&self, sample: Sample, count: u32, epoch: u64) -> WindowStats {
        match self {
            Window::Count(window) => window.record(sample, count),
            Window::Time(window) => window.record(sample, count, epoch),
        }
    }

    /// The counts as of `epoch`.
    pub(crate) fn stats(&self, epoch: u64) -> WindowStats {
        match self {
            Window::Count(window) => window.stats(),
            Window::Time(window) => window.stats(epoch),
        }
    }

    /// Forgets every recorded call.
    pub(crate) fn clear(&self) {
        match self {
            Window::Count(window) => window.clear(),
            Window::Time(window) => window.clear(),
        }
    }
}

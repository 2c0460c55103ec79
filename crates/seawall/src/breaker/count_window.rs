//! A window of the last N calls.

use super::{
    packed,
    window::{Sample, WindowStats},
};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};

const RECORDED: u8 = 1;
const FAILURE: u8 = 2;
const SLOW: u8 = 4;

/// A ring of N one-byte slots and one packed total.
///
/// A recorder takes the next slot with `fetch_add` on `head`, swaps its sample in, and adds
/// "new minus old" to the total. The total is a sum of such differences, so it is exact
/// under any interleaving: whatever the slots finally hold is what the total counts.
#[derive(Debug)]
#[repr(align(128))] // its shared words on cache lines of their own
pub(crate) struct CountWindow {
    slots: Box<[AtomicU8]>,
    head: AtomicU64,
    totals: AtomicU64,
}

impl CountWindow {
    pub(crate) fn new(size: u32) -> Self {
        CountWindow {
            slots: (0..size).map(|_| AtomicU8::new(0)).collect(),
            head: AtomicU64::new(0),
            totals: AtomicU64::new(packed::EMPTY),
        }
    }

    /// Records `count` calls with the same result, as if one after the other; only the
    /// last N of a larger batch can still be in the window.
    pub(crate) fn record(&self, sample: Sample, count: u32) -> WindowStats {
        let count = u64::from(count);
        let len = self.slots.len() as u64;
        let first = self.head.fetch_add(count, Relaxed);
        let new = RECORDED | (u8::from(sample.failure) * FAILURE) | (u8::from(sample.slow) * SLOW);
        let mut delta = 0_u64;
        for position in first + count.saturating_sub(len)..first + count {
            let old = self.slots[(position % len) as usize].swap(new, Relaxed);
            delta = delta.wrapping_add(slot_delta(new).wrapping_sub(slot_delta(old)));
        }
        let before = self.totals.fetch_add(delta, Relaxed);
        packed::unpack(before.wrapping_add(delta))
    }

    pub(crate) fn stats(&self) -> WindowStats {
        packed::unpack(self.totals.load(Relaxed))
    }

    pub(crate) fn clear(&self) {
        for slot in self.slots.iter() {
            let old = slot.swap(0, Relaxed);
            if old != 0 {
                self.totals.fetch_sub(slot_delta(old), Relaxed);
            }
        }
    }
}

fn slot_delta(slot: u8) -> u64 {
    if slot & RECORDED == 0 {
        return 0;
    }
    Sample {
        failure: slot & FAILURE != 0,
        slow: slot & SLOW != 0,
    }
    .delta()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUCCESS: Sample = Sample {
        failure: false,
        slow: false,
    };
    const SLOW_FAILURE: Sample = Sample {
        failure: true,
        slow: true,
    };

    #[test]
    fn keeps_only_the_last_n_calls() {
        let window = CountWindow::new(3);
        window.record(SLOW_FAILURE, 1);
        window.record(SLOW_FAILURE, 1);
        window.record(SUCCESS, 1);
        let stats = window.record(SUCCESS, 1);
        assert_eq!((stats.calls, stats.failures, stats.slow), (3, 1, 1));
        assert_eq!(window.record(SUCCESS, 1).failures, 0);
    }

    #[test]
    fn a_batch_is_recorded_as_that_many_calls_in_a_row() {
        let window = CountWindow::new(4);
        window.record(SLOW_FAILURE, 3);
        let stats = window.record(SUCCESS, 2);
        assert_eq!((stats.calls, stats.failures, stats.slow), (4, 2, 2));
        let stats = window.record(SUCCESS, 9);
        assert_eq!((stats.calls, stats.failures, stats.slow), (4, 0, 0));
        assert_eq!(window.record(SLOW_FAILURE, 1).failures, 1);
    }

    #[test]
    fn clear_empties_the_window() {
        let window = CountWindow::new(4);
        window.record(SLOW_FAILURE, 1);
        window.clear();
        assert_eq!(window.stats(), WindowStats::default());
    }

    #[test]
    fn concurrent_recorders_leave_the_total_equal_to_the_slots() {
        let window = CountWindow::new(1_000);
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let window = &window;
                scope.spawn(move || {
                    for i in 0..25_000 {
                        let failing = (i + thread) % 3 == 0;
                        window.record(
                            Sample {
                                failure: failing,
                                slow: !failing,
                            },
                            1,
                        );
                    }
                });
            }
        });
        let in_slots = window
            .slots
            .iter()
            .map(|slot| slot.load(Relaxed))
            .filter(|slot| slot & FAILURE != 0)
            .count();
        let stats = window.stats();
        assert_eq!(stats.calls, 1_000);
        assert_eq!(stats.failures as usize, in_slots);
        assert_eq!(stats.slow as usize, 1_000 - in_slots);
    }
}

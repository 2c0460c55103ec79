//! Successes a lane keeps back and hands to the window in batches.
//!
//! Recording into the window writes words every caller shares (the ring head, the packed
//! totals); on a breaker that many cores call at once, those cache lines move between
//! cores on every call. But a fast success cannot open a breaker whose window already
//! holds the minimum number of calls without tripping: it only lowers the rates (a count
//! window puts it in place of an older result, a time window adds a call). So when the
//! window says so, the success is counted in its lane's own word instead, and handed over
//! later: when the lane is full, and before any result that is recorded at once (a
//! failure, a slow call, a call while the window is still filling). Every deferred success
//! is in the window before the next failure is, so the window holds the same results as if
//! none had been deferred (successes merely change places with successes) and the breaker
//! opens on exactly the same call. Reading the window's counts hands everything over first.

use std::sync::atomic::{
    AtomicU64,
    Ordering::{AcqRel, Relaxed},
};

/// The most successes a lane keeps back before handing them over.
pub(crate) const MAX_DEFERRED: u32 = 64;

const COUNT_BITS: u32 = 16;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;
const EPOCH_BITS: u32 = 32;
const EPOCH_MASK: u64 = (1 << EPOCH_BITS) - 1;
const GENERATION_SHIFT: u32 = COUNT_BITS + EPOCH_BITS;

/// What deferred successes belong to: the breaker's generation (a transition or a reset
/// voids them) and, for a time window, the bucket epoch they happened in. Packed into the
/// top 48 bits of a lane's word, beside the count; only the low bits of each are kept,
/// which tell the current generation and epoch from any earlier one a lane could still be
/// holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) generation: u32,
    pub(crate) epoch: u64,
}

impl Tag {
    fn bits(self) -> u64 {
        (u64::from(self.generation as u16) << GENERATION_SHIFT)
            | ((self.epoch & EPOCH_MASK) << COUNT_BITS)
    }

    /// The full epoch of a tag read from `word`, given the current epoch; `None` for an
    /// epoch too old to place (more than 2^32 epochs ago).
    fn epoch_of(self, word: u64) -> Option<u64> {
        let low = (word >> COUNT_BITS) & EPOCH_MASK;
        let candidate = (self.epoch & !EPOCH_MASK) | low;
        if candidate <= self.epoch {
            Some(candidate)
        } else {
            candidate.checked_sub(1 << EPOCH_BITS)
        }
    }

    fn same_generation(self, word: u64) -> bool {
        (word >> GENERATION_SHIFT) as u16 == self.generation as u16
    }
}

/// One lane's word, alone on its cache lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct DeferredLane(AtomicU64);

/// The deferred successes of every lane of one breaker.
#[derive(Debug)]
pub(crate) struct Deferred {
    lanes: Box<[DeferredLane]>,
}

impl Deferred {
    pub(crate) fn new(lanes: usize) -> Self {
        Deferred {
            lanes: (0..lanes).map(|_| DeferredLane::default()).collect(),
        }
    }

    /// Counts one success of `tag` in `lane`; `false`, changing nothing, when the lane
    /// holds successes of another tag or is full (the caller then hands over and records).
    #[inline]
    pub(crate) fn defer(&self, lane: usize, tag: Tag) -> bool {
        let word = &self.lanes[lane].0;
        let current = word.load(Relaxed);
        current & !COUNT_MASK == tag.bits()
            && current & COUNT_MASK < u64::from(MAX_DEFERRED)
            && word
                .compare_exchange(current, current + 1, Relaxed, Relaxed)
                .is_ok()
    }

    /// Takes every lane's successes, leaving each lane empty and tagged `tag`, and passes
    /// each batch of the current generation to `hand_over(count, epoch)`; batches of an
    /// earlier generation are dropped.
    pub(crate) fn drain(&self, tag: Tag, mut hand_over: impl FnMut(u32, u64)) {
        let fresh = tag.bits();
        for lane in self.lanes.iter() {
            // Read first: a lane with nothing to give is not written, so that its cache line
            // stays with the core that uses it.
            if lane.0.load(Relaxed) == fresh {
                continue;
            }
            let taken = lane.0.swap(fresh, AcqRel);
            let count = (taken & COUNT_MASK) as u32;
            if count == 0 || !tag.same_generation(taken) {
                continue;
            }
            if let Some(epoch) = tag.epoch_of(taken) {
                hand_over(count, epoch);
            }
        }
    }

    /// Forgets every deferred success (the window was cleared).
    pub(crate) fn discard(&self) {
        for lane in self.lanes.iter() {
            lane.0.store(0, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: Tag = Tag {
        generation: 3,
        epoch: 7,
    };

    fn drained(deferred: &Deferred, tag: Tag) -> Vec<(u32, u64)> {
        let mut batches = Vec::new();
        deferred.drain(tag, |count, epoch| batches.push((count, epoch)));
        batches
    }

    #[test]
    fn successes_are_kept_until_drained_then_handed_over_once() {
        let deferred = Deferred::new(2);
        deferred.drain(TAG, |_, _| {});
        assert!(deferred.defer(0, TAG));
        assert!(deferred.defer(0, TAG));
        assert!(deferred.defer(1, TAG));
        assert_eq!(drained(&deferred, TAG), [(2, 7), (1, 7)]);
        assert_eq!(drained(&deferred, TAG), []);
    }

    #[test]
    fn a_lane_of_another_tag_refuses_until_drained() {
        let deferred = Deferred::new(1);
        deferred.drain(TAG, |_, _| {});
        assert!(deferred.defer(0, TAG));
        let next_epoch = Tag { epoch: 8, ..TAG };
        assert!(!deferred.defer(0, next_epoch));
        assert_eq!(drained(&deferred, next_epoch), [(1, 7)]);
        assert!(deferred.defer(0, next_epoch));
    }

    #[test]
    fn a_full_lane_refuses() {
        let deferred = Deferred::new(1);
        deferred.drain(TAG, |_, _| {});
        for _ in 0..MAX_DEFERRED {
            assert!(deferred.defer(0, TAG));
        }
        assert!(!deferred.defer(0, TAG));
        assert_eq!(drained(&deferred, TAG), [(MAX_DEFERRED, 7)]);
    }

    #[test]
    fn successes_of_an_earlier_generation_are_dropped() {
        let deferred = Deferred::new(1);
        deferred.drain(TAG, |_, _| {});
        assert!(deferred.defer(0, TAG));
        let next_generation = Tag {
            generation: 4,
            ..TAG
        };
        assert_eq!(drained(&deferred, next_generation), []);
    }

    #[test]
    fn discarded_successes_are_gone() {
        let deferred = Deferred::new(1);
        deferred.drain(TAG, |_, _| {});
        assert!(deferred.defer(0, TAG));
        deferred.discard();
        assert_eq!(drained(&deferred, TAG), []);
    }

    #[test]
    fn epochs_are_restored_across_the_low_bits_wrapping() {
        let now = Tag {
            generation: 0,
            epoch: (1 << EPOCH_BITS) + 2,
        };
        let before_wrap = Tag {
            generation: 0,
            epoch: (1 << EPOCH_BITS) - 1,
        };
        assert_eq!(now.epoch_of(before_wrap.bits()), Some(before_wrap.epoch));
        assert_eq!(now.epoch_of(now.bits()), Some(now.epoch));
        let early = Tag {
            generation: 0,
            epoch: 5,
        };
        let later_low_bits = Tag {
            generation: 0,
            epoch: 9,
        };
        assert_eq!(early.epoch_of(later_low_bits.bits()), None);
    }

    #[test]
    fn concurrent_deferrals_and_drains_lose_nothing() {
        let deferred = Deferred::new(2);
        deferred.drain(TAG, |_, _| {});
        let handed = std::sync::atomic::AtomicU64::new(0);
        let hand_over = |count: u32, _| {
            handed.fetch_add(u64::from(count), Relaxed);
        };
        let deferred_count = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|scope| {
            for lane in 0..2 {
                let (deferred, handed_count) = (&deferred, &deferred_count);
                scope.spawn(move || {
                    for _ in 0..50_000 {
                        if deferred.defer(lane, TAG) {
                            handed_count.fetch_add(1, Relaxed);
                        } else {
                            deferred.drain(TAG, hand_over);
                        }
                    }
                });
            }
        });
        deferred.drain(TAG, hand_over);
        assert_eq!(handed.load(Relaxed), deferred_count.load(Relaxed));
    }
}

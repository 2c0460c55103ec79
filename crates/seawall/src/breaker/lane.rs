//! Lanes: one handle on a breaker per group of threads, so that threads calling one
//! breaker at once do not write the same cache lines on every call.
//!
//! A call's permit keeps its breaker alive until the call ends, which takes a reference
//! count. One `Arc<Circuit>` shared by every thread would make two writes per call (clone,
//! drop) to one cache line that all cores fight over. Each lane is its own `Arc`, on its
//! own cache line, holding the breaker: a thread clones the lane it is mapped to, so its
//! counts stay in its own core's cache. The lane's index also picks where the breaker
//! keeps the thread's deferred successes (see `deferred`).

use super::{
    circuit::{Admission, Circuit},
    permit::Permit,
};
use std::{
    cell::Cell,
    num::NonZeroUsize,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
};

/// More lanes than this buys nothing: past it, threads share lanes.
const MAX_LANES: usize = 64;

/// One handle on a breaker, alone on its cache lines.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Lane {
    circuit: Arc<Circuit>,
    index: usize,
}

impl Lane {
    /// Lane `index` of `circuit`, which must keep deferred successes for that many lanes.
    pub(crate) fn new(circuit: Arc<Circuit>, index: usize) -> Arc<Self> {
        Arc::new(Lane { circuit, index })
    }

    pub(crate) fn circuit(&self) -> &Arc<Circuit> {
        &self.circuit
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Decides whether a call may go ahead; the permit holds this lane.
    pub(crate) fn admit(self: Arc<Self>) -> Admission {
        match self.circuit.admit() {
            Ok((generation, kind)) => Admission::Admitted(Permit::new(self, generation, kind)),
            Err(rejection) => Admission::Rejected(rejection),
        }
    }
}

/// Every lane of one breaker.
#[derive(Debug)]
pub(crate) struct Lanes {
    lanes: Box<[Arc<Lane>]>,
}

impl Lanes {
    /// `count` lanes on `circuit`, which must keep deferred successes for as many.
    pub(crate) fn new(circuit: &Arc<Circuit>, count: usize) -> Self {
        Lanes {
            lanes: (0..count)
                .map(|index| Lane::new(Arc::clone(circuit), index))
                .collect(),
        }
    }

    /// The lane of the calling thread.
    pub(crate) fn current(&self) -> &Arc<Lane> {
        // The lane count is a power of two: a mask, not a division.
        &self.lanes[thread_index() & (self.lanes.len() - 1)]
    }

    /// The breaker the lanes lead to.
    pub(crate) fn circuit(&self) -> &Arc<Circuit> {
        &self.lanes[0].circuit
    }
}

/// How many lanes a breaker shared by every thread gets: the machine's parallelism,
/// rounded up to a power of two, at most [`MAX_LANES`].
pub(crate) fn shared_lane_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .next_power_of_two()
            .min(MAX_LANES)
    })
}

/// A number for the calling thread, given out in turn, so that the first threads to use
/// breakers get different lanes.
fn thread_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    INDEX.with(|index| {
        if index.get() == usize::MAX {
            index.set(NEXT.fetch_add(1, Relaxed));
        }
        index.get()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lane_count_is_a_power_of_two_within_bounds() {
        let count = shared_lane_count();
        assert!(count.is_power_of_two());
        assert!((1..=MAX_LANES).contains(&count));
    }

    #[test]
    fn a_thread_keeps_its_index_and_two_threads_get_different_ones() {
        let here = thread_index();
        assert_eq!(thread_index(), here);
        let there = std::thread::spawn(thread_index).join().unwrap();
        assert_ne!(here, there);
    }

    #[test]
    fn lanes_do_not_share_a_cache_line() {
        assert!(std::mem::align_of::<Lane>() >= 128);
    }
}

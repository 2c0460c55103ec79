//! Lanes: one handle on a breaker per group of threads, so that threads calling one
//! breaker at once do not write the same cache lines on every call.
//!
//! A call's permit keeps its breaker alive until the call ends, which takes a reference
//! count. One `Arc<Circuit>` shared by every thread would make two writes per call (clone,
//! drop) to one cache line that all cores fight over. Each lane is its own `Arc`, on its
//! own cache line, holding the breaker: a thread clones the lane it is mapped to, so its
//! counts stay in its own core's cache. The lane's index also picks where the breaker
//! keeps the thread's deferred successes (see `deferred`).

use super::{circuit::Circuit, config::Config, permit::Permit};
use crate::Rejection;
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

// Two lanes' reference counts on one cache line would undo the point of lanes.
const _: () = assert!(std::mem::align_of::<Lane>() >= 128);

impl Lane {
    /// A new closed breaker with one lane, that lane.
    pub(crate) fn single(config: Arc<Config>, key: Option<Arc<str>>) -> Arc<Self> {
        Arc::new(Lane {
            circuit: Arc::new(Circuit::new(config, key, 1)),
            index: 0,
        })
    }

    pub(crate) fn circuit(&self) -> &Arc<Circuit> {
        &self.circuit
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Decides whether a call may go ahead: the permit to report its result through (it
    /// holds this lane), or the rejection to answer with.
    pub(crate) fn admit(self: Arc<Self>) -> Result<Permit, Rejection> {
        let (generation, kind) = self.circuit.admit()?;
        Ok(Permit::new(self, generation, kind))
    }
}

/// Every lane of one breaker.
#[derive(Debug)]
pub(crate) struct Lanes {
    lanes: Box<[Arc<Lane>]>,
}

impl Lanes {
    /// A new closed breaker with `count` lanes (a power of two), and those lanes.
    pub(crate) fn new(config: Arc<Config>, key: Option<Arc<str>>, count: usize) -> Self {
        let circuit = Arc::new(Circuit::new(config, key, count));
        Lanes {
            lanes: (0..count)
                .map(|index| {
                    Arc::new(Lane {
                        circuit: Arc::clone(&circuit),
                        index,
                    })
                })
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
}

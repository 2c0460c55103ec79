//! Three window counters (calls, failures, slow calls) packed in one `u64`, so that a
//! recording is one `fetch_add` and a reading is one load.
//!
//! Each field is 21 bits wide and stored with a bias of 2^20. Concurrent recorders can make
//! a field dip below zero for an instant (a slot's old sample subtracted before its new one
//! is added elsewhere); the bias keeps every field inside its own 21 bits, so a dip never
//! borrows from the field above it. Deltas are added with wrapping arithmetic: the sum of
//! all deltas is exact whatever their order, so the word is exact once recorders finish.

use super::window::WindowStats;

const FIELD_BITS: u32 = 21;
const FIELD_MASK: u64 = (1 << FIELD_BITS) - 1;
const BIAS: u64 = 1 << (FIELD_BITS - 1);
const FAILURES_SHIFT: u32 = FIELD_BITS;
const SLOW_SHIFT: u32 = 2 * FIELD_BITS;

/// The most calls a window may hold: below 2^20 with room to spare for the transient
/// overshoot of concurrent recorders.
pub(crate) const MAX_WINDOW_CALLS: u32 = 1_000_000;

/// The packed word of an empty window.
pub(crate) const EMPTY: u64 = BIAS | (BIAS << FAILURES_SHIFT) | (BIAS << SLOW_SHIFT);

/// The unbiased delta that adds one call, and a failure and a slow call if flagged.
pub(crate) fn one_call(failure: bool, slow: bool) -> u64 {
    1 | (u64::from(failure) << FAILURES_SHIFT) | (u64::from(slow) << SLOW_SHIFT)
}

/// Decodes a packed word; a field caught in a transient dip reads as zero.
pub(crate) fn unpack(word: u64) -> WindowStats {
    let field = |shift: u32| {
        let biased = (word >> shift) & FIELD_MASK;
        // Fits: a field is at most 2^20 - 1 above its bias.
        biased.saturating_sub(BIAS) as u32
    };
    WindowStats {
        calls: field(0),
        failures: field(FAILURES_SHIFT),
        slow: field(SLOW_SHIFT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_word_reads_as_zero() {
        assert_eq!(unpack(EMPTY), WindowStats::default());
    }

    #[test]
    fn a_negative_transient_does_not_borrow_from_the_next_field() {
        let one_success = EMPTY.wrapping_add(one_call(false, false));
        // A recorder subtracts a slow failure before the matching add lands.
        let dipped = one_success.wrapping_sub(one_call(true, true));
        let stats = unpack(dipped);
        assert_eq!((stats.calls, stats.failures, stats.slow), (0, 0, 0));
        let settled = dipped.wrapping_add(one_call(true, true));
        assert_eq!(unpack(settled), unpack(one_success));
        assert_eq!(unpack(settled).calls, 1);
    }

    #[test]
    fn the_largest_window_fits_every_field() {
        let full = one_call(true, true).wrapping_mul(u64::from(MAX_WINDOW_CALLS));
        let stats = unpack(EMPTY.wrapping_add(full));
        assert_eq!(stats.calls, MAX_WINDOW_CALLS);
        assert_eq!(stats.failures, MAX_WINDOW_CALLS);
        assert_eq!(stats.slow, MAX_WINDOW_CALLS);
    }
}

//! The running tally of half-open probe results.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The most probes a half-open period may admit (the tally's fields are 16 bits).
pub(crate) const MAX_PROBES: u32 = u16::MAX as u32;

const FIELD_MASK: u64 = 0xffff;
const FAILURES_SHIFT: u32 = 16;
const GENERATION_SHIFT: u32 = 32;

/// What the probe results so far decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not enough results yet.
    Undecided,
    /// Enough probes succeeded.
    Close,
    /// So many probes failed that the success ratio can no longer be reached.
    Reopen,
}

/// Successes and failures of one half-open period, tagged with its generation so that a
/// late result from an earlier period is dropped in the same atomic step that counts it.
#[derive(Debug)]
pub(crate) struct ProbeTally(AtomicU64);

impl ProbeTally {
    pub(crate) fn new() -> Self {
        ProbeTally(AtomicU64::new(0))
    }

    /// Starts the tally of the half-open period `generation`.
    pub(crate) fn reset(&self, generation: u32) {
        self.0
            .store(u64::from(generation) << GENERATION_SHIFT, Relaxed);
    }

    /// Counts one probe result of period `generation`, and says what the tally now decides
    /// given `probes` admitted of which `successes_to_close` must succeed. A result of
    /// another period decides nothing.
    pub(crate) fn record(
        &self,
        generation: u32,
        success: bool,
        probes: u32,
        successes_to_close: u32,
    ) -> Verdict {
        let unit = if success { 1 } else { 1 << FAILURES_SHIFT };
        let counted = self.0.fetch_update(Relaxed, Relaxed, |tally| {
            ((tally >> GENERATION_SHIFT) as u32 == generation).then_some(tally + unit)
        });
        let Ok(before) = counted else {
            return Verdict::Undecided;
        };
        let tally = before + unit;
        let successes = (tally & FIELD_MASK) as u32;
        let failures = ((tally >> FAILURES_SHIFT) & FIELD_MASK) as u32;
        // Only the result that reaches a threshold returns a verdict, so exactly one
        // caller acts on it.
        if success && successes == successes_to_close {
            Verdict::Close
        } else if !success && failures == probes - successes_to_close + 1 {
            Verdict::Reopen
        } else {
            Verdict::Undecided
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_at_the_needed_successes_and_reopens_when_they_are_out_of_reach() {
        let tally = ProbeTally::new();
        tally.reset(3);
        // 5 probes, 3 must succeed: the 3rd failure makes that impossible.
        assert_eq!(tally.record(3, true, 5, 3), Verdict::Undecided);
        assert_eq!(tally.record(3, false, 5, 3), Verdict::Undecided);
        assert_eq!(tally.record(3, false, 5, 3), Verdict::Undecided);
        assert_eq!(tally.record(3, false, 5, 3), Verdict::Reopen);

        tally.reset(4);
        assert_eq!(tally.record(4, true, 5, 3), Verdict::Undecided);
        assert_eq!(tally.record(4, true, 5, 3), Verdict::Undecided);
        assert_eq!(tally.record(4, true, 5, 3), Verdict::Close);
    }

    #[test]
    fn results_of_an_earlier_period_are_dropped() {
        let tally = ProbeTally::new();
        tally.reset(9);
        assert_eq!(tally.record(8, true, 1, 1), Verdict::Undecided);
        assert_eq!(tally.record(9, true, 1, 1), Verdict::Close);
    }
}

//! The breaker's state, and the one atomic word that holds it.

use std::fmt;

/// The state of a circuit breaker.
///
/// The first three are the automatic state machine; the last three are set by an operator
/// through a [`BreakerHandle`](super::BreakerHandle) and stay until
/// [`reset`](super::BreakerHandle::reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Calls pass and are recorded in the window; too many failures open the breaker.
    Closed,
    /// Calls are refused until the open duration ends.
    Open,
    /// A fixed number of probe calls pass; their results close or reopen the breaker.
    HalfOpen,
    /// Every call is refused, until reset.
    ForcedOpen,
    /// Every call passes and is recorded, but the breaker never opens, until reset.
    ForcedClosed,
    /// Every call passes and nothing is recorded, until reset.
    Disabled,
}

impl State {
    /// Every state, in declaration order (for exporting one gauge per state).
    pub const ALL: [State; 6] = [
        State::Closed,
        State::Open,
        State::HalfOpen,
        State::ForcedOpen,
        State::ForcedClosed,
        State::Disabled,
    ];

    /// The snake_case name used in events and metrics (`closed`, `half_open`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
            State::ForcedOpen => "forced_open",
            State::ForcedClosed => "forced_closed",
            State::Disabled => "disabled",
        }
    }

    fn from_bits(bits: u8) -> State {
        State::ALL[usize::from(bits)]
    }

    fn bits(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const STATE_MASK: u64 = 0xff;
const PERMITS_SHIFT: u32 = 8;
const PERMITS_MASK: u64 = 0xff_ffff;
const GENERATION_SHIFT: u32 = 32;

/// State, half-open permits left and generation, packed so that one compare-and-swap both
/// checks the generation and takes a permit: a caller that read an older half-open period
/// can never take a permit meant for a newer one.
///
/// The generation grows by one on every transition, so "same generation" means "nothing
/// happened in between".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StateWord(u64);

impl StateWord {
    pub(crate) fn new(state: State, permits: u32, generation: u32) -> Self {
        debug_assert!(u64::from(permits) <= PERMITS_MASK);
        StateWord(
            u64::from(state.bits())
                | (u64::from(permits) << PERMITS_SHIFT)
                | (u64::from(generation) << GENERATION_SHIFT),
        )
    }

    pub(crate) fn from_bits(bits: u64) -> Self {
        StateWord(bits)
    }

    pub(crate) fn bits(self) -> u64 {
        self.0
    }

    pub(crate) fn state(self) -> State {
        State::from_bits((self.0 & STATE_MASK) as u8)
    }

    pub(crate) fn permits(self) -> u32 {
        ((self.0 >> PERMITS_SHIFT) & PERMITS_MASK) as u32
    }

    pub(crate) fn generation(self) -> u32 {
        (self.0 >> GENERATION_SHIFT) as u32
    }

    /// The word with one half-open permit taken, if one is left.
    pub(crate) fn take_permit(self) -> Option<Self> {
        (self.state() == State::HalfOpen && self.permits() > 0)
            .then(|| StateWord(self.0 - (1 << PERMITS_SHIFT)))
    }

    /// The word with a permit of `generation` given back, if that half-open period is
    /// still going.
    pub(crate) fn return_permit(self, generation: u32) -> Option<Self> {
        (self.state() == State::HalfOpen && self.generation() == generation)
            .then(|| StateWord(self.0 + (1 << PERMITS_SHIFT)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        for state in State::ALL {
            let word = StateWord::new(state, 65_535, u32::MAX);
            assert_eq!(word.state(), state);
            assert_eq!(word.permits(), 65_535);
            assert_eq!(word.generation(), u32::MAX);
        }
    }

    #[test]
    fn permits_are_taken_only_in_half_open_and_returned_only_to_their_generation() {
        let word = StateWord::new(State::HalfOpen, 1, 7);
        let taken = word.take_permit().unwrap();
        assert_eq!(taken.permits(), 0);
        assert_eq!(taken.take_permit(), None);
        assert_eq!(taken.return_permit(6), None);
        assert_eq!(taken.return_permit(7), Some(word));
        assert_eq!(StateWord::new(State::Closed, 1, 7).take_permit(), None);
    }
}

//! Exponential back-off with jitter between reconnection and publish attempts.

use std::{
    hash::{BuildHasher, RandomState},
    time::Duration,
};

/// Pauses that double from `min` up to `max`, each drawn between half and all of its
/// step ("equal jitter"), so clients that lost the broker together do not return together.
#[derive(Debug)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            failures: 0,
        }
    }

    /// The pause before the next attempt.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let step = self
            .min
            .saturating_mul(1_u32 << self.failures.min(20))
            .min(self.max);
        self.failures = self.failures.saturating_add(1);
        step / 2 + step.mul_f64(random_fraction() / 2.0)
    }

    /// Starts again from `min` after a success.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A number in `[0, 1)` from the standard library's randomly keyed hasher.
fn random_fraction() -> f64 {
    let bits = RandomState::new().hash_one(0_u8);
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_within_jitter_up_to_the_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        for step in [100, 200, 400, 800, 1000, 1000] {
            let delay = backoff.next_delay();
            let step = Duration::from_millis(step);
            assert!(
                delay >= step / 2 && delay <= step,
                "{delay:?} for step {step:?}"
            );
        }
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(100));
    }
}

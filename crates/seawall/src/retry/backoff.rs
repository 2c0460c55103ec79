use std::time::Duration;

/// How a back-off delay is randomised, so that clients that failed together do not retry
/// together.
///
/// With `exp(n) = min(max, base × multiplierⁿ⁻¹)`, the delay before retry `n` is:
///
/// | variant | delay |
/// |---|---|
/// | `None` | `exp(n)` |
/// | `Full` | uniform in `[0, exp(n)]` |
/// | `Equal` | `exp(n) / 2` plus uniform in `[0, exp(n) / 2]` |
/// | `Decorrelated` | uniform in `[base, min(max, 3 × previous delay)]`, the first "previous" being `base` (the multiplier is not used) |
///
/// `Full` (the default) spreads retries the most; `Equal` keeps a floor; `Decorrelated`
/// grows from the last delay rather than the attempt number, and needs a non-zero base
/// (from zero it stays at zero). See the AWS architecture blog, "Exponential Backoff And
/// Jitter".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Jitter {
    /// No randomness: the plain exponential delay.
    None,
    /// Uniform between zero and the exponential delay.
    #[default]
    Full,
    /// Half the exponential delay, plus uniform up to the other half.
    Equal,
    /// Uniform between `base` and three times the previous delay, capped at `max`.
    Decorrelated,
}

/// Validated back-off settings: `base <= max`, `max > 0`, `multiplier >= 1` and finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Backoff {
    pub(crate) base: Duration,
    pub(crate) max: Duration,
    pub(crate) multiplier: f64,
    pub(crate) jitter: Jitter,
}

impl Backoff {
    /// The delays of one request's retries, drawn from a generator seeded with `seed`.
    pub(crate) fn delays(self, seed: u64) -> Delays {
        Delays {
            backoff: self,
            rng: fastrand::Rng::with_seed(seed),
            retry: 0,
            previous: self.base,
        }
    }

    /// `exp(n) = min(max, base × multiplierⁿ⁻¹)`, computed directly so that rounding does
    /// not compound; saturates at `max` when the product overflows.
    fn exponential(&self, n: u32) -> Duration {
        if self.base.is_zero() {
            return Duration::ZERO;
        }
        let power = self
            .multiplier
            .powi(i32::try_from(n - 1).unwrap_or(i32::MAX));
        Duration::try_from_secs_f64(self.base.as_secs_f64() * power)
            .map_or(self.max, |delay| delay.min(self.max))
    }
}

/// The back-off delays of one request, in order; never ends.
#[derive(Debug, Clone)]
pub(crate) struct Delays {
    backoff: Backoff,
    rng: fastrand::Rng,
    /// Retries drawn so far.
    retry: u32,
    /// The last delay handed out (`Decorrelated` only).
    previous: Duration,
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let Backoff {
            base, max, jitter, ..
        } = self.backoff;
        self.retry = self.retry.saturating_add(1);
        let exponential = self.backoff.exponential(self.retry);
        let delay = match jitter {
            Jitter::None => exponential,
            Jitter::Full => uniform(&mut self.rng, Duration::ZERO, exponential),
            Jitter::Equal => {
                let half = exponential / 2;
                half + uniform(&mut self.rng, Duration::ZERO, exponential - half)
            }
            Jitter::Decorrelated => {
                let upper = self.previous.saturating_mul(3).min(max).max(base);
                self.previous = uniform(&mut self.rng, base, upper);
                self.previous
            }
        };
        Some(delay)
    }
}

/// Uniform in `[low, high]`, at nanosecond resolution (saturating at `u64::MAX` ns).
fn uniform(rng: &mut fastrand::Rng, low: Duration, high: Duration) -> Duration {
    let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rng.u64(nanos(low)..=nanos(high)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn backoff(base_ms: u64, max_ms: u64, multiplier: f64, jitter: Jitter) -> Backoff {
        Backoff {
            base: Duration::from_millis(base_ms),
            max: Duration::from_millis(max_ms),
            multiplier,
            jitter,
        }
    }

    /// `min(max, base × multiplierⁿ⁻¹)`, with a nanosecond of room for rounding.
    fn exponential(b: &Backoff, n: i32) -> (Duration, Duration) {
        let exact = b.base.as_secs_f64() * b.multiplier.powi(n - 1);
        let slack = exact * 1e-12 + 1e-9;
        let clamp = |secs: f64| Duration::from_secs_f64(secs.max(0.0).min(b.max.as_secs_f64()));
        (clamp(exact - slack), clamp(exact + slack))
    }

    fn any_jitter() -> impl Strategy<Value = Jitter> {
        prop_oneof![
            Just(Jitter::None),
            Just(Jitter::Full),
            Just(Jitter::Equal),
            Just(Jitter::Decorrelated),
        ]
    }

    proptest! {
        // Failures are reported with their minimal input; none is written into the crate.
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn every_jitter_stays_within_its_bounds(
            base_ms in 0u64..5_000,
            extra_ms in 1u64..60_000,
            multiplier in 1.0f64..8.0,
            jitter in any_jitter(),
            seed: u64,
        ) {
            let b = backoff(base_ms, base_ms + extra_ms, multiplier, jitter);
            let mut previous = b.base;
            for (n, delay) in (1..=40).zip(b.delays(seed)) {
                let (low, high) = exponential(&b, n);
                prop_assert!(delay <= b.max, "retry {n}: {delay:?} above max");
                match jitter {
                    Jitter::None => prop_assert!(low <= delay && delay <= high, "retry {n}: {delay:?} not in [{low:?}, {high:?}]"),
                    Jitter::Full => prop_assert!(delay <= high, "retry {n}: {delay:?} above {high:?}"),
                    Jitter::Equal => prop_assert!(low / 2 <= delay && delay <= high, "retry {n}: {delay:?} not in [{:?}, {high:?}]", low / 2),
                    Jitter::Decorrelated => {
                        let upper = (previous * 3).min(b.max).max(b.base);
                        prop_assert!(b.base <= delay && delay <= upper, "retry {n}: {delay:?} not in [{:?}, {upper:?}]", b.base);
                        previous = delay;
                    }
                }
            }
        }

        #[test]
        fn same_seed_gives_same_delays(seed: u64, jitter in any_jitter()) {
            let b = backoff(10, 10_000, 2.0, jitter);
            let first: Vec<_> = b.delays(seed).take(10).collect();
            let second: Vec<_> = b.delays(seed).take(10).collect();
            prop_assert_eq!(first, second);
        }
    }

    #[test]
    fn no_jitter_doubles_up_to_the_cap() {
        let delays: Vec<_> = backoff(100, 1_000, 2.0, Jitter::None)
            .delays(0)
            .take(6)
            .map(|d| d.as_millis())
            .collect();
        assert_eq!(delays, [100, 200, 400, 800, 1_000, 1_000]);
    }

    #[test]
    fn huge_multiplier_saturates_at_max_without_panicking() {
        let b = Backoff {
            base: Duration::from_secs(1),
            max: Duration::MAX,
            multiplier: 1e300,
            jitter: Jitter::Full,
        };
        for delay in b.delays(7).take(5) {
            assert!(delay <= Duration::MAX);
        }
    }

    #[test]
    fn full_jitter_actually_varies() {
        let b = backoff(1_000, 1_000, 1.0, Jitter::Full);
        let mut delays: Vec<_> = b.delays(42).take(20).collect();
        delays.dedup();
        assert!(delays.len() > 1);
    }
}

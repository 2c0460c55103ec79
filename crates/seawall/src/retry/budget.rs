use super::ConfigError;
use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
};
use tokio::time::Instant;

/// One token, in the fixed-point milli-tokens the balance is kept in.
const TOKEN: i64 = 1_000;
const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A retry budget: caps retries at a fraction of the traffic, plus a trickle per second.
///
/// A token bucket shared by everything that holds a clone (every clone of a
/// [`RetryLayer`](super::RetryLayer) and of its services, and any other layer you hand the
/// same budget to):
///
/// - every request that reaches a retry layer **deposits** `ratio` tokens;
/// - time adds `min_per_sec` tokens per second, so a quiet client can still retry;
/// - every retry **withdraws** one token when it is scheduled, before its back-off sleep,
///   so callers that fail together cannot all count on the same token;
/// - the balance starts **empty** and never exceeds `max_balance` (default
///   `10 × min_per_sec + 10` tokens: ten seconds of trickle plus a small burst).
///
/// So however many callers fail at once, the attempts sent stay at or under
/// `offered × (1 + ratio) + min_per_sec × seconds elapsed`. When the budget is spent the
/// retry layer gives up and returns the failure it has, marked
/// [`NO_RETRY`](crate::headers::NO_RETRY).
///
/// Tokens are kept in thousandths, so `ratio` and `min_per_sec` have a resolution of 0.001
/// (finer parts are dropped, never rounded up). Deposits are one atomic add; a withdrawal
/// is a compare-and-swap loop that first folds in the time elapsed since the last refill.
/// No lock is taken. Time is tokio's clock, so paused-time tests drive it.
///
/// ```
/// use seawall::retry::{RetryBudget, RetryLayer};
///
/// // Retry at most 10% of requests, plus 5 retries a second.
/// let budget = RetryBudget::new(0.1, 5.0).unwrap();
/// let reads = RetryLayer::builder().budget(budget.clone()).build().unwrap();
/// let writes = RetryLayer::builder().budget(budget).build().unwrap();
/// # let _ = (reads, writes);
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    state: Arc<State>,
}

struct State {
    /// Milli-tokens. Deposits may carry it above `cap`; withdrawals clamp it first.
    balance: AtomicI64,
    /// Nanoseconds since `epoch` up to which time has been turned into tokens.
    refilled_to: AtomicU64,
    epoch: Instant,
    /// Milli-tokens deposited per request.
    deposit: i64,
    /// Milli-tokens accrued per second.
    rate: i64,
    /// Milli-tokens the balance may hold.
    cap: i64,
}

impl RetryBudget {
    /// A budget that allows `ratio` retries per request (0 to 1000) plus `min_per_sec`
    /// retries a second, with the default `max_balance`.
    pub fn new(ratio: f64, min_per_sec: f64) -> Result<Self, ConfigError> {
        Self::builder()
            .ratio(ratio)
            .min_per_sec(min_per_sec)
            .build()
    }

    /// A builder, starting from the defaults: ratio 0.2, 10 per second.
    pub fn builder() -> RetryBudgetBuilder {
        RetryBudgetBuilder {
            ratio: 0.2,
            min_per_sec: 10.0,
            max_balance: None,
        }
    }

    /// Records a request: adds `ratio` tokens.
    #[inline]
    pub fn deposit(&self) {
        let state = &*self.state;
        // A full bucket stays full: withdrawals clamp the balance to `cap` before taking
        // from it, so adding to a balance at or over `cap` changes nothing. Skipping the add
        // then keeps the common case (no failures, bucket full) to one shared load instead
        // of a read-modify-write that every thread would contend on.
        if state.deposit > 0 && state.balance.load(Ordering::Relaxed) < state.cap {
            state.balance.fetch_add(state.deposit, Ordering::Relaxed);
        }
    }

    /// Takes one token for a retry; `false` when there is not a whole token.
    pub fn try_withdraw(&self) -> bool {
        let state = &*self.state;
        state.refill();
        let mut current = state.balance.load(Ordering::Relaxed);
        loop {
            let available = current.min(state.cap);
            if available < TOKEN {
                return false;
            }
            match state.balance.compare_exchange_weak(
                current,
                available - TOKEN,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// The tokens available now, fractions included (for gauges and tests).
    pub fn available(&self) -> f64 {
        let state = &*self.state;
        let last = state.refilled_to.load(Ordering::Relaxed);
        let pending = state
            .accrued(last, state.now())
            .map_or(0, |(milli, _)| milli);
        let balance = state.balance.load(Ordering::Relaxed);
        balance.saturating_add(pending).min(state.cap) as f64 / TOKEN as f64
    }
}

impl State {
    fn now(&self) -> u64 {
        u64::try_from(
            Instant::now()
                .saturating_duration_since(self.epoch)
                .as_nanos(),
        )
        .unwrap_or(u64::MAX)
    }

    /// The whole milli-tokens earned between `from` and `to` (ns since `epoch`), and the
    /// instant up to which they pay: rounded up, so a fraction is never counted twice and
    /// never lost.
    fn accrued(&self, from: u64, to: u64) -> Option<(i64, u64)> {
        if self.rate == 0 || to <= from {
            return None;
        }
        let rate = self.rate as u128;
        let milli = u128::from(to - from) * rate / NANOS_PER_SEC;
        if milli == 0 {
            return None;
        }
        // milli × 1e9 / rate <= to - from, so the rounded-up quotient is too.
        let spent = (milli * NANOS_PER_SEC).div_ceil(rate) as u64;
        Some((
            i64::try_from(milli).unwrap_or(i64::MAX).min(self.cap),
            from + spent,
        ))
    }

    /// Turns the time since the last refill into tokens, once: the caller whose CAS moves
    /// `refilled_to` forward is the one that adds them.
    fn refill(&self) {
        let now = self.now();
        let mut last = self.refilled_to.load(Ordering::Relaxed);
        while let Some((milli, until)) = self.accrued(last, now) {
            match self.refilled_to.compare_exchange_weak(
                last,
                until,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    // Saturating, for absurd rates; withdrawals clamp to `cap` anyway.
                    let add = |balance: i64| Some(balance.saturating_add(milli));
                    let _ = self
                        .balance
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, add);
                    return;
                }
                Err(actual) => last = actual,
            }
        }
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = &*self.state;
        let tokens = |milli: i64| milli as f64 / TOKEN as f64;
        f.debug_struct("RetryBudget")
            .field("ratio", &tokens(state.deposit))
            .field("min_per_sec", &tokens(state.rate))
            .field("max_balance", &tokens(state.cap))
            .field("available", &self.available())
            .finish()
    }
}

/// Builds a [`RetryBudget`]; see [`RetryBudget::builder`].
#[derive(Debug, Clone, Copy)]
pub struct RetryBudgetBuilder {
    ratio: f64,
    min_per_sec: f64,
    max_balance: Option<f64>,
}

impl RetryBudgetBuilder {
    /// Retries allowed per request, from 0 to 1000 (0.2 allows one retry per five requests).
    pub fn ratio(mut self, ratio: f64) -> Self {
        self.ratio = ratio;
        self
    }

    /// Retries allowed per second on top of the ratio, at least 0.
    pub fn min_per_sec(mut self, min_per_sec: f64) -> Self {
        self.min_per_sec = min_per_sec;
        self
    }

    /// The most tokens the budget may hold, at least 1; defaults to
    /// `10 × min_per_sec + 10`. It bounds the burst of retries a quiet period can save up.
    pub fn max_balance(mut self, max_balance: f64) -> Self {
        self.max_balance = Some(max_balance);
        self
    }

    /// Checks the settings; the budget starts empty.
    pub fn build(self) -> Result<RetryBudget, ConfigError> {
        let Self {
            ratio,
            min_per_sec,
            max_balance,
        } = self;
        if !(0.0..=1000.0).contains(&ratio) {
            return Err(ConfigError::InvalidRatio { ratio });
        }
        if !(min_per_sec >= 0.0 && min_per_sec.is_finite()) {
            return Err(ConfigError::InvalidMinPerSec { min_per_sec });
        }
        let max_balance = max_balance.unwrap_or(min_per_sec * 10.0 + 10.0);
        if !(max_balance >= 1.0 && max_balance.is_finite()) {
            return Err(ConfigError::InvalidMaxBalance { max_balance });
        }
        // `as` saturates, and the values are checked finite and non-negative above.
        let milli = |tokens: f64| (tokens * TOKEN as f64) as i64;
        Ok(RetryBudget {
            state: Arc::new(State {
                balance: AtomicI64::new(0),
                refilled_to: AtomicU64::new(0),
                epoch: Instant::now(),
                deposit: milli(ratio),
                rate: milli(min_per_sec),
                cap: milli(max_balance),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn deposits_into_a_full_bucket_change_nothing() {
        let budget = RetryBudget::builder()
            .ratio(1.0)
            .min_per_sec(0.0)
            .max_balance(2.0)
            .build()
            .unwrap();
        for _ in 0..5 {
            budget.deposit();
        }
        assert_eq!(budget.available(), 2.0);
        assert!(budget.try_withdraw());
        assert!(budget.try_withdraw());
        assert!(!budget.try_withdraw(), "the extra deposits were not kept");
        budget.deposit();
        assert!(
            budget.try_withdraw(),
            "a bucket below the cap takes deposits again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn starts_empty_and_ratio_deposits_pay_for_retries() {
        let budget = RetryBudget::new(0.5, 0.0).unwrap();
        assert!(!budget.try_withdraw());
        budget.deposit();
        assert!(!budget.try_withdraw(), "half a token is not a token");
        budget.deposit();
        assert!(budget.try_withdraw());
        assert!(!budget.try_withdraw());
    }

    #[tokio::test(start_paused = true)]
    async fn time_accrues_min_per_sec_without_losing_fractions() {
        let budget = RetryBudget::new(0.0, 3.0).unwrap();
        let mut granted = 0;
        // Withdraw every millisecond for two seconds: six tokens accrue in all, even though
        // each millisecond only earns three milli-tokens.
        for _ in 0..2_000 {
            tokio::time::advance(Duration::from_millis(1)).await;
            granted += u32::from(budget.try_withdraw());
        }
        assert_eq!(granted, 6);
    }

    #[tokio::test(start_paused = true)]
    async fn balance_is_clamped_to_max_balance() {
        let budget = RetryBudget::builder()
            .ratio(1.0)
            .min_per_sec(0.0)
            .max_balance(2.0)
            .build()
            .unwrap();
        for _ in 0..100 {
            budget.deposit();
        }
        assert_eq!(budget.available(), 2.0);
        assert!(budget.try_withdraw());
        assert!(budget.try_withdraw());
        assert!(!budget.try_withdraw());
    }

    #[tokio::test(start_paused = true)]
    async fn default_max_balance_is_ten_seconds_of_trickle_plus_ten() {
        let budget = RetryBudget::new(0.0, 2.0).unwrap();
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(budget.available(), 30.0);
    }

    #[test]
    fn invalid_settings_are_refused() {
        assert_eq!(
            RetryBudget::new(-0.1, 1.0).unwrap_err(),
            ConfigError::InvalidRatio { ratio: -0.1 }
        );
        assert!(matches!(
            RetryBudget::new(1000.5, 1.0),
            Err(ConfigError::InvalidRatio { .. })
        ));
        assert!(matches!(
            RetryBudget::new(f64::NAN, 1.0),
            Err(ConfigError::InvalidRatio { .. })
        ));
        assert!(matches!(
            RetryBudget::new(0.1, -1.0),
            Err(ConfigError::InvalidMinPerSec { .. })
        ));
        assert!(matches!(
            RetryBudget::new(0.1, f64::NAN),
            Err(ConfigError::InvalidMinPerSec { .. })
        ));
        assert!(matches!(
            RetryBudget::new(0.1, f64::INFINITY),
            Err(ConfigError::InvalidMinPerSec { .. })
        ));
        assert!(matches!(
            RetryBudget::builder().max_balance(0.5).build(),
            Err(ConfigError::InvalidMaxBalance { .. })
        ));
        assert!(matches!(
            RetryBudget::builder().max_balance(f64::NAN).build(),
            Err(ConfigError::InvalidMaxBalance { .. })
        ));
        assert!(RetryBudget::new(0.0, 0.0).is_ok());
        assert!(RetryBudget::new(1000.0, 0.0).is_ok());
    }
}

//! The builder, its checks, and the checked configuration the breakers share.

use super::{
    half_open::MAX_PROBES,
    key::Unkeyed,
    keyed::Breakers,
    layer::CircuitBreakerLayer,
    packed::MAX_WINDOW_CALLS,
    transition::{Listener, Transition},
    window::{WindowSpec, WindowStats},
};
use crate::classify::HttpClassifier;
use crate::observe::UNKNOWN_SERVICE;
use ::metrics::SharedString;
use std::{fmt, sync::Arc, time::Duration};

/// The most buckets a time window may have.
pub const MAX_BUCKETS: u32 = 1_000;

/// The shortest slice of time a bucket may cover.
pub const MIN_BUCKET_LENGTH: Duration = Duration::from_millis(1);

/// Why [`CircuitBreakerBuilder::build`] refused a configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The failure-rate threshold is not in `0..=1` (or is NaN).
    FailureRateOutOfRange(f64),
    /// The slow-call-rate threshold is not in `0..=1` (or is NaN).
    SlowCallRateOutOfRange(f64),
    /// A count window of size 0.
    ZeroWindowSize,
    /// A time window of zero duration.
    ZeroWindowDuration,
    /// A time window of zero buckets.
    ZeroBuckets,
    /// A time window of more than [`MAX_BUCKETS`] buckets.
    TooManyBuckets {
        /// The buckets asked for.
        buckets: u32,
        /// The most allowed.
        max: u32,
    },
    /// A time window whose buckets would each cover less than [`MIN_BUCKET_LENGTH`].
    BucketTooShort {
        /// The length each bucket would cover.
        bucket: Duration,
    },
    /// A count window larger than its packed counters hold.
    WindowTooLarge {
        /// The size asked for.
        size: u32,
        /// The largest allowed.
        max: u32,
    },
    /// A minimum number of calls of 0.
    ZeroMinimumCalls,
    /// Zero half-open probes: the breaker could never close again.
    ZeroHalfOpenProbes,
    /// More half-open probes than the probe tally holds.
    TooManyHalfOpenProbes {
        /// The probes asked for.
        probes: u32,
        /// The most allowed.
        max: u32,
    },
    /// The half-open success ratio is not in `(0, 1]` (or is NaN).
    SuccessRatioOutOfRange(f64),
    /// An open duration of zero.
    ZeroOpenDuration,
    /// A back-off multiplier below 1 (or NaN): the open duration would shrink.
    BackoffMultiplierBelowOne(f64),
    /// A back-off cap below the open duration it starts from.
    MaxOpenBelowOpenDuration {
        /// The open duration.
        open: Duration,
        /// The cap asked for.
        max: Duration,
    },
    /// A slow-call duration of zero: every call would be slow.
    ZeroSlowCallDuration,
    /// A keyed breaker with room for 0 keys.
    ZeroMaxKeys,
    /// Readiness mode with keyed breakers: `poll_ready` cannot know the key of the next
    /// request, so it cannot tell which breaker to ask.
    ReadinessWithKeys,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::FailureRateOutOfRange(rate) => {
                write!(f, "failure-rate threshold {rate} is not in 0..=1")
            }
            ConfigError::SlowCallRateOutOfRange(rate) => {
                write!(f, "slow-call-rate threshold {rate} is not in 0..=1")
            }
            ConfigError::ZeroWindowSize => f.write_str("count window of size 0"),
            ConfigError::ZeroWindowDuration => f.write_str("time window of zero duration"),
            ConfigError::ZeroBuckets => f.write_str("time window of zero buckets"),
            ConfigError::TooManyBuckets { buckets, max } => {
                write!(f, "time window of {buckets} buckets, at most {max} allowed")
            }
            ConfigError::BucketTooShort { bucket } => write!(
                f,
                "time-window buckets of {bucket:?}, at least {MIN_BUCKET_LENGTH:?} needed"
            ),
            ConfigError::WindowTooLarge { size, max } => {
                write!(f, "count window of {size} calls, at most {max} allowed")
            }
            ConfigError::ZeroMinimumCalls => f.write_str("minimum number of calls of 0"),
            ConfigError::ZeroHalfOpenProbes => f.write_str("zero half-open probes"),
            ConfigError::TooManyHalfOpenProbes { probes, max } => {
                write!(f, "{probes} half-open probes, at most {max} allowed")
            }
            ConfigError::SuccessRatioOutOfRange(ratio) => {
                write!(f, "half-open success ratio {ratio} is not in (0, 1]")
            }
            ConfigError::ZeroOpenDuration => f.write_str("open duration of zero"),
            ConfigError::BackoffMultiplierBelowOne(multiplier) => {
                write!(f, "back-off multiplier {multiplier} is below 1")
            }
            ConfigError::MaxOpenBelowOpenDuration { open, max } => write!(
                f,
                "maximum open duration {max:?} is below the open duration {open:?}"
            ),
            ConfigError::ZeroSlowCallDuration => f.write_str("slow-call duration of zero"),
            ConfigError::ZeroMaxKeys => f.write_str("keyed breakers with room for 0 keys"),
            ConfigError::ReadinessWithKeys => {
                f.write_str("readiness mode needs a single breaker, not keyed breakers")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// A threshold in `0..=1`, kept in parts per million so that comparing it with a ratio of
/// counts is exact integer arithmetic (0.3 of 10 calls is 3 calls, not 3.0000000000000004).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rate {
    parts_per_million: u64,
}

impl Rate {
    fn new(value: f64) -> Option<Rate> {
        (0.0..=1.0).contains(&value).then(|| Rate {
            parts_per_million: (value * 1e6).round() as u64,
        })
    }

    /// Whether `part / whole` is at least this rate.
    fn reached_by(self, part: u32, whole: u32) -> bool {
        u64::from(part) * 1_000_000 >= self.parts_per_million * u64::from(whole)
    }

    /// The smallest count out of `whole` that reaches this rate (at least 1).
    fn of(self, whole: u32) -> u32 {
        let scaled = (self.parts_per_million * u64::from(whole)).div_ceil(1_000_000);
        (scaled as u32).max(1)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct SlowCalls {
    duration: Duration,
    rate: Rate,
}

#[derive(Debug, Clone, Copy)]
struct Backoff {
    multiplier: f64,
    max: Duration,
}

/// A checked configuration, shared by every breaker a layer makes.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) window: WindowSpec,
    failure_rate: Rate,
    slow_calls: Option<SlowCalls>,
    minimum_calls: u32,
    pub(crate) open_duration: Duration,
    backoff: Option<Backoff>,
    pub(crate) half_open_probes: u32,
    pub(crate) probes_to_close: u32,
    pub(crate) shadow: bool,
    pub(crate) readiness: bool,
    pub(crate) listeners: Box<[Listener]>,
    /// The `service_name` label of the breaker's metrics.
    pub(crate) service_name: SharedString,
    /// The `breaker` label of an unkeyed breaker (keyed ones use their key).
    pub(crate) name: SharedString,
}

impl Config {
    /// Whether a closed breaker whose window holds `stats` must open.
    pub(crate) fn trips(&self, stats: WindowStats) -> bool {
        stats.calls >= self.minimum_calls
            && (self.failure_rate.reached_by(stats.failures, stats.calls)
                || self
                    .slow_calls
                    .is_some_and(|slow| slow.rate.reached_by(stats.slow, stats.calls)))
    }

    /// Whether a fast success may be recorded later than it happened: true when the window
    /// holds the minimum number of calls and does not trip, since a fast success then only
    /// lowers its rates and cannot open the breaker.
    pub(crate) fn may_defer_success(&self, stats: WindowStats) -> bool {
        stats.calls >= self.minimum_calls && !self.trips(stats)
    }

    /// Whether calls must be timed (only when slow calls are counted).
    pub(crate) fn times_calls(&self) -> bool {
        self.slow_calls.is_some()
    }

    pub(crate) fn is_slow(&self, elapsed: Duration) -> bool {
        self.slow_calls.is_some_and(|slow| elapsed >= slow.duration)
    }

    /// How long the breaker stays open the `consecutive`-th time in a row it opens
    /// (1 for the first): the open duration times the multiplier to the power of
    /// `consecutive - 1`, capped.
    pub(crate) fn open_duration_after(&self, consecutive: u32) -> Duration {
        let Some(backoff) = self.backoff else {
            return self.open_duration;
        };
        let exponent = i32::try_from(consecutive.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.open_duration.as_secs_f64() * backoff.multiplier.powi(exponent);
        if secs < backoff.max.as_secs_f64() {
            Duration::from_secs_f64(secs)
        } else {
            backoff.max
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum WindowChoice {
    Count(u32),
    Time(Duration),
}

/// Builds a [`CircuitBreakerLayer`]; every setting is checked by [`build`](Self::build).
///
/// | setting | default |
/// |---|---|
/// | window | the last 100 calls |
/// | failure-rate threshold | 0.5 |
/// | slow calls | not counted |
/// | minimum calls | 20 |
/// | open duration | 30 s, no back-off |
/// | half-open probes | 10, of which half must succeed |
/// | shadow mode, readiness mode | off |
/// | classifier | [`HttpClassifier`] |
/// | keys | one breaker for all requests; 1024 keys at most when keyed |
/// | metric labels | `service_name="unknown"`, `breaker="default"` |
#[must_use]
pub struct CircuitBreakerBuilder<C = HttpClassifier, K = Unkeyed> {
    settings: Settings,
    classifier: C,
    key: K,
}

/// What the builder was told, before checking.
#[derive(Debug, Clone)]
struct Settings {
    window: WindowChoice,
    buckets: u32,
    failure_rate: f64,
    slow_calls: Option<(Duration, f64)>,
    minimum_calls: u32,
    open_duration: Duration,
    backoff: Option<(f64, Duration)>,
    half_open_probes: u32,
    success_ratio: f64,
    shadow: bool,
    readiness: bool,
    listeners: Vec<Listener>,
    keyed: bool,
    max_keys: usize,
    service_name: SharedString,
    name: SharedString,
}

impl Default for CircuitBreakerBuilder {
    fn default() -> Self {
        CircuitBreakerBuilder {
            settings: Settings {
                window: WindowChoice::Count(100),
                buckets: 10,
                failure_rate: 0.5,
                slow_calls: None,
                minimum_calls: 20,
                open_duration: Duration::from_secs(30),
                backoff: None,
                half_open_probes: 10,
                success_ratio: 0.5,
                shadow: false,
                readiness: false,
                listeners: Vec::new(),
                keyed: false,
                max_keys: 1024,
                service_name: SharedString::const_str(UNKNOWN_SERVICE),
                name: SharedString::const_str("default"),
            },
            classifier: HttpClassifier,
            key: Unkeyed,
        }
    }
}

impl<C, K> CircuitBreakerBuilder<C, K> {
    /// Judge the last `size` calls (at most 1,000,000).
    pub fn count_window(mut self, size: u32) -> Self {
        self.settings.window = WindowChoice::Count(size);
        self
    }

    /// Judge the calls of the last `size` of time, kept in
    /// [`time_window_buckets`](Self::time_window_buckets) slices: a call is forgotten
    /// between `size - size / buckets` and `size` after it ended. At most 1,000,000 calls
    /// per window are recorded, spread evenly over the buckets; calls beyond a bucket's
    /// share go unrecorded until it expires.
    pub fn time_window(mut self, size: Duration) -> Self {
        self.settings.window = WindowChoice::Time(size);
        self
    }

    /// How many slices a time window is kept in (default 10, at most [`MAX_BUCKETS`]).
    pub fn time_window_buckets(mut self, buckets: u32) -> Self {
        self.settings.buckets = buckets;
        self
    }

    /// Open when at least this fraction of the calls in the window failed (`0..=1`).
    pub fn failure_rate_threshold(mut self, rate: f64) -> Self {
        self.settings.failure_rate = rate;
        self
    }

    /// Count a call that took `duration` or longer as slow, and open when at least `rate`
    /// of the calls in the window were slow. A slow call counts whatever its outcome; a
    /// slow probe counts as a failed probe.
    pub fn slow_calls(mut self, duration: Duration, rate: f64) -> Self {
        self.settings.slow_calls = Some((duration, rate));
        self
    }

    /// Never open on fewer calls in the window than this. For a count window the minimum
    /// is at most the window size.
    pub fn minimum_calls(mut self, calls: u32) -> Self {
        self.settings.minimum_calls = calls;
        self
    }

    /// How long an opened breaker refuses calls before it lets probes through.
    pub fn open_duration(mut self, duration: Duration) -> Self {
        self.settings.open_duration = duration;
        self
    }

    /// Each time the breaker reopens after a failed half-open period, multiply the open
    /// duration by `multiplier`, up to `max`. Closing resets it.
    pub fn open_backoff(mut self, multiplier: f64, max: Duration) -> Self {
        self.settings.backoff = Some((multiplier, max));
        self
    }

    /// How many probe calls a half-open breaker admits.
    pub fn half_open_probes(mut self, probes: u32) -> Self {
        self.settings.half_open_probes = probes;
        self
    }

    /// The fraction of probes that must succeed to close (`(0, 1]`): the breaker closes as
    /// soon as `ceil(ratio * probes)` probes succeeded, and reopens as soon as too many
    /// failed for that to happen.
    pub fn half_open_success_ratio(mut self, ratio: f64) -> Self {
        self.settings.success_ratio = ratio;
        self
    }

    /// Shadow mode: run the state machine but never refuse a call. Calls that would have
    /// been refused are counted ([`BreakerHandle::shadow_rejections`]) and logged at debug
    /// level. Use it to try a configuration on live traffic.
    ///
    /// [`BreakerHandle::shadow_rejections`]: super::BreakerHandle::shadow_rejections
    pub fn shadow(mut self, shadow: bool) -> Self {
        self.settings.shadow = shadow;
        self
    }

    /// Readiness mode: while open, `poll_ready` returns `Pending` (woken when the open
    /// duration ends or the state changes) instead of `call` answering 503, so a load
    /// balancer such as `tower::balance` routes around this endpoint. Calls made anyway
    /// are still refused with a 503. Not available with keyed breakers.
    pub fn readiness(mut self, readiness: bool) -> Self {
        self.settings.readiness = readiness;
        self
    }

    /// The `service_name` label of the breaker's metrics: the service that makes the calls.
    pub fn service_name(mut self, service_name: impl Into<SharedString>) -> Self {
        self.settings.service_name = service_name.into();
        self
    }

    /// The `breaker` label of the breaker's metrics (`default` unless set), usually the
    /// dependency it guards (`payments`). Keyed breakers are labelled by their key.
    pub fn name(mut self, name: impl Into<SharedString>) -> Self {
        self.settings.name = name.into();
        self
    }

    /// Call `listener` on every state change, after the `tracing` event. Listeners run on
    /// the thread that made the change, one transition at a time and in order; keep them
    /// quick. A listener may read and steer the breaker through its handle.
    pub fn on_transition(mut self, listener: impl Fn(Transition) + Send + Sync + 'static) -> Self {
        self.settings.listeners.push(Listener::new(listener));
        self
    }

    /// How results are judged: any [`Classify`](crate::Classify) implementation, such as a
    /// closure `Fn(Result<&Response<B>, &E>) -> Outcome + Clone`.
    pub fn classifier<C2>(self, classifier: C2) -> CircuitBreakerBuilder<C2, K> {
        CircuitBreakerBuilder {
            settings: self.settings,
            classifier,
            key: self.key,
        }
    }

    /// One independent breaker per key: [`ByAuthority`](super::ByAuthority), `ByRoute`
    /// (feature `axum`), or a closure `Fn(&Request<B>) -> Option<String>`. Requests
    /// without a key go through the layer's shared breaker. See
    /// [keyed breakers](super#keyed-breakers) for the memory bound.
    pub fn key_by<K2>(mut self, key: K2) -> CircuitBreakerBuilder<C, K2> {
        self.settings.keyed = true;
        CircuitBreakerBuilder {
            settings: self.settings,
            classifier: self.classifier,
            key,
        }
    }

    /// The most keyed breakers kept at once (default 1024).
    pub fn max_keys(mut self, max_keys: usize) -> Self {
        self.settings.max_keys = max_keys;
        self
    }

    /// Checks the configuration and makes the layer.
    pub fn build(self) -> Result<CircuitBreakerLayer<C, K>, ConfigError> {
        let config = self.settings.check()?;
        let max_keys = self.settings.keyed.then_some(self.settings.max_keys);
        let breakers = Breakers::new(Arc::new(config), max_keys);
        Ok(CircuitBreakerLayer::new(
            Arc::new(breakers),
            self.classifier,
            self.key,
        ))
    }
}

impl Settings {
    fn check(&self) -> Result<Config, ConfigError> {
        let window = self.check_window()?;
        let failure_rate = Rate::new(self.failure_rate)
            .ok_or(ConfigError::FailureRateOutOfRange(self.failure_rate))?;
        let slow_calls = self
            .slow_calls
            .map(|(duration, rate)| {
                if duration.is_zero() {
                    return Err(ConfigError::ZeroSlowCallDuration);
                }
                let rate = Rate::new(rate).ok_or(ConfigError::SlowCallRateOutOfRange(rate))?;
                Ok(SlowCalls { duration, rate })
            })
            .transpose()?;
        if self.minimum_calls == 0 {
            return Err(ConfigError::ZeroMinimumCalls);
        }
        let minimum_calls = match window {
            WindowSpec::Count { size } => self.minimum_calls.min(size),
            WindowSpec::Time { .. } => self.minimum_calls,
        };
        match self.half_open_probes {
            0 => return Err(ConfigError::ZeroHalfOpenProbes),
            probes if probes > MAX_PROBES => {
                return Err(ConfigError::TooManyHalfOpenProbes {
                    probes,
                    max: MAX_PROBES,
                });
            }
            _ => {}
        }
        let success_ratio = Rate::new(self.success_ratio)
            .filter(|_| self.success_ratio > 0.0)
            .ok_or(ConfigError::SuccessRatioOutOfRange(self.success_ratio))?;
        if self.open_duration.is_zero() {
            return Err(ConfigError::ZeroOpenDuration);
        }
        let backoff = self
            .backoff
            .map(|(multiplier, max)| {
                if multiplier.is_nan() || multiplier < 1.0 {
                    return Err(ConfigError::BackoffMultiplierBelowOne(multiplier));
                }
                if max < self.open_duration {
                    return Err(ConfigError::MaxOpenBelowOpenDuration {
                        open: self.open_duration,
                        max,
                    });
                }
                Ok(Backoff { multiplier, max })
            })
            .transpose()?;
        if self.keyed && self.max_keys == 0 {
            return Err(ConfigError::ZeroMaxKeys);
        }
        if self.keyed && self.readiness {
            return Err(ConfigError::ReadinessWithKeys);
        }
        Ok(Config {
            window,
            failure_rate,
            slow_calls,
            minimum_calls,
            open_duration: self.open_duration,
            backoff,
            half_open_probes: self.half_open_probes,
            probes_to_close: success_ratio.of(self.half_open_probes),
            shadow: self.shadow,
            readiness: self.readiness,
            listeners: self.listeners.clone().into_boxed_slice(),
            service_name: self.service_name.clone(),
            name: self.name.clone(),
        })
    }

    fn check_window(&self) -> Result<WindowSpec, ConfigError> {
        match self.window {
            WindowChoice::Count(0) => Err(ConfigError::ZeroWindowSize),
            WindowChoice::Count(size) if size > MAX_WINDOW_CALLS => {
                Err(ConfigError::WindowTooLarge {
                    size,
                    max: MAX_WINDOW_CALLS,
                })
            }
            WindowChoice::Count(size) => Ok(WindowSpec::Count { size }),
            WindowChoice::Time(size) if size.is_zero() => Err(ConfigError::ZeroWindowDuration),
            WindowChoice::Time(size) => {
                let buckets = self.buckets;
                if buckets == 0 {
                    return Err(ConfigError::ZeroBuckets);
                }
                if buckets > MAX_BUCKETS {
                    return Err(ConfigError::TooManyBuckets {
                        buckets,
                        max: MAX_BUCKETS,
                    });
                }
                let bucket = size / buckets;
                if bucket < MIN_BUCKET_LENGTH {
                    return Err(ConfigError::BucketTooShort { bucket });
                }
                Ok(WindowSpec::Time { size, buckets })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_compare_exactly() {
        let rate = Rate::new(0.3).unwrap();
        assert!(rate.reached_by(3, 10));
        assert!(!rate.reached_by(2, 10));
        assert_eq!(Rate::new(0.7).unwrap().of(10), 7);
        assert_eq!(Rate::new(0.5).unwrap().of(5), 3);
        assert_eq!(Rate::new(0.0000001).unwrap().of(5), 1);
        assert_eq!(Rate::new(f64::NAN), None);
    }

    #[test]
    fn backoff_multiplies_the_open_duration_up_to_its_cap() {
        let builder = CircuitBreakerBuilder::default()
            .open_duration(Duration::from_secs(10))
            .open_backoff(2.0, Duration::from_secs(35));
        let config = builder.settings.check().unwrap();
        let opens: Vec<_> = (1..=4).map(|n| config.open_duration_after(n)).collect();
        assert_eq!(opens, [10, 20, 35, 35].map(Duration::from_secs),);
        assert_eq!(
            config.open_duration_after(u32::MAX),
            Duration::from_secs(35)
        );
    }
}

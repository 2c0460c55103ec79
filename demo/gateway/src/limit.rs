//! Rate limits per client address and per user, with governor's GCRA limiters.
//!
//! A request passes both limits of its route (the user's only when it carries a valid
//! token). Every answer says where the caller stands in `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset` (the IETF httpapi draft's fields, of the
//! tighter limit); a refusal is a 429 with `Retry-After`.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use http::{HeaderMap, HeaderName, HeaderValue};
use uuid::Uuid;

use crate::config::RateLimitPolicy;
use crate::headers::number_value;

// foldhash rather than SipHash: the keys are addresses and verified user ids, and the
// limiter hashes one or two of them on every request.
type Keyed<K> = RateLimiter<
    K,
    DefaultKeyedStateStore<K, foldhash::fast::RandomState>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// `RateLimit-Limit`: the burst the caller may send.
pub const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
/// `RateLimit-Remaining`: what is left of it now.
pub const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
/// `RateLimit-Reset`: seconds until the whole burst is available again.
pub const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// One limit: a quota per key.
struct Limit<K: Hash + Eq + Clone> {
    limiter: Keyed<K>,
    quota: Allowance,
}

/// What a limit allows, whatever it is keyed by.
struct Allowance {
    burst: u32,
    /// `burst` as the `RateLimit-Limit` value, made once: every answer carries it.
    burst_value: HeaderValue,
    per_second: u32,
}

impl Allowance {
    /// Where a key with `remaining` of the burst left stands.
    fn standing(&self, remaining: u32) -> Standing {
        let missing = self.burst.saturating_sub(remaining);
        Standing {
            limit: self.burst_value.clone(),
            remaining,
            reset_secs: u64::from(missing.div_ceil(self.per_second)),
        }
    }
}

impl<K: Hash + Eq + Clone> Limit<K> {
    fn new(per_second: u32, burst: Option<u32>) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = burst.and_then(NonZeroU32::new).unwrap_or(rate);
        let quota = Quota::per_second(rate).allow_burst(burst);
        Some(Limit {
            limiter: RateLimiter::dashmap_with_hasher(
                quota,
                foldhash::fast::RandomState::default(),
            )
            .with_middleware::<StateInformationMiddleware>(),
            quota: Allowance {
                burst: burst.get(),
                burst_value: number_value(burst.get().into()),
                per_second: rate.get(),
            },
        })
    }

    /// Counts one request of `key`: what is left of its burst, or how long to wait.
    fn check(&self, key: &K) -> Result<u32, Duration> {
        self.limiter
            .check_key(key)
            .map(|snapshot| snapshot.remaining_burst_capacity())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Where a caller stands against the tighter of its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The burst allowed, as the `RateLimit-Limit` value (made once per limit).
    pub limit: HeaderValue,
    /// What is left of it.
    pub remaining: u32,
    /// Seconds until it is full again.
    pub reset_secs: u64,
}

impl Standing {
    /// Writes the three `RateLimit-*` headers.
    pub fn write(&self, headers: &mut HeaderMap) {
        headers.insert(RATELIMIT_LIMIT, self.limit.clone());
        headers.insert(RATELIMIT_REMAINING, number_value(self.remaining.into()));
        headers.insert(RATELIMIT_RESET, number_value(self.reset_secs));
    }
}

/// A refusal: which limit, and when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// `client` or `user`.
    pub scope: &'static str,
    /// The limit that refused.
    pub limit: u32,
    /// When the next request would pass.
    pub retry_after: Duration,
}

/// The limits of one route.
pub struct Limits {
    per_client: Option<Limit<IpAddr>>,
    per_user: Option<Limit<Uuid>>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field(
                "per_client",
                &self.per_client.as_ref().map(|l| l.quota.per_second),
            )
            .field(
                "per_user",
                &self.per_user.as_ref().map(|l| l.quota.per_second),
            )
            .finish()
    }
}

impl Limits {
    /// The limits `policy` sets.
    pub fn new(policy: &RateLimitPolicy) -> Self {
        Limits {
            per_client: Limit::new(policy.per_client_per_second, policy.per_client_burst),
            per_user: policy
                .per_user_per_second
                .and_then(|rate| Limit::new(rate, policy.per_user_burst)),
        }
    }

    /// Counts one request of `client` (and `user`), or refuses it.
    ///
    /// # Errors
    ///
    /// The [`Refusal`] when a limit is exhausted.
    pub fn check(&self, client: IpAddr, user: Option<Uuid>) -> Result<Option<Standing>, Refusal> {
        // The tighter limit's standing is made once both have counted the request.
        let mut tightest: Option<(&Allowance, u32)> = None;
        if let Some(limit) = &self.per_client {
            let remaining = limit.check(&client).map_err(|retry_after| Refusal {
                scope: "client",
                limit: limit.quota.burst,
                retry_after,
            })?;
            tightest = Some((&limit.quota, remaining));
        }
        if let (Some(limit), Some(user)) = (&self.per_user, user) {
            let remaining = limit.check(&user).map_err(|retry_after| Refusal {
                scope: "user",
                limit: limit.quota.burst,
                retry_after,
            })?;
            if tightest.is_none_or(|(_, tightest)| remaining < tightest) {
                tightest = Some((&limit.quota, remaining));
            }
        }
        Ok(tightest.map(|(quota, remaining)| quota.standing(remaining)))
    }

    /// Forgets the keys whose limit is full again, to bound memory.
    pub fn retain_recent(&self) {
        if let Some(limit) = &self.per_client {
            limit.limiter.retain_recent();
        }
        if let Some(limit) = &self.per_user {
            limit.limiter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_past_its_burst_is_refused_with_a_wait_and_others_are_not() {
        let limits = Limits::new(&RateLimitPolicy {
            per_client_per_second: 1,
            per_client_burst: Some(3),
            per_user_per_second: None,
            per_user_burst: None,
        });
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let first = limits.check(client, None).unwrap().unwrap();
        assert_eq!((first.limit.as_bytes(), first.remaining), (&b"3"[..], 2));
        limits.check(client, None).unwrap();
        limits.check(client, None).unwrap();
        let refusal = limits.check(client, None).unwrap_err();
        assert_eq!(refusal.scope, "client");
        assert!(refusal.retry_after > Duration::ZERO);
        assert!(refusal.retry_after <= Duration::from_secs(1));
        assert!(limits.check("192.0.2.2".parse().unwrap(), None).is_ok());
    }

    #[test]
    fn a_user_is_limited_across_addresses() {
        let limits = Limits::new(&RateLimitPolicy {
            per_client_per_second: 100,
            per_client_burst: None,
            per_user_per_second: Some(1),
            per_user_burst: Some(1),
        });
        let user = Uuid::new_v4();
        assert!(
            limits
                .check("192.0.2.1".parse().unwrap(), Some(user))
                .is_ok()
        );
        let refusal = limits
            .check("192.0.2.2".parse().unwrap(), Some(user))
            .unwrap_err();
        assert_eq!(refusal.scope, "user");
        assert!(limits.check("192.0.2.2".parse().unwrap(), None).is_ok());
    }

    #[test]
    fn the_answer_reports_the_limit_with_the_least_left() {
        let limits = |client_burst, user_burst| {
            Limits::new(&RateLimitPolicy {
                per_client_per_second: 1,
                per_client_burst: Some(client_burst),
                per_user_per_second: Some(1),
                per_user_burst: Some(user_burst),
            })
        };
        let (client, user) = ("192.0.2.1".parse().unwrap(), Some(Uuid::new_v4()));
        let standing = limits(10, 4).check(client, user).unwrap().unwrap();
        assert_eq!(
            (standing.limit.as_bytes(), standing.remaining),
            (&b"4"[..], 3)
        );
        let standing = limits(4, 10).check(client, user).unwrap().unwrap();
        assert_eq!(
            (standing.limit.as_bytes(), standing.remaining),
            (&b"4"[..], 3)
        );
        let standing = limits(5, 10).check(client, None).unwrap().unwrap();
        assert_eq!(
            (standing.limit.as_bytes(), standing.remaining),
            (&b"5"[..], 4)
        );
        // Both refill at one a second: the user's burst of 10, all used, is back in 10 s.
        let standing = limits(20, 10);
        for _ in 0..9 {
            standing.check(client, user).unwrap();
        }
        let last = standing.check(client, user).unwrap().unwrap();
        assert_eq!(
            (last.limit.as_bytes(), last.remaining, last.reset_secs),
            (&b"10"[..], 0, 10)
        );
    }
}

use http::{HeaderValue, Response, StatusCode, header::RETRY_AFTER};
use std::{fmt, time::Duration};

/// Why a seawall layer answered a request itself instead of passing on the service's answer.
///
/// HTTP layers never fail a call with an error of their own: they answer with a response
/// whose status and headers fit the reason (see [`status`](Rejection::status)) and put the
/// `Rejection` in its extensions, where the layers above (retry, metrics) and your handler
/// can read it:
///
/// ```
/// use seawall::Rejection;
///
/// let res: http::Response<()> = Rejection::DeadlineExceeded.into_response();
/// assert_eq!(res.status(), 504);
/// assert_eq!(Rejection::of(&res), Some(Rejection::DeadlineExceeded));
/// assert_eq!(Rejection::DeadlineExceeded.error_type(), "deadline_exceeded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// A circuit breaker is open (or half-open with every probe taken).
    CircuitOpen {
        /// When the breaker will next let a call through.
        retry_after: Duration,
    },
    /// The request's deadline ran out, or had run out before it arrived.
    DeadlineExceeded,
    /// A per-attempt timeout ran out.
    Timeout,
    /// The retry budget had nothing left for a retry.
    BudgetExhausted,
    /// A fault was injected on purpose.
    FaultInjected,
    /// A concurrency limit shed the request.
    LoadShed {
        /// When to come back, if known.
        retry_after: Option<Duration>,
    },
    /// A rate limit refused the request.
    RateLimited {
        /// When the limit allows the next request.
        retry_after: Option<Duration>,
    },
}

impl Rejection {
    /// The OpenTelemetry `error.type` value for this rejection (`circuit_open`, ...).
    pub fn error_type(&self) -> &'static str {
        match self {
            Rejection::CircuitOpen { .. } => "circuit_open",
            Rejection::DeadlineExceeded => "deadline_exceeded",
            Rejection::Timeout => "timeout",
            Rejection::BudgetExhausted => "budget_exhausted",
            Rejection::FaultInjected => "fault_injected",
            Rejection::LoadShed { .. } => "load_shed",
            Rejection::RateLimited { .. } => "rate_limited",
        }
    }

    /// The status a response for this rejection carries.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::DeadlineExceeded | Rejection::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Rejection::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Rejection::CircuitOpen { .. }
            | Rejection::BudgetExhausted
            | Rejection::FaultInjected
            | Rejection::LoadShed { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// When the caller may come back, where that is known.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Rejection::CircuitOpen { retry_after } => Some(*retry_after),
            Rejection::LoadShed { retry_after } | Rejection::RateLimited { retry_after } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether this rejection says something about the health of the service behind the
    /// layer that made it. A timeout does; an open circuit or a local limit does not.
    pub fn blames_service(&self) -> bool {
        matches!(
            self,
            Rejection::DeadlineExceeded | Rejection::Timeout | Rejection::FaultInjected
        )
    }

    /// The rejection a response carries, if a seawall layer made it.
    pub fn of<B>(response: &Response<B>) -> Option<Rejection> {
        response.extensions().get::<Rejection>().copied()
    }

    /// An empty-bodied response with [`status`](Self::status), `Retry-After` in whole
    /// seconds (rounded up) where known, and `self` in its extensions.
    pub fn into_response<B: Default>(self) -> Response<B> {
        let mut response = Response::new(B::default());
        *response.status_mut() = self.status();
        if let Some(delay) = self.retry_after() {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs(delay)));
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// Whole seconds, rounded up, and at least one: `Retry-After: 0` invites a stampede.
fn retry_after_secs(delay: Duration) -> u64 {
    let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
    secs.max(1)
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::CircuitOpen { retry_after } => {
                write!(f, "circuit open, retry after {retry_after:?}")
            }
            Rejection::DeadlineExceeded => f.write_str("deadline exceeded"),
            Rejection::Timeout => f.write_str("attempt timed out"),
            Rejection::BudgetExhausted => f.write_str("retry budget exhausted"),
            Rejection::FaultInjected => f.write_str("fault injected"),
            Rejection::LoadShed { .. } => f.write_str("load shed"),
            Rejection::RateLimited { .. } => f.write_str("rate limited"),
        }
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circuit_open_response_has_503_retry_after_and_extension() {
        let rejection = Rejection::CircuitOpen {
            retry_after: Duration::from_millis(1500),
        };
        let res: Response<()> = rejection.into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[RETRY_AFTER], "2");
        assert_eq!(Rejection::of(&res), Some(rejection));
    }

    #[test]
    fn sub_second_retry_after_rounds_up_to_one() {
        assert_eq!(retry_after_secs(Duration::from_millis(10)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(4)), 4);
    }

    #[test]
    fn every_rejection_has_a_distinct_error_type() {
        let all = [
            Rejection::CircuitOpen {
                retry_after: Duration::ZERO,
            },
            Rejection::DeadlineExceeded,
            Rejection::Timeout,
            Rejection::BudgetExhausted,
            Rejection::FaultInjected,
            Rejection::LoadShed { retry_after: None },
            Rejection::RateLimited { retry_after: None },
        ];
        let mut types: Vec<_> = all.iter().map(Rejection::error_type).collect();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), all.len());
    }
}

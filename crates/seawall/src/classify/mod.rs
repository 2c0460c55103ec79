//! One classification of results, shared by every layer.
//!
//! Whether a response or an error is a success, a failure, an overload signal (with the
//! delay the server asked for) or something that says nothing about the service's health is
//! decided here once, and the [`breaker`](crate::breaker), [`retry`](crate::retry) and
//! metrics layers all ask the same [`Classify`] implementation. Swap it for your own and
//! every layer changes its mind together.
//!
//! The default, [`HttpClassifier`], follows common HTTP practice:
//!
//! | result | [`Outcome`] |
//! |---|---|
//! | transport error (`Err`) | `Failure` |
//! | 1xx, 2xx, 3xx | `Success` |
//! | 429, or 503 with `Retry-After` | `Overload { retry_after }` |
//! | other 5xx | `Failure` |
//! | other 4xx | `Ignored`: the caller's mistake, not the service's |
//! | a local [`Rejection`] that is not about the service (circuit open, load shed, rate limited) | `Ignored` |
//!
//! Layers that answer instead of calling the service (an open breaker, an expired deadline,
//! an injected fault) put a [`Rejection`] in the response extensions, so the layers above
//! them know why the response was made.
//!
//! # Example
//!
//! A classifier is any `Fn(Result<&T, &E>) -> Outcome + Clone`, so a closure works:
//!
//! ```
//! use http::{Response, StatusCode};
//! use seawall::classify::{Classify, HttpClassifier, Outcome};
//!
//! // Treat 404 as a failure too, otherwise defer to the default.
//! let strict = |result: Result<&Response<()>, &std::io::Error>| match result {
//!     Ok(res) if res.status() == StatusCode::NOT_FOUND => Outcome::Failure,
//!     other => HttpClassifier.classify(other),
//! };
//!
//! let not_found = Response::builder().status(404).body(()).unwrap();
//! assert_eq!(strict.classify(Ok(&not_found)), Outcome::Failure);
//! assert_eq!(HttpClassifier.classify(Ok::<_, &std::io::Error>(&not_found)), Outcome::Ignored);
//! ```

mod rejection;
mod retry_after;

pub use rejection::Rejection;
pub use retry_after::parse_retry_after;

use http::{Response, StatusCode};
use std::time::Duration;

/// What a result says about the health of the service that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The service did its job.
    Success,
    /// The service failed: counts against it, and may be retried.
    Failure,
    /// The service is overloaded and asked to be left alone, for `retry_after` if it said.
    /// Counts as a failure; a retry never comes sooner than `retry_after`.
    Overload {
        /// The delay the service asked for (`Retry-After`), if any.
        retry_after: Option<Duration>,
    },
    /// Says nothing about the service's health (a 4xx, or a local rejection such as an open
    /// circuit): not counted, not retried.
    Ignored,
}

impl Outcome {
    /// `true` for [`Failure`](Outcome::Failure) and [`Overload`](Outcome::Overload).
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failure | Outcome::Overload { .. })
    }

    /// The delay an overloaded service asked for.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Outcome::Overload { retry_after } => *retry_after,
            _ => None,
        }
    }
}

/// Decides the [`Outcome`] of a call.
///
/// Implemented by [`HttpClassifier`] and by every `Fn(Result<&T, &E>) -> Outcome`. Layers
/// hold their classifier by value and clone it with themselves, so keep it cheap to clone.
pub trait Classify<T, E> {
    /// Classifies the result of one call.
    fn classify(&self, result: Result<&T, &E>) -> Outcome;
}

impl<F, T, E> Classify<T, E> for F
where
    F: Fn(Result<&T, &E>) -> Outcome,
{
    fn classify(&self, result: Result<&T, &E>) -> Outcome {
        self(result)
    }
}

/// The default classifier for HTTP responses; see the [module docs](self) for its table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpClassifier;

impl<B, E> Classify<Response<B>, E> for HttpClassifier {
    fn classify(&self, result: Result<&Response<B>, &E>) -> Outcome {
        let response = match result {
            Ok(response) => response,
            Err(_) => return Outcome::Failure,
        };
        if let Some(rejection) = response.extensions().get::<Rejection>() {
            if !rejection.blames_service() {
                return Outcome::Ignored;
            }
        }
        classify_status(response)
    }
}

fn classify_status<B>(response: &Response<B>) -> Outcome {
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Outcome::Overload {
            retry_after: parse_retry_after(response.headers()),
        };
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        if let Some(retry_after) = parse_retry_after(response.headers()) {
            return Outcome::Overload {
                retry_after: Some(retry_after),
            };
        }
    }
    if status.is_server_error() {
        Outcome::Failure
    } else if status.is_client_error() {
        Outcome::Ignored
    } else {
        Outcome::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::RETRY_AFTER;

    fn response(status: u16) -> Response<()> {
        Response::builder().status(status).body(()).unwrap()
    }

    fn classify(res: &Response<()>) -> Outcome {
        HttpClassifier.classify(Ok::<_, &()>(res))
    }

    #[test]
    fn transport_error_is_failure() {
        let err = std::io::Error::other("reset");
        assert_eq!(
            HttpClassifier.classify(Err::<&Response<()>, _>(&err)),
            Outcome::Failure
        );
    }

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(classify(&response(200)), Outcome::Success);
        assert_eq!(classify(&response(302)), Outcome::Success);
        assert_eq!(classify(&response(404)), Outcome::Ignored);
        assert_eq!(classify(&response(422)), Outcome::Ignored);
        assert_eq!(classify(&response(500)), Outcome::Failure);
        assert_eq!(classify(&response(502)), Outcome::Failure);
        assert_eq!(classify(&response(503)), Outcome::Failure);
        assert_eq!(
            classify(&response(429)),
            Outcome::Overload { retry_after: None }
        );
    }

    #[test]
    fn retry_after_makes_503_an_overload_with_its_delay() {
        let mut res = response(503);
        res.headers_mut().insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            classify(&res),
            Outcome::Overload {
                retry_after: Some(Duration::from_secs(7))
            }
        );
    }

    #[test]
    fn local_circuit_open_is_ignored_but_timeout_blames_the_service() {
        let open: Response<()> = Rejection::CircuitOpen {
            retry_after: Duration::from_secs(3),
        }
        .into_response();
        assert_eq!(classify(&open), Outcome::Ignored);
        let timeout: Response<()> = Rejection::Timeout.into_response();
        assert_eq!(classify(&timeout), Outcome::Failure);
    }

    #[test]
    fn closures_classify_and_stay_clone() {
        fn assert_clone<T: Clone>(_: &T) {}
        let always_fail = |_: Result<&Response<()>, &()>| Outcome::Failure;
        assert_clone(&always_fail);
        assert_eq!(always_fail.classify(Ok(&response(200))), Outcome::Failure);
    }
}

//! Upstream failures as `application/problem+json` answers.
//!
//! | what happened | answer |
//! |---|---|
//! | the connection to the instance failed (refused, reset) | 502 |
//! | no instance is available, or the route's breaker is open | 503 with `Retry-After` |
//! | the upstream did not answer in time (attempt timeout or deadline) | 504 |
//! | the retry budget is exhausted, another local refusal | its status (503) |
//!
//! The seawall [`Rejection`] stays in the response extensions, so the gateway's server
//! metrics label the answer with its `error_type`.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use seawall::Rejection;
use shop_kit::problem::Problem;
use tower::BoxError;

use crate::headers::remove_hop_by_hop;
use crate::pipeline::UpstreamBody;

/// How many headers the gateway adds to an upstream's answer at most.
const ADDED_RESPONSE_HEADERS: usize = 5;

/// The answer for the outcome of a call through a route's pipeline.
pub fn answer(result: Result<http::Response<UpstreamBody>, BoxError>, upstream: &str) -> Response {
    match result {
        Ok(response) => match Rejection::of(&response) {
            Some(rejection) => rejected(rejection, upstream),
            None => {
                let (mut parts, body) = response.into_parts();
                remove_hop_by_hop(&mut parts.headers);
                // Room for the headers the gateway adds (request id, upstream, the three
                // `RateLimit-*`): one growth of the map instead of one per insert.
                parts.headers.reserve(ADDED_RESPONSE_HEADERS);
                Response::from_parts(parts, body)
            }
        },
        Err(error) => transport_failure(&error, upstream),
    }
}

/// The answer for a refusal of a seawall layer.
pub fn rejected(rejection: Rejection, upstream: &str) -> Response {
    let problem = match rejection {
        Rejection::CircuitOpen { retry_after } => Problem::service_unavailable(format!(
            "{upstream} is unavailable: no instance is accepting requests (circuit open)"
        ))
        .with_retry_after(retry_after),
        Rejection::DeadlineExceeded | Rejection::Timeout => {
            Problem::gateway_timeout(format!("{upstream} did not answer in time"))
        }
        other => Problem::new(other.status())
            .with_detail(format!("the call to {upstream} was refused: {other}")),
    };
    let mut response = problem
        .with_extension("upstream", upstream)
        .with_extension("error_type", rejection.error_type())
        .into_response();
    response.extensions_mut().insert(rejection);
    response
}

/// The answer for a transport error: 502, saying whether the connection failed.
pub fn transport_failure(error: &BoxError, upstream: &str) -> Response {
    let connect = error
        .downcast_ref::<hyper_util::client::legacy::Error>()
        .is_some_and(hyper_util::client::legacy::Error::is_connect);
    tracing::warn!(upstream, error = %error, connect, "upstream call failed");
    let detail = if connect {
        format!("cannot connect to {upstream}")
    } else {
        format!("the connection to {upstream} failed before it answered")
    };
    Problem::new(StatusCode::BAD_GATEWAY)
        .with_detail(detail)
        .with_extension("upstream", upstream)
        .into_response()
}

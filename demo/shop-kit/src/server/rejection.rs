//! Gives the empty-bodied answers of seawall's layers (deadline, fault injection) a
//! `application/problem+json` body, like every other error of the shop.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use seawall::Rejection;

use crate::problem::Problem;

/// The `type` of a problem made from a seawall [`Rejection`]; the `error_type` extension
/// member says which (`deadline_exceeded`, `fault_injected`, ...).
pub const REJECTION_PROBLEM_TYPE: &str = "urn:seawall:problem:rejected";

/// Replaces the empty body of a response a seawall layer made with a problem document.
///
/// The status, the headers (`Retry-After`) and the extensions (the [`Rejection`] itself, which
/// metrics and retry layers read) stay as they were. Responses with a body are left alone.
pub(super) fn rejection_as_problem(response: Response) -> Response {
    let Some(rejection) = Rejection::of(&response) else {
        return response;
    };
    if response.headers().contains_key(CONTENT_TYPE) {
        return response;
    }
    let (mut parts, _empty) = response.into_parts();
    let problem = Problem::new(parts.status)
        .with_type(REJECTION_PROBLEM_TYPE)
        .with_detail(describe(rejection))
        .with_extension("error_type", rejection.error_type());
    let (problem_parts, body) = problem.into_response().into_parts();
    parts.headers.extend(problem_parts.headers);
    Response::from_parts(parts, body)
}

fn describe(rejection: Rejection) -> &'static str {
    match rejection {
        Rejection::DeadlineExceeded | Rejection::Timeout => {
            "the request's deadline passed before it was answered"
        }
        Rejection::FaultInjected => "a fault was injected on purpose",
        Rejection::CircuitOpen { .. } => "a circuit breaker is open",
        Rejection::BudgetExhausted => "the retry budget is exhausted",
        Rejection::LoadShed { .. } => "the service is overloaded",
        Rejection::RateLimited { .. } => "too many requests",
        _ => "the request was refused by a resilience layer",
    }
}

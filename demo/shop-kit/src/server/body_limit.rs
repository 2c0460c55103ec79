//! The request body limit: `413` as `application/problem+json`.
//!
//! Two parts enforce it. A request whose `Content-Length` already exceeds the limit is
//! answered here, before any handler runs; a body without a length (chunked) is cut off by
//! axum's [`DefaultBodyLimit`](axum::extract::DefaultBodyLimit) when a handler reads it, which
//! [`ValidJson`](crate::problem::ValidJson) answers with the same `413` problem.

use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// Answers `413` when the declared body length exceeds `limit` bytes; passes the rest on.
pub(super) async fn refuse_declared_oversize(
    State(limit): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match declared {
        Some(length) if length > u64::try_from(limit).unwrap_or(u64::MAX) => {
            Problem::payload_too_large(format!(
                "the request body is {length} bytes; at most {limit} are accepted"
            ))
            .into_response()
        }
        _ => next.run(request).await,
    }
}

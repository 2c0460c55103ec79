//! The request body limit: `413` as `application/problem+json`.
//!
//! Two parts enforce it. A request whose `Content-Length` already exceeds the limit is
//! answered here, before any handler runs; a body without a length (chunked) is cut off by
//! axum's [`DefaultBodyLimit`](axum::extract::DefaultBodyLimit) when a handler reads it, which
//! [`ValidJson`](crate::problem::ValidJson) answers with the same `413` problem.

use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// The `413` answer when the declared body length exceeds `limit` bytes; `None` for a
/// request without a length or within the limit.
pub(super) fn declared_oversize(headers: &HeaderMap, limit: usize) -> Option<Response> {
    let length = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())?;
    (length > u64::try_from(limit).unwrap_or(u64::MAX)).then(|| {
        Problem::payload_too_large(format!(
            "the request body is {length} bytes; at most {limit} are accepted"
        ))
        .into_response()
    })
}

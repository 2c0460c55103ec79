//! Answers for requests no route takes: 404 and 405 as `application/problem+json`.

use axum::http::{Method, Uri};

use crate::problem::Problem;

/// The router's fallback: `404` for a path no route matches.
pub(super) async fn route_not_found(uri: Uri) -> Problem {
    Problem::not_found(format!("no resource at {}", uri.path())).with_instance(uri.path())
}

/// The fallback for a known path asked with a method it does not serve: `405`.
///
/// axum adds the `Allow` header to the response after this handler.
pub(super) async fn method_not_allowed(method: Method, uri: Uri) -> Problem {
    Problem::new(axum::http::StatusCode::METHOD_NOT_ALLOWED)
        .with_detail(format!("{method} is not allowed on {}", uri.path()))
        .with_instance(uri.path())
}

//! [`openapi_router`]: `GET /openapi.json`.

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::OpenApi;

use crate::problem::Problem;

/// `GET /openapi.json`: `document` as JSON, serialised once here rather than per request.
///
/// A document that cannot be serialised (it can always be, for documents utoipa built) is
/// answered with a 500 problem rather than a panic.
pub fn openapi_router(document: &OpenApi) -> Router {
    let serialised = serde_json::to_vec(document)
        .map(Bytes::from)
        .map_err(|error| format!("the OpenAPI document: {error}"));
    Router::new().route(
        "/openapi.json",
        get(move || serve_document(serialised.clone())),
    )
}

/// The answer of `GET /openapi.json`.
async fn serve_document(serialised: Result<Bytes, String>) -> Result<impl IntoResponse, Problem> {
    let body = serialised.map_err(Problem::internal_server_error)?;
    Ok(([(CONTENT_TYPE, "application/json")], body))
}

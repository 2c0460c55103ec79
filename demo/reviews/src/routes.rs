//! The reviews API routes and their OpenAPI document, from one list.

use axum::Router;
use shop_kit::openapi::service_document;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers;
use crate::state::ReviewsState;

/// The reviews API, without the server stack or the health, metrics and admin routes (see
/// [`build`](crate::build) for the whole service). The gateway serves it under `/api`.
///
/// | request | answer |
/// |---|---|
/// | `GET /products/{product_id}/reviews?limit=&offset=` | `200 {"items":[{"id","product_id","user_id","rating","text","created_at"}],"limit","offset","total","average_rating"}`, newest first; `average_rating` is over all the product's reviews, `null` without any; `limit` 1 to 100 (default 20), `offset` ≥ 0 (default 0), else `400`; `400` for a product id that is not a UUID. Public. |
/// | `POST /products/{product_id}/reviews` `{"rating","text"}` with `Authorization: Bearer <token>` | `201` the review, by the token's user; `409` of type [`REVIEW_EXISTS_PROBLEM`](crate::REVIEW_EXISTS_PROBLEM) when that user already reviewed the product; `422` with `errors:[{field,message}]` for a rating not 1 to 5, a text not 1 to 2000 characters once trimmed, missing, mistyped or unknown fields; `401` (with `WWW-Authenticate`) without a valid token; `400` malformed JSON or a bad product id; `413` body over [`BODY_LIMIT`](crate::BODY_LIMIT); `415` not JSON |
///
/// The product id is not checked against the catalog (see the [crate docs](crate)). Every
/// error is `application/problem+json`. [`openapi`] describes the same routes.
pub fn router(state: ReviewsState) -> Router {
    api().split_for_parts().0.with_state(state)
}

/// The OpenAPI 3.1 document of the reviews API, served at `GET /openapi.json`.
pub fn openapi() -> OpenApi {
    service_document("reviews", api().into_openapi())
}

/// The routes, each registered with its OpenAPI operation.
fn api() -> OpenApiRouter<ReviewsState> {
    OpenApiRouter::new().routes(routes!(handlers::list_reviews, handlers::post_review))
}

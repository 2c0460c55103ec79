//! The reviews API routes.

use axum::Router;
use axum::routing::get;

use crate::handlers::{list_reviews, post_review};
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
/// error is `application/problem+json`.
pub fn router(state: ReviewsState) -> Router {
    Router::new()
        .route(
            "/products/{product_id}/reviews",
            get(list_reviews).post(post_review),
        )
        .with_state(state)
}

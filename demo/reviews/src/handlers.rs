//! The HTTP handlers of the reviews API and their OpenAPI descriptions; see [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::auth::AuthUser;
use shop_kit::problem::{Problem, ValidJson};

use crate::error::ReviewsError;
use crate::model::{Page, PostReview, Review, ReviewPage};
use crate::repository::PostOutcome;
use crate::request::ProductIdPath;
use crate::state::ReviewsState;
use crate::validation::validate_review;

/// `GET /products/{product_id}/reviews?limit=&offset=`: one page of the product's reviews.
#[utoipa::path(
    get,
    path = "/products/{product_id}/reviews",
    tag = "reviews",
    params(("product_id" = uuid::Uuid, Path, description = "The product reviewed"), Page),
    responses(
        (status = 200, description = "One page of the product's reviews, newest first", body = ReviewPage),
        (status = 400, description = "A bad product id, limit or offset", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_reviews(
    State(state): State<ReviewsState>,
    ProductIdPath(product_id): ProductIdPath,
    page: Page,
) -> Result<Json<ReviewPage>, ReviewsError> {
    let reviews = state.repository.page(product_id, page).await?;
    Ok(Json(ReviewPage {
        items: reviews.items,
        limit: page.limit,
        offset: page.offset,
        total: reviews.total,
        average_rating: reviews.average_rating,
    }))
}

/// `POST /products/{product_id}/reviews`: validates and stores the caller's review; 201 with
/// it, 409 when the caller already reviewed the product.
#[utoipa::path(
    post,
    path = "/products/{product_id}/reviews",
    tag = "reviews",
    params(("product_id" = uuid::Uuid, Path, description = "The product reviewed")),
    request_body = PostReview,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The review, by the token's user", body = Review),
        (status = 400, description = "Malformed JSON or a bad product id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user already reviewed the product", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Rating not 1 to 5, text not 1 to 2000 characters, missing, mistyped or unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn post_review(
    State(state): State<ReviewsState>,
    AuthUser(user_id): AuthUser,
    ProductIdPath(product_id): ProductIdPath,
    ValidJson(review): ValidJson<PostReview>,
) -> Result<(StatusCode, Json<Review>), ReviewsError> {
    let review = validate_review(review).map_err(ReviewsError::InvalidBody)?;
    match state.repository.post(product_id, user_id, review).await? {
        PostOutcome::Created(review) => {
            tracing::info!(review_id = %review.id, %product_id, "review posted");
            Ok((StatusCode::CREATED, Json(review)))
        }
        PostOutcome::AlreadyReviewed => Err(ReviewsError::AlreadyReviewed),
    }
}

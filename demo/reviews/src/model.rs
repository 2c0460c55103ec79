//! The JSON shapes of the reviews API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of `POST /products/{product_id}/reviews`; see
/// [`validate_review`](crate::validation::validate_review) for the rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostReview {
    /// The rating, 1 to 5.
    pub rating: i64,
    /// The review, 1 to 2000 characters once trimmed.
    pub text: String,
}

/// A review as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Review {
    /// The review id (a UUIDv7).
    pub id: Uuid,
    /// The product reviewed.
    pub product_id: Uuid,
    /// The user who wrote it.
    pub user_id: Uuid,
    /// The rating, 1 to 5.
    pub rating: i64,
    /// The text, trimmed.
    pub text: String,
    /// When it was posted, in Unix milliseconds.
    pub created_at: i64,
}

/// One page of `GET /products/{product_id}/reviews`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewPage {
    /// The reviews of this page.
    pub items: Vec<Review>,
    /// The page size asked for.
    pub limit: u32,
    /// How many reviews come before this page.
    pub offset: u64,
    /// How many reviews the product has in all.
    pub total: u64,
    /// The mean rating of all the product's reviews, rounded to two decimals; `null` when
    /// there are none.
    pub average_rating: Option<f64>,
}

/// Which page of reviews to list: `?limit=` and `?offset=`, read and checked by the shared
/// [`shop_kit::paging`] extractor.
pub use shop_kit::paging::Page;

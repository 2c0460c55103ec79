//! [`ReviewRepository`]: every SQL statement of the reviews service.
//!
//! One review per user and product is left to the table's unique constraint: a post inserts,
//! and a conflicting insert is what reports the review as a duplicate, so two concurrent
//! posts by one user for one product cannot both succeed.

use std::time::SystemTime;

use shop_kit::storage::{Storage, StorageError, read_uuid, unix_millis};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::model::{Page, Review};
use crate::validation::NewReview;

/// What `post` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostOutcome {
    /// The review was stored.
    Created(Review),
    /// The user had already reviewed the product; nothing changed.
    AlreadyReviewed,
}

/// A page of one product's reviews with the product's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductReviews {
    /// The reviews of the page, newest first.
    pub items: Vec<Review>,
    /// How many reviews the product has.
    pub total: u64,
    /// The mean rating of all of them, `None` when there are none.
    pub average_rating: Option<f64>,
}

/// The `reviews` table of one [`Storage`]. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct ReviewRepository {
    storage: Storage,
}

impl ReviewRepository {
    /// A repository on `storage`, migrated with [`MIGRATIONS`](crate::migrations::MIGRATIONS).
    pub fn new(storage: Storage) -> Self {
        ReviewRepository { storage }
    }

    /// Stores `review` of `product_id` by `user_id` under a new UUIDv7. A unique-constraint
    /// violation (the user already reviewed the product) is [`PostOutcome::AlreadyReviewed`].
    pub async fn post(
        &self,
        product_id: Uuid,
        user_id: Uuid,
        review: NewReview,
    ) -> Result<PostOutcome, StorageError> {
        let stored = Review {
            id: Uuid::now_v7(),
            product_id,
            user_id,
            rating: review.rating,
            text: review.text,
            created_at: unix_millis(SystemTime::now()),
        };
        let inserted = sqlx::query(
            "INSERT INTO reviews (id, product_id, user_id, rating, text, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(stored.id.to_string())
        .bind(product_id.to_string())
        .bind(user_id.to_string())
        .bind(stored.rating)
        .bind(&stored.text)
        .bind(stored.created_at)
        .execute(self.storage.pool())
        .await;
        match inserted {
            Ok(_) => Ok(PostOutcome::Created(stored)),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Ok(PostOutcome::AlreadyReviewed)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// One page of the reviews of `product_id`, newest first, with the product's count and
    /// mean rating.
    pub async fn page(&self, product_id: Uuid, page: Page) -> Result<ProductReviews, StorageError> {
        let product = product_id.to_string();
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "SELECT id, product_id, user_id, rating, text, created_at FROM reviews
             WHERE product_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(&product)
        .bind(i64::from(page.limit))
        .bind(offset)
        .fetch_all(self.storage.pool())
        .await?;
        let items = rows.iter().map(read_review).collect::<Result<_, _>>()?;
        let totals = sqlx::query(
            "SELECT COUNT(*) AS total, AVG(CAST(rating AS DOUBLE PRECISION)) AS average
             FROM reviews WHERE product_id = $1",
        )
        .bind(&product)
        .fetch_one(self.storage.pool())
        .await?;
        let total: i64 = totals.try_get("total")?;
        let average: Option<f64> = totals.try_get("average")?;
        Ok(ProductReviews {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            average_rating: average.map(|mean| (mean * 100.0).round() / 100.0),
        })
    }

    /// How many reviews there are, of every product.
    pub async fn count(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query("SELECT COUNT(*) AS reviews FROM reviews")
            .fetch_one(self.storage.pool())
            .await?
            .try_get("reviews")?)
    }
}

fn read_review(row: &AnyRow) -> Result<Review, StorageError> {
    Ok(Review {
        id: read_uuid(row, "id")?,
        product_id: read_uuid(row, "product_id")?,
        user_id: read_uuid(row, "user_id")?,
        rating: row.try_get("rating")?,
        text: row.try_get("text")?,
        created_at: row.try_get("created_at")?,
    })
}

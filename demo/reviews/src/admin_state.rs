//! What the reviews service reports on `GET /admin/state`.

use async_trait::async_trait;
use shop_kit::problem::Problem;
use shop_kit::server::AdminState;

use crate::repository::ReviewRepository;

/// Reports `{"reviews": <how many reviews>}`.
#[derive(Debug, Clone)]
pub struct ReviewsAdminState {
    repository: ReviewRepository,
}

impl ReviewsAdminState {
    /// Reports on `repository`.
    pub fn new(repository: ReviewRepository) -> Self {
        ReviewsAdminState { repository }
    }
}

#[async_trait]
impl AdminState for ReviewsAdminState {
    async fn state(&self) -> Result<serde_json::Value, Problem> {
        let reviews = self.repository.count().await.map_err(Problem::from)?;
        Ok(serde_json::json!({ "reviews": reviews }))
    }
}

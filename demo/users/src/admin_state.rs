//! What the users service reports on `GET /admin/state`.

use async_trait::async_trait;
use shop_kit::problem::Problem;
use shop_kit::server::AdminState;

use crate::repository::UserRepository;

/// Reports `{"users": <how many accounts>}`.
#[derive(Debug, Clone)]
pub struct UsersAdminState {
    repository: UserRepository,
}

impl UsersAdminState {
    /// Reports on `repository`.
    pub fn new(repository: UserRepository) -> Self {
        UsersAdminState { repository }
    }
}

#[async_trait]
impl AdminState for UsersAdminState {
    async fn state(&self) -> Result<serde_json::Value, Problem> {
        let users = self.repository.count().await.map_err(Problem::from)?;
        Ok(serde_json::json!({ "users": users }))
    }
}

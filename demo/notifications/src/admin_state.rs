//! What the notifications service reports on `GET /admin/state`.

use async_trait::async_trait;
use shop_kit::problem::Problem;
use shop_kit::server::AdminState;

use crate::repository::NotificationRepository;

/// Reports `{"notifications": <stored>, "processed_events": <handled event ids>}`.
#[derive(Debug, Clone)]
pub struct NotificationsAdminState {
    repository: NotificationRepository,
}

impl NotificationsAdminState {
    /// Reports on `repository`.
    pub fn new(repository: NotificationRepository) -> Self {
        NotificationsAdminState { repository }
    }
}

#[async_trait]
impl AdminState for NotificationsAdminState {
    async fn state(&self) -> Result<serde_json::Value, Problem> {
        let (notifications, events) = self.repository.counts().await.map_err(Problem::from)?;
        Ok(serde_json::json!({
            "notifications": notifications,
            "processed_events": events,
        }))
    }
}

//! The HTTP handlers of the notifications API; see [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::auth::AuthUser;

use crate::error::NotificationsError;
use crate::model::{NotificationPage, Page};
use crate::request::NotificationIdPath;
use crate::state::NotificationsState;

/// `GET /notifications?limit=&offset=`: one page of the caller's inbox, newest first.
pub(crate) async fn list_notifications(
    State(state): State<NotificationsState>,
    AuthUser(caller): AuthUser,
    page: Page,
) -> Result<Json<NotificationPage>, NotificationsError> {
    Ok(Json(state.repository.inbox(caller, page).await?))
}

/// `POST /notifications/{id}/read`: marks one of the caller's notifications read; 404 for
/// an unknown id or another user's.
pub(crate) async fn mark_read(
    State(state): State<NotificationsState>,
    AuthUser(caller): AuthUser,
    NotificationIdPath(id): NotificationIdPath,
) -> Result<StatusCode, NotificationsError> {
    if state.repository.mark_read(caller, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(NotificationsError::NotFound(id))
    }
}

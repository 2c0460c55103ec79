//! The HTTP handlers of the notifications API and their OpenAPI descriptions; see [`router`](crate::router) for the routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shop_kit::auth::AuthUser;
use shop_kit::problem::Problem;

use crate::error::NotificationsError;
use crate::model::{NotificationPage, Page};
use crate::request::NotificationIdPath;
use crate::state::NotificationsState;

/// `GET /notifications?limit=&offset=`: one page of the caller's inbox, newest first.
#[utoipa::path(
    get,
    path = "/notifications",
    tag = "notifications",
    params(Page),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of the token's user's inbox, newest first", body = NotificationPage),
        (status = 400, description = "A bad limit or offset", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_notifications(
    State(state): State<NotificationsState>,
    AuthUser(caller): AuthUser,
    page: Page,
) -> Result<Json<NotificationPage>, NotificationsError> {
    Ok(Json(state.repository.inbox(caller, page).await?))
}

/// `POST /notifications/{id}/read`: marks one of the caller's notifications read; 404 for
/// an unknown id or another user's.
#[utoipa::path(
    post,
    path = "/notifications/{id}/read",
    tag = "notifications",
    params(("id" = uuid::Uuid, Path, description = "The notification id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Marked read (now or before)"),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such notification of the token's user", body = Problem, content_type = "application/problem+json"),
    )
)]
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

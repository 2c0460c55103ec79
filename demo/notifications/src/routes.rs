//! The notifications API routes.

use axum::Router;
use axum::routing::{get, post};

use crate::handlers::{list_notifications, mark_read};
use crate::state::NotificationsState;

/// The notifications API, without the server stack or the health, metrics and admin routes
/// (see [`build`](crate::build) for the whole service). The gateway serves it under `/api`.
///
/// | request | answer |
/// |---|---|
/// | `GET /notifications?limit=&offset=` with `Authorization: Bearer <token>` | `200 {"items":[{"id","kind","title","body","created_at","read"}],"limit","offset","total"}`: the token's user's notifications only, newest first (`created_at` in Unix milliseconds); `limit` 1 to 100 (default 20), `offset` ≥ 0 (default 0), else `400` |
/// | `POST /notifications/{id}/read` with `Authorization: Bearer <token>` | `204`, the notification is marked read (again: still `204`); `404` for an unknown id or another user's; `400` for an id that is not a UUID |
///
/// Both answer `401` (with `WWW-Authenticate`) without a valid token. Every error is
/// `application/problem+json`.
pub fn router(state: NotificationsState) -> Router {
    Router::new()
        .route("/notifications", get(list_notifications))
        .route("/notifications/{id}/read", post(mark_read))
        .with_state(state)
}

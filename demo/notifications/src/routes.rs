//! The notifications API routes and their OpenAPI document, from one list.

use axum::Router;
use shop_kit::openapi::service_document;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers;
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
/// `application/problem+json`. [`openapi`] describes the same routes.
pub fn router(state: NotificationsState) -> Router {
    api().split_for_parts().0.with_state(state)
}

/// The OpenAPI 3.1 document of the notifications API, served at `GET /openapi.json`.
pub fn openapi() -> OpenApi {
    service_document("notifications", api().into_openapi())
}

/// The routes, each registered with its OpenAPI operation.
fn api() -> OpenApiRouter<NotificationsState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_notifications))
        .routes(routes!(handlers::mark_read))
}

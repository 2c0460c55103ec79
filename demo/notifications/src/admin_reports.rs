//! The notifications service's read-only admin listing, behind the admin token next to
//! `/admin/state`: the events it has turned into notifications, which `shop check` matches
//! against the completed orders.
//!
//! | request | answer |
//! |---|---|
//! | `GET /admin/notifications?limit=&offset=` | `200 {"items":[{"event_id","kind","user_id","created_at"}],"limit","offset","total"}`, ordered by event id |
//!
//! Paging is the shared [`shop_kit::paging`] one (`400` for a bad `limit` or `offset`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use shop_kit::problem::Problem;

use crate::model::{NotifiedEvent, Page};
use crate::repository::NotificationRepository;

/// One page of `GET /admin/notifications`.
#[derive(Debug, Serialize)]
struct NotifiedPage {
    items: Vec<NotifiedEvent>,
    limit: u32,
    offset: u64,
    total: u64,
}

/// The admin listing on `repository`; see the [module docs](self). Put it behind the
/// admin token with [`shop_kit::server::admin_routes`].
pub fn admin_reports(repository: NotificationRepository) -> Router {
    Router::new()
        .route("/admin/notifications", get(notified))
        .with_state(repository)
}

async fn notified(
    State(repository): State<NotificationRepository>,
    page: Page,
) -> Result<Json<NotifiedPage>, Problem> {
    let (items, total) = repository.notified(page).await.map_err(Problem::from)?;
    Ok(Json(NotifiedPage {
        items,
        limit: page.limit,
        offset: page.offset,
        total,
    }))
}

//! The products service's read-only admin listings, behind the admin token next to
//! `/admin/state`: what `shop check` reads to verify the stock invariant.
//!
//! | request | answer |
//! |---|---|
//! | `GET /admin/stock?limit=&offset=` | `200 {"items":[{"id","name","price","currency","stock"}],"limit","offset","total"}`, ordered by name |
//! | `GET /admin/reservations?limit=&offset=` | `200 {"items":[{"order_id","product_id","quantity","status"}],"limit","offset","total"}`, ordered by order and product; `status` is `reserved` or `released` |
//!
//! Paging is the shared [`shop_kit::paging`] one (`400` for a bad `limit` or `offset`).
//! They sit outside the server stack, so injected faults never hit them.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use shop_kit::problem::Problem;

use crate::model::{Page, ProductPage, Reservation};
use crate::repository::ProductRepository;

/// One page of `GET /admin/reservations`.
#[derive(Debug, Serialize)]
struct ReservationPage {
    items: Vec<Reservation>,
    limit: u32,
    offset: u64,
    total: u64,
}

/// The admin listings on `repository`; see the [module docs](self). Put them behind the
/// admin token with [`shop_kit::server::admin_routes`].
pub fn admin_reports(repository: ProductRepository) -> Router {
    Router::new()
        .route("/admin/stock", get(stock))
        .route("/admin/reservations", get(reservations))
        .with_state(repository)
}

async fn stock(
    State(repository): State<ProductRepository>,
    page: Page,
) -> Result<Json<ProductPage>, Problem> {
    let (items, total) = repository.page(page).await.map_err(Problem::from)?;
    Ok(Json(ProductPage {
        items,
        limit: page.limit,
        offset: page.offset,
        total,
    }))
}

async fn reservations(
    State(repository): State<ProductRepository>,
    page: Page,
) -> Result<Json<ReservationPage>, Problem> {
    let (items, total) = repository.reservations(page).await.map_err(Problem::from)?;
    Ok(Json(ReservationPage {
        items,
        limit: page.limit,
        offset: page.offset,
        total,
    }))
}

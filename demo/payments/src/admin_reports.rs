//! The payments service's read-only admin listing, behind the admin token next to
//! `/admin/state`: what `shop check` reads to find double charges and charges without a
//! completed order.
//!
//! | request | answer |
//! |---|---|
//! | `GET /admin/payments?limit=&offset=` | `200 {"items":[{"id","order_id","user_id","amount","currency","status","provider_ref","refund_ref"}],"limit","offset","total"}`, ordered by order; `status` is `pending`, `charged`, `declined` or `refunded` |
//!
//! Paging is the shared [`shop_kit::paging`] one (`400` for a bad `limit` or `offset`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use shop_kit::paging::Page;
use shop_kit::problem::Problem;

use crate::model::Payment;
use crate::repository::PaymentRepository;

/// One page of `GET /admin/payments`.
#[derive(Debug, Serialize)]
struct PaymentPage {
    items: Vec<Payment>,
    limit: u32,
    offset: u64,
    total: u64,
}

/// The admin listing on `repository`; see the [module docs](self). Put it behind the
/// admin token with [`shop_kit::server::admin_routes`].
pub fn admin_reports(repository: PaymentRepository) -> Router {
    Router::new()
        .route("/admin/payments", get(payments))
        .with_state(repository)
}

async fn payments(
    State(repository): State<PaymentRepository>,
    page: Page,
) -> Result<Json<PaymentPage>, Problem> {
    let (items, total) = repository.page(page).await.map_err(Problem::from)?;
    Ok(Json(PaymentPage {
        items,
        limit: page.limit,
        offset: page.offset,
        total,
    }))
}

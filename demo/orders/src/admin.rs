//! The orders service's admin reports, behind the admin token:
//!
//! | request | answer |
//! |---|---|
//! | `GET /admin/state` | `state`: `{"orders":{"pending","compensating","completed","cancelled"},"running_sagas","recovered","swept"}`: orders per status, the sagas running in this process, and the sagas the start-up recovery and the sweep finished since it started |
//! | `GET /admin/orders?limit=&offset=` | `200 {"items":[{"id","user_id","product_id","quantity","total","currency","status","failure_reason","completed_event_id","created_at","updated_at"}],"limit","offset","total"}`, ordered by id; `completed_event_id` is the id of the order's `order.completed` event, for a completed order |
//!
//! Paging is the shared [`shop_kit::paging`] one (`400` for a bad `limit` or `offset`).
//! `shop check` reads these to verify the shop's invariants.

use async_trait::async_trait;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use shop_kit::bus::EventKind;
use shop_kit::paging::Page;
use shop_kit::problem::Problem;
use shop_kit::server::AdminState;
use uuid::Uuid;

use crate::events::event_id;
use crate::model::{FailureReason, Order, OrderStatus};
use crate::saga::Saga;

/// Reports the orders per status and what the sagas of this process did, on
/// `GET /admin/state`.
#[derive(Debug, Clone)]
pub struct OrdersAdminState {
    saga: Saga,
}

impl OrdersAdminState {
    /// Reports on `saga`, its repository and its counters.
    pub fn new(saga: Saga) -> Self {
        OrdersAdminState { saga }
    }
}

#[async_trait]
impl AdminState for OrdersAdminState {
    async fn state(&self) -> Result<serde_json::Value, Problem> {
        let counts = self
            .saga
            .repository()
            .counts()
            .await
            .map_err(Problem::from)?;
        let orders: serde_json::Map<String, serde_json::Value> = counts
            .into_iter()
            .map(|(status, count)| (status.as_str().to_owned(), count.into()))
            .collect();
        let sagas = self.saga.stats().counts();
        Ok(serde_json::json!({
            "orders": orders,
            "running_sagas": self.saga.running().len(),
            "recovered": sagas.recovered,
            "swept": sagas.swept,
        }))
    }
}

/// One order of `GET /admin/orders`.
#[derive(Debug, Serialize)]
struct AdminOrder {
    id: Uuid,
    user_id: Uuid,
    product_id: Uuid,
    quantity: i64,
    total: Option<i64>,
    currency: Option<String>,
    status: OrderStatus,
    failure_reason: Option<FailureReason>,
    completed_event_id: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
}

impl From<Order> for AdminOrder {
    fn from(order: Order) -> Self {
        let completed_event_id = (order.status == OrderStatus::Completed)
            .then(|| event_id(order.id, EventKind::OrderCompleted));
        AdminOrder {
            id: order.id,
            user_id: order.user_id,
            product_id: order.product_id,
            quantity: order.quantity,
            total: order.total,
            currency: order.currency,
            status: order.status,
            failure_reason: order.failure_reason,
            completed_event_id,
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}

/// One page of `GET /admin/orders`.
#[derive(Debug, Serialize)]
struct AdminOrderPage {
    items: Vec<AdminOrder>,
    limit: u32,
    offset: u64,
    total: u64,
}

/// `GET /admin/orders` on `saga`'s repository; see the [module docs](self). Put it behind
/// the admin token with [`shop_kit::server::admin_routes`].
pub fn admin_reports(saga: Saga) -> Router {
    Router::new()
        .route("/admin/orders", get(orders))
        .with_state(saga)
}

async fn orders(State(saga): State<Saga>, page: Page) -> Result<Json<AdminOrderPage>, Problem> {
    let (orders, total) = saga.repository().page(page).await.map_err(Problem::from)?;
    Ok(Json(AdminOrderPage {
        items: orders.into_iter().map(AdminOrder::from).collect(),
        limit: page.limit,
        offset: page.offset,
        total,
    }))
}

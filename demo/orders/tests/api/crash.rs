//! `ordersCrashMidSaga`: put through `PUT /admin/faults/ordersCrashMidSaga`, it abandons
//! sagas right after the chosen step as if the process had died: a 503 problem+json, no
//! compensation by the request, the order left `pending`; the sweep then finishes it so
//! that stock and payments balance.

use std::time::Duration;

use axum::http::StatusCode;
use orders::faults::{CrashPoint, ORDERS_CRASH_MID_SAGA, orders_crash_mid_saga};
use orders::saga::SagaSettings;
use serde_json::Value;
use shop_testing::faults::{delete_fault, put_fault};
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, Orders, Reply, Shop, eventually, lantern};

/// A sweep every 100 ms of orders quiet for one second.
fn quick_sweep() -> SagaSettings {
    SagaSettings {
        sweep_every: Duration::from_millis(100),
        stuck_after: Duration::from_secs(1),
        ..SagaSettings::default()
    }
}

/// The `step`/`status` pairs of an order's saga log.
fn log_of(order: &Value) -> Vec<(String, String)> {
    order["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| {
            (
                step["step"].as_str().expect("a step").to_owned(),
                step["status"].as_str().expect("a status").to_owned(),
            )
        })
        .collect()
}

/// Puts the crash fault at `point` at 100% through the admin API, places an order of 3
/// lanterns and checks it was abandoned: 503 problem+json naming the pending order.
async fn abandoned_order(orders: &Orders, user: Uuid, point: CrashPoint) -> String {
    let spec = serde_json::to_value(orders_crash_mid_saga(point, 100)).expect("JSON");
    let put = put_fault(
        orders.app.router(),
        ADMIN_TOKEN,
        ORDERS_CRASH_MID_SAGA,
        &spec,
    )
    .await;
    assert_eq!(put.status, StatusCode::CREATED, "{put:?}");

    let reply: Reply = orders.place(user, lantern(), 3, None).await;

    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert_eq!(reply.content_type(), Some("application/problem+json"));
    assert_eq!(reply.json["type"], orders::ORDER_ABANDONED_PROBLEM);
    assert_eq!(reply.json["order_status"], "pending");
    let deleted = delete_fault(orders.app.router(), ADMIN_TOKEN, ORDERS_CRASH_MID_SAGA).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    reply.json["order_id"]
        .as_str()
        .expect("an order id")
        .to_owned()
}

async fn status_of(orders: &Orders, user: Uuid, id: &str) -> Value {
    orders.get(user, id).await.json["status"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saga_abandoned_after_the_reserve_is_compensated_by_the_sweep() {
    let shop = Shop::start().await;
    let orders = shop.orders_with(None, quick_sweep()).await;
    let user = Uuid::new_v4();

    let id = abandoned_order(&orders, user, CrashPoint::AfterReserve).await;

    // Left exactly where the "crash" was: reserved, not charged, nothing undone.
    let order = orders.get(user, &id).await.json;
    assert_eq!(order["status"], "pending", "{order}");
    let log = log_of(&order);
    assert_eq!(
        log.last(),
        Some(&("reserve_stock".to_owned(), "done".to_owned())),
        "{order}"
    );
    assert_eq!(shop.stock(lantern()).await, 37);
    assert_eq!(shop.payments.provider_calls().charges, 0);

    eventually("the sweep cancels the order", || async {
        status_of(&orders, user, &id).await == "cancelled"
    })
    .await;
    let order = orders.get(user, &id).await.json;
    assert_eq!(order["failure_reason"], "interrupted");
    assert!(log_of(&order).contains(&("reserve_stock".to_owned(), "compensated".to_owned())));
    assert_eq!(shop.stock(lantern()).await, 40);
    assert_eq!(shop.payment(user, &id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(orders.app.saga_counts().swept, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saga_abandoned_after_the_charge_is_confirmed_by_the_sweep() {
    let shop = Shop::start().await;
    let orders = shop.orders_with(None, quick_sweep()).await;
    let user = Uuid::new_v4();

    let id = abandoned_order(&orders, user, CrashPoint::AfterCharge).await;

    let order = orders.get(user, &id).await.json;
    assert_eq!(order["status"], "pending", "{order}");
    assert_eq!(
        log_of(&order).last(),
        Some(&("charge".to_owned(), "done".to_owned())),
        "{order}"
    );
    assert_eq!(shop.stock(lantern()).await, 37);
    assert_eq!(shop.payment(user, &id).await.json["status"], "charged");

    eventually("the sweep completes the order", || async {
        status_of(&orders, user, &id).await == "completed"
    })
    .await;
    // Balanced: the stock held for the order, one charge, kept.
    assert_eq!(shop.stock(lantern()).await, 37);
    let payment = shop.payment(user, &id).await;
    assert_eq!(payment.json["status"], "charged");
    assert_eq!(payment.json["amount"], 14700);
    assert_eq!(shop.payments.provider_calls().charges, 1);
    assert_eq!(orders.app.saga_counts().swept, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_fault_or_at_another_point_sagas_run_through() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let user = Uuid::new_v4();
    // A crash spec for no point of the saga (another route) leaves it alone.
    let elsewhere =
        serde_json::json!({"kind": "abort", "match": {"route": "/_saga/after/confirm"}});
    let put = put_fault(
        orders.app.router(),
        ADMIN_TOKEN,
        ORDERS_CRASH_MID_SAGA,
        &elsewhere,
    )
    .await;
    assert_eq!(put.status, StatusCode::CREATED, "{put:?}");

    let reply = orders.place(user, lantern(), 1, None).await;

    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.json["status"], "completed");
}

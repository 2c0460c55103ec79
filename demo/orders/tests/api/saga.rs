//! The saga's outcomes: completed, and compensated for each kind of failure.

use axum::http::StatusCode;
use payments::faults::{
    PAYMENT_FAILURE, PAYMENT_UNREACHABLE, payment_failure, payment_unreachable,
};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{Shop, lantern};

/// The `step`/`status` pairs of an order's saga log.
fn log_of(order: &serde_json::Value) -> Vec<(String, String)> {
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

fn logged(order: &serde_json::Value, step: &str, status: &str) -> bool {
    log_of(order).contains(&(step.to_owned(), status.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_reserves_charges_and_completes() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let user = Uuid::new_v4();

    let reply = orders.place(user, lantern(), 2, None).await;

    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let order = &reply.json;
    assert_eq!(order["status"], "completed");
    assert_eq!(order["product_id"], lantern().to_string());
    assert_eq!(order["quantity"], 2);
    assert_eq!(order["total"], 9800);
    assert_eq!(order["currency"], "EUR");
    assert_eq!(order["user_id"], user.to_string());
    let id = order["id"].as_str().expect("an id");
    for step in [
        "check_user",
        "read_product",
        "reserve_stock",
        "charge",
        "confirm",
    ] {
        assert!(logged(order, step, "started"), "{step} started: {order}");
        assert!(logged(order, step, "done"), "{step} done: {order}");
    }
    assert_eq!(shop.stock(lantern()).await, 38);
    let payment = shop.payment(user, id).await;
    assert_eq!(payment.status, StatusCode::OK);
    assert_eq!(payment.json["status"], "charged");
    assert_eq!(payment.json["amount"], 9800);
    assert_eq!(shop.payments.provider_calls().charges, 1);
    let completed = shop.published(EventKind::OrderCompleted, 1).await;
    assert_eq!(
        completed[0],
        serde_json::json!({"order_id": id, "user_id": user, "total": 9800, "currency": "EUR"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_stock_is_409_with_nothing_reserved_or_charged() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let user = Uuid::new_v4();

    let reply = orders.place(user, lantern(), 41, None).await;

    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    assert_eq!(reply.json["failure_reason"], "out_of_stock");
    assert_eq!(reply.json["order_status"], "cancelled");
    let id = reply.json["order_id"].as_str().expect("an order id");
    assert_eq!(shop.stock(lantern()).await, 40);
    assert_eq!(shop.payment(user, id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(shop.payments.provider_calls().charges, 0);
    let cancelled = shop.published(EventKind::OrderCancelled, 1).await;
    assert_eq!(
        cancelled[0],
        serde_json::json!({"order_id": id, "user_id": user, "reason": "out_of_stock"})
    );
    shop.published(EventKind::OrderCompleted, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_payment_is_402_and_releases_the_stock() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    shop.payments
        .faults()
        .put(PAYMENT_FAILURE, payment_failure(100))
        .expect("the fault is put");
    let user = Uuid::new_v4();

    let reply = orders.place(user, lantern(), 3, None).await;

    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{reply:?}");
    assert_eq!(reply.json["failure_reason"], "payment_declined");
    let id = reply.json["order_id"].as_str().expect("an order id");
    assert_eq!(shop.stock(lantern()).await, 40);
    let order = orders.get(user, id).await;
    assert_eq!(order.json["status"], "cancelled");
    assert!(logged(&order.json, "charge", "failed"), "{order:?}");
    assert!(
        logged(&order.json, "reserve_stock", "compensated"),
        "{order:?}"
    );
    assert!(logged(&order.json, "charge", "compensated"), "{order:?}");
    let cancelled = shop.published(EventKind::OrderCancelled, 1).await;
    assert_eq!(cancelled[0]["reason"], "payment_declined");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_payments_is_503_and_releases_the_stock() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    shop.payments
        .faults()
        .put(PAYMENT_UNREACHABLE, payment_unreachable(100))
        .expect("the fault is put");
    let user = Uuid::new_v4();

    let reply = orders.place(user, lantern(), 1, None).await;

    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert_eq!(reply.json["failure_reason"], "unavailable");
    assert_eq!(reply.json["order_status"], "cancelled");
    assert_eq!(shop.stock(lantern()).await, 40);
    assert_eq!(shop.payments.provider_calls().charges, 0);
    let cancelled = shop.published(EventKind::OrderCancelled, 1).await;
    assert_eq!(cancelled[0]["reason"], "unavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_product_is_404_and_cancelled() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;

    let reply = orders.place(Uuid::new_v4(), Uuid::new_v4(), 1, None).await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert_eq!(reply.json["failure_reason"], "product_not_found");
    shop.published(EventKind::OrderCancelled, 1).await;
}

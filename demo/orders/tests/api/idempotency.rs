//! `Idempotency-Key`: a repeated request answers the first order's result.

use axum::http::StatusCode;
use payments::faults::{PAYMENT_FAILURE, payment_failure};
use shop_kit::bus::EventKind;
use uuid::Uuid;

use crate::common::{Shop, lantern};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_key_returns_the_same_order_charged_once() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let user = Uuid::new_v4();

    let first = orders.place(user, lantern(), 2, Some("checkout-1")).await;
    let again = orders.place(user, lantern(), 2, Some("checkout-1")).await;

    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert_eq!(again.status, StatusCode::CREATED, "{again:?}");
    assert_eq!(first.json["id"], again.json["id"]);
    assert_eq!(again.json["status"], "completed");
    assert_eq!(shop.payments.provider_calls().charges, 1);
    assert_eq!(shop.stock(lantern()).await, 38);
    shop.published(EventKind::OrderCompleted, 1).await;

    let other_user = orders
        .place(Uuid::new_v4(), lantern(), 2, Some("checkout-1"))
        .await;
    assert_eq!(other_user.status, StatusCode::CREATED);
    assert_ne!(other_user.json["id"], first.json["id"]);
    let other_key = orders.place(user, lantern(), 2, Some("checkout-2")).await;
    assert_ne!(other_key.json["id"], first.json["id"]);
    assert_eq!(shop.payments.provider_calls().charges, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_key_of_a_failed_order_answers_the_same_failure() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let faults = shop.payments.faults();
    faults
        .put(PAYMENT_FAILURE, payment_failure(100))
        .expect("the fault is put");
    let user = Uuid::new_v4();

    let first = orders.place(user, lantern(), 1, Some("k")).await;
    faults.remove(PAYMENT_FAILURE);
    let again = orders.place(user, lantern(), 1, Some("k")).await;

    assert_eq!(first.status, StatusCode::PAYMENT_REQUIRED, "{first:?}");
    assert_eq!(again.status, StatusCode::PAYMENT_REQUIRED, "{again:?}");
    assert_eq!(first.json["order_id"], again.json["order_id"]);
    shop.published(EventKind::OrderCancelled, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_key_is_400() {
    let shop = Shop::start().await;
    let orders = shop.orders().await;
    let long = "k".repeat(256);

    let reply = orders
        .place(Uuid::new_v4(), lantern(), 1, Some(&long))
        .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
}

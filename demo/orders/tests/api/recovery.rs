//! Start-up recovery of sagas a stopped process left unfinished.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use shop_kit::bus::EventKind;
use shop_kit::storage::{Storage, TestDatabase, migrator};
use uuid::Uuid;

use crate::common::{Shop, eventually, lantern, reserve, send, write_interrupted};

/// Writes a `pending` order of `user` for 3 lanterns (14700 EUR cents), and its saga log
/// up to `reserve_stock done` (and `charge done` when `charged`), straight into a new
/// orders database, as a crash would leave it.
async fn interrupted_order(order: Uuid, user: Uuid, charged: bool) -> TestDatabase {
    let database = shop_testing::sqlite_database();
    let storage = Storage::open(database.url(), &migrator(orders::migrations::MIGRATIONS))
        .await
        .expect("the orders database");
    write_interrupted(&storage, order, user, charged).await;
    storage.close().await;
    database
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_saga_is_compensated_at_start_up() {
    let shop = Shop::start().await;
    let order = Uuid::new_v4();
    let user = Uuid::new_v4();
    reserve(&shop, order).await;
    let database = interrupted_order(order, user, false).await;

    let orders = shop.orders_on(Some(database)).await;

    let id = order.to_string();
    eventually("the order is cancelled", || async {
        orders.get(user, &id).await.json["status"] == "cancelled"
    })
    .await;
    eventually("the recovery task ends", || async {
        orders.app.recovery_finished()
    })
    .await;
    assert_eq!(shop.stock(lantern()).await, 40);
    let cancelled = shop.published(EventKind::OrderCancelled, 1).await;
    assert_eq!(
        cancelled[0],
        serde_json::json!({"order_id": order, "user_id": user, "reason": "interrupted"})
    );
    let log = orders.get(user, &id).await.json;
    let compensated = log["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .any(|step| step["step"] == "reserve_stock" && step["status"] == "compensated");
    assert!(compensated, "{log}");
    assert_eq!(shop.payments.provider_calls().charges, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_saga_that_charged_is_confirmed_at_start_up() {
    let shop = Shop::start().await;
    let order = Uuid::new_v4();
    let user = Uuid::new_v4();
    reserve(&shop, order).await;
    let charged = send(
        shop.payments.router(),
        Request::post("/payments")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({"order_id": order, "user_id": user, "amount": 14700, "currency": "EUR"})
                    .to_string(),
            ))
            .expect("a request"),
    )
    .await;
    assert_eq!(charged.status, StatusCode::CREATED, "{charged:?}");
    let database = interrupted_order(order, user, true).await;

    let orders = shop.orders_on(Some(database)).await;

    let id = order.to_string();
    eventually("the order is completed", || async {
        orders.get(user, &id).await.json["status"] == "completed"
    })
    .await;
    assert_eq!(shop.stock(lantern()).await, 37);
    assert_eq!(shop.payments.provider_calls().refunds, 0);
    let completed = shop.published(EventKind::OrderCompleted, 1).await;
    assert_eq!(
        completed[0],
        serde_json::json!({"order_id": order, "user_id": user, "total": 14700, "currency": "EUR"})
    );
}

//! Start-up recovery of sagas a stopped process left unfinished.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use shop_kit::bus::EventKind;
use shop_kit::storage::{Storage, TestDatabase, migrator};
use uuid::Uuid;

use crate::common::{Shop, eventually, lantern, send};

/// Writes a `pending` order of `user` for 3 lanterns (14700 EUR cents), and its saga log
/// up to `reserve_stock done` (and `charge done` when `charged`), straight into a new
/// orders database, as a crash would leave it.
async fn interrupted_order(order: Uuid, user: Uuid, charged: bool) -> TestDatabase {
    let database = TestDatabase::sqlite().expect("a SQLite database");
    let storage = Storage::open(database.url(), &migrator(orders::migrations::MIGRATIONS))
        .await
        .expect("the orders database");
    sqlx::query(
        "INSERT INTO orders (id, user_id, product_id, quantity, unit_price, total, currency,
                             status, created_at, updated_at)
         VALUES ($1, $2, $3, 3, 4900, 14700, 'EUR', 'pending', 1, 1)",
    )
    .bind(order.to_string())
    .bind(user.to_string())
    .bind(lantern().to_string())
    .execute(storage.pool())
    .await
    .expect("the order is written");
    let mut log = vec![
        ("check_user", "started"),
        ("check_user", "done"),
        ("read_product", "started"),
        ("read_product", "done"),
        ("reserve_stock", "started"),
        ("reserve_stock", "done"),
    ];
    if charged {
        log.extend([("charge", "started"), ("charge", "done")]);
    }
    for (seq, (step, status)) in (1_i64..).zip(log) {
        sqlx::query(
            "INSERT INTO saga_steps (order_id, seq, step, status, detail, at)
             VALUES ($1, $2, $3, $4, NULL, 1)",
        )
        .bind(order.to_string())
        .bind(seq)
        .bind(step)
        .bind(status)
        .execute(storage.pool())
        .await
        .expect("the step is written");
    }
    storage.close().await;
    database
}

/// Reserves 3 lanterns for `order` at the products service.
async fn reserve(shop: &Shop, order: Uuid) {
    let reserved = send(
        shop.products.router(),
        Request::post(format!("/products/{}/reservations", lantern()))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(
                r#"{{"order_id":"{order}","quantity":3}}"#
            )))
            .expect("a request"),
    )
    .await;
    assert_eq!(reserved.status, StatusCode::CREATED, "{reserved:?}");
    assert_eq!(shop.stock(lantern()).await, 37);
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

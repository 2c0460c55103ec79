//! The same saga with the orders database on PostgreSQL (products and payments stay on
//! SQLite). Needs the server of `TestDatabase::postgres`, unless `SHOP_TEST_POSTGRES=skip`.

use axum::http::StatusCode;
use shop_kit::bus::EventKind;
use shop_testing::postgres_database;
use uuid::Uuid;

use crate::common::{Shop, lantern};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_complete_cancel_and_dedupe_on_postgres() {
    let Some(database) = postgres_database().await else {
        return;
    };
    let shop = Shop::start().await;
    let orders = shop.orders_on(Some(database)).await;
    let user = Uuid::new_v4();

    let first = orders.place(user, lantern(), 2, Some("pg-key")).await;
    let again = orders.place(user, lantern(), 2, Some("pg-key")).await;
    let short = orders.place(user, lantern(), 39, None).await;

    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert_eq!(first.json["id"], again.json["id"]);
    assert_eq!(short.status, StatusCode::CONFLICT, "{short:?}");
    assert_eq!(shop.stock(lantern()).await, 38);
    assert_eq!(shop.payments.provider_calls().charges, 1);
    let id = first.json["id"].as_str().expect("an id");
    let read = orders.get(user, id).await;
    assert_eq!(read.json, first.json);
    shop.published(EventKind::OrderCompleted, 1).await;
    shop.published(EventKind::OrderCancelled, 1).await;
}

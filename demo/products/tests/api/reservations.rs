//! Reserving and releasing stock: atomic, idempotent per order, never oversold.

use axum::http::StatusCode;
use products::catalog::CATALOG;
use products::{OUT_OF_STOCK_PROBLEM, RESERVATION_CONFLICT_PROBLEM};
use sqlx::Row;
use uuid::Uuid;

use crate::common::{TestApp, TestService, reserve_request, send};

fn product(slug: &str) -> (Uuid, i64) {
    let entry = CATALOG
        .iter()
        .find(|entry| entry.slug == slug)
        .unwrap_or_else(|| panic!("{slug} is in the catalog"));
    (entry.product_id(), entry.stock)
}

async fn reserving_twice_for_one_order_takes_the_stock_once(app: &TestApp) {
    let (lantern, initial) = product("harbour-lantern");
    let order = Uuid::new_v4();

    let first = app.reserve(lantern, order, 3).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert_eq!(
        first.json,
        serde_json::json!({
            "order_id": order, "product_id": lantern, "quantity": 3, "status": "reserved"
        })
    );
    assert_eq!(app.stock(lantern).await, initial - 3);

    let again = app.reserve(lantern, order, 3).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.json, first.json);
    assert_eq!(app.stock(lantern).await, initial - 3);

    let other_quantity = app.reserve(lantern, order, 4).await;
    other_quantity.assert_problem(StatusCode::CONFLICT);
    assert_eq!(other_quantity.json["type"], RESERVATION_CONFLICT_PROBLEM);
    assert_eq!(app.stock(lantern).await, initial - 3);

    let product_view = app.get(&format!("/products/{lantern}")).await;
    assert_eq!(product_view.json["stock"], initial - 3);

    let other_order = app.reserve(lantern, Uuid::new_v4(), 1).await;
    assert_eq!(other_order.status, StatusCode::CREATED);
    assert_eq!(app.stock(lantern).await, initial - 4);

    let (compass, compass_stock) = product("brass-compass");
    let same_order_other_product = app.reserve(compass, order, 2).await;
    assert_eq!(same_order_other_product.status, StatusCode::CREATED);
    assert_eq!(app.stock(compass).await, compass_stock - 2);
}

async fn short_stock_is_409_and_changes_nothing(app: &TestApp) {
    let (bottle, initial) = product("ship-in-a-bottle");
    let order = Uuid::new_v4();

    let refused = app.reserve(bottle, order, initial + 1).await;
    refused.assert_problem(StatusCode::CONFLICT);
    assert_eq!(refused.json["type"], OUT_OF_STOCK_PROBLEM);
    assert_eq!(refused.json["available"], initial);
    assert_eq!(refused.json["requested"], initial + 1);
    assert_eq!(app.stock(bottle).await, initial);

    // The refused order left no reservation behind: it can reserve what there is.
    let fits = app.reserve(bottle, order, initial).await;
    assert_eq!(fits.status, StatusCode::CREATED, "{fits:?}");
    assert_eq!(app.stock(bottle).await, 0);

    let sold_out = app.reserve(bottle, Uuid::new_v4(), 1).await;
    sold_out.assert_problem(StatusCode::CONFLICT);
    assert_eq!(sold_out.json["available"], 0);
}

async fn fifty_concurrent_orders_for_ten_units_sell_exactly_ten(app: &TestApp) {
    let (hammock, _) = product("rope-hammock");
    app.set_stock(hammock, 10).await;

    let calls = (0..50).map(|_| {
        let router = app.router();
        tokio::spawn(async move { send(router, reserve_request(hammock, Uuid::new_v4(), 1)).await })
    });
    let mut created = 0;
    let mut conflicts = 0;
    for call in calls.collect::<Vec<_>>() {
        let reply = call.await.expect("the call task");
        match reply.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                reply.assert_problem(StatusCode::CONFLICT);
                assert_eq!(reply.json["type"], OUT_OF_STOCK_PROBLEM);
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {reply:?}"),
        }
    }
    assert_eq!((created, conflicts), (10, 40));
    assert_eq!(app.stock(hammock).await, 0);

    let row = sqlx::query(
        "SELECT COUNT(*) AS reservations, CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS units
         FROM reservations WHERE product_id = $1 AND status = 'reserved'",
    )
    .bind(hammock.to_string())
    .fetch_one(app.app.storage().pool())
    .await
    .expect("the reservation totals");
    assert_eq!(row.get::<i64, _>("reservations"), 10);
    assert_eq!(row.get::<i64, _>("units"), 10);
}

async fn the_same_order_reserving_concurrently_takes_the_stock_once(app: &TestApp) {
    let (tote, initial) = product("sailcloth-tote");
    let order = Uuid::new_v4();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let router = app.router();
            tokio::spawn(async move { send(router, reserve_request(tote, order, 5)).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.expect("the call task").status);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|status| **status == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::CREATED || *status == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(app.stock(tote).await, initial - 5);
}

async fn releasing_gives_the_stock_back_once(app: &TestApp) {
    let (mug, initial) = product("lighthouse-mug");
    let order = Uuid::new_v4();
    assert_eq!(app.reserve(mug, order, 7).await.status, StatusCode::CREATED);
    assert_eq!(app.stock(mug).await, initial - 7);

    let released = app.release(mug, order).await;
    assert_eq!(released.status, StatusCode::NO_CONTENT, "{released:?}");
    assert_eq!(app.stock(mug).await, initial);

    let again = app.release(mug, order).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    assert_eq!(app.stock(mug).await, initial);

    // A released order cannot take the stock again.
    let reserve_again = app.reserve(mug, order, 7).await;
    reserve_again.assert_problem(StatusCode::CONFLICT);
    assert_eq!(reserve_again.json["type"], RESERVATION_CONFLICT_PROBLEM);
    assert_eq!(app.stock(mug).await, initial);

    let never_reserved = app.release(mug, Uuid::new_v4()).await;
    never_reserved.assert_problem(StatusCode::NOT_FOUND);

    let (compass, _) = product("brass-compass");
    let other_product = app.release(compass, order).await;
    other_product.assert_problem(StatusCode::NOT_FOUND);

    let unknown_product = app.release(Uuid::new_v4(), order).await;
    unknown_product.assert_problem(StatusCode::NOT_FOUND);
}

async fn concurrent_releases_give_the_stock_back_once(app: &TestApp) {
    let (soap, initial) = product("sea-salt-soap");
    let order = Uuid::new_v4();
    assert_eq!(
        app.reserve(soap, order, 9).await.status,
        StatusCode::CREATED
    );
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let router = app.router();
            tokio::spawn(async move {
                send(
                    router,
                    axum::http::Request::delete(format!("/products/{soap}/reservations/{order}"))
                        .body(axum::body::Body::empty())
                        .expect("a request"),
                )
                .await
            })
        })
        .collect();
    for call in calls {
        assert_eq!(
            call.await.expect("the call task").status,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(app.stock(soap).await, initial);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    reserving_twice_for_one_order_takes_the_stock_once,
    short_stock_is_409_and_changes_nothing,
    fifty_concurrent_orders_for_ten_units_sell_exactly_ten,
    the_same_order_reserving_concurrently_takes_the_stock_once,
    releasing_gives_the_stock_back_once,
    concurrent_releases_give_the_stock_back_once,
);

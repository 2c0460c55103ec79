//! The admin listings `shop check` reads: `/admin/stock` and `/admin/reservations`.

use axum::http::StatusCode;
use products::catalog::CATALOG;
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, TestService};

async fn as_admin(app: &TestApp, uri: &str, token: &str) -> shop_testing::Reply {
    app.send(shop_testing::get(uri, Some(token))).await
}

async fn the_listings_need_the_admin_token(app: &TestApp) {
    for uri in ["/admin/stock", "/admin/reservations"] {
        app.get(uri).await.assert_problem(StatusCode::UNAUTHORIZED);
        as_admin(app, uri, "not-the-token")
            .await
            .assert_problem(StatusCode::FORBIDDEN);
    }
}

async fn stock_and_reservations_are_listed_page_by_page(app: &TestApp) {
    let product = CATALOG[0].product_id();
    let (kept, released) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        app.reserve(product, kept, 2).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.reserve(product, released, 3).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.release(product, released).await.status,
        StatusCode::NO_CONTENT
    );

    let stock = as_admin(app, "/admin/stock?limit=100", ADMIN_TOKEN).await;
    assert_eq!(stock.status, StatusCode::OK, "{stock:?}");
    assert_eq!(stock.json["total"], CATALOG.len());
    let items = stock.json["items"].as_array().expect("items");
    assert_eq!(items.len(), CATALOG.len());
    let listed = items
        .iter()
        .find(|item| item["id"] == product.to_string())
        .expect("the product is listed");
    assert_eq!(listed["stock"], CATALOG[0].stock - 2);

    let first = as_admin(app, "/admin/reservations?limit=1", ADMIN_TOKEN).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.json["total"], 2);
    assert_eq!(first.json["items"].as_array().map(Vec::len), Some(1));
    let all = as_admin(app, "/admin/reservations", ADMIN_TOKEN).await;
    let status_of = |order: Uuid| {
        all.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|item| item["order_id"] == order.to_string())
            .map(|item| (item["status"].clone(), item["quantity"].clone()))
    };
    assert_eq!(status_of(kept), Some(("reserved".into(), 2.into())));
    assert_eq!(status_of(released), Some(("released".into(), 3.into())));

    as_admin(app, "/admin/reservations?limit=0", ADMIN_TOKEN)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    the_listings_need_the_admin_token,
    stock_and_reservations_are_listed_page_by_page,
);

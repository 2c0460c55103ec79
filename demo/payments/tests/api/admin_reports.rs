//! The admin listing `shop check` reads: `/admin/payments`.

use axum::http::StatusCode;
use payments::faults::{PAYMENT_FAILURE, payment_failure};
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, TestService, get};

async fn listing(app: &TestApp, uri: &str) -> shop_testing::Reply {
    app.send(get(uri, Some(ADMIN_TOKEN))).await
}

async fn the_listing_needs_the_admin_token(app: &TestApp) {
    app.get("/admin/payments")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

async fn every_payment_is_listed_with_its_status(app: &TestApp) {
    let user = Uuid::new_v4();
    let (charged, refunded, declined) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        app.charge(charged, user, 100).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.charge(refunded, user, 200).await.status,
        StatusCode::CREATED
    );
    assert_eq!(app.refund(refunded).await.status, StatusCode::OK);
    app.app
        .faults()
        .put(PAYMENT_FAILURE, payment_failure(100))
        .expect("the fault is set");
    assert_eq!(
        app.charge(declined, user, 300).await.status,
        StatusCode::PAYMENT_REQUIRED
    );

    let all = listing(app, "/admin/payments").await;
    assert_eq!(all.status, StatusCode::OK, "{all:?}");
    assert_eq!(all.json["total"], 3);
    let status_of = |order: Uuid| {
        all.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|item| item["order_id"] == order.to_string())
            .map(|item| item["status"].clone())
    };
    assert_eq!(status_of(charged), Some("charged".into()));
    assert_eq!(status_of(refunded), Some("refunded".into()));
    assert_eq!(status_of(declined), Some("declined".into()));

    let page = listing(app, "/admin/payments?limit=2&offset=2").await;
    assert_eq!(
        page.json["items"].as_array().map(Vec::len),
        Some(1),
        "{page:?}"
    );
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    the_listing_needs_the_admin_token,
    every_payment_is_listed_with_its_status,
);

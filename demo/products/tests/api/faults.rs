//! `productFailure` through `PUT /admin/faults/productFailure`: one product fails, the
//! others answer; the every-product variant fails the whole catalog; removing it heals.

use axum::http::StatusCode;
use products::catalog::CATALOG;
use products::faults::{FAILURE_STATUS, PRODUCT_FAILURE, every_product_failure, product_failure};
use seawall::chaos::FaultSpec;
use shop_testing::faults::{delete_fault, put_fault};
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, TestService};

async fn put(app: &TestApp, spec: &FaultSpec) -> StatusCode {
    let spec = serde_json::to_value(spec).expect("a spec as JSON");
    put_fault(app.router(), ADMIN_TOKEN, PRODUCT_FAILURE, &spec)
        .await
        .status
}

fn failed() -> StatusCode {
    StatusCode::from_u16(FAILURE_STATUS).expect("a status")
}

async fn one_product_fails_and_the_others_answer(app: &TestApp) {
    let broken = CATALOG[0].product_id();
    let healthy = CATALOG[1].product_id();
    let stock = app.stock(broken).await;
    assert_eq!(
        put(app, &product_failure(broken, 100)).await,
        StatusCode::CREATED
    );

    assert_eq!(
        app.get(&format!("/products/{broken}")).await.status,
        failed()
    );
    let reserve = app.reserve(broken, Uuid::new_v4(), 1).await;
    assert_eq!(reserve.status, failed(), "{reserve:?}");
    assert_eq!(
        app.stock(broken).await,
        stock,
        "the failed reservation took nothing"
    );
    assert_eq!(
        app.get(&format!("/products/{healthy}")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/products").await.status, StatusCode::OK);

    // Graded: at 0% the same fault fails nothing.
    assert_eq!(put(app, &product_failure(broken, 0)).await, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/products/{broken}")).await.status,
        StatusCode::OK
    );

    let removed = delete_fault(app.router(), ADMIN_TOKEN, PRODUCT_FAILURE).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{removed:?}");
}

async fn every_product_fails_until_removed(app: &TestApp) {
    let product = CATALOG[2].product_id();
    assert_eq!(
        put(app, &every_product_failure(100)).await,
        StatusCode::CREATED
    );

    assert_eq!(
        app.get(&format!("/products/{product}")).await.status,
        failed()
    );
    assert_eq!(app.get("/products").await.status, failed());

    let removed = delete_fault(app.router(), ADMIN_TOKEN, PRODUCT_FAILURE).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{removed:?}");
    assert_eq!(
        app.get(&format!("/products/{product}")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/products").await.status, StatusCode::OK);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    one_product_fails_and_the_others_answer,
    every_product_fails_until_removed,
);

//! What the service adds around its API: health, metrics, admin state and faults.

use axum::http::StatusCode;
use products::catalog::CATALOG;
use serde_json::json;
use shop_testing::faults::{delete_fault, put_fault};
use shop_testing::{admin_state, assert_route_counted};
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, TestService};

async fn health_checks_the_database(app: &TestApp) {
    let live = app.get("/health/live").await;
    assert_eq!(live.status, StatusCode::OK);

    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    assert_eq!(ready.json["checks"]["storage"], "ok");

    app.app.storage().close().await;
    let closed = app.get("/health/ready").await;
    closed.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(closed.json["checks"]["storage"].is_string());
    assert_ne!(closed.json["checks"]["storage"], "ok");
}

async fn admin_state_reports_the_stock_totals(app: &TestApp) {
    let product = CATALOG[0].product_id();
    assert_eq!(
        app.reserve(product, Uuid::new_v4(), 2).await.status,
        StatusCode::CREATED
    );

    let state = admin_state(&app.router(), ADMIN_TOKEN, "products").await;
    let totals = &state.json["state"];
    let seeded: i64 = CATALOG.iter().map(|entry| entry.stock).sum();
    assert_eq!(totals["products"], CATALOG.len());
    assert_eq!(totals["stock"], seeded - 2);
    assert_eq!(totals["reservations_reserved"], 1);
    assert_eq!(totals["quantity_reserved"], 2);
}

async fn a_product_failure_fault_hits_only_its_product(app: &TestApp) {
    let failing = CATALOG[0].product_id();
    let healthy = CATALOG[1].product_id();
    let spec = json!({"kind": "abort", "status": 503, "match": {"entity": failing}});
    let put = put_fault(app.router(), ADMIN_TOKEN, "productFailure", &spec).await;
    assert_eq!(put.status, StatusCode::CREATED, "{put:?}");

    let hit = app.get(&format!("/products/{failing}")).await;
    hit.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(hit.json["error_type"], "fault_injected");
    let reserve = app.reserve(failing, Uuid::new_v4(), 1).await;
    reserve.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.stock(failing).await, CATALOG[0].stock);

    assert_eq!(
        app.get(&format!("/products/{healthy}")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/health/ready").await.status, StatusCode::OK);

    let removed = delete_fault(app.router(), ADMIN_TOKEN, "productFailure").await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/products/{failing}")).await.status,
        StatusCode::OK
    );
}

async fn metrics_count_api_requests_by_route(app: &TestApp) {
    assert_eq!(app.get("/products?limit=1").await.status, StatusCode::OK);
    assert_route_counted(app.router(), "/products", "products").await;
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    health_checks_the_database,
    admin_state_reports_the_stock_totals,
    a_product_failure_fault_hits_only_its_product,
    metrics_count_api_requests_by_route,
);

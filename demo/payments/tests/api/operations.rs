//! What the service adds around its API: health, metrics, and the admin routes, whose
//! fault API controls the provider.

use axum::http::{Request, StatusCode};
use serde_json::json;
use shop_testing::assert_route_counted;
use shop_testing::faults::put_fault;
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, TestService, bodiless, get};

async fn health_checks_the_database_without_the_admin_token(app: &TestApp) {
    let live = app.get("/health/live").await;
    assert_eq!(live.status, StatusCode::OK, "{live:?}");
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    assert_eq!(ready.json["checks"]["storage"], "ok");
}

async fn admin_routes_need_the_token(app: &TestApp) {
    for uri in [
        "/admin/state",
        "/admin/faults",
        "/admin/faults/paymentSlow",
        "/admin/other",
    ] {
        app.get(uri).await.assert_problem(StatusCode::UNAUTHORIZED);
    }
    let wrong = app
        .send(get("/admin/faults", Some("not-the-admin-token")))
        .await;
    wrong.assert_problem(StatusCode::FORBIDDEN);
}

async fn admin_faults_are_the_providers_and_state_counts_payments(app: &TestApp) {
    let spec = json!({"kind": "latency", "delay_ms": 20});
    let put = put_fault(app.router(), ADMIN_TOKEN, "paymentSlow", &spec).await;
    assert_eq!(put.status, StatusCode::CREATED, "{put:?}");
    assert_eq!(
        app.app.faults().list().len(),
        1,
        "the provider has the fault"
    );

    let listed = app.send(get("/admin/faults", Some(ADMIN_TOKEN))).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.json["faults"][0]["name"], "paymentSlow");

    assert_eq!(
        app.charge(Uuid::new_v4(), Uuid::new_v4(), 100).await.status,
        StatusCode::CREATED
    );
    let state = app.send(get("/admin/state", Some(ADMIN_TOKEN))).await;
    assert_eq!(state.status, StatusCode::OK, "{state:?}");
    assert_eq!(state.json["service"], "payments");
    assert_eq!(state.json["faults"][0]["name"], "paymentSlow");
    assert_eq!(state.json["state"]["payments"]["charged"], 1);
    assert_eq!(state.json["state"]["payments"]["pending"], 0);
    assert_eq!(state.json["state"]["provider_calls"]["charges"], 1);

    let cleared = app
        .send(bodiless(
            Request::delete("/admin/faults"),
            Some(ADMIN_TOKEN),
        ))
        .await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert!(app.app.faults().list().is_empty());
}

async fn metrics_count_api_requests_by_route(app: &TestApp) {
    assert_eq!(
        app.payment_of(Uuid::new_v4(), Uuid::new_v4()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_route_counted(app.router(), "/payments", "payments").await;
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    health_checks_the_database_without_the_admin_token,
    admin_routes_need_the_token,
    admin_faults_are_the_providers_and_state_counts_payments,
    metrics_count_api_requests_by_route,
);

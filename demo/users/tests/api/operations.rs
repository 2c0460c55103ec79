//! What the service adds around its API: health with the database, admin state.

use axum::http::StatusCode;

use crate::common::{ADMIN_TOKEN, TestApp, TestService};

async fn readiness_checks_the_database(app: &TestApp) {
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status, StatusCode::OK);

    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    assert_eq!(ready.json["checks"]["storage"], "ok");

    app.app.storage().close().await;
    let closed = app.get("/health/ready", None).await;
    closed.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_ne!(closed.json["checks"]["storage"], "ok");
}

async fn admin_state_counts_the_users(app: &TestApp) {
    app.signed_up("babbage").await;

    let state = shop_testing::admin_state(&app.router(), ADMIN_TOKEN, "users").await;
    assert_eq!(state.json["state"]["users"], 1);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    readiness_checks_the_database,
    admin_state_counts_the_users
);

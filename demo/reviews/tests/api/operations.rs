//! What the service adds around its API: health with the database, admin state.

use axum::http::StatusCode;
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp, TestService};

async fn readiness_checks_the_database(app: &TestApp) {
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status, StatusCode::OK);

    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");

    app.app.storage().close().await;
    let closed = app.get("/health/ready", None).await;
    closed.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
}

async fn admin_state_counts_the_reviews(app: &TestApp) {
    let (_, token) = app.user();
    let posted = app.post(Uuid::now_v7(), &token, 5, "great").await;
    assert_eq!(posted.status, StatusCode::CREATED, "{posted:?}");

    let state = shop_testing::admin_state(&app.router(), ADMIN_TOKEN, "reviews").await;
    assert_eq!(state.json["state"]["reviews"], 1);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    readiness_checks_the_database,
    admin_state_counts_the_reviews
);

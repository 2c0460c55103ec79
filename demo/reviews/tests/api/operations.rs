//! What the service adds around its API: health with the database, admin state.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use uuid::Uuid;

use crate::common::{ADMIN_TOKEN, TestApp};

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

    app.get("/admin/state", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let state = app
        .send(
            Request::get("/admin/state")
                .header(header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(state.status, StatusCode::OK, "{state:?}");
    assert_eq!(state.json["service"], "reviews");
    assert_eq!(state.json["state"]["reviews"], 1);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    readiness_checks_the_database,
    admin_state_counts_the_reviews
);

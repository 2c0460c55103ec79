//! What the service adds around its API: health with the database, admin state.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::common::{ADMIN_TOKEN, TestApp};

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

    let refused = app.get("/admin/state", None).await;
    refused.assert_problem(StatusCode::UNAUTHORIZED);

    let state = app
        .send(
            Request::get("/admin/state")
                .header(header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
                .body(Body::empty())
                .expect("a request"),
        )
        .await;
    assert_eq!(state.status, StatusCode::OK, "{state:?}");
    assert_eq!(state.json["service"], "users");
    assert_eq!(state.json["state"]["users"], 1);
}

shop_testing::on_both_backends!(
    crate::common::TestApp,
    readiness_checks_the_database,
    admin_state_counts_the_users
);
